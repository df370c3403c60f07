"""python -m personax_platform.sample --out DIR [--full] [--seed N] [--per-league N] [--messy | --no-messy]

Default: the small shipped sample (30 people per league, seed 20261125) with messy rows, i.e. what
`python -m personax_platform.sample --out sample_data` wrote into sample_data/. --full: the full-size cohorts
(4,181 athletes, 9,444 celebrities) without messy rows unless --messy.
"""
from __future__ import annotations

import argparse
import sys

from personax_platform.sample.generator import DEFAULT_CONFIG_PATH, DEFAULT_PER_LEAGUE, DEFAULT_SEED, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m personax_platform.sample", description=__doc__.split("\n\n")[1])
    parser.add_argument("--out", required=True, help="output directory (landing/, truth.parquet, truth.json, README)")
    parser.add_argument("--full", action="store_true", help="full-size cohorts instead of the small sample")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--per-league", type=int, default=DEFAULT_PER_LEAGUE,
                        help="people per league in the small sample (ignored with --full)")
    parser.add_argument("--messy", action=argparse.BooleanOptionalAction, default=None,
                        help="plant messy and unusual rows (default: on for the sample, off for --full)")
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH, help="datasets config (default: config/datasets.yaml)")
    args = parser.parse_args(argv)
    manifest = generate(args.out, seed=args.seed, per_league=args.per_league, full=args.full, messy=args.messy,
                        config_path=args.config)
    print(f"wrote {len(manifest['files'])} landing files, {sum(manifest['row_counts'].values())} rows "
          f"({len(manifest['messy_rows'])} messy) under {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
