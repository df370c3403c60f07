"""One entry point for a run's requests whatever each model's mode: `sync` models are called now
(personax_platform/llm/client.py), `batch` models go through a batch round (personax_platform/llm/batch.py), and
requests a batch failed earlier are called now where their model retries synchronously."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from personax_platform.llm.batch import batch_round
from personax_platform.llm.batch_ledger import BatchLedger, Submission
from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import LLMResult, Validate, complete_all_sync
from personax_platform.llm.request import LLMRequest
from personax_platform.progress import Report


@dataclass(frozen=True)
class Completion:
    """`pending` requests are still held by provider batches (`waiting`): the run's answer set is not complete."""

    results: list[LLMResult]
    pending: int
    waiting: list[Submission]
    submitted: list[Submission]

    @property
    def complete(self) -> bool:
        return self.pending == 0


def complete_by_mode(requests: Sequence[LLMRequest], cache: ResponseCache, ledger: BatchLedger, *, scope: str,
                     run_id: str, validate: Validate | None, progress: Report | None = None) -> Completion:
    batch = [r for r in requests if r.model.mode == "batch"]
    sync = [r for r in requests if r.model.mode != "batch"]
    if batch:
        round_ = batch_round(batch, cache, ledger, scope=scope, run_id=run_id, validate=validate,
                                  progress=progress)
        sync += round_.sync_retries
        results, pending, waiting, submitted = round_.results, round_.pending, round_.waiting, round_.submitted
    else:
        results, pending, waiting, submitted = [], 0, [], []
    if sync:
        results = complete_all_sync(sync, cache, validate=validate, run_id=run_id, progress=progress) + results
    return Completion(results, pending, waiting, submitted)
