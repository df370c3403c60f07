"""Group `bios`: landing files → raw rows → canonical bios (+ quarantine) → per-dataset cohort summary."""
from collections.abc import Iterator

import dagster as dg
import polars as pl

from assets.metadata import counts_table, markdown_table, simulated_notice, table_metadata, value_counts
from assets.partitions import dataset_partitions, league_partitions, league_to_dataset
from expectations.asset_checks import gx_asset_check
from personax_platform.bios import schema
from personax_platform.bios.countries import valid_iso2_codes
from personax_platform.bios.normalize import normalize_bios
from personax_platform.bios.summary import cohort_summary as summarize_cohort
from resources.landing import LandingResource
from resources.settings import SETTINGS

GROUP = "bios"
OWNERS = ["team:data-engineering"]
RAW_BIOS = dg.AssetKey([GROUP, "raw_bios"])
BIOS = dg.AssetKey([GROUP, "bios"])
REJECTED_BIOS = dg.AssetKey([GROUP, "rejected_bios"])
QUARANTINE_SHARE = "quarantine_share"
_BIOS_PREVIEW = ["person_id", "league", "name", "birth_date", "nationality", "height_cm", "weight_kg", "position",
                 "occupation"]


def _suite_parameters(_resources: object) -> dict[str, list[str]]:
    """The datasets and leagues the partitions were made from (the same settings object)."""
    config = SETTINGS.datasets
    return {"datasets": list(config.datasets), "leagues": config.leagues, "iso2_codes": sorted(valid_iso2_codes())}


@dg.asset(
    key=RAW_BIOS,
    group_name=GROUP,
    partitions_def=league_partitions,
    owners=OWNERS,
    kinds={"python", "duckdb", "parquet"},
    code_version="1",
    description=(
        "Every row of a league's landing files (CSV, JSONL or Parquet) exactly as found, with its source file, line "
        "and load time. Unreadable rows are kept with `read_error` so nothing is lost before normalisation."
    ),
)
def raw_bios(context: dg.AssetExecutionContext, landing: LandingResource) -> dg.Output:
    df = landing.read_raw_bios(context.partition_key)
    return dg.Output(df, metadata={
        **table_metadata(df, ["source_file", "source_line", "source_id", "record", "read_error"], schema.RAW_BIOS),
        "files": dg.MetadataValue.md(counts_table(value_counts(df["source_file"], by_key=True), "file")),
        "unreadable_rows": int(df["read_error"].is_not_null().sum()),
    })


@dg.multi_asset(
    outs={
        "bios": dg.AssetOut(
            key=BIOS, owners=OWNERS, kinds={"python", "duckdb", "parquet"}, code_version="1",
            description=(
                "Canonical, typed, unit-normalised bios: one row per person (stable person id from the source "
                "identity), calendar features, ISO nationality with coordinates, height in cm, weight in kg, "
                "CelebA face attributes by majority over images. Validated by a blocking GX suite."
            ),
        ),
        "rejected_bios": dg.AssetOut(
            key=REJECTED_BIOS, owners=OWNERS, kinds={"python", "duckdb", "parquet"}, code_version="1",
            description="Quarantine: one row per problem (file, line, field, value, reason, whole record), "
                        "including duplicates of a person with the row that was kept.",
        ),
    },
    ins={"raw": dg.AssetIn(key=RAW_BIOS)},
    check_specs=[dg.AssetCheckSpec(
        QUARANTINE_SHARE, asset=BIOS, blocking=True,
        description="The share of the league's raw rows sent to the quarantine stays within datasets.yaml's "
                    "`quality.max_rejected_share`. Single bad rows are quarantined and the league goes on; a share "
                    "above the limit is systematic (a misconfigured unit, a broken export) and stops downstream.")],
    group_name=GROUP,
    partitions_def=league_partitions,
)
def bios(context: dg.AssetExecutionContext, landing: LandingResource, raw: pl.DataFrame) -> Iterator:
    league = context.partition_key
    config = landing.config()
    quality = config.quality(league)
    result = normalize_bios(raw, config.source(league), landing.country_resolver(), quality)
    kept, rejected = result.bios, result.rejected
    rejected_rows = rejected.select("source_file", "source_line").unique()
    context.log.info(f"{league}: {len(kept)} people, {len(rejected_rows)} rows rejected, "
                     f"{result.duplicates} duplicates resolved")
    yield dg.Output(kept, output_name="bios", metadata={
        **table_metadata(kept, _BIOS_PREVIEW, schema.BIOS),
        "raw_rows": len(raw),
        "duplicates_resolved": result.duplicates,
        "missing_values": dg.MetadataValue.md(counts_table(
            {column: n for column, n in kept.null_count().row(0, named=True).items() if n}, "column")),
    })
    yield dg.Output(rejected, output_name="rejected_bios", metadata={
        **table_metadata(rejected, ["source_file", "source_line", "field", "value", "reason"],
                         schema.REJECTED_BIOS),
        "rejected_source_rows": len(rejected_rows),
        "problems_by_field": dg.MetadataValue.md(counts_table(value_counts(rejected["field"]), "field")),
    })
    yield quarantine_share_result(len(rejected_rows), len(raw), quality.max_rejected_share)


def quarantine_share_result(rejected_rows: int, raw_rows: int, limit: float) -> dg.AssetCheckResult:
    """Passes while rejected source rows / raw rows <= limit; a league without raw rows has nothing to judge."""
    share = rejected_rows / raw_rows if raw_rows else 0.0
    verdict = "within" if share <= limit else "above"
    return dg.AssetCheckResult(
        check_name=QUARANTINE_SHARE, asset_key=BIOS, passed=share <= limit,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{rejected_rows} of {raw_rows} raw rows quarantined ({share:.1%}), {verdict} the limit "
                    f"of {limit:.0%} (datasets.yaml `quality.max_rejected_share`)",
        metadata={"rejected_rows": rejected_rows, "raw_rows": raw_rows, "share": float(share),
                  "max_rejected_share": float(limit)})


@dg.asset(
    key=[GROUP, "cohort_summary"],
    group_name=GROUP,
    partitions_def=dataset_partitions,
    owners=OWNERS,
    kinds={"python", "duckdb", "parquet"},
    code_version="1",
    ins={
        "people": dg.AssetIn(key=BIOS, partition_mapping=league_to_dataset),
        "rejected": dg.AssetIn(key=REJECTED_BIOS, partition_mapping=league_to_dataset),
    },
    description="Per dataset: people, rejected rows and completeness of every canonical field, by league. "
                "Reads every league partition of its dataset.",
)
def cohort_summary(context: dg.AssetExecutionContext, people: pl.DataFrame, rejected: pl.DataFrame) -> dg.Output:
    summary = summarize_cohort(context.partition_key, people, rejected)
    return dg.Output(summary, metadata={
        **simulated_notice(context.partition_key),
        **table_metadata(summary),
        "people": int(summary["people"].sum()),
        "summary": dg.MetadataValue.md(markdown_table(summary, rows=len(summary))),
    })


# Raw data may be messy (the normaliser quarantines it), so its suite only warns; canonical bios must be right.
raw_bios_check = gx_asset_check(RAW_BIOS, blocking=False, parameters=_suite_parameters,
                                partitions_def=league_partitions)
bios_check = gx_asset_check(BIOS, blocking=True, parameters=_suite_parameters, partitions_def=league_partitions)
