"""Two jobs whose only op is in one pool, for the instance-health tests; run as a script, executes `holder_job` in
process on the instance in $DAGSTER_HOME, as the demo executes its jobs (and holds the pool's slot for a while)."""
from __future__ import annotations

import sys
import time

import dagster as dg

POOL = "test_pool"


@dg.op(pool=POOL, config_schema={"seconds": float})
def hold_slot(context) -> None:  # noqa: ANN001 (Dagster reads the annotation; postponed ones fail)
    time.sleep(context.op_config["seconds"])


@dg.op(pool=POOL)
def quick() -> None:
    pass


@dg.job
def holder_job() -> None:
    hold_slot()


@dg.job
def quick_job() -> None:
    quick()


if __name__ == "__main__":
    with dg.DagsterInstance.get() as instance:
        result = holder_job.execute_in_process(
            instance=instance, run_config={"ops": {"hold_slot": {"config": {"seconds": float(sys.argv[1])}}}})
    sys.exit(0 if result.success else 1)
