"""Group `release_import`: a published PersonaX-format release (hub repo id or local folder) loaded back into the
warehouse, so that people who only have a release can run the analyses on it."""
import dagster as dg
import pandas as pd
from pydantic import Field

from assets.metadata import table_metadata
from personax_platform.release.folder import read_release_folder
from personax_platform.release.hub import locate_release

SCHEMA = "release_import"  # warehouse schema of the imported tables; the assets sit in the `release` group
TABLES = ("people", "model_scores", "aggregated", "face_embeddings", "text_embeddings")


class ReleaseImportConfig(dg.Config):
    source: str = Field(description="A hub dataset repo id (e.g. 'my-lab/personax-celebpersona', read through "
                                    "huggingface_hub; offline, only its local cache) or a local release folder.")


@dg.multi_asset(
    outs={name: dg.AssetOut(key=[SCHEMA, name], kinds={"huggingface", "parquet"}, owners=["team:ml-research"],
                            code_version="1",
                            description=f"The imported release's `{name}` table"
                                        + (" with categorical codes decoded." if name == "people" else "."))
          for name in TABLES},
    group_name="release",
)
def release_import(context: dg.AssetExecutionContext, config: ReleaseImportConfig):
    folder = locate_release(config.source)
    release = read_release_folder(folder)
    context.log.info(f"release of {release.dataset} from {folder} (prompt sha {release.provenance.get('prompt_sha')})")
    for name in TABLES:
        table = release.people_decoded() if name == "people" else release.tables[name]
        yield dg.Output(_with_dataset(table, release.dataset), output_name=name,
                        metadata={**table_metadata(table.drop(columns="embedding", errors="ignore")),
                                  "source": config.source})


def _with_dataset(table: pd.DataFrame, dataset: str) -> pd.DataFrame:
    return table.assign(dataset=dataset) if "dataset" not in table else table
