"""A run that died holding a pool slot never blocks the next one: the in-process entry point finds runs of its
instance whose process is gone, marks them failed with the reason and frees their slots before it starts."""
from __future__ import annotations

import os
import subprocess
import sys

import dagster as dg

from orchestration.dead_runs import fail_dead_runs
from orchestration.in_process import execute_partition, sweep_dead_runs
from tests.orchestration.conftest import kill_a_slot_holder, slot_holders, start_holder
from tests.orchestration.pool_jobs import quick_job


def test_a_run_killed_holding_a_slot_is_failed_and_freed_so_the_next_run_completes(dagster_home, instance):
    dead_run_id, dead_pid = kill_a_slot_holder(dagster_home, instance)
    assert instance.get_run_by_id(dead_run_id).status == dg.DagsterRunStatus.STARTED  # what poisoned the instance
    assert slot_holders(instance) == {dead_run_id}

    said: list[str] = []
    assert sweep_dead_runs(instance, say=said.append) == 1
    assert said[0].startswith(f"run {dead_run_id[:8]} holder_job marked failed: its process (pid {dead_pid}) is gone")
    assert "test_pool" in said[0]
    assert instance.get_run_by_id(dead_run_id).status == dg.DagsterRunStatus.FAILURE
    assert slot_holders(instance) == set()

    result = execute_partition(quick_job, instance, None, {}, say=said.append)
    assert result.success
    assert sweep_dead_runs(instance, say=said.append) == 0  # a finished run is left alone


def test_a_live_run_is_never_failed(dagster_home, instance):
    holder = start_holder(dagster_home, seconds=600)
    try:
        assert fail_dead_runs(instance) == []
        assert len(slot_holders(instance)) == 1
    finally:
        holder.kill()
        holder.wait()


def test_a_reused_process_id_does_not_keep_a_dead_run_alive(dagster_home, instance):
    dead_run_id, dead_pid = kill_a_slot_holder(dagster_home, instance)
    # Point the dead run's last event at a process that is alive but started after the run: this test's own child.
    newer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        records = instance.all_logs(dead_run_id)
        last = next(r for r in reversed(records) if r.dagster_event is not None and r.dagster_event.pid)
        assert last.dagster_event.pid != newer.pid
        from orchestration import dead_runs

        assert not dead_runs._alive_since(newer.pid, last.timestamp - 5)
        assert dead_runs._alive_since(os.getpid(), last.timestamp)
    finally:
        newer.kill()
        newer.wait()


def test_the_sweep_runs_by_hand_before_a_cli_materialization(dagster_home, instance):
    dead_run_id, dead_pid = kill_a_slot_holder(dagster_home, instance)
    sweep = subprocess.run([sys.executable, "-m", "orchestration.in_process"], capture_output=True, text=True,
                           env={**os.environ, "DAGSTER_HOME": str(dagster_home)}, check=True)
    assert f"run {dead_run_id[:8]} holder_job marked failed" in sweep.stdout
    assert slot_holders(instance) == set()
