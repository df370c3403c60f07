"""Which person × model answers of a partition the active prompt and model list still owe.

Dagster's code-version staleness misses cases on partitioned assets (a prompt file edited without a code reload, a
partition rated for only some people, calls that failed). This module answers the question from the data itself; the
backstop asset check and the daily re-check schedule both use it.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import polars as pl


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


def inference_gaps(texts: pl.DataFrame | None, person_ids: Collection[str], prompt_sha: str,
                   models: Collection[str]) -> InferenceGaps:
    """Compare a partition's `traits.trait_texts` rows (None when never materialized) with what is owed."""
    people, configured = set(person_ids), set(models)
    expected = len(people) * len(configured)
    if texts is None or texts.is_empty():
        return InferenceGaps(expected=expected, stale=0, unrated=expected, failed=0)
    current = pl.col("prompt_sha") == prompt_sha
    pairs = (
        texts.filter(pl.col("person_id").is_in(list(people)) & pl.col("model").is_in(list(configured)))
        .group_by("person_id", "model")
        .agg(answered_now=current.any(), failed=(current & pl.col("status").ne_missing("ok")).any())
    )
    return InferenceGaps(
        expected=expected,
        stale=pairs.filter(~pl.col("answered_now")).height,
        unrated=expected - pairs.height,
        failed=pairs["failed"].sum(),
    )
