"""Write the pool limits of deploy/pools.yaml into the Dagster instance's database (the one DAGSTER_HOME points at).

Dagster's instance file only takes a default pool limit; named limits are rows in the instance's storage, set like
`dagster instance concurrency set POOL LIMIT`. One process sets them all (one `dagster` CLI start per pool would
take seconds each). Idempotent: docker-compose runs it on every `up`.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
import yaml

POOLS_FILE = Path(__file__).with_name("pools.yaml")


def load_pool_limits(path: Path = POOLS_FILE) -> dict[str, int]:
    """`pools:` of the file: pool name -> non-negative integer limit (0 holds every op of the pool)."""
    limits = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("pools") or {}
    invalid = {pool: limit for pool, limit in limits.items()
               if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0}
    if invalid:
        raise ValueError(f"{path}: pool limits must be integers >= 0, got {invalid}")
    return dict(limits)


def apply_pool_limits(instance: dg.DagsterInstance, limits: Mapping[str, int]) -> None:
    """Set each pool's limit in `instance`, whose storage must have Dagster's concurrency tables."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        raise RuntimeError("this instance's storage has no concurrency tables; run `dagster instance migrate`")
    for pool, limit in limits.items():
        storage.set_concurrency_slots(pool, limit)


def main() -> None:
    limits = load_pool_limits(Path(sys.argv[1]) if len(sys.argv) > 1 else POOLS_FILE)
    with dg.DagsterInstance.get() as instance:
        apply_pool_limits(instance, limits)
    print("pool limits set: " + ", ".join(f"{pool}={limit}" for pool, limit in limits.items()))


if __name__ == "__main__":
    main()
