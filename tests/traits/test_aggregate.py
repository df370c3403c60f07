import math
import re
from itertools import combinations

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from personax_platform.traits.aggregate import (
    AGREEMENT_SCHEMA,
    ALL_TRAITS,
    CONSTANT,
    NO_MODELS,
    NO_OVERLAP,
    aggregate_scores,
    agreement,
    krippendorff_alpha,
)
from personax_platform.traits.constants import TRAITS

N = math.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: observers A-D (rows) x 12 units,
# values 1..5, N = missing. Published: nominal 0.743, ordinal 0.815.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    ]
).T  # units x coders, as krippendorff_alpha takes it


def long(rows: list[tuple[str | None, str, str, object]]) -> pl.DataFrame:
    schema = {"person_id": pl.String, "model": pl.String, "trait": pl.String, "score": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def from_wide(wide: np.ndarray, trait: str = "openness") -> pl.DataFrame:
    """Long scores from a persons x models matrix; NaN cells become absent rows (failed answers)."""
    return long(
        [
            (f"p{i:05d}", f"m{j}", trait, int(v))
            for i, row in enumerate(wide)
            for j, v in enumerate(row)
            if not np.isnan(v)
        ]
    )


def cell(result: pl.DataFrame, person: str, trait: str) -> dict:
    (row,) = result.filter((pl.col("person_id") == person) & (pl.col("trait") == trait)).to_dicts()
    return row


def by_trait(result: pl.DataFrame) -> dict[str, dict]:
    return {row["trait"]: row for row in result.to_dicts()}


# --- aggregate_scores ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_scores", "expected"),
    [((1, 2), 1.5), ((2, 3), 2.5), ((1, 2, 3), 2.0), ((1, 1, 3), 1.0), ((3,), 3.0)],
)
def test_score_is_median_of_model_scores_including_halves(model_scores, expected):
    scores = long([("p", f"m{i}", "openness", s) for i, s in enumerate(model_scores)])
    row = cell(aggregate_scores(scores), "p", "openness")
    assert row["score"] == expected
    assert row["n_models"] == row["n_answered"] == len(model_scores)


def test_zero_scores_are_dropped_before_the_median_but_count_as_answered():
    scores = long([("p", "a", "openness", 0), ("p", "b", "openness", 1), ("p", "c", "openness", 3)])
    row = cell(aggregate_scores(scores), "p", "openness")
    assert (row["score"], row["n_models"], row["n_answered"]) == (2.0, 2, 3)


def test_all_zero_scores_give_a_missing_score_with_no_contributing_models():
    scores = long([("p", m, "neuroticism", 0) for m in "abc"])
    row = cell(aggregate_scores(scores), "p", "neuroticism")
    assert row["score"] is None
    assert (row["n_models"], row["n_answered"]) == (0, 3)


def test_missing_model_rows_shrink_the_counts_and_unanswered_traits_still_get_a_row():
    scores = long([("p", "a", "openness", 3), ("p", "b", "openness", 2)])  # model c failed; other traits unparsed
    result = aggregate_scores(scores)
    assert list(result["trait"]) == list(TRAITS)
    openness = cell(result, "p", "openness")
    assert [openness[c] for c in ("score", "n_models", "n_answered")] == [2.5, 2, 2]
    unanswered = cell(result, "p", "extraversion")
    assert unanswered["score"] is None and (unanswered["n_models"], unanswered["n_answered"]) == (0, 0)


def test_output_order_and_types_do_not_depend_on_input_order():
    rng = np.random.default_rng(0)
    scores = long([(p, m, t, int(rng.integers(0, 4))) for p in ("z", "a", "m") for m in "abc" for t in TRAITS])
    shuffled = scores.sample(fraction=1, shuffle=True, seed=1)
    expected = aggregate_scores(scores)
    assert_frame_equal(aggregate_scores(shuffled), expected)
    assert list(expected.columns) == ["person_id", "trait", "score", "n_models", "n_answered"]
    assert list(expected["person_id"]) == [p for p in ("a", "m", "z") for _ in TRAITS]
    assert list(expected["trait"]) == list(TRAITS) * 3
    assert expected.schema["score"] == pl.Float64
    assert expected.schema["n_models"] == expected.schema["n_answered"] == pl.Int64


@pytest.mark.parametrize("bad", [4, -1, 1.5, float("nan"), "x", None])
def test_score_outside_zero_to_three_integers_is_rejected_naming_the_row(bad):
    scores = pl.DataFrame({"person_id": ["p", "p"], "model": ["a", "b"], "trait": ["openness"] * 2,
                           "score": [1 if isinstance(bad, int | None) else type(bad)(1), bad]})
    with pytest.raises(ValueError, match=re.escape(f"score must be an integer in 0..3: row 1: {{'score': {bad!r}}}")):
        aggregate_scores(scores)


def test_unknown_trait_is_rejected_naming_the_value():
    with pytest.raises(ValueError, match=r"row 0: \{'trait': 'humility'\}"):
        aggregate_scores(long([("p", "a", "humility", 2)]))


def test_duplicate_model_answer_for_a_person_and_trait_is_rejected():
    scores = long([("p", "a", "openness", 1), ("p", "a", "openness", 3)])
    with pytest.raises(ValueError, match="one score per person_id, model and trait"):
        aggregate_scores(scores)


def test_missing_key_or_column_is_rejected():
    with pytest.raises(ValueError, match=r"missing columns \['score'\]"):
        aggregate_scores(long([("p", "a", "openness", 1)]).drop("score"))
    with pytest.raises(ValueError, match="person_id, model and trait must be set"):
        aggregate_scores(long([(None, "a", "openness", 1)]))


def test_agreement_validates_like_aggregate():
    with pytest.raises(ValueError, match="score must be an integer"):
        agreement(long([("p", "a", "openness", 7)]))


# --- krippendorff_alpha ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("metric", "published"), [("ordinal", 0.815), ("nominal", 0.743)])
def test_alpha_reproduces_krippendorff_2011_published_values(metric, published):
    alpha, reason = krippendorff_alpha(KRIPPENDORFF_2011, metric=metric)
    assert alpha == pytest.approx(published, abs=5e-4) and reason == ""


def test_ordinal_alpha_depends_only_on_the_order_of_values():
    relabelled = np.where(np.isnan(KRIPPENDORFF_2011), N, KRIPPENDORFF_2011**3 + 10)
    assert krippendorff_alpha(relabelled)[0] == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011)[0])


def test_alpha_is_one_for_perfect_agreement_with_missing_values():
    ratings = np.array([[1, 1, N], [2, 2, 2], [3, N, 3], [2, 2, 2], [1, N, N]])
    assert krippendorff_alpha(ratings) == (1.0, "")


def test_alpha_is_nan_with_reason_for_constant_or_unpairable_ratings():
    assert krippendorff_alpha(np.array([[2, 2], [2, 2]]))[1] == CONSTANT
    assert math.isnan(krippendorff_alpha(np.array([[2, 2], [2, 2]]))[0])
    assert krippendorff_alpha(np.array([[1, N], [N, 3]]))[1] == NO_OVERLAP


# --- agreement -------------------------------------------------------------------------------------------------


def test_independent_random_raters_have_alpha_and_spearman_near_zero():
    rng = np.random.default_rng(20111)
    wide = rng.integers(1, 4, size=(3000, 3)).astype(float)
    row = by_trait(agreement(from_wide(wide)))["openness"]
    assert abs(row["krippendorff_alpha"]) < 0.05
    assert abs(row["mean_spearman"]) < 0.05
    assert row["n_persons"] == 3000 and row["reason"] == ""


def test_agreement_statistics_match_direct_computation_with_zeros_as_missing():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(7)
    truth = rng.integers(1, 4, size=200)
    wide = np.stack([np.clip(truth + rng.integers(-1, 2, size=200), 0, 3) for _ in range(3)], axis=1).astype(float)
    wide[rng.random(wide.shape) < 0.1] = N  # failed answers: absent rows
    result = by_trait(agreement(from_wide(wide, "agreeableness")))["agreeableness"]

    rated = np.where(wide == 0, N, wide)  # zeros count as missing everywhere
    rhos = []
    for a, b in combinations(range(3), 2):
        both = ~np.isnan(rated[:, a]) & ~np.isnan(rated[:, b])
        rhos.append(scipy_stats.spearmanr(rated[both, a], rated[both, b]).statistic)
    assert result["mean_spearman"] == pytest.approx(np.mean(rhos), abs=1e-12)
    assert result["krippendorff_alpha"] == pytest.approx(krippendorff_alpha(rated)[0], abs=1e-12)

    multi = rated[(~np.isnan(rated)).sum(axis=1) >= 2]
    same = [len(set(r[~np.isnan(r)])) == 1 for r in multi]
    assert result["n_persons"] == len(multi)
    assert result["exact_agreement"] == pytest.approx(np.mean(same))


def test_exact_agreement_counts_only_persons_rated_non_zero_by_two_models():
    scores = long(
        [
            ("agree", "a", "openness", 2), ("agree", "b", "openness", 2), ("agree", "c", "openness", 0),
            ("differ", "a", "openness", 1), ("differ", "b", "openness", 3),
            ("alone", "a", "openness", 3), ("alone", "b", "openness", 0),
        ]
    )
    row = by_trait(agreement(scores))["openness"]
    assert (row["n_persons"], row["exact_agreement"]) == (2, 0.5)


def test_pooled_row_treats_each_person_and_trait_as_a_unit():
    scores = long([(p, m, t, s) for p, s in (("x", 1), ("y", 3)) for m in "ab" for t in ("openness", "neuroticism")])
    result = by_trait(agreement(scores))
    assert list(result) == [*TRAITS, ALL_TRAITS]
    pooled = result[ALL_TRAITS]
    assert (pooled["n_units"], pooled["n_persons"]) == (4, 2)
    assert (pooled["exact_agreement"], pooled["mean_spearman"], pooled["krippendorff_alpha"]) == (1.0, 1.0, 1.0)


def test_degenerate_data_gives_missing_statistics_with_reasons_instead_of_raising():
    one_model = long([("p", "a", "openness", 2), ("q", "a", "openness", 3), ("p", "b", "openness", 0)])
    row = by_trait(agreement(one_model))["openness"]
    assert row["reason"] == NO_MODELS and row["krippendorff_alpha"] is None

    disjoint = long([("p", "a", "openness", 2), ("q", "b", "openness", 3)])
    assert by_trait(agreement(disjoint))["openness"]["reason"] == NO_OVERLAP

    constant = long([(p, m, "openness", 2) for p in "pqr" for m in "ab"])
    row = by_trait(agreement(constant))["openness"]
    assert row["exact_agreement"] == 1.0
    assert row["mean_spearman"] is None and row["krippendorff_alpha"] is None
    assert row["reason"] == f"mean_spearman: {CONSTANT}; krippendorff_alpha: {CONSTANT}"

    empty = agreement(long([]))
    assert len(empty) == len(TRAITS) + 1 and (empty["reason"] == NO_MODELS).all()
    assert empty.schema == AGREEMENT_SCHEMA


def test_unknown_alpha_metric_is_rejected_rather_than_silently_nominal():
    with pytest.raises(ValueError, match="metric must be"):
        krippendorff_alpha(KRIPPENDORFF_2011, metric="interval")
