"""Trait scores against the truth: a perfect rater, hesitation, failures and half-point medians."""
import numpy as np
import pandas as pd
import polars as pl
import pytest
from scipy.stats import spearmanr

from personax_platform.known_truth import AGGREGATED, score_metrics, score_table
from personax_platform.known_truth.scores import rater_agreement
from personax_platform.traits.aggregate import aggregate_scores
from personax_platform.traits.constants import TRAITS
from personax_platform.traits.inference import long_scores

N = 60


def _truth(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = pd.DataFrame({"person_id": [f"p{i:03d}" for i in range(N)]})
    for trait in TRAITS:
        latent = rng.normal(size=N)
        truth[trait] = latent
        truth[f"{trait}_score"] = 1 + np.searchsorted(np.quantile(latent, [1 / 3, 2 / 3]), latent)
    return truth


def _rated(truth: pd.DataFrame, models: dict[str, dict[str, np.ndarray]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """trait_scores rows (status ok) and the aggregated table the platform would build from them."""
    frames = [pd.DataFrame({"person_id": truth["person_id"], "model": model, "status": "ok",
                            **{t: scores.get(t, truth[f"{t}_score"].to_numpy()) for t in TRAITS}})
              for model, scores in models.items()]
    scores = pd.concat(frames, ignore_index=True)
    return scores, aggregate_scores(long_scores(pl.from_pandas(scores))).to_pandas()


def _row(table: pd.DataFrame, model: str, trait: str) -> pd.Series:
    return table[(table["model"] == model) & (table["trait"] == trait)].iloc[0]


def test_a_perfect_rater_scores_accuracy_one_and_the_tertiles_rank_correlation():
    truth = _truth()
    scores, aggregated = _rated(truth, {"a": {}, "b": {}})
    table = score_table(scores, aggregated, truth)
    for model in ("a", "b", AGGREGATED):
        for trait in TRAITS:
            row = _row(table, model, trait)
            assert row["accuracy"] == 1 and row["coverage"] == 1 and row["hesitation_rate"] == 0
            assert row["spearman"] == pytest.approx(spearmanr(truth[f"{trait}_score"], truth[trait]).statistic)
    assert _row(table, AGGREGATED, "all")["accuracy"] == 1
    alpha = rater_agreement(scores).set_index("trait")["krippendorff_alpha"]
    assert (alpha == 1).all()


def test_hesitation_and_failures_lower_coverage_not_accuracy():
    truth = _truth()
    zeros = truth["openness_score"].to_numpy().copy()
    zeros[: N // 4] = 0  # a quarter "insufficient information"
    scores, aggregated = _rated(truth, {"a": {"openness": zeros}, "b": {}})
    scores.loc[(scores["model"] == "b") & scores["person_id"].isin(truth["person_id"][:N // 2]),
               ["status", *TRAITS]] = ["llm_failed", *[None] * len(TRAITS)]
    aggregated = aggregate_scores(long_scores(pl.from_pandas(scores))).to_pandas()
    table = score_table(scores, aggregated, truth)
    a, b = _row(table, "a", "openness"), _row(table, "b", "openness")
    assert a["hesitation_rate"] == 0.25 and a["coverage"] == 0.75 and a["accuracy"] == 1
    assert b["n_parsed"] == N // 2 and b["hesitation_rate"] == 0 and b["coverage"] == 0.5 and b["accuracy"] == 1
    both_missing = _row(table, AGGREGATED, "openness")  # people a hesitated on and b failed on have no aggregate
    assert both_missing["coverage"] == pytest.approx(1 - (N // 4) / N)
    assert both_missing["hesitation_rate"] == pytest.approx((N // 4) / N)


def test_a_trait_nobody_answered_is_nan_with_a_reason_in_the_metrics():
    truth = _truth()
    scores, aggregated = _rated(truth, {"a": {"neuroticism": np.zeros(N, dtype=int)}})
    table = score_table(scores, aggregated, truth)
    row = _row(table, "a", "neuroticism")
    assert np.isnan(row["accuracy"]) and row["hesitation_rate"] == 1 and "every parsed answer was 0" in row["reason"]
    metrics = score_metrics(table, rater_agreement(scores))
    accuracy = metrics[(metrics["metric"] == "accuracy") & (metrics["scope"] == "a/neuroticism")].iloc[0]
    assert np.isnan(accuracy["value"]) and "every parsed answer was 0" in accuracy["reason"]
    assert metrics[(metrics["scope"] == "a/openness")]["reason"].eq("").all()  # computed values carry no reason


def test_a_median_between_two_disagreeing_raters_is_never_an_exact_match():
    truth = _truth()
    shifted = np.where(truth["openness_score"] == 3, 2, truth["openness_score"] + 1)  # always one step off
    scores, aggregated = _rated(truth, {"a": {}, "b": {"openness": shifted}})
    table = score_table(scores, aggregated, truth)
    assert _row(table, "b", "openness")["accuracy"] == 0
    assert _row(table, AGGREGATED, "openness")["accuracy"] == 0  # every median is x.5
