"""Trait scores against the planted traits: per trait and per rater (model) and for the aggregate, how often the score
is the reference tertile, how well it ranks the latent trait, how often the rater hesitates; and how far the raters
agree with one another (traits/aggregate.py `agreement`, unchanged).

Inputs are the platform's own tables plus the cohort's truth (truth.parquet):
- `scores` (traits.trait_scores): person_id, model, status, and one 0..3 column per trait (0 = insufficient
  information);
- `aggregated` (traits.aggregated_traits): person_id, trait, score (median of the non-zero scores; NaN when none),
  n_answered (parsed answers, 0s included);
- `truth`: person_id, the latent traits (one column per trait) and the reference tertiles `<trait>_score` (1/2/3).

Accuracy is exact agreement with the reference tertile among the answered (non-zero) scores; an aggregated median
of two disagreeing raters (1.5, 2.5) therefore never counts as exact. Spearman is against the latent trait, among
the answered. The hesitation rate is the share of 0s among the parsed answers (aggregate: the share of people whose
every parsed answer was 0). Coverage is the share of the cohort with an answered score: a failed request or an
unparsable answer lowers coverage, never accuracy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
from scipy.stats import spearmanr

from personax_platform.known_truth.metrics import AGGREGATED, long_metrics
from personax_platform.traits.aggregate import ALL_TRAITS, agreement
from personax_platform.traits.constants import TRAITS
from personax_platform.traits.inference import long_scores

SECTION = "scores"
AGREEMENT_SECTION = "agreement"
SCORE_COLUMNS = ("model", "trait", "n_people", "n_parsed", "n_answered", "coverage", "hesitation_rate", "accuracy",
                 "spearman", "reason")
SCORE_METRICS = ("accuracy", "spearman", "hesitation_rate", "coverage")
AGREEMENT_METRICS = ("krippendorff_alpha", "exact_agreement", "mean_spearman")
MIN_SPEARMAN_ROWS = 3


def score_table(scores: pd.DataFrame, aggregated: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """SCORE_COLUMNS: one row per model (and `aggregated`) x trait, plus a pooled `all` row per model.

    Every person of `truth` counts, rated or not; rated people absent from `truth` are ignored.
    """
    people = truth.drop_duplicates("person_id").set_index("person_id")
    rows = []
    for model, answers in scores.groupby("model", sort=True):
        answers = answers.drop_duplicates("person_id").set_index("person_id").reindex(people.index)
        parsed = answers["status"].eq("ok")
        rows += _model_rows(str(model), {trait: answers[trait].where(parsed) for trait in TRAITS}, people)
    rows += _model_rows(AGGREGATED, {trait: _aggregate_answers(aggregated, trait, people.index) for trait in TRAITS},
                        people)
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


def _aggregate_answers(aggregated: pd.DataFrame, trait: str, people: pd.Index) -> pd.Series:
    """The aggregate in the per-model convention: NaN = no parsed answer, 0 = every parsed answer was 0."""
    rows = aggregated[aggregated["trait"] == trait].drop_duplicates("person_id").set_index("person_id")
    rows = rows.reindex(people)
    return rows["score"].fillna(0.0).where(rows["n_answered"].fillna(0) > 0)


def _model_rows(model: str, by_trait: dict[str, pd.Series], people: pd.DataFrame) -> list[dict]:
    """One row per trait and the pooled row. Each series: NaN = no parsed answer, 0 = hesitation, else the score."""
    rows = [{"model": model, "trait": trait,
             **_trait_row(pd.to_numeric(by_trait[trait]), people[f"{trait}_score"], people[trait])}
            for trait in TRAITS]
    n_people, n_parsed, n_answered = (sum(row[key] for row in rows) for key in ("n_people", "n_parsed", "n_answered"))
    accuracies = [(row["accuracy"], row["n_answered"]) for row in rows if not np.isnan(row["accuracy"])]
    rhos = [row["spearman"] for row in rows if not np.isnan(row["spearman"])]
    rows.append({
        "model": model, "trait": ALL_TRAITS, "n_people": n_people, "n_parsed": n_parsed, "n_answered": n_answered,
        "coverage": n_answered / n_people if n_people else np.nan,
        "hesitation_rate": (n_parsed - n_answered) / n_parsed if n_parsed else np.nan,
        "accuracy": sum(a * n for a, n in accuracies) / sum(n for _, n in accuracies) if accuracies else np.nan,
        "spearman": float(np.mean(rhos)) if rhos else np.nan,  # mean over traits: latents differ in scale per trait
        "reason": "; ".join(sorted({f"{row['trait']}: {row['reason']}" for row in rows if row["reason"]})),
    })
    return rows


def _trait_row(score: pd.Series, reference: pd.Series, latent: pd.Series) -> dict:
    parsed = score.notna()
    answered = parsed & (score > 0)
    n_people, n_parsed, n_answered = len(score), int(parsed.sum()), int(answered.sum())
    row = {"n_people": n_people, "n_parsed": n_parsed, "n_answered": n_answered,
           "coverage": n_answered / n_people if n_people else np.nan,
           "hesitation_rate": (n_parsed - n_answered) / n_parsed if n_parsed else np.nan,
           "accuracy": np.nan, "spearman": np.nan, "reason": ""}
    if n_answered == 0:
        why = "no parsed answer" if n_parsed == 0 else "every parsed answer was 0 (insufficient information)"
        return row | {"reason": why}
    row["accuracy"] = float((score[answered] == reference[answered]).mean())
    row["spearman"], row["reason"] = _spearman(score[answered].to_numpy(float), latent[answered].to_numpy(float))
    return row


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, str]:
    if len(x) < MIN_SPEARMAN_ROWS:
        return np.nan, f"spearman: {len(x)} answered scores, at least {MIN_SPEARMAN_ROWS} needed"
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan, "spearman: constant scores"
    return float(spearmanr(x, y).statistic), ""


def rater_agreement(scores: pd.DataFrame) -> pd.DataFrame:
    """traits/aggregate.py `agreement` over the parsed answers: per trait and pooled, 0s treated as missing."""
    return agreement(long_scores(pl.from_pandas(scores))).to_pandas()


def score_metrics(table: pd.DataFrame, agreement_table: pd.DataFrame) -> pd.DataFrame:
    """Both tables in the long metrics format (scopes `<model>/<trait>` and `raters/<trait>`)."""
    return pd.concat([
        long_metrics(SECTION, table, ("model", "trait"), SCORE_METRICS),
        long_metrics(AGREEMENT_SECTION, agreement_table.assign(raters="raters"), ("raters", "trait"),
                     AGREEMENT_METRICS),
    ], ignore_index=True)
