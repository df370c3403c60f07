"""The structured bio features that measure the shared latent block: numbers and one-hot categories of the bios
table as stored (typed through its contract), missing values kept missing, constant columns dropped by name."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from personax_platform.arrow_pandas import to_pandas
from personax_platform.bios.schema import BIOS
from personax_platform.crl.bio_features import structured_bio_features

NUMBERS = ["birth_year", "latitude", "longitude", "height_cm", "weight_kg"]


def _bios(**columns: list) -> pd.DataFrame:
    """Bios rows as the warehouse stores them: every column of the contract, None where not given."""
    rows = len(next(iter(columns.values())))
    frame = pd.DataFrame({name: columns.get(name, [None] * rows) for name in BIOS.names})
    return to_pandas(pa.Table.from_pandas(frame, schema=BIOS, preserve_index=False))  # typed as the lake stores it


def _athletes() -> pd.DataFrame:
    return _bios(person_id=["a", "b", "c"], name=["Ann Example", "Bo Example", "Cy Example"],
                 description=["tall", "fast", "calm"], position=["C", "G", "F"], league=["nba", "nfl", "nba"],
                 gender=["male"] * 3, birth_year=[1990, 1985, 2000], birth_month=[1, 2, 3], birth_day=[4, 5, 6],
                 latitude=[38.0, 52.0, 38.0], longitude=[-97.0, 5.0, -97.0], height_cm=[200.0, 185.0, 210.0],
                 weight_kg=[100.0, 90.0, 110.0])


def test_athletes_get_their_numbers_and_one_indicator_per_league_and_the_constant_gender_is_dropped_by_name():
    features = structured_bio_features(_athletes(), "athletes")
    assert features.ids == ["a", "b", "c"]
    assert features.names == [*NUMBERS, "league=nba", "league=nfl"]
    assert features.constant == ["gender=male"]
    np.testing.assert_array_equal(features.matrix[1], [1985, 52.0, 5.0, 185.0, 90.0, 0.0, 1.0])
    assert "gender=male" in features.describe() and features.describe().startswith("7 features: birth_year")


def test_names_descriptions_positions_and_birth_days_never_become_features():
    names = structured_bio_features(_athletes(), "athletes").names
    assert not [name for name in names if name.split("=")[0] in
                ("name", "description", "position", "birth_month", "birth_day", "source_id", "image_ref")]


def test_celebrities_get_gender_and_occupation_indicators_and_no_league_or_face_attribute():
    bios = _bios(person_id=["x", "y", "z"], league=["celebrities"] * 3, gender=["female", "male", "female"],
                 occupation=["actor", "politician", "actor"], birth_year=[1970, 1980, 1990], latitude=[1.0, 2.0, 3.0],
                 longitude=[4.0, 5.0, 6.0], height_cm=[160.0, 180.0, 170.0], weight_kg=[50.0, 80.0, 60.0],
                 Big_Nose=[1, -1, 1])
    features = structured_bio_features(bios, "celebrities")
    assert features.names == [*NUMBERS, "gender=female", "gender=male", "occupation=actor", "occupation=politician"]
    assert features.constant == []


def test_a_missing_value_stays_missing_so_that_training_drops_the_person_instead_of_inventing_it():
    bios = _athletes()
    bios.loc[0, "height_cm"] = np.nan
    bios.loc[1, "league"] = pd.NA
    bios.loc[2, "birth_year"] = pd.NA
    features = structured_bio_features(bios, "athletes")
    missing = pd.DataFrame(np.isnan(features.matrix), columns=features.names, index=features.ids)
    assert missing.loc["a"].tolist() == [name == "height_cm" for name in features.names]
    assert missing.loc["b"].tolist() == [name.startswith("league=") for name in features.names]
    assert missing.loc["c"].tolist() == [name == "birth_year" for name in features.names]


def test_a_column_nobody_has_is_recorded_as_constant_and_dropped():
    bios = _athletes()
    bios["weight_kg"] = np.nan
    features = structured_bio_features(bios, "athletes")
    assert "weight_kg" not in features.names and "weight_kg" in features.constant
    assert not np.isnan(features.matrix).any()


def test_rows_align_to_the_embeddings_people_and_a_person_without_a_bio_gets_nan():
    features = structured_bio_features(_athletes(), "athletes")
    aligned = features.aligned(["c", "nobody", "a"])
    np.testing.assert_array_equal(aligned[0], features.matrix[2])
    np.testing.assert_array_equal(aligned[2], features.matrix[0])
    assert np.isnan(aligned[1]).all() and aligned.shape == (3, len(features.names))


@pytest.mark.parametrize(("change", "kind", "message"), [
    (lambda b: b.drop(columns=["height_cm"]), "athletes", "height_cm"),
    (lambda b: b.drop(columns=["occupation"]), "celebrities", "occupation"),
    (lambda b: b.assign(person_id=["a", "a", "c"]), "athletes", "duplicated person_id"),
    (lambda b: b.assign(person_id=["a", None, "c"]), "athletes", "without a person_id"),
    (lambda b: b.astype({"weight_kg": object}).assign(weight_kg=["90", "heavy", "80"]), "athletes", "'weight_kg'"),
    (lambda b: b.assign(latitude=[1.0, np.inf, 2.0]), "athletes", "'latitude' has infinite"),
    (lambda b: b, "robots", "kind must be one of"),
])
def test_bad_bios_raise_an_error_naming_the_field(change, kind, message):
    with pytest.raises(ValueError, match=message):
        structured_bio_features(change(_athletes()), kind)
