"""Executing a job in this process on a persistent instance, as the demo does: runs that died earlier are failed and
release their pool slots first, and a wait for a pool slot is said on the console."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import dagster as dg
from dagster._core.utils import make_new_run_id

from orchestration.dead_runs import fail_dead_runs
from orchestration.pool_waits import PoolWaitReporter


def sweep_dead_runs(instance: dg.DagsterInstance, say: Callable[[str], None] = print) -> int:
    """Before an in-process entry point starts runs: fail the instance's runs whose process is gone."""
    dead = fail_dead_runs(instance)
    for run in dead:
        say(run.describe())
    return len(dead)


def execute_partition(job: dg.JobDefinition, instance: dg.DagsterInstance, partition: str | None,
                      run_config: Mapping[str, Any], say: Callable[[str], None] = print) -> dg.ExecuteInProcessResult:
    run_id = make_new_run_id()
    with PoolWaitReporter(instance, run_id, say=say):
        return job.execute_in_process(partition_key=partition, instance=instance, raise_on_error=False,
                                      run_config=dict(run_config), run_id=run_id)


if __name__ == "__main__":
    # `python -m orchestration.in_process`: the sweep alone, e.g. before `dagster asset materialize` on an instance
    # where a run died (docs/troubleshooting.md).
    with dg.DagsterInstance.get() as local_instance:
        if not sweep_dead_runs(local_instance):
            print("no run of this instance has lost its process")
