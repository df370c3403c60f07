"""The study's people: a seeded sample in which every stratum keeps its share."""
from __future__ import annotations

import pandas as pd
import pytest

from personax_platform.consistency.sample import stratified_sample


def people() -> pd.DataFrame:
    leagues = ["nba"] * 60 + ["nfl"] * 30 + ["pga"] * 10
    return pd.DataFrame({"person_id": [f"p{i:03d}" for i in range(100)], "league": leagues})


def test_strata_keep_their_share_of_the_sample():
    sample = stratified_sample(people(), 10, "league", seed=1)
    assert sample["league"].value_counts().to_dict() == {"nba": 6, "nfl": 3, "pga": 1}


def test_the_same_seed_gives_the_same_sample_and_another_seed_another():
    first, again = stratified_sample(people(), 10, "league", 1), stratified_sample(people(), 10, "league", 1)
    assert first.equals(again)
    assert not first.equals(stratified_sample(people(), 10, "league", 2))


def test_rounding_gives_the_exact_size_by_largest_remainder():
    sample = stratified_sample(people(), 7, "league", seed=3)  # exact shares 4.2, 2.1, 0.7
    assert len(sample) == 7 and sample["league"].value_counts().to_dict() == {"nba": 4, "nfl": 2, "pga": 1}


def test_a_small_cohort_is_taken_whole_and_missing_strata_values_are_a_stratum():
    few = pd.DataFrame({"person_id": ["b", "a"], "occupation": [None, "actor"]})
    assert stratified_sample(few, 5, "occupation", 0)["person_id"].tolist() == ["a", "b"]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="at least 1"):
        stratified_sample(people(), 0, "league", 0)
    with pytest.raises(ValueError, match="'team'"):
        stratified_sample(people(), 5, "team", 0)
