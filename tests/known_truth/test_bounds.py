"""Holding metrics to their bounds: pass, fail, NaN and missing metrics fail, bounds per kind."""
import math

import pandas as pd

from personax_platform.known_truth import BOUNDS, METRIC_COLUMNS, Bound, evaluate

ACCURACY = Bound("scores", "accuracy", "aggregated/*", low=0.6, why="test bound")
ALPHA = Bound("agreement", "krippendorff_alpha", "raters/all", low=0.4, high=0.8, why="test range")
ATHLETES_ONLY = Bound("level1", "power", "aggregated/kci", low=0.65, kinds=("athletes",))


def _metrics(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(METRIC_COLUMNS))


def test_values_inside_pass_and_outside_fail():
    metrics = _metrics(("scores", "accuracy", "aggregated/openness", 0.7, ""),
                       ("scores", "accuracy", "aggregated/neuroticism", 0.5, ""),
                       ("agreement", "krippendorff_alpha", "raters/all", 0.9, ""))
    result = evaluate(metrics, "celebrities", bounds=(ACCURACY, ALPHA)).set_index("scope")
    assert result.loc["aggregated/openness", "passed"] and not result.loc["aggregated/neuroticism", "passed"]
    assert not result.loc["raters/all", "passed"] and result.loc["raters/all", "bound"] == "in [0.4, 0.8]"
    assert result.loc["aggregated/openness", "note"] == "test bound"


def test_a_nan_metric_fails_with_its_reason_and_a_missing_one_fails_as_not_computed():
    metrics = _metrics(("scores", "accuracy", "aggregated/openness", math.nan, "no parsed answer"))
    result = evaluate(metrics, "athletes", bounds=(ACCURACY, ALPHA, ATHLETES_ONLY))
    assert not result["passed"].any() and len(result) == 3
    notes = result.set_index("metric")["note"]
    assert notes["accuracy"] == "not computed: no parsed answer"
    assert notes["krippendorff_alpha"].startswith("not computed") and notes["power"].startswith("not computed")


def test_a_bound_of_the_other_kind_is_not_applied_and_a_small_cohort_is_noted():
    metrics = _metrics(("scores", "accuracy", "aggregated/openness", 0.7, ""))
    result = evaluate(metrics, "celebrities", n_people=500, bounds=(ACCURACY, ATHLETES_ONLY))
    assert list(result["metric"]) == ["accuracy"] and "the bounds assume about 2000" in result["note"].iloc[0]


def test_every_shipped_bound_states_why_and_a_direction():
    for bound in BOUNDS:
        assert bound.why and len(bound.why) <= 120, bound
        assert bound.low > -math.inf or bound.high < math.inf, bound
