"""Combine the per-model Big Five scores into one score per person and trait, and measure how far the models agree.

Scores follow the paper's "Number-L3-Inc" scale (docs/paper.md §2): 1..3 increasing, 0 = "insufficient information".
A 0 is an abstention, not a low score, so both the aggregate and every agreement statistic treat it as missing.
"""
from __future__ import annotations

from itertools import combinations
from typing import Literal

import numpy as np
import polars as pl
from scipy.stats import rankdata

from personax_platform.traits.constants import TRAITS

SCORE_COLUMNS = ("person_id", "model", "trait", "score")
MAX_SCORE = 3
ALL_TRAITS = "all"  # label of the agreement row that pools every trait
_ROW = "row"
_MAX_SHOWN = 5  # offending rows quoted in an error message; enough to locate the problem without flooding logs

NO_MODELS = "fewer than 2 models"
NO_OVERLAP = "no person rated non-zero by 2+ models"
FEW_COMMON = "fewer than 2 persons rated non-zero by both models of any pair"
CONSTANT = "constant ratings"

AGREEMENT_SCHEMA = pl.Schema({
    "trait": pl.String, "n_units": pl.Int64, "n_persons": pl.Int64, "exact_agreement": pl.Float64,
    "mean_spearman": pl.Float64, "krippendorff_alpha": pl.Float64, "reason": pl.String,
})


def _offending(rows: pl.DataFrame, columns: list[str]) -> str:
    shown = rows.head(_MAX_SHOWN).select(_ROW, *columns)
    text = "; ".join(f"row {idx}: {dict(zip(columns, values))}" for idx, *values in shown.iter_rows())
    return text + (f"; ... ({len(rows)} rows in all)" if len(rows) > _MAX_SHOWN else "")


def _validated(scores: pl.DataFrame) -> pl.DataFrame:
    """The input with `score` as Int64, after rejecting anything outside the long-table contract."""
    missing = [c for c in SCORE_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(f"scores is missing columns {missing}; expected {list(SCORE_COLUMNS)}")
    # Rows are named by position, as the error messages have always quoted them.
    frame = scores.select(list(SCORE_COLUMNS)).with_row_index(_ROW)
    null_keys = frame.filter(pl.any_horizontal(pl.col("person_id", "model", "trait").is_null()))
    if len(null_keys):
        raise ValueError(f"person_id, model and trait must be set: {_offending(null_keys, list(SCORE_COLUMNS))}")
    bad_trait = frame.filter(~pl.col("trait").is_in(TRAITS))
    if len(bad_trait):
        raise ValueError(f"trait must be one of {TRAITS}: {_offending(bad_trait, ['trait'])}")
    numeric = pl.col("score").cast(pl.Float64, strict=False)
    bad_score = frame.filter((numeric.is_between(0, MAX_SCORE) & (numeric % 1 == 0)).not_().fill_null(True))
    if len(bad_score):
        raise ValueError(f"score must be an integer in 0..{MAX_SCORE}: {_offending(bad_score, ['score'])}")
    # Two answers from one model for the same person and trait would silently weight that model twice.
    duplicated = frame.filter(pl.struct("person_id", "model", "trait").is_duplicated())
    if len(duplicated):
        raise ValueError(
            f"one score per person_id, model and trait expected: {_offending(duplicated, list(SCORE_COLUMNS))}"
        )
    return frame.select(list(SCORE_COLUMNS)).with_columns(numeric.cast(pl.Int64))


def aggregate_scores(scores: pl.DataFrame) -> pl.DataFrame:
    """One row per person (present in `scores`) x trait: median of the non-zero model scores.

    Columns: person_id, trait, score (Float64; null when no model gave a non-zero score), n_models (non-zero scores
    behind the median), n_answered (parseable answers, 0s included), both Int64. Rows are sorted by person_id, then
    TRAITS order.
    """
    frame = _validated(scores)
    rated = pl.col("score").filter(pl.col("score") > 0)
    stats = frame.group_by("person_id", "trait").agg(
        score=rated.median().cast(pl.Float64), n_models=rated.len().cast(pl.Int64), n_answered=pl.len().cast(pl.Int64)
    )
    # Full grid, so a trait no model answered still shows up (null, n_answered 0) instead of vanishing.
    grid = frame.select(pl.col("person_id").unique().sort()).join(
        pl.DataFrame({"trait": TRAITS}), how="cross", maintain_order="left_right")
    return grid.join(stats, on=["person_id", "trait"], how="left", maintain_order="left").with_columns(
        pl.col("n_models", "n_answered").fill_null(0))


def krippendorff_alpha(
    ratings: np.ndarray, metric: Literal["ordinal", "nominal"] = "ordinal"
) -> tuple[float, str]:
    """Krippendorff's alpha for a units x coders matrix with NaN for missing values, and why it is NaN if so.

    Coincidence-matrix formulation of Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": units with
    fewer than two values are not pairable and drop out; the ordinal metric depends only on the ranks of the values
    and on how often each value was used.
    """
    if metric not in ("ordinal", "nominal"):
        raise ValueError(f"metric must be 'ordinal' or 'nominal', not {metric!r}")
    data = np.asarray(ratings, dtype=float)
    present = ~np.isnan(data)
    pairable = present.sum(axis=1) >= 2
    data, present = data[pairable], present[pairable]
    if not len(data):
        return float("nan"), NO_OVERLAP
    values = np.unique(data[present])
    # counts[u, c]: how many coders gave unit u the c-th value.
    counts = np.stack([((data == v) & present).sum(axis=1) for v in values], axis=1).astype(float)
    weight = 1.0 / (counts.sum(axis=1) - 1)
    # o[c, k] = sum over units of (c-k pairs, self-pairs excluded) / (m_u - 1).
    weighted = counts * weight[:, None]
    coincidence = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    marginals = coincidence.sum(axis=1)
    n = marginals.sum()
    delta2 = _ordinal_delta2(marginals) if metric == "ordinal" else 1.0 - np.eye(len(values))
    expected = (np.outer(marginals, marginals) * delta2).sum()
    if expected == 0:  # a single value used throughout: no variation to agree or disagree about
        return float("nan"), CONSTANT
    return float(1.0 - (n - 1) * (coincidence * delta2).sum() / expected), ""


def _ordinal_delta2(marginals: np.ndarray) -> np.ndarray:
    """Squared ordinal distance: (sum of n_g for g from c to k, minus (n_c + n_k) / 2) squared."""
    cumulative = np.cumsum(marginals)
    idx = np.arange(len(marginals))
    lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
    between = cumulative[hi] - cumulative[lo] + marginals[lo]
    return (between - (marginals[:, None] + marginals[None, :]) / 2) ** 2


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, str]:
    """Spearman's rho (average ranks for ties) on the persons both models rated non-zero (NaN = missing)."""
    both = ~np.isnan(x) & ~np.isnan(y)
    if both.sum() < 2:
        return float("nan"), FEW_COMMON
    rx, ry = rankdata(x[both]), rankdata(y[both])
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return float("nan"), CONSTANT
    return float(np.corrcoef(rx, ry)[0, 1]), ""


def _agreement_row(wide: pl.DataFrame, models: list[str]) -> dict[str, object]:
    """Agreement statistics for a units x models table of non-zero scores (null = missing or 0)."""
    present = [m for m in models if wide[m].null_count() < len(wide)]
    multi = wide.filter(pl.sum_horizontal(pl.col(models).is_not_null()) >= 2) if models else wide.clear()
    row: dict[str, object] = {
        "n_units": len(multi),
        "n_persons": multi["person_id"].n_unique(),
        "exact_agreement": None,
        "mean_spearman": None,
        "krippendorff_alpha": None,
        "reason": "",
    }
    if len(present) < 2:
        return row | {"reason": NO_MODELS}
    if multi.is_empty():
        return row | {"reason": NO_OVERLAP}
    row["exact_agreement"] = multi.select(
        (pl.max_horizontal(present) == pl.min_horizontal(present)).mean()).item()
    ratings = wide.select(present).to_numpy().astype(float)  # NaN for missing, as the statistics expect
    rhos = [_spearman(ratings[:, a], ratings[:, b]) for a, b in combinations(range(len(present)), 2)]
    defined = [rho for rho, _ in rhos if not np.isnan(rho)]
    reasons = []
    if defined:
        row["mean_spearman"] = float(np.mean(defined))
    else:
        reasons.append("mean_spearman: " + ", ".join(sorted({why for _, why in rhos})))
    alpha, why = krippendorff_alpha(multi.select(present).to_numpy().astype(float))
    row["krippendorff_alpha"] = None if why else alpha
    if why:
        reasons.append(f"krippendorff_alpha: {why}")
    return row | {"reason": "; ".join(reasons)}


def agreement(scores: pl.DataFrame) -> pl.DataFrame:
    """Inter-model agreement per trait, plus an ALL_TRAITS row pooling every person x trait as one unit.

    A unit (person, or person x trait for the pooled row) counts when at least two models scored it non-zero.
    Columns: trait, n_units, n_persons (distinct persons among those units), exact_agreement (share of units whose
    non-zero scores are all equal), mean_spearman (mean over model pairs with a defined rho), krippendorff_alpha
    (ordinal), reason (why a statistic is null; empty when none is). Degenerate data gives null, never an error.
    """
    frame = _validated(scores)
    models = sorted(frame["model"].unique())
    # Units sorted by person, then trait name: the order the statistics' floating-point sums have always run in.
    wide = (frame.filter(pl.col("score") > 0)
            .pivot(on="model", index=["person_id", "trait"], values="score", sort_columns=True)
            .sort("person_id", "trait"))
    models = [m for m in models if m in wide.columns]
    by_trait = {trait: part for (trait,), part in wide.partition_by("trait", as_dict=True).items()}
    rows = [{"trait": trait} | _agreement_row(by_trait.get(trait, wide.clear()), models) for trait in TRAITS]
    rows.append({"trait": ALL_TRAITS} | _agreement_row(wide, models))
    return pl.DataFrame(rows, schema=AGREEMENT_SCHEMA)
