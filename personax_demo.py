"""The README's main command: materialize the bios assets of every league and dataset from the landing files.

Runs on the persistent Dagster instance in $DAGSTER_HOME (default ./dagster_home), so every run it makes is visible in
the UI afterwards. Exits non-zero if any run or blocking check fails.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent
os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / "dagster_home"))

import dagster as dg  # noqa: E402  (DAGSTER_HOME must be set first)

from definitions import defs  # noqa: E402
from personax_platform import settings  # noqa: E402
from personax_platform.config.datasets import load_config  # noqa: E402
from personax_platform.warehouse import Lakehouse  # noqa: E402


# Step-by-step event logs stay in the UI; the terminal gets one line per run.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def run_demo(instance: dg.DagsterInstance) -> list[str]:
    """Materialize every league partition, then every dataset partition; return the failures."""
    config = load_config()
    failures = []
    for job_name, partitions in (("bios_job", config.leagues), ("cohort_summary_job", list(config.datasets))):
        job = defs.resolve_job_def(job_name)
        for partition in partitions:
            result = job.execute_in_process(partition_key=partition, instance=instance, raise_on_error=False,
                                            run_config=QUIET)
            checks = result.get_asset_check_evaluations()
            blocking = [c for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR]
            warnings = [c for c in checks if not c.passed and c.severity != dg.AssetCheckSeverity.ERROR]
            status = "ok" if result.success and not blocking else "FAILED"
            notes = [f"{c.asset_key.to_user_string()} check failed" for c in blocking]
            notes += [f"warning: {c.asset_key.to_user_string()} check" for c in warnings]
            passed = sum(c.passed for c in checks)
            print(f"{job_name:20s} {partition:12s} {status:6s} checks passed {passed}/{len(checks)} {'; '.join(notes)}",
                  flush=True)
            if status != "ok":
                failures.append(f"{job_name}[{partition}]")
    return failures


def main() -> int:
    with dg.DagsterInstance.get() as instance:
        failures = run_demo(instance)
    warehouse = settings.warehouse_path()
    summary = Lakehouse(settings.lake_dir(), warehouse).query(
        "SELECT dataset, league, people, rejected_rows, duplicates FROM bios.cohort_summary ORDER BY 1, 2")
    print("\n" + summary.to_string(index=False))
    duckdb_cli = REPO_ROOT / ".venv" / "bin" / "duckdb"
    print(f"\nWarehouse (DuckDB catalog): {warehouse}\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT league, count(*) FROM bios.bios GROUP BY 1\"\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT league, field, reason FROM bios.rejected_bios\"\n"
          f"UI: make ui, then open http://127.0.0.1:3000 (Assets → bios)")
    if failures:
        print(f"\nFailed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
