"""Stability, discrepancy and the recommended variant, on answers whose spread is known by construction."""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from personax_platform.consistency.metrics import discrepancy, stability, study_scores, variant_ranking
from personax_platform.llm.client import LLMResult
from personax_platform.prompts import PROMPTS_DIR, load_prompt
from personax_platform.traits.constants import TRAITS

PROMPTS = {v: load_prompt(v, PROMPTS_DIR) for v in ("number-l3-inc", "number-l5-dec", "text-l3-inc")}
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def result(person: str, variant: str, repeat: int, answer: dict | None, reason: str | None = None,
           model: str = "m1") -> LLMResult:
    ok = answer is not None
    return LLMResult(
        key=f"{person}/{model}/{variant}/{repeat}", request_hash=f"h-{person}-{model}-{variant}-{repeat}",
        model_name=model, model_string=f"openai/{model}", model_version=None, status="ok" if ok else "failed",
        failure_reason=None if ok else reason, raw_response=json.dumps(answer) if ok else None, finish_reason="stop",
        input_tokens=1, output_tokens=1, cost_usd=0.0, latency_s=0.1, attempts=1, cache_hit=False, run_id="r",
        started_at=NOW, finished_at=NOW,
        metadata={"dataset": "celebpersona", "league": "celebrities", "person_id": person, "variant": variant,
                  "repeat": repeat})


def answer(value, **overrides) -> dict:
    return {"description": "d", "scores": {t: overrides.get(t, value) for t in TRAITS}}


def test_scores_are_parsed_to_the_increasing_orientation_and_the_common_scale():
    scores = study_scores([result("p1", "number-l5-dec", 0, answer(1)), result("p1", "text-l3-inc", 0,
                                                                                  answer("medium"))], PROMPTS)
    dec = scores[scores["variant"] == "number-l5-dec"]
    assert set(dec["level"]) == {5} and set(dec["common"]) == {3.0}  # "1 = very high" on a decreasing L5 scale
    assert set(scores.loc[scores["variant"] == "text-l3-inc", "common"]) == {2.0}


def test_failures_are_rows_with_a_status_and_parse_failures_are_told_apart():
    scores = study_scores([result("p1", "number-l3-inc", 0, None, "invalid answer: AnswerParseError: x"),
                           result("p1", "number-l3-inc", 1, None, "RateLimitError (HTTP 429): slow down")], PROMPTS)
    assert scores.groupby("repeat")["status"].first().tolist() == ["parse_failed", "failed"]
    assert scores["level"].isna().all() and len(scores) == 2 * len(TRAITS)


def test_mean_sd_is_the_average_over_people_of_the_sample_sd_across_repeats():
    results = [result("p1", "number-l3-inc", r, answer(v)) for r, v in enumerate([1, 2, 3])]  # SD 1
    results += [result("p2", "number-l3-inc", r, answer(2)) for r in range(3)]  # SD 0
    results += [result("p3", "number-l3-inc", r, answer(v)) for r, v in enumerate([3, 0, 0])]  # one non-zero
    stable = stability(study_scores(results, PROMPTS)).set_index("trait")
    assert stable.loc["openness", "mean_sd"] == pytest.approx(0.5)
    assert stable.loc["openness", "n_people"] == 2  # p3 has a single non-zero answer
    assert stable.loc["openness", "missing_rate"] == pytest.approx(2 / 9)


def test_rates_count_failures_among_requests_and_zeros_among_answers():
    results = [result("p1", "number-l3-inc", 0, answer(2, openness=0)), result("p1", "number-l3-inc", 1, answer(2)),
               result("p1", "number-l3-inc", 2, None, "invalid answer: bad"),
               result("p1", "number-l3-inc", 3, None, "Timeout")]
    stable = stability(study_scores(results, PROMPTS)).set_index("trait")
    assert stable.loc["openness", ["failure_rate", "parse_failure_rate", "missing_rate"]].tolist() == [0.5, 0.25, 0.5]
    assert math.isnan(stable.loc["openness", "mean_sd"])  # one non-zero answer only
    assert stable.loc["openness", "reason"] == "no person has two non-zero repeats"
    assert stable.loc["extraversion", "mean_sd"] == 0.0


def test_discrepancy_compares_each_persons_mean_score_per_trait_between_variants():
    results = [result("p1", "number-l3-inc", r, answer(3)) for r in range(2)]
    results += [result("p1", "text-l3-inc", r, answer(v)) for r, v in enumerate(["low", "medium"])]  # mean 1.5
    results += [result("p2", "number-l3-inc", 0, answer(2)), result("p2", "text-l3-inc", 0, answer("medium"))]
    table = discrepancy(study_scores(results, PROMPTS), pairs=[("number-l3-inc", "text-l3-inc"),
                                                               ("number-l3-inc", "number-l5-dec")])
    first, second = table.to_dict("records")
    assert first["n_cells"] == 10 and first["mean_abs_diff"] == pytest.approx(0.75)  # (1.5 + 0) / 2
    assert math.isnan(second["mean_abs_diff"]) and second["reason"].startswith("no person")


def test_the_most_stable_variant_ranks_first_and_ties_go_to_fewer_missing_answers():
    stable = pd.DataFrame({
        "variant": ["number-l5-inc", "number-l3-inc", "text-l3-inc", "number-l3-dec"],
        "mean_sd": [0.4, 0.1, 0.1, np.nan], "missing_rate": [0.0, 0.3, 0.2, 0.0], "failure_rate": [0.0] * 4})
    ranking = variant_ranking(stable)
    assert ranking["variant"].tolist() == ["text-l3-inc", "number-l3-inc", "number-l5-inc", "number-l3-dec"]
    assert ranking["rank"].tolist() == [1, 2, 3, 4]
