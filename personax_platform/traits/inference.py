"""From canonical bios to LLM requests, and from LLM results to the trait tables.

Each person × model is one request rendered from the active prompt. Results of earlier prompt versions are kept
beside the new ones (`merge_prompt_versions`), so changing a prompt never deletes what an older prompt produced.
"""
from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from personax_platform.llm.client import LLMResult
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest
from personax_platform.prompts import PromptTemplate, render_messages
from personax_platform.traits import schema
from personax_platform.traits.aggregate import aggregate_scores
from personax_platform.traits.constants import TRAITS
from personax_platform.traits.parse import parse_answer
from personax_platform.traits.parse_column import REASON, parse_scores

_TEXTS_SCHEMA = pl.from_arrow(schema.TRAIT_TEXTS.empty_table()).schema
_SCORES_SCHEMA = pl.from_arrow(schema.TRAIT_SCORES.empty_table()).schema
_KEYS = ("person_id", "dataset", "league", "model", "prompt_id", "prompt_sha")
_ROW = "row"  # keeps scores_table's rows in the order of the texts, failures included


def build_requests(people: pl.DataFrame, prompt: PromptTemplate, models: Sequence[ModelConfig],
                   kind: str) -> list[LLMRequest]:
    """One request per person × model, keyed `person_id/model`."""
    requests = []
    for person in people.sort("person_id").iter_rows(named=True):
        messages = render_messages(prompt, person, kind)
        for model in models:
            requests.append(LLMRequest(
                key=f"{person['person_id']}/{model.name}", model=model, messages=messages,
                response_schema=prompt.response_schema,
                metadata={"person_id": person["person_id"], "dataset": person["dataset"],
                          "league": person["league"]},
            ))
    return requests


def texts_table(results: Sequence[LLMResult], prompt: PromptTemplate) -> pl.DataFrame:
    """`traits.trait_texts` rows for the active prompt; a failed request stays visible with its reason."""
    rows = []
    for r in results:
        description = None
        if r.status == "ok":
            description = parse_answer(r.raw_response or "", prompt).description
        rows.append({
            **{k: r.metadata[k] for k in ("person_id", "dataset", "league")},
            "model": r.model_name, "model_string": r.model_string, "model_version": r.model_version,
            "prompt_id": prompt.id, "prompt_version": prompt.version, "prompt_sha": prompt.sha,
            "request_hash": r.request_hash, "status": r.status, "failure_reason": r.failure_reason,
            "description": description, "raw_response": r.raw_response, "finish_reason": r.finish_reason,
            "input_tokens": r.input_tokens, "cached_input_tokens": r.cached_input_tokens,
            "output_tokens": r.output_tokens, "cost_usd": r.cost_usd,
            "latency_s": r.latency_s, "attempts": r.attempts, "cache_hit": r.cache_hit, "run_id": r.run_id,
            "started_at": r.started_at, "finished_at": r.finished_at,
        })
    return pl.DataFrame(rows, schema=_TEXTS_SCHEMA)


def merge_prompt_versions(previous: pl.DataFrame | None, current: pl.DataFrame, prompt_sha: str) -> pl.DataFrame:
    """The new rows of the active prompt plus every earlier prompt version's rows, untouched."""
    if previous is None or previous.is_empty():
        return current
    older = previous.filter(pl.col("prompt_sha").ne_missing(prompt_sha))
    if not len(older):
        return current
    # Rows stored before a column existed (cached_input_tokens) get it empty; the stored rows may also come back
    # with other widths of the same types (e.g. large strings): the schema decides.
    added = [pl.lit(None, dtype).alias(name) for name, dtype in _TEXTS_SCHEMA.items() if name not in older.columns]
    return pl.concat([older.with_columns(added).select(_TEXTS_SCHEMA.names()).cast(_TEXTS_SCHEMA), current])


def scores_table(texts: pl.DataFrame, prompt: PromptTemplate) -> pl.DataFrame:
    """`traits.trait_scores`: the active prompt's answers parsed into five scores; failures keep their reason."""
    current = (texts.select(*_KEYS, "status", "failure_reason", "raw_response")
               .filter(pl.col("prompt_sha") == prompt.sha).with_row_index(_ROW))
    ok = current.filter(pl.col("status").eq_missing("ok"))
    parsed = pl.concat([ok.select(_ROW), parse_scores(ok["raw_response"], prompt)], how="horizontal").with_columns(
        status=pl.when(pl.col(REASON).is_null()).then(pl.lit("ok")).otherwise(pl.lit("parse_failed")))
    failed = current.filter(pl.col("status").ne_missing("ok")).select(
        _ROW, status=pl.lit("llm_failed"), reason=pl.col("failure_reason"))
    outcomes = pl.concat([parsed, failed], how="diagonal")
    return (current.select(_ROW, *_KEYS).join(outcomes, on=_ROW, how="left", maintain_order="left")
            .select(schema.TRAIT_SCORES.names).cast(_SCORES_SCHEMA))


def long_scores(scores: pl.DataFrame) -> pl.DataFrame:
    """person_id, model, trait, score for the parsed answers: the input of aggregation and agreement."""
    return (scores.filter(pl.col("status") == "ok")
            .unpivot(on=list(TRAITS), index=["person_id", "model"], variable_name="trait", value_name="score")
            .with_columns(pl.col("score").cast(pl.Int64)))


def aggregated_table(scores: pl.DataFrame) -> pl.DataFrame:
    """`traits.aggregated_traits`: aggregate_scores of the parsed answers, with each person's dataset, league and
    prompt sha."""
    people = scores.select("person_id", "dataset", "league", "prompt_sha").unique(
        "person_id", keep="first", maintain_order=True)
    return (aggregate_scores(long_scores(scores)).join(people, on="person_id", how="left", maintain_order="left")
            .select(schema.AGGREGATED_TRAITS.names))
