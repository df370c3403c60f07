"""Which person × model answers of a partition the active prompt and model list still owe.

Dagster's code-version staleness misses cases on partitioned assets (a prompt file edited without a code reload, a
partition rated for only some people, calls that failed). This module answers the question from the data itself; the
backstop asset check and the daily re-check schedule both use it.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class InferenceGaps:
    """Counts of person × model pairs, for the active prompt and the configured models."""

    expected: int  # people in the partition × configured models
    stale: int  # answered by an earlier prompt version only: the prompt changed since
    unrated: int  # no answer from any prompt version (new people, new models, runs limited by max_people)
    failed: int  # the active prompt's call failed after its retries

    @property
    def needs_run(self) -> bool:
        return bool(self.stale or self.unrated or self.failed)

    def describe(self) -> str:
        parts = [f"{n} {label}" for n, label in ((self.stale, "stale (earlier prompt only)"),
                                                  (self.unrated, "never rated"), (self.failed, "failed"))
                 if n]
        return ", ".join(parts) + f" of {self.expected} person × model pairs" if parts else "up to date"


def inference_gaps(texts: pd.DataFrame | None, person_ids: Collection[str], prompt_sha: str,
                   models: Collection[str]) -> InferenceGaps:
    """Compare a partition's `traits.trait_texts` rows (None when never materialized) with what is owed."""
    expected = {(person, model) for person in person_ids for model in models}
    if texts is None or texts.empty:
        return InferenceGaps(expected=len(expected), stale=0, unrated=len(expected), failed=0)
    mine = texts[texts["person_id"].isin(set(person_ids)) & texts["model"].isin(set(models))]
    current = mine[mine["prompt_sha"] == prompt_sha]
    answered_now = _pairs(current)
    answered_ever = _pairs(mine)
    failed = _pairs(current[current["status"] != "ok"])
    return InferenceGaps(
        expected=len(expected),
        stale=len((answered_ever - answered_now) & expected),
        unrated=len(expected - answered_ever),
        failed=len(failed & expected),
    )


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["person_id"], frame["model"]))
