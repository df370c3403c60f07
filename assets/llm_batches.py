"""Provider batches in the UI, and the sensor that finishes what a batch-mode `trait_texts` run started.

A run of a partition with `mode: batch` models submits and returns (assets/traits.py). Every few minutes this sensor
asks the providers how far the open batches are, shows them on `traits/trait_texts` (an observation per partition:
progress, age, deadline) and launches `traits_job` for a partition once all its batches are done, or when a
submission was interrupted by a crash and needs a run to resume it. The run downloads the results into the response
cache and materializes the partition as if every answer had come synchronously.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import dagster as dg

from assets.batch_metadata import batches_metadata
from assets.jobs import traits_job
from assets.traits import TRAIT_TEXTS
from personax_platform.llm.batch_api import BatchStatus
from personax_platform.llm.batch_ledger import Submission
from resources.llm import LLMResource

_TAG = "personax/llm_batches"
_ACTIVE = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
           dg.DagsterRunStatus.STARTED]


@dg.sensor(
    job=traits_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every 5 min: polls the open provider batches of `mode: batch` models, shows their progress on "
                "traits/trait_texts, and launches traits_job for a league once its batches are done (or a crashed "
                "submission needs resuming). Idle when no model uses batch mode.",
)
def llm_batches_sensor(context: dg.SensorEvaluationContext, llm: LLMResource) -> dg.SensorResult:
    if not Path(llm.cache_path).exists():
        return dg.SensorResult(skip_reason="no response cache yet: nothing was ever submitted")
    polled = llm.poll_batches()
    if not polled:
        return dg.SensorResult(skip_reason="no open provider batches")
    by_scope: dict[str, list[tuple[Submission, BatchStatus | None]]] = defaultdict(list)
    for submission, status in polled:
        by_scope[submission.scope].append((submission, status))

    events, requests, waiting = [], [], []
    for scope, entries in sorted(by_scope.items()):
        submissions = [s for s, _ in entries]
        statuses = {s.submission_id: status for s, status in entries}
        events.append(dg.AssetObservation(asset_key=TRAIT_TEXTS, partition=scope,
                                          metadata=batches_metadata(submissions, statuses)))
        if _ready(entries) and not _run_active(context.instance, scope):
            requests.append(dg.RunRequest(partition_key=scope, tags={_TAG: _summary(entries)[:200]}))
        else:
            waiting.append(f"{scope}: {_summary(entries)}")
    return dg.SensorResult(run_requests=requests, asset_events=events,
                           skip_reason=None if requests else "waiting: " + "; ".join(waiting)[:1000])


def _ready(entries: list[tuple[Submission, BatchStatus | None]]) -> bool:
    """Every batch is done, or a claim needs a run to resume it (its process is gone)."""
    if any(s.state == "claimed" and s.resumable() for s, _ in entries):
        return True
    return all(status is not None and status.done for _, status in entries)


def _run_active(instance: dg.DagsterInstance, scope: str) -> bool:
    """A queued or running traits_job of the partition will collect the batches itself."""
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=traits_job.name, statuses=_ACTIVE,
                                                   tags={"dagster/partition": scope}), limit=1)
    return bool(runs)


def _summary(entries: list[tuple[Submission, BatchStatus | None]]) -> str:
    return ", ".join(f"{s.model_name} {status.status if status else s.state}" for s, status in entries)
