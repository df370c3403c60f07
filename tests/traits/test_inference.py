"""From LLM results to the trait tables: texts, parsed scores, long scores, aggregated traits, prompt versions."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

import polars as pl
import pyarrow as pa
import pytest

from personax_platform.llm.client import LLMResult
from personax_platform.prompts import TRAITS, load_prompt
from personax_platform.traits import schema
from personax_platform.traits.inference import (
    aggregated_table,
    long_scores,
    merge_prompt_versions,
    scores_table,
    texts_table,
)

PROMPT = load_prompt("number-l3-inc")
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def answer(*values: int) -> str:
    return json.dumps({"description": "Calm under pressure.", "scores": dict(zip(TRAITS, values))})


def result(person: str, model: str, raw: str | None, status: str = "ok", reason: str | None = None) -> LLMResult:
    return LLMResult(
        key=f"{person}/{model}", request_hash=f"h-{person}-{model}", model_name=model, model_string=f"openai/{model}",
        model_version="v1", status=status, failure_reason=reason, raw_response=raw, finish_reason="stop",
        input_tokens=900, output_tokens=60, cost_usd=0.001, latency_s=1.5, attempts=1, cache_hit=False, run_id="run",
        started_at=NOW, finished_at=NOW, metadata={"person_id": person, "dataset": "celebpersona", "league": "celebs"})


@pytest.fixture
def texts() -> pl.DataFrame:
    table = texts_table([
        result("p2", "alpha", answer(3, 2, 1, 0, 2)),
        result("p1", "alpha", answer(1, 1, 1, 1, 1)),
        result("p1", "beta", None, status="failed", reason="RateLimitError: 429"),
        result("p2", "beta", answer(2, 2, 2, 2, 2)),
        result("p2", "gamma", f"```json\n{answer(1, 2, 3, 0, 0)}\n```"),
    ], PROMPT)
    # The client only stores answers that parse, but a stored row can outlive a stricter parser: it must not crash.
    unparseable = (pl.col("person_id") == "p2") & (pl.col("model") == "beta")
    return table.with_columns(raw_response=pl.when(unparseable).then(pl.lit("I cannot assess real people."))
                              .otherwise(pl.col("raw_response")))


def test_texts_table_has_the_registered_types_and_keeps_failed_calls(texts):
    assert texts.to_arrow().cast(schema.TRAIT_TEXTS).schema == schema.TRAIT_TEXTS
    assert texts.columns == schema.TRAIT_TEXTS.names
    failed = texts.filter(pl.col("status") == "failed").row(0, named=True)
    assert (failed["failure_reason"], failed["description"]) == ("RateLimitError: 429", None)


def test_scores_table_keeps_text_order_and_records_failed_calls_and_unparseable_answers_with_their_reason(texts):
    scores = scores_table(texts, PROMPT)
    assert scores.columns == schema.TRAIT_SCORES.names
    assert scores.select("person_id", "model", "status").rows() == [
        ("p2", "alpha", "ok"), ("p1", "alpha", "ok"), ("p1", "beta", "llm_failed"), ("p2", "beta", "parse_failed"),
        ("p2", "gamma", "ok")]
    assert scores["reason"].to_list() == [
        None, None, "RateLimitError: 429", "no JSON object in the answer ('I cannot assess real people.')", None]
    assert scores.select(TRAITS).rows() == [(3, 2, 1, 0, 2), (1, 1, 1, 1, 1), (None,) * 5, (None,) * 5,
                                            (1, 2, 3, 0, 0)]
    assert all(scores.schema[trait] == pl.Int8 for trait in TRAITS)


def test_scores_table_reads_only_the_active_prompts_answers(texts):
    older = texts.with_columns(prompt_sha=pl.lit("an-earlier-prompt"), raw_response=pl.lit("not even JSON"))
    scores = scores_table(pl.concat([older, texts]), PROMPT)
    assert len(scores) == len(texts) and set(scores["prompt_sha"]) == {PROMPT.sha}


def test_scores_table_of_a_partition_with_no_answers_is_empty_with_the_registered_columns(texts):
    scores = scores_table(texts.clear(), PROMPT)
    assert scores.is_empty() and scores.columns == schema.TRAIT_SCORES.names


def test_long_scores_has_a_row_per_parsed_answer_and_trait_zeros_included(texts):
    long = long_scores(scores_table(texts, PROMPT))
    assert long.columns == ["person_id", "model", "trait", "score"] and long.schema["score"] == pl.Int64
    assert len(long) == 3 * len(TRAITS)
    assert long.filter(pl.col("model") == "gamma").select("trait", "score").rows() == list(zip(TRAITS, (1, 2, 3, 0, 0)))


def test_aggregated_table_is_one_row_per_person_and_trait_with_the_persons_provenance(texts):
    aggregated = aggregated_table(scores_table(texts, PROMPT))
    assert aggregated.columns == schema.AGGREGATED_TRAITS.names
    assert aggregated.select("person_id", "trait").rows() == [(p, t) for p in ("p1", "p2") for t in TRAITS]
    assert set(aggregated.select("dataset", "league", "prompt_sha").rows()) == {("celebpersona", "celebs", PROMPT.sha)}
    p2 = aggregated.filter(pl.col("person_id") == "p2").select("score", "n_models", "n_answered").rows()
    # alpha and gamma parsed (beta did not): median of the non-zero scores; both said 0 for agreeableness.
    assert p2 == [(2.0, 2, 2), (2.0, 2, 2), (2.0, 2, 2), (None, 0, 2), (2.0, 1, 2)]
    assert aggregated.to_arrow().cast(schema.AGGREGATED_TRAITS).num_rows == len(aggregated)


def test_a_new_prompt_version_replaces_only_its_own_rows_and_keeps_the_earlier_versions(texts):
    earlier = texts.with_columns(prompt_sha=pl.lit("earlier"), prompt_version=pl.lit(1, pl.Int32))
    stored = pl.from_arrow(pa.concat_tables([earlier.to_arrow().cast(schema.TRAIT_TEXTS),
                                             texts.to_arrow().cast(schema.TRAIT_TEXTS)]))
    rerun = texts.head(2)
    merged = merge_prompt_versions(stored, rerun, PROMPT.sha)
    assert merged.filter(pl.col("prompt_sha") == "earlier").equals(earlier)
    assert merged.filter(pl.col("prompt_sha") == PROMPT.sha).equals(rerun)
    assert merge_prompt_versions(None, rerun, PROMPT.sha) is rerun
    assert merge_prompt_versions(stored.clear(), rerun, PROMPT.sha) is rerun


def test_texts_record_the_cached_prompt_tokens_providers_report():
    cached, unknown = (replace(result("p1", "alpha", answer(1, 1, 1, 1, 1)), cached_input_tokens=tokens)
                       for tokens in (512, None))
    assert texts_table([cached, unknown], PROMPT)["cached_input_tokens"].to_list() == [512, None]


def test_rows_stored_before_cached_input_tokens_existed_merge_with_the_column_empty(texts):
    stored = texts.with_columns(prompt_sha=pl.lit("earlier")).drop("cached_input_tokens")  # an earlier release's
    merged = merge_prompt_versions(stored, texts, PROMPT.sha)
    assert merged.columns == schema.TRAIT_TEXTS.names
    earlier = merged.filter(pl.col("prompt_sha") == "earlier")
    assert earlier["cached_input_tokens"].is_null().all() and earlier.drop("cached_input_tokens").equals(stored)
    assert merged.filter(pl.col("prompt_sha") == PROMPT.sha).equals(texts)
