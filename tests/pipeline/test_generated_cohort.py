"""The full-size generated cohorts (4,181 athletes, 9,444 celebrities) normalise without a single rejection, and the
canonical values equal the generator's truth: the known answer later analyses are checked against."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from personax_platform.bios.countries import CountryResolver
from personax_platform.bios.landing import read_raw_bios
from personax_platform.bios.normalize import normalize_bios
from personax_platform.config.datasets import load_config
from personax_platform.sample.generator import generate

CONFIG = load_config()
# The known-truth datasets mirror these leagues' formats but generate their own cohorts (tests/known_truth).
REAL_DATASETS = {ds: cfg for ds, cfg in CONFIG.datasets.items() if not cfg.is_known_truth}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort")
    generate(out, full=True)
    return out


@pytest.fixture(scope="module")
def normalised(cohort) -> dict[str, object]:
    resolver = CountryResolver(CONFIG.country_aliases)
    results = {}
    for league in (lg for cfg in REAL_DATASETS.values() for lg in cfg.leagues):
        source = CONFIG.source(league)
        raw = read_raw_bios(cohort / "landing", source, CONFIG.league_to_dataset[league], league)
        results[league] = normalize_bios(raw, source, resolver)
    return results


def test_full_cohorts_normalise_without_rejections(normalised):
    for league, result in normalised.items():
        assert result.rejected.is_empty(), f"{league}: {result.rejected.select('field', 'reason').head().to_dicts()}"
    sizes = {ds: sum(len(normalised[lg].bios) for lg in cfg.leagues) for ds, cfg in REAL_DATASETS.items()}
    assert sizes == {"athlepersona": 4181, "celebpersona": 9444}


def test_canonical_values_equal_the_generator_truth(cohort, normalised):
    truth = pd.read_parquet(cohort / "truth.parquet").set_index("person_id")
    people = pd.concat([r.bios.to_pandas() for r in normalised.values()]).set_index("person_id")
    assert set(people.index) == set(truth.index)
    truth = truth.loc[people.index]
    for column in ["nationality", "birth_year", "birth_month", "birth_day", "day_of_year", "gender"]:
        assert (people[column].astype(str).values == truth[column].astype(str).values).all(), column
    for column in ["height_cm", "weight_kg", "latitude", "longitude"]:
        np.testing.assert_allclose(people[column].astype(float), truth[column].astype(float), atol=0.06,
                                   err_msg=column)
    celebs = people["dataset"] == "celebpersona"
    for attribute in ["Big_Nose", "Double_Chin", "High_Cheekbones"]:
        assert (people.loc[celebs, attribute].astype(int).values
                == truth.loc[celebs, attribute].astype(int).values).all(), attribute
