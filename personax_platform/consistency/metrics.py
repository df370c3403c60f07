"""From the study's answers to its metrics: stability across repeats, agreement between variants, the winner.

Standard deviations are sample SDs (ddof = 1) of one person's repeated answers to one trait on the common 1–3 scale
(`design.common_scale`), averaged over people; a person counts when at least two repeats gave a non-zero score.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from personax_platform.consistency.design import PAPER_PAIRS, VARIANTS, common_scale
from personax_platform.llm.client import LLMResult
from personax_platform.prompts import PromptTemplate
from personax_platform.traits.constants import TRAITS
from personax_platform.traits.parse import parse_answer

# The client's reason prefix for an answer its validator (the strict parser) rejected.
_PARSE_FAILURE_PREFIX = "invalid answer:"
GROUP = ["dataset", "model", "variant", "trait"]


def study_scores(results: Sequence[LLMResult], prompts: Mapping[str, PromptTemplate]) -> pd.DataFrame:
    """One row per request × trait: the parsed level (increasing orientation), its common-scale value, a status."""
    rows = []
    for r in results:
        meta = r.metadata
        prompt = prompts[meta["variant"]]
        base = {k: meta[k] for k in ("dataset", "league", "person_id", "variant", "repeat")}
        base.update(model=r.model_name, levels=prompt.levels, request_hash=r.request_hash)
        if r.status == "ok":
            scores = parse_answer(r.raw_response or "", prompt).scores
            for trait in TRAITS:
                rows.append({**base, "trait": trait, "status": "ok", "reason": None, "level": scores[trait],
                             "common": common_scale(scores[trait], prompt.levels)})
        else:
            reason = r.failure_reason or ""
            status = "parse_failed" if reason.startswith(_PARSE_FAILURE_PREFIX) else "failed"
            rows.extend({**base, "trait": trait, "status": status, "reason": reason, "level": None,
                         "common": np.nan} for trait in TRAITS)
    frame = pd.DataFrame(rows, columns=["dataset", "league", "person_id", "model", "variant", "repeat", "trait",
                                        "levels", "status", "reason", "level", "common", "request_hash"])
    return frame.astype({"level": "Int64", "common": "float64", "repeat": "int64", "levels": "int64"})


def stability(scores: pd.DataFrame) -> pd.DataFrame:
    """Per dataset × model × variant × trait: mean SD across repeats, missing, failure and parse-failure rates."""
    rows = []
    for key, group in scores.groupby(GROUP, sort=True):
        answered = group[group["status"] == "ok"]
        per_person = group.dropna(subset=["common"]).groupby("person_id")["common"]
        sds = per_person.std(ddof=1)[per_person.count() >= 2]
        rows.append(dict(zip(GROUP, key)) | {
            "requests": len(group),
            "failure_rate": float((group["status"] != "ok").mean()),
            "parse_failure_rate": float((group["status"] == "parse_failed").mean()),
            "missing_rate": float((answered["level"] == 0).mean()) if len(answered) else np.nan,
            "n_people": int(len(sds)),
            "mean_sd": float(sds.mean()) if len(sds) else np.nan,
            "reason": None if len(sds) else "no person has two non-zero repeats",
        })
    return pd.DataFrame(rows, columns=[*GROUP, "requests", "failure_rate", "parse_failure_rate", "missing_rate",
                                       "n_people", "mean_sd", "reason"])


def discrepancy(scores: pd.DataFrame, pairs: Sequence[tuple[str, str]] = PAPER_PAIRS) -> pd.DataFrame:
    """Per dataset × model × variant pair: mean |difference| of a person's mean common-scale score per trait.

    Only person × trait cells that both variants scored non-zero (in at least one repeat) count.
    """
    means = (scores.dropna(subset=["common"])
             .groupby(["dataset", "model", "variant", "person_id", "trait"])["common"].mean().unstack("variant"))
    rows = []
    for (dataset, model), cells in means.groupby(level=["dataset", "model"], sort=True):
        for a, b in pairs:
            both = cells[[a, b]].dropna() if {a, b} <= set(cells.columns) else pd.DataFrame(columns=[a, b])
            rows.append({"dataset": dataset, "model": model, "variant_a": a, "variant_b": b, "n_cells": len(both),
                         "mean_abs_diff": float((both[a] - both[b]).abs().mean()) if len(both) else np.nan,
                         "reason": None if len(both) else "no person × trait scored non-zero by both variants"})
    return pd.DataFrame(rows, columns=["dataset", "model", "variant_a", "variant_b", "n_cells", "mean_abs_diff",
                                       "reason"])


def variant_ranking(stable: pd.DataFrame) -> pd.DataFrame:
    """Variants from most to least stable: mean SD over models and traits, ties broken by missing then failure
    rate, then the paper's variant order. Variants without any SD rank last."""
    summary = stable.groupby("variant").agg(mean_sd=("mean_sd", "mean"), missing_rate=("missing_rate", "mean"),
                                            failure_rate=("failure_rate", "mean")).reset_index()
    summary["order"] = summary["variant"].map({v: i for i, v in enumerate(VARIANTS)}).fillna(len(VARIANTS))
    summary = summary.sort_values(["mean_sd", "missing_rate", "failure_rate", "order"], na_position="last")
    return summary.drop(columns="order").reset_index(drop=True).assign(rank=lambda f: np.arange(1, len(f) + 1))
