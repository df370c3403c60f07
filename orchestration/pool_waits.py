"""Says on the console, within seconds, when a run executing in process waits for a pool slot, and which run holds
it. Dagster itself only logs "blocked by limit for pool" into the run's event log (not on a quiet console, and
without the holder); a run that waits silently looks hung."""
from __future__ import annotations

import threading
from collections.abc import Callable

import dagster as dg

from orchestration.dead_runs import DeadRun, fail_dead_runs

CHECK_INTERVAL_S = 2.0
# A wait that goes on is said again this often, so the console shows it is still the same wait.
REPEAT_S = 60.0


class PoolWaitReporter:
    """A thread that, while the run `run_id` executes, reports each pool one of its steps waits for. A holder whose
    process is gone (it died while we waited) is failed and its slots freed, so the wait ends."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, *, say: Callable[[str], None] = print,
                 interval_s: float = CHECK_INTERVAL_S):
        self._instance = instance
        self._run_id = run_id
        self._say = say
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"pool-waits-{run_id[:8]}", daemon=True)
        self._last: dict[str, tuple[str, float]] = {}  # pool -> (message, when said)
        self.messages: list[str] = []

    def __enter__(self) -> PoolWaitReporter:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        elapsed = 0.0
        while not self._stop.wait(self._interval_s):
            elapsed += self._interval_s
            for message in self.check(elapsed):
                self.messages.append(message)
                self._say(message)

    def check(self, elapsed_s: float) -> list[str]:
        storage = self._instance.event_log_storage
        if not storage.supports_global_concurrency_limits:
            return []
        messages = []
        for pool in sorted(storage.get_concurrency_keys()):
            info = storage.get_concurrency_info(pool)
            waiting = [p.step_key for p in info.pending_steps
                       if p.run_id == self._run_id and p.assigned_timestamp is None]
            if not waiting:
                self._last.pop(pool, None)
                continue
            holders = sorted({s.run_id for s in info.claimed_slots if s.run_id and s.run_id != self._run_id})
            freed = fail_dead_runs(self._instance) if holders else []
            message = (f"run {self._run_id[:8]}: step {', '.join(waiting)} waits for pool '{pool}' "
                       f"(limit {info.slot_count}), held by {self._describe(holders, freed)}")
            said = self._last.get(pool)
            if said is None or said[0] != message or elapsed_s - said[1] >= REPEAT_S:
                self._last[pool] = (message, elapsed_s)
                messages.append(message)
        return messages

    def _describe(self, holders: list[str], freed: list[DeadRun]) -> str:
        if not holders:
            return "no run (a slot is being handed over)"
        parts = []
        dead = {run.run_id: run for run in freed}
        for run_id in holders:
            if run_id in dead:
                parts.append(f"run {run_id[:8]}, whose process is gone: {dead[run_id].describe()}")
                continue
            run = self._instance.get_run_by_id(run_id)
            if run is None:
                parts.append(f"run {run_id[:8]} (not in this instance's run storage)")
                continue
            partition = run.tags.get("dagster/partition")
            where = f"{run.job_name}[{partition}]" if partition else run.job_name
            parts.append(f"run {run_id[:8]} {where}, {run.status.value}")
        return "; ".join(parts)
