"""Frozen copy of personax_platform/traits/inference.py's scores_table and long_scores (pandas)."""
from __future__ import annotations

import pandas as pd

from benchmarks.baselines.pandas_traits.aggregate import aggregate_scores
from personax_platform.prompts import PromptTemplate
from personax_platform.traits import schema
from personax_platform.traits.constants import TRAITS
from personax_platform.traits.parse import AnswerParseError, parse_answer


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


def aggregated_table(scores: pd.DataFrame) -> pd.DataFrame:
    """The body of the aggregated_traits asset at that commit: aggregate, then join each person's provenance."""
    people = scores[["person_id", "dataset", "league", "prompt_sha"]].drop_duplicates("person_id")
    return aggregate_scores(long_scores(scores)).merge(people, on="person_id", how="left")[
        schema.AGGREGATED_TRAITS.names]
