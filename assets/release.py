"""Group `release`: the privacy-first PersonaX-format publication of one dataset (docs/paper.md §1, release).

The folder (Parquet tables + dataset card) is written under the release directory, scanned for every name,
description and raw LLM answer of the dataset, and only then published to the hub when a repo is configured. The
asset's table is the release manifest: one row per file with its rows and sha256.
"""
import hashlib
from datetime import datetime, timezone

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from assets.bios import BIOS
from assets.embeddings import FACE_EMBEDDINGS, TEXT_EMBEDDINGS
from assets.frame_types import (
    AGGREGATED_TRAITS_FRAME,
    BIOS_FRAME,
    FACE_EMBEDDINGS_FRAME,
    TEXT_EMBEDDINGS_FRAME,
    TRAIT_SCORES_FRAME,
)
from assets.metadata import markdown_table, table_metadata
from assets.partitions import dataset_partitions, league_to_dataset
from assets.traits import AGGREGATED_TRAITS, TRAIT_SCORES, TRAIT_TEXTS
from personax_platform.release.folder import write_release_folder
from personax_platform.release.privacy import find_private_text
from personax_platform.release.tables import build_release
from resources.release import ReleaseResource

PERSONA_RELEASE = dg.AssetKey(["release", "persona_release"])


def _from_leagues(key: dg.AssetKey) -> dg.AssetIn:
    return dg.AssetIn(key=key, partition_mapping=league_to_dataset)


@dg.asset(
    key=PERSONA_RELEASE,
    ins={"people": _from_leagues(BIOS), "scores": _from_leagues(TRAIT_SCORES),
         "aggregated": _from_leagues(AGGREGATED_TRAITS), "texts": _from_leagues(TRAIT_TEXTS),
         "faces": _from_leagues(FACE_EMBEDDINGS), "text_vectors": _from_leagues(TEXT_EMBEDDINGS)},
    group_name="release",
    partitions_def=dataset_partitions,
    owners=["team:data-governance"],
    kinds={"huggingface", "parquet"},
    code_version="1",
    description=(
        "The dataset's PersonaX-format release: pseudonymous ids, coded biography features, per-model and "
        "aggregated trait scores, face and text embeddings rotated by the release secret, and a dataset card with "
        "the usage rules. No names, descriptions, raw answers or images. Published to the hub when "
        "PERSONAX_HF_REPO is set. The table is the manifest of the written files."
    ),
)
def persona_release(context: dg.AssetExecutionContext, release: ReleaseResource, people: BIOS_FRAME,
                    scores: TRAIT_SCORES_FRAME, aggregated: AGGREGATED_TRAITS_FRAME, texts: pd.DataFrame,
                    faces: FACE_EMBEDDINGS_FRAME, text_vectors: TEXT_EMBEDDINGS_FRAME) -> dg.Output:
    dataset = context.partition_key
    built = build_release(dataset, people, scores, aggregated, release.secret(), face_embeddings=faces,
                          text_embeddings=text_vectors)
    built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    folder = write_release_folder(built, release.folder(dataset), built_at)
    private = [*people["name"], *people["description"].dropna(), *people["source_id"].dropna(),
               *people["image_ref"].dropna(), *texts["description"].dropna(), *texts["raw_response"].dropna()]
    leaks = find_private_text(folder, private)
    if leaks:
        raise dg.Failure(description=f"release {folder} contains private text and was not published: "
                                     + "; ".join(leaks[:5]), metadata={"leaks": len(leaks)})
    prompt_sha = built.provenance.get("prompt_sha") or "none"
    url = release.publish(folder, dataset, f"PersonaX release of {dataset} (prompt {prompt_sha[:12]}, {built_at})")
    manifest = _manifest(folder, dataset, built_at)
    return dg.Output(manifest, metadata={
        **table_metadata(manifest),
        "release_folder": dg.MetadataValue.path(str(folder)),
        "published_to": dg.MetadataValue.url(url) if url else "not published (PERSONAX_HF_REPO unset)",
        "people": len(built.tables["people"]),
        "prompt_sha": prompt_sha,
        "privacy_scan": f"no private text found among {len(set(private))} names, descriptions and answers",
        "files": dg.MetadataValue.md(markdown_table(manifest[["file", "rows", "bytes"]], rows=len(manifest))),
    })


def _manifest(folder, dataset: str, built_at: str) -> pd.DataFrame:
    rows = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rows.append({"dataset": dataset, "file": str(path.relative_to(folder)), "built_at": built_at,
                     "rows": pq.read_metadata(path).num_rows if path.suffix == ".parquet" else None,
                     "bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    return pd.DataFrame(rows).astype({"rows": "Int64"})
