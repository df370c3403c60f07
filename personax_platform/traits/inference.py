"""From canonical bios to LLM requests, and from LLM results to the trait tables.

Each person × model is one request rendered from the active prompt. Results of earlier prompt versions are kept
beside the new ones (`merge_prompt_versions`), so changing a prompt never deletes what an older prompt produced.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from personax_platform.llm.client import LLMResult
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest
from personax_platform.prompts import PromptTemplate, render_messages
from personax_platform.traits import schema
from personax_platform.traits.constants import TRAITS
from personax_platform.traits.parse import AnswerParseError, parse_answer


def build_requests(people: pd.DataFrame, prompt: PromptTemplate, models: Sequence[ModelConfig],
                   kind: str) -> list[LLMRequest]:
    """One request per person × model, keyed `person_id/model`."""
    requests = []
    for person in people.sort_values("person_id").to_dict("records"):
        messages = render_messages(prompt, person, kind)
        for model in models:
            requests.append(LLMRequest(
                key=f"{person['person_id']}/{model.name}", model=model, messages=messages,
                response_schema=prompt.response_schema,
                metadata={"person_id": person["person_id"], "dataset": person["dataset"],
                          "league": person["league"]},
            ))
    return requests


def texts_table(results: Sequence[LLMResult], prompt: PromptTemplate) -> pd.DataFrame:
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
            "input_tokens": r.input_tokens, "output_tokens": r.output_tokens, "cost_usd": r.cost_usd,
            "latency_s": r.latency_s, "attempts": r.attempts, "cache_hit": r.cache_hit, "run_id": r.run_id,
            "started_at": r.started_at, "finished_at": r.finished_at,
        })
    return pd.DataFrame(rows, columns=schema.TRAIT_TEXTS.names)


def merge_prompt_versions(previous: pd.DataFrame | None, current: pd.DataFrame, prompt_sha: str) -> pd.DataFrame:
    """The new rows of the active prompt plus every earlier prompt version's rows, untouched."""
    if previous is None or previous.empty:
        return current
    older = previous[previous["prompt_sha"] != prompt_sha]
    return pd.concat([older, current], ignore_index=True) if len(older) else current


def scores_table(texts: pd.DataFrame, prompt: PromptTemplate) -> pd.DataFrame:
    """`traits.trait_scores`: the active prompt's answers parsed into five scores; failures keep their reason."""
    rows = []
    for t in texts[texts["prompt_sha"] == prompt.sha].to_dict("records"):
        row = {k: t[k] for k in ("person_id", "dataset", "league", "model", "prompt_id", "prompt_sha")}
        row.update(status="ok", reason=None, **{trait: None for trait in TRAITS})
        if t["status"] != "ok":
            row.update(status="llm_failed", reason=t["failure_reason"])
        else:
            try:
                row.update(parse_answer(t["raw_response"], prompt).scores)
            except AnswerParseError as exc:
                row.update(status="parse_failed", reason=exc.reason)
        rows.append(row)
    return pd.DataFrame(rows, columns=schema.TRAIT_SCORES.names)


def long_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """person_id, model, trait, score for the parsed answers: the input of aggregation and agreement."""
    answered = scores[scores["status"] == "ok"]
    return answered.melt(id_vars=["person_id", "model"], value_vars=list(TRAITS), var_name="trait",
                         value_name="score").astype({"score": int})
