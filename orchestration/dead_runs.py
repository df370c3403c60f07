"""Runs of the instance whose process is gone: marked failed with the reason, their pool slots freed.

A run executed in process (the demo, `dagster asset materialize`) has no daemon watching it. If its process dies
(SIGKILL, SIGILL, the out-of-memory killer, a closed terminal), the instance still shows it STARTED and still lists
its pool claims, so every later run of that pool waits for a slot that nobody will free. Each in-process entry point
calls `fail_dead_runs` before it starts its own runs.

Only an instance with local storage (SQLite under DAGSTER_HOME) is swept: a run's process id means something only on
the machine that shares that storage. A deployment with PostgreSQL has the daemon's run monitoring for its runs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone

import dagster as dg
from dagster._core.storage.runs.sqlite import SqliteRunStorage

IN_FLIGHT = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


@dataclass(frozen=True)
class DeadRun:
    run_id: str
    job_name: str
    partition: str | None
    pid: int | None
    pools: tuple[str, ...]  # pools in which it held or waited for slots

    def describe(self) -> str:
        where = f"{self.job_name}[{self.partition}]" if self.partition else self.job_name
        process = f"its process (pid {self.pid}) is gone" if self.pid else "it never recorded a process"
        freed = f"; freed its pool slots ({', '.join(self.pools)})" if self.pools else ""
        return f"run {self.run_id[:8]} {where} marked failed: {process}{freed}"


def fail_dead_runs(instance: dg.DagsterInstance) -> list[DeadRun]:
    """Fail every in-flight run of a local instance whose process no longer exists, and free its pool slots."""
    if not isinstance(instance.run_storage, SqliteRunStorage):
        return []
    dead = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=IN_FLIGHT)):
        run = record.dagster_run
        pid, since = _run_process(instance, run.run_id)
        if pid is not None and _alive_since(pid, since):
            continue
        pools = _pools_of(instance, run.run_id)
        reason = (f"The process that executed this run (pid {pid}) is gone: killed, crashed or out of memory. "
                  "Marked failed by the next in-process entry point, which freed its pool slots."
                  if pid is not None else "This run never recorded a process and none runs it.")
        instance.report_run_failed(run, reason)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        dead.append(DeadRun(run.run_id, run.job_name, run.tags.get("dagster/partition"), pid, pools))
    return dead


def _run_process(instance: dg.DagsterInstance, run_id: str) -> tuple[int | None, float | None]:
    """The process id in the run's latest event that names one, and that event's time."""
    for entry in reversed(instance.all_logs(run_id)):
        if entry.dagster_event is not None and entry.dagster_event.pid is not None:
            return entry.dagster_event.pid, entry.timestamp
    return None, None


def _alive_since(pid: int, since: float | None) -> bool:
    """Whether process `pid` exists, is not a zombie, and started no later than `since` (else the id was reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return True  # no /proc (not Linux): existence is all we can know
    if fields[0] == "Z":
        return False
    if since is None:
        return True
    started = _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return started <= since + 1.0


def _boot_time() -> float:
    with open("/proc/stat", encoding="ascii") as stat:
        for line in stat:
            if line.startswith("btime "):
                return float(line.split()[1])
    return datetime.now(timezone.utc).timestamp()


def _pools_of(instance: dg.DagsterInstance, run_id: str) -> tuple[str, ...]:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return ()
    pools = []
    for pool in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(pool)
        if any(s.run_id == run_id for s in info.claimed_slots) or any(p.run_id == run_id for p in info.pending_steps):
            pools.append(pool)
    return tuple(sorted(pools))
