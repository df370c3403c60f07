"""A fix for one bug of the pinned Dagster (1.13.27, still present in 1.13.29), applied where the definitions load.

A step waiting for a pool slot should sleep until its next claim check. `InstanceConcurrencyContext
.interval_to_next_pending_claim_check` returns `min([0, *waits])`, which is never positive, so the executor's loop
never sleeps: a run waiting for a slot spins a core at 100% and polls the instance's database in a tight loop (seen
with py-spy in `concurrency_event_iterator`). The fix returns the time to the earliest next check, at least 0.
tests/orchestration/test_pool_waits.py pins both the upstream behaviour (so that the fix is dropped once Dagster
mends it) and that a waiting run now sleeps.
"""
from __future__ import annotations

import time

from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext

_upstream = InstanceConcurrencyContext.interval_to_next_pending_claim_check


def _interval_to_next_pending_claim_check(self: InstanceConcurrencyContext) -> float:
    if not self._pending_claims or not self._pending_timeouts:
        return 0.0
    return max(0.0, min(self._pending_timeouts.values()) - time.time())


def upstream_interval(context: InstanceConcurrencyContext) -> float:
    """What the unfixed Dagster computes (for the test that tells when the fix can go)."""
    return _upstream(context)


def apply() -> None:
    """Idempotent."""
    InstanceConcurrencyContext.interval_to_next_pending_claim_check = _interval_to_next_pending_claim_check
