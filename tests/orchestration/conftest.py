"""A private Dagster instance (SQLite, pools of one slot, as dagster_home/dagster.yaml) and a run in another process
that holds the pool's slot."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import REPO_ROOT
from tests.orchestration.pool_jobs import POOL

INSTANCE_YAML = "concurrency:\n  pools:\n    default_limit: 1\n    granularity: op\ntelemetry:\n  enabled: false\n"


@pytest.fixture
def dagster_home(tmp_path: Path) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    return home


@pytest.fixture
def instance(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_config(str(dagster_home)) as local_instance:
        yield local_instance


def slot_holders(instance: dg.DagsterInstance) -> set[str]:
    storage = instance.event_log_storage
    if POOL not in storage.get_concurrency_keys():
        return set()
    return {slot.run_id for slot in storage.get_concurrency_info(POOL).claimed_slots if slot.run_id}


def start_holder(dagster_home: Path, seconds: float) -> subprocess.Popen[str]:
    """A demo-style run in another process; returns once its op holds the pool's slot."""
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    holder = subprocess.Popen([sys.executable, "-m", "tests.orchestration.pool_jobs", str(seconds)], cwd=REPO_ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with dg.DagsterInstance.from_config(str(dagster_home)) as watcher:
        deadline = time.monotonic() + 120
        while not slot_holders(watcher):
            assert holder.poll() is None, holder.communicate()[0][-3000:]
            assert time.monotonic() < deadline, "the holder never claimed the pool's slot"
            time.sleep(0.1)
    return holder


def kill_a_slot_holder(dagster_home: Path, instance: dg.DagsterInstance) -> tuple[str, int]:
    """A demo-style run killed with SIGKILL while it holds the pool's slot: (its run id, its former pid)."""
    holder = start_holder(dagster_home, seconds=600)
    (run_id,) = slot_holders(instance)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    return run_id, holder.pid
