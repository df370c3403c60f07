"""Frozen copy of personax_platform/traits/aggregate.py's aggregation and agreement (pandas)."""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from personax_platform.traits.aggregate import krippendorff_alpha
from personax_platform.traits.constants import TRAITS

SCORE_COLUMNS = ("person_id", "model", "trait", "score")
MAX_SCORE = 3
ALL_TRAITS = "all"  # label of the agreement row that pools every trait
_MAX_SHOWN = 5  # offending rows quoted in an error message; enough to locate the problem without flooding logs

NO_MODELS = "fewer than 2 models"
NO_OVERLAP = "no person rated non-zero by 2+ models"
FEW_COMMON = "fewer than 2 persons rated non-zero by both models of any pair"
CONSTANT = "constant ratings"


def _offending(rows: pd.DataFrame, columns: list[str]) -> str:
    shown = rows[columns].head(_MAX_SHOWN)
    text = "; ".join(f"row {idx}: {dict(zip(columns, values))}" for idx, values in zip(shown.index, shown.values))
    return text + (f"; ... ({len(rows)} rows in all)" if len(rows) > _MAX_SHOWN else "")


def _validated(scores: pd.DataFrame) -> pd.DataFrame:
    """The input with `score` as int, after rejecting anything outside the long-table contract."""
    missing = [c for c in SCORE_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(f"scores is missing columns {missing}; expected {list(SCORE_COLUMNS)}")
    frame = scores[list(SCORE_COLUMNS)]
    null_keys = frame[["person_id", "model", "trait"]].isna().any(axis=1)
    if null_keys.any():
        raise ValueError(f"person_id, model and trait must be set: {_offending(frame[null_keys], list(SCORE_COLUMNS))}")
    bad_trait = ~frame["trait"].isin(TRAITS)
    if bad_trait.any():
        raise ValueError(f"trait must be one of {TRAITS}: {_offending(frame[bad_trait], ['trait'])}")
    numeric = pd.to_numeric(frame["score"], errors="coerce")
    bad_score = numeric.isna() | (numeric % 1 != 0) | ~numeric.between(0, MAX_SCORE)
    if bad_score.any():
        raise ValueError(f"score must be an integer in 0..{MAX_SCORE}: {_offending(frame[bad_score], ['score'])}")
    # Two answers from one model for the same person and trait would silently weight that model twice.
    duplicated = frame.duplicated(["person_id", "model", "trait"], keep=False)
    if duplicated.any():
        raise ValueError(
            f"one score per person_id, model and trait expected: {_offending(frame[duplicated], list(SCORE_COLUMNS))}"
        )
    return frame.assign(score=numeric.astype(int))


def aggregate_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per person (present in `scores`) x trait: median of the non-zero model scores.

    Columns: person_id, trait, score (float; NaN when no model gave a non-zero score), n_models (non-zero scores
    behind the median), n_answered (parseable answers, 0s included). Rows are sorted by person_id, then TRAITS order.
    """
    frame = _validated(scores)
    rated = frame[frame["score"] > 0]
    keys = ["person_id", "trait"]
    # Full grid, so a trait no model answered still shows up (as NaN with n_answered 0) instead of vanishing.
    grid = pd.MultiIndex.from_product([sorted(frame["person_id"].unique()), TRAITS], names=keys)
    out = pd.DataFrame(
        {
            "score": rated.groupby(keys)["score"].median().astype(float),
            "n_models": rated.groupby(keys).size(),
            "n_answered": frame.groupby(keys).size(),
        }
    ).reindex(grid)
    counts = ["n_models", "n_answered"]
    out[counts] = out[counts].fillna(0).astype(int)
    return out.reset_index()


def _spearman(x: pd.Series, y: pd.Series) -> tuple[float, str]:
    """Spearman's rho (average ranks for ties) on the persons both models rated non-zero."""
    both = x.notna() & y.notna()
    if both.sum() < 2:
        return float("nan"), FEW_COMMON
    rx, ry = x[both].rank(), y[both].rank()
    if rx.nunique() == 1 or ry.nunique() == 1:
        return float("nan"), CONSTANT
    return float(np.corrcoef(rx, ry)[0, 1]), ""


def _agreement_row(wide: pd.DataFrame) -> dict[str, object]:
    """Agreement statistics for a units x models table of non-zero scores (NaN = missing or 0)."""
    models = [m for m in wide.columns if wide[m].notna().any()]
    multi = wide[wide.notna().sum(axis=1) >= 2]
    units = multi.index.get_level_values("person_id")
    row: dict[str, object] = {
        "n_units": len(multi),
        "n_persons": units.nunique(),
        "exact_agreement": float("nan"),
        "mean_spearman": float("nan"),
        "krippendorff_alpha": float("nan"),
        "reason": "",
    }
    if len(models) < 2:
        return row | {"reason": NO_MODELS}
    if multi.empty:
        return row | {"reason": NO_OVERLAP}
    row["exact_agreement"] = float((multi.nunique(axis=1) == 1).mean())
    rhos = [_spearman(wide[a], wide[b]) for a, b in combinations(models, 2)]
    defined = [rho for rho, _ in rhos if not np.isnan(rho)]
    reasons = []
    if defined:
        row["mean_spearman"] = float(np.mean(defined))
    else:
        reasons.append("mean_spearman: " + ", ".join(sorted({why for _, why in rhos})))
    row["krippendorff_alpha"], why = krippendorff_alpha(multi[models].to_numpy(dtype=float))
    if why:
        reasons.append(f"krippendorff_alpha: {why}")
    return row | {"reason": "; ".join(reasons)}


def agreement(scores: pd.DataFrame) -> pd.DataFrame:
    """Inter-model agreement per trait, plus an ALL_TRAITS row pooling every person x trait as one unit.

    A unit (person, or person x trait for the pooled row) counts when at least two models scored it non-zero.
    Columns: trait, n_units, n_persons (distinct persons among those units), exact_agreement (share of units whose
    non-zero scores are all equal), mean_spearman (mean over model pairs with a defined rho), krippendorff_alpha
    (ordinal), reason (why a statistic is NaN; empty when none is). Degenerate data gives NaN, never an error.
    """
    frame = _validated(scores)
    rated = frame[frame["score"] > 0]
    wide = rated.pivot(index=["person_id", "trait"], columns="model", values="score")
    rows = []
    for trait in TRAITS:
        mine = wide[wide.index.get_level_values("trait") == trait]
        rows.append({"trait": trait} | _agreement_row(mine))
    rows.append({"trait": ALL_TRAITS} | _agreement_row(wide))
    return pd.DataFrame(rows)
