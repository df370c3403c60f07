"""Level I against the planted dependencies: which pairs are truly dependent, power, FDP and untested pairs."""
import numpy as np
import pandas as pd
import pytest

from personax_platform.known_truth import judged_pairs, level1_metrics, level1_table, planted_pairs
from personax_platform.stats import ATHLETE_FEATURES, CELEBRITY_FEATURES
from personax_platform.traits.constants import TRAITS


def test_the_planted_dependencies_follow_d_connection_in_the_planted_dag():
    athletes = planted_pairs("athletes", TRAITS, [v.name for v in ATHLETE_FEATURES]).set_index(["trait", "feature"])
    assert not athletes.loc["agreeableness", "dependent"].any()  # pure noise in the generator
    assert not athletes.xs("birth_month", level="feature")["dependent"].any()
    assert athletes.loc[("conscientiousness", "league"), "direct"]
    # league is a common cause of birth year and of height: dependent, but through no planted edge
    assert athletes.loc[("openness", "height_cm"), "dependent"] and not athletes.loc[("openness", "height_cm"),
                                                                                     "direct"]
    celebrities = planted_pairs("celebrities", TRAITS, [v.name for v in CELEBRITY_FEATURES])
    celebrities = celebrities.set_index(["trait", "feature"])
    assert celebrities.loc[("openness", "gender"), "dependent"]  # gender -> occupation -> openness
    assert not celebrities.loc[("agreeableness", "birth_year"), "dependent"]  # only through colliders
    for feature in ("Big_Lips", "Narrow_Eyes", "day_sin", "day_of_year", "birth_day"):
        assert not celebrities.xs(feature, level="feature")["dependent"].any(), feature
    assert celebrities.loc[("agreeableness", "Oval_Face"), "direct"]


def test_a_feature_unknown_to_the_planted_structure_is_an_error():
    with pytest.raises(ValueError, match="shoe_size"):
        planted_pairs("athletes", ["openness"], ["shoe_size"])


def _results(kind: str, significant_if) -> pd.DataFrame:
    """A Level I table over the kind's features for two models and two tests, `significant` as the rule says."""
    features = [v.name for v in (ATHLETE_FEATURES if kind == "athletes" else CELEBRITY_FEATURES)]
    truth = planted_pairs(kind, TRAITS, features)
    rows = [{"model": model, "trait": t, "feature": f, "test": test, "status": "ok",
             "significant": bool(significant_if(dependent))}
            for model in ("aggregated", "rater_a") for test in ("kci", "hsic")
            for t, f, dependent in zip(truth["trait"], truth["feature"], truth["dependent"])]
    return pd.DataFrame(rows).astype({"significant": "boolean"})  # nullable, as run_level1 stores it


@pytest.mark.parametrize("kind", ["athletes", "celebrities"])
def test_exactly_the_planted_pairs_significant_gives_power_one_and_no_false_discovery(kind):
    table = level1_table(_results(kind, lambda dependent: dependent), kind)
    assert len(table) == 4
    assert (table["power"] == 1).all() and (table["power_direct"] == 1).all() and (table["fdp"] == 0).all()
    assert (table["found"] == table["n_dependent"]).all() and (table["n_not_tested"] == 0).all()


def test_false_discoveries_untested_and_inapplicable_pairs_are_counted_apart():
    results = _results("athletes", lambda dependent: dependent)
    judged = results.merge(planted_pairs("athletes", TRAITS, results["feature"].unique()), how="left")
    mine = (judged["model"] == "aggregated") & (judged["test"] == "kci")
    null, dependent = judged.index[mine & ~judged["dependent"]], judged.index[mine & judged["dependent"]]
    results.loc[null[0], "significant"] = True  # one chance discovery
    results.loc[dependent[0], ["status", "significant"]] = ["failed", None]  # could not be tested
    results.loc[dependent[1], ["status", "significant"]] = ["skipped", None]  # the test does not apply
    row = level1_table(results, "athletes").set_index(["model", "test"]).loc[("aggregated", "kci")]
    assert row["n_not_tested"] == 1 and row["n_not_tested_dependent"] == 1 and row["n_not_applicable"] == 1
    assert row["n_dependent"] == 23 and row["found"] == 22  # the failed pair is a miss, the skipped one is out
    assert row["power"] == pytest.approx(22 / 23)
    assert row["false_discoveries"] == 1 and row["fdp"] == pytest.approx(1 / 23)


def test_nothing_significant_is_power_zero_and_fdp_zero_and_no_dependent_pair_is_nan_with_reason():
    table = level1_table(_results("athletes", lambda dependent: False), "athletes")
    assert (table["power"] == 0).all() and (table["fdp"] == 0).all()
    results = _results("athletes", lambda dependent: dependent)
    only_nulls = results[results["trait"] == "agreeableness"]
    metrics = level1_metrics(level1_table(only_nulls, "athletes"))
    power = metrics[metrics["metric"] == "power"]
    assert power["value"].isna().all() and power["reason"].str.contains("no truly dependent pair").all()


def test_run_level1_names_are_split_into_model_and_trait():
    results = _results("athletes", lambda dependent: dependent).drop(columns="model")
    results["trait"] = "aggregated:" + results["trait"]
    judged = judged_pairs(results, "athletes")
    assert set(judged["model"]) == {"aggregated"} and set(judged["trait"]) == set(TRAITS)
    assert judged["found"].eq(judged["dependent"]).all() and not np.any(judged["dependent"].isna())
