"""`python -m personax_platform.warehouse sync`: refresh the DuckDB catalog views over the lake.

An entry point: it builds the settings from this process's environment (PERSONAX_LAKE_DIR, PERSONAX_WAREHOUSE).
"""
import argparse
import os
import sys

from personax_platform.settings import Settings
from personax_platform.warehouse.lakehouse import Lakehouse


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m personax_platform.warehouse")
    parser.add_argument("command", choices=["sync", "tables"])
    args = parser.parse_args()
    settings = Settings.from_environ(os.environ)
    lake = Lakehouse(settings.lake_dir, settings.warehouse_path)
    if args.command == "tables":
        for ref in lake.tables():
            print(f"{ref}\t{', '.join(lake.partitions(ref))}")
        return 0
    outcome = lake.sync_catalog()
    if not outcome.synced:
        print(outcome.error, file=sys.stderr)
        return 1
    print(f"catalog {lake.catalog_path}: {len(lake.tables())} views over {lake.location}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
