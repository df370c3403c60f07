"""What a release contains, built from the warehouse tables of one dataset.

people           pid, categorical features as indices (see `categories`), numeric biography, CelebA face attributes
categories       column, index, value: the published code book of the categorical features
model_scores     pid, model, trait, score: each LLM's 0–3 score under the release's prompt (0 = insufficient info)
aggregated       pid, trait, score (median of non-zero scores), n_models
face_embeddings  pid, space, embedding: rotated by the release secret (`obfuscate`), one space per backend/model
text_embeddings  pid, model, space, embedding: each LLM's description embedded, rotated the same way

Names, descriptions, raw answers, image references, source ids and files never enter these tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from personax_platform.bios.schema import FACE_ATTRIBUTES
from personax_platform.release.obfuscate import obfuscate
from personax_platform.release.pseudonyms import pseudonymize
from personax_platform.traits.constants import TRAITS

CATEGORICAL = ("league", "gender", "nationality", "position", "occupation")
NUMERIC = ("birth_year", "birth_month", "birth_day", "day_of_year", "day_sin", "day_cos", "latitude", "longitude",
           "height_cm", "weight_kg")
TABLES = ("people", "categories", "model_scores", "aggregated", "face_embeddings", "text_embeddings")


@dataclass
class Release:
    dataset: str
    tables: dict[str, pd.DataFrame]
    provenance: dict[str, object] = field(default_factory=dict)  # prompt, models, encoders: for the card

    def people_decoded(self) -> pd.DataFrame:
        """`people` with the categorical indices turned back into their values (for analyses of the release)."""
        people, codes = self.tables["people"].copy(), self.tables["categories"]
        for column in CATEGORICAL:
            book = codes[codes["column"] == column].set_index("index")["value"]
            people[column] = people.pop(f"{column}_idx").map(book)
        return people


def build_release(dataset: str, bios: pd.DataFrame, trait_scores: pd.DataFrame, aggregated: pd.DataFrame,
                  secret: bytes, face_embeddings: pd.DataFrame | None = None,
                  text_embeddings: pd.DataFrame | None = None) -> Release:
    people, categories = _coded_people(bios)
    answered = trait_scores[trait_scores["status"] == "ok"]
    model_scores = answered.melt(id_vars=["person_id", "model"], value_vars=list(TRAITS), var_name="trait",
                                 value_name="score").astype({"score": "int8"})
    tables = {
        "people": pseudonymize(people, secret),
        "categories": categories,
        "model_scores": pseudonymize(model_scores.sort_values(["person_id", "model", "trait"]), secret),
        "aggregated": pseudonymize(aggregated[["person_id", "trait", "score", "n_models"]]
                                   .sort_values(["person_id", "trait"]), secret),
        "face_embeddings": _embeddings(face_embeddings, ["person_id"], secret),
        "text_embeddings": _embeddings(text_embeddings, ["person_id", "model"], secret),
    }
    provenance = {
        "prompt_id": _single(trait_scores, "prompt_id"), "prompt_sha": _single(trait_scores, "prompt_sha"),
        "models": sorted(answered["model"].unique()),
        "face_spaces": _spaces(tables["face_embeddings"]), "text_spaces": _spaces(tables["text_embeddings"]),
        "rows_per_league": bios["league"].value_counts().sort_index().to_dict(),
    }
    return Release(dataset, tables, provenance)


def _coded_people(bios: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = bios[["person_id", *NUMERIC, *FACE_ATTRIBUTES]].copy()
    books = []
    for column in CATEGORICAL:
        values = sorted(bios[column].dropna().unique())
        index = {value: i for i, value in enumerate(values)}
        people[f"{column}_idx"] = bios[column].map(index).astype("Int32")
        books.append(pd.DataFrame({"column": column, "index": range(len(values)), "value": values}))
    return people.sort_values("person_id"), pd.concat(books, ignore_index=True).astype({"index": "int32"})


def _embeddings(frame: pd.DataFrame | None, keys: list[str], secret: bytes) -> pd.DataFrame:
    """Rotated embeddings of the rows with status ok, one space (backend or encoder / model id) at a time."""
    columns = ["pid", *keys[1:], "space", "embedding"]
    if frame is None or frame.empty:
        return pd.DataFrame(columns=columns)
    usable = frame[frame["status"] == "ok"] if "status" in frame else frame
    parts = []
    for space, rows in usable.groupby("space", sort=True):
        vectors = obfuscate(np.stack(rows["embedding"].to_numpy()), secret, space)
        part = rows[keys].assign(space=space, embedding=list(vectors))
        parts.append(pseudonymize(part, secret))
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def _single(frame: pd.DataFrame, column: str) -> str | None:
    values = frame[column].dropna().unique()
    if len(values) > 1:
        raise ValueError(f"trait scores mix {len(values)} values of {column}: a release uses one prompt")
    return str(values[0]) if len(values) else None


def _spaces(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["space"].unique()) if len(frame) else []
