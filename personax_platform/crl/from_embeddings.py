"""The model's inputs from the warehouse's embedding tables: the face embedding is the image modality's one
measurement, each LLM's description embedding one measurement of the text modality (models in name order).

A modality that no person has (a cohort without photos) is left out, with the reason, so that the model trains on
the modalities present (`CRLConfig.restricted_to`). Within a present modality, a person without a usable face, or
without a description embedding from every model, gets NaN rows; `train_crl` drops and lists them.
`complete_people` counts who is left, so a caller can decline to train on too few.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from personax_platform.crl.inputs import Measurements

IMAGE, TEXT, FACE = "image", "text", "face"


@dataclass(frozen=True)
class EmbeddingInputs:
    """The measurements of the modalities present and, for each modality left out, why."""
    measurements: Measurements
    absent: dict[str, str]

    @property
    def modalities(self) -> list[str]:
        """The modalities present, in causal order."""
        return list(self.measurements.modalities)

    def describe(self) -> str:
        """E.g. "text (3 measurements: rater_a, rater_b, rater_c); absent: image — no person has a face embedding
        (600 no_image)"."""
        present = [f"{modality} ({len(blocks)} measurement{'s' * (len(blocks) != 1)}: {', '.join(blocks)})"
                   for modality, blocks in self.measurements.modalities.items()]
        absent = [f"{modality} — {why}" for modality, why in self.absent.items()]
        return "; ".join(present or ["none"]) + (f"; absent: {'; '.join(absent)}" if absent else "")


def measurements_from_embeddings(faces: pd.DataFrame, texts: pd.DataFrame) -> EmbeddingInputs:
    """`faces`: face_embeddings rows (person_id, status, space, embedding); `texts`: text_embeddings rows
    (person_id, model, status, space, embedding). Every person of either table gets a row."""
    ok_faces, ok_texts = faces[faces["status"] == "ok"], texts[texts["status"] == "ok"]
    _one_space(ok_faces, "face_embeddings")
    _one_space(ok_texts, "text_embeddings")
    people = sorted(set(faces["person_id"]) | set(texts["person_id"]))
    modalities: dict[str, dict[str, np.ndarray]] = {}
    absent: dict[str, str] = {}
    if ok_faces.empty:
        absent[IMAGE] = _why_absent(faces, "a face embedding")
    else:
        modalities[IMAGE] = {FACE: _matrix(ok_faces, people, "face_embeddings")}
    if ok_texts.empty:
        absent[TEXT] = _why_absent(texts, "a description embedding")
    else:
        modalities[TEXT] = {model: _matrix(rows, people, f"text_embeddings[model={model}]")
                            for model, rows in ok_texts.groupby("model", sort=True)}
    return EmbeddingInputs(Measurements(modalities=modalities, ids=people), absent)


def complete_people(measurements: Measurements) -> int:
    """Persons with every measurement present, the structured block included when there is one (those the model can
    train on; a structured block without any feature leaves nobody)."""
    blocks = [np.asarray(a) for m in measurements.modalities.values() for a in m.values()]
    if measurements.structured is not None:
        blocks.append(np.asarray(measurements.structured))
    if not blocks or any(block.size == 0 for block in blocks):
        return 0
    return int(np.all([~np.isnan(block).any(axis=1) for block in blocks], axis=0).sum())


def _why_absent(rows: pd.DataFrame, what: str) -> str:
    """The statuses say whether the input was missing (no_image) or its step failed."""
    statuses = ", ".join(f"{count} {status}" for status, count in rows["status"].value_counts().items())
    return f"no person has {what} ({statuses or 'no rows'})"


def _one_space(rows: pd.DataFrame, table: str) -> None:
    """Vectors from two encoders (e.g. dlib in one league, insightface in another) cannot share a model input."""
    spaces = rows.groupby("space")["league"].unique() if "league" in rows else rows.groupby("space").size()
    if len(spaces) > 1:
        raise ValueError(f"{table} mixes embedding spaces {spaces.to_dict()}: re-embed every league of the "
                         "dataset with one backend before training")


def _matrix(rows: pd.DataFrame, people: list[str], table: str) -> np.ndarray:
    """(len(people), dim) float32, NaN where a person has no vector; `rows` is not empty."""
    duplicated = rows["person_id"][rows["person_id"].duplicated()].unique()
    if len(duplicated):
        raise ValueError(f"{table}: several vectors for person_id {list(duplicated[:5])}")
    vectors = rows.set_index("person_id")["embedding"]
    dim = len(vectors.iloc[0])
    out = np.full((len(people), dim), np.nan, dtype=np.float32)
    position = {person: i for i, person in enumerate(people)}
    for person, vector in vectors.items():
        out[position[person]] = np.asarray(vector, dtype=np.float32)
    return out
