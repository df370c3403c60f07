"""The structured measurement of the shared latent block: each person's numeric bio facts from the bios table.

The identifying assumption (assumption.py) needs a measurement of the shared block of its own, one that sees neither
the face nor the description. The bios' structured fields are that measurement; which ones, by kind (the observed
graph's biography nodes, causal_graph/observed.py, less birth month and day):
- numbers: birth_year, latitude and longitude (of the nationality), height_cm, weight_kg;
- categories, one 0/1 indicator per value: gender, and league (athletes) or occupation (celebrities).
Left out: names, descriptions and every other free text; birth month and day (and the day-of-year features made from
them), which neither a face nor a description shows; the position, whose values are each league's own vocabulary
(NHL "C", ATP "Right-Handed"), so the league already says what it could; the CelebA face attributes, labels read off
the photos: a measurement of the image modality, not of the shared block alone.

No imputation: a missing value stays NaN (a missing category is NaN in each of its indicators), so that `train_crl`
drops and lists the person rather than training on an invented fact. No standardisation: `train_crl` standardises
with the training rows' statistics. A column that takes one value or none (gender in the all-male athlete leagues,
a league indicator in a one-league dataset) informs nothing; it is dropped and its name recorded.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

NUMERIC: tuple[str, ...] = ("birth_year", "latitude", "longitude", "height_cm", "weight_kg")
CATEGORICAL: dict[str, tuple[str, ...]] = {  # per dataset kind
    "athletes": ("gender", "league"),
    "celebrities": ("gender", "occupation"),
}
PERSON_ID = "person_id"


@dataclass(frozen=True)
class BioFeatures:
    """`matrix`: (persons, features) in the order of `ids` and `names` (a category's indicators are named
    "column=value"), NaN where a value is missing; `constant`: the columns dropped because they do not vary."""
    ids: list[str]
    matrix: np.ndarray
    names: list[str]
    constant: list[str]

    def aligned(self, ids: Sequence[str]) -> np.ndarray:
        """The rows of `ids`, in their order; a person without a bio gets a row of NaN."""
        position = {person: row for row, person in enumerate(self.ids)}
        out = np.full((len(ids), len(self.names)), np.nan)
        found = [(i, position[person]) for i, person in enumerate(ids) if person in position]
        if found:
            targets, sources = zip(*found)
            out[list(targets)] = self.matrix[list(sources)]
        return out

    def describe(self) -> str:
        """E.g. "7 features: birth_year, ...; constant, dropped: gender=male"."""
        head = f"{len(self.names)} feature{'s' * (len(self.names) != 1)}: {', '.join(self.names) or 'none'}"
        return head + (f"; constant, dropped: {', '.join(self.constant)}" if self.constant else "")


def structured_bio_features(bios: pd.DataFrame, kind: str) -> BioFeatures:
    """The structured features of every person of `bios` (rows of the bios table, one per person) for a dataset of
    `kind` ("athletes" or "celebrities"). Raises a ValueError naming the field for a missing column, a duplicated or
    missing person_id, or a number column that holds text or infinite values."""
    if kind not in CATEGORICAL:
        raise ValueError(f"kind must be one of {sorted(CATEGORICAL)}, got {kind!r}")
    categorical = CATEGORICAL[kind]
    missing = [column for column in (PERSON_ID, *NUMERIC, *categorical) if column not in bios.columns]
    if missing:
        raise ValueError(f"bios lacks the column(s) {missing} needed for the {kind} structured features")
    ids = bios[PERSON_ID]
    if ids.isna().any():
        raise ValueError(f"bios: {int(ids.isna().sum())} row(s) without a {PERSON_ID}")
    if ids.duplicated().any():
        raise ValueError(f"bios: duplicated {PERSON_ID} {sorted(ids[ids.duplicated()].unique())[:5]}")
    columns = [_number(bios[column], column) for column in NUMERIC]
    columns += [_indicators(bios[column], column) for column in categorical]
    features = pd.concat(columns, axis=1)
    varies = features.nunique(dropna=True) > 1
    return BioFeatures(ids=[str(person) for person in ids],
                       matrix=features.loc[:, varies].to_numpy(dtype=float, na_value=np.nan),
                       names=list(features.columns[varies]), constant=list(features.columns[~varies]))


def _number(values: pd.Series, column: str) -> pd.Series:
    try:
        numbers = pd.to_numeric(values).astype(float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"bios column {column!r} must be numeric: {error}") from None
    if np.isinf(numbers).any():
        raise ValueError(f"bios column {column!r} has infinite values")
    return numbers.rename(column).reset_index(drop=True)


def _indicators(values: pd.Series, column: str) -> pd.DataFrame | pd.Series:
    """One 0/1 column per value (sorted), NaN for a person whose value is missing; a column with no value at all
    stays one all-NaN column under its own name, so that it is recorded as constant."""
    values = values.reset_index(drop=True)
    if values.isna().all():
        return pd.Series(np.nan, index=values.index, name=column)
    present = values.notna()
    dummies = pd.get_dummies(values[present].astype(str), prefix=column, prefix_sep="=", dtype=float)
    return dummies.reindex(values.index)
