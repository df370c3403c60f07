"""A run waiting for a pool slot says so on the console within seconds, naming the run that holds the slot, and
sleeps while it waits instead of spinning a core (a bug of the pinned Dagster, fixed by orchestration/dagster_fixes)."""
from __future__ import annotations

import time
from types import SimpleNamespace

from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext

from orchestration import dagster_fixes
from orchestration.in_process import execute_partition
from tests.orchestration.conftest import slot_holders, start_holder
from tests.orchestration.pool_jobs import quick_job


def test_the_pinned_dagster_still_never_sleeps_between_claim_checks():
    # When this fails, Dagster has fixed the bug: delete orchestration/dagster_fixes.py and its apply() call.
    waiting = SimpleNamespace(_pending_claims={"step"}, _pending_timeouts={"step": time.time() + 5})
    assert dagster_fixes.upstream_interval(waiting) <= 0
    assert 4 < dagster_fixes._interval_to_next_pending_claim_check(waiting) <= 5


def test_a_waiting_run_names_the_holder_within_seconds_and_sleeps_until_the_slot_is_free(
        dagster_home, instance, monkeypatch):
    dagster_fixes.apply()
    holder = start_holder(dagster_home, seconds=8)
    (holder_run,) = slot_holders(instance)
    claims = 0
    claim = InstanceConcurrencyContext.claim

    def counted_claim(*args, **kwargs):
        nonlocal claims
        claims += 1
        return claim(*args, **kwargs)

    monkeypatch.setattr(InstanceConcurrencyContext, "claim", counted_claim)
    said: list[tuple[float, str]] = []
    started = time.monotonic()
    result = execute_partition(quick_job, instance, None, {},
                               say=lambda message: said.append((time.monotonic() - started, message)))
    holder.wait(timeout=60)
    assert result.success and holder.returncode == 0
    first_said, message = said[0]
    assert f"waits for pool 'test_pool' (limit 1), held by run {holder_run[:8]} holder_job, STARTED" in message
    assert first_said < 5  # the reporter looks every 2 s
    # The executor's loop asks for the slot: a busy loop hundreds of thousands of times in those seconds; sleeping
    # until each next check, a few dozen.
    assert claims < 50, claims
