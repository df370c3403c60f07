"""Group `embeddings`: one face embedding per person from the bio photo, one text embedding per trait description.

Images are read where the landing area keeps them and never copied: only vectors and quality fields are stored.
Each row names its vector space (backend or encoder / model id); vectors of different spaces are never mixed.
"""
from datetime import datetime, timezone

import dagster as dg
import pandas as pd

from assets.bios import BIOS
from assets.metadata import counts_table, table_metadata
from assets.partitions import league_partitions
from assets.traits import TRAIT_TEXTS
from expectations.asset_checks import gx_asset_check
from expectations.views import with_embedding_quality
from personax_platform.faces.batch import embed_images
from personax_platform.faces.schema import FACE_EMBEDDINGS as FACE_SCHEMA
from personax_platform.text_embeddings.schema import TEXT_EMBEDDINGS as TEXT_SCHEMA
from resources.embeddings import FaceEmbeddingResource, TextEncoderResource
from resources.landing import LandingResource
from resources.llm import LLMResource

GROUP = "embeddings"
OWNERS = ["team:ml-research"]
FACE_EMBEDDINGS = dg.AssetKey([GROUP, "face_embeddings"])
TEXT_EMBEDDINGS = dg.AssetKey([GROUP, "text_embeddings"])
FACE_STATUSES = ["ok", "no_image", "unreadable_image", "no_face_found"]
_PREVIEW = ["person_id", "status", "detection_score", "face_width_px", "faces_found", "reason"]


@dg.asset(
    key=FACE_EMBEDDINGS,
    ins={"people": dg.AssetIn(key=BIOS)},
    group_name=GROUP,
    partitions_def=league_partitions,
    owners=OWNERS,
    kinds={"dlib", "onnx", "parquet"},
    code_version="1",
    automation_condition=dg.AutomationCondition.eager(),
    description=(
        "One row per person: the most confident face of the bio photo, aligned, embedded and L2-normalised, with "
        "backend, model id, dimension, detection score and face size; or the status saying why there is none "
        "(no_image, unreadable_image, no_face_found). Images are read in place and never stored."
    ),
)
def face_embeddings(context: dg.AssetExecutionContext, faces: FaceEmbeddingResource, landing: LandingResource,
                    people: pd.DataFrame) -> dg.Output:
    people = people.sort_values("person_id")
    refs = [None if pd.isna(ref) else str(ref) for ref in people["image_ref"]]  # pandas' NA is not None
    results = embed_images(faces.config(), refs, landing_dir=landing.landing_root(context.partition_key),
                           workers=faces.workers or None, progress=context.log.info)  # to the UI's run view
    now = datetime.now(timezone.utc)
    table = pd.DataFrame({
        "person_id": people["person_id"].to_numpy(), "dataset": people["dataset"].to_numpy(),
        "league": people["league"].to_numpy(), "image_ref": people["image_ref"].to_numpy(),
        "backend": [r.backend for r in results], "model_id": [r.model_id for r in results],
        "space": [f"{r.backend}/{r.model_id}" for r in results], "dimension": [r.dimension for r in results],
        "status": [str(r.status) for r in results], "reason": [r.reason for r in results],
        "detection_score": [r.detection_score for r in results],
        "face_width_px": [r.face_width_px for r in results], "face_height_px": [r.face_height_px for r in results],
        "faces_found": [r.faces_found for r in results], "embedding": [r.embedding for r in results],
        "embedded_at": now,
    })[FACE_SCHEMA.names]
    ok = table[table["status"] == "ok"]
    return dg.Output(table, metadata={
        **table_metadata(table, _PREVIEW, FACE_SCHEMA),
        "embedded": len(ok),
        "status": dg.MetadataValue.md(counts_table(table["status"].value_counts(), "status")),
        "space": table["space"].iloc[0] if len(table) else "",
        "median_detection_score": float(ok["detection_score"].median()) if len(ok) else float("nan"),
        "median_face_width_px": float(ok["face_width_px"].median()) if len(ok) else float("nan"),
    })


@dg.asset(
    key=TEXT_EMBEDDINGS,
    ins={"texts": dg.AssetIn(key=TRAIT_TEXTS)},
    group_name=GROUP,
    partitions_def=league_partitions,
    owners=OWNERS,
    kinds={"onnx", "parquet"},
    code_version="1",
    automation_condition=dg.AutomationCondition.eager(),
    description=(
        "One row per person × LLM: the active prompt's trait description embedded by the configured sentence "
        "encoder (all-MiniLM-L6-v2, 384-d, by default), unit length, with encoder id and dimension. Failed calls "
        "have status no_description and no vector."
    ),
)
def text_embeddings(context: dg.AssetExecutionContext, encoder: TextEncoderResource, llm: LLMResource,
                    texts: pd.DataFrame) -> dg.Output:
    current = texts[texts["prompt_sha"] == llm.prompt().sha].sort_values(["person_id", "model"])
    model = encoder.load()
    has_text = current["description"].notna().to_numpy()
    vectors = model.encode(current.loc[has_text, "description"].tolist(), batch_size=encoder.batch_size,
                           progress=context.log.info)
    embeddings = [None] * len(current)
    for position, vector in zip(has_text.nonzero()[0], vectors):
        embeddings[position] = vector
    table = current[["person_id", "dataset", "league", "model", "prompt_sha"]].assign(
        encoder_id=model.model_id, space=model.model_id, dimension=model.dimension,
        status=["ok" if flag else "no_description" for flag in has_text],
        embedding=pd.Series(embeddings, index=current.index, dtype=object),  # object even when empty (list column)
        embedded_at=datetime.now(timezone.utc))[TEXT_SCHEMA.names]
    return dg.Output(table, metadata={
        **table_metadata(table, ["person_id", "model", "encoder_id", "status"], TEXT_SCHEMA),
        "embedded": int(has_text.sum()),
        "encoder": model.model_id,
    })


def _face_parameters(_resources: object) -> dict:
    return {"face_statuses": FACE_STATUSES}


def _text_parameters(_resources: object) -> dict:
    return {"text_statuses": ["ok", "no_description"]}


face_embeddings_check = gx_asset_check(FACE_EMBEDDINGS, blocking=True, parameters=_face_parameters,
                                       partitions_def=league_partitions, view=with_embedding_quality)
text_embeddings_check = gx_asset_check(TEXT_EMBEDDINGS, blocking=True, parameters=_text_parameters,
                                       partitions_def=league_partitions, view=with_embedding_quality)
