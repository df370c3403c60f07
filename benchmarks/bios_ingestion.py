"""Bios ingestion, pandas against polars: landing files → raw rows → canonical bios + quarantine, for the seeded
full-size generated cohorts (the seven athlete leagues and the celebrities: 13,625 people), per league
`read_raw_bios` then `normalize_bios`.

pandas is the frozen pre-migration implementation (benchmarks/baselines/pandas_bios); polars is the platform's.
Both run in this process, in interleaved rounds after a warm-up round each (best and median of the rounds are
printed). Their tables are compared as Arrow under the registered schemas (raw_bios, bios sorted by person id,
rejected_bios in its stored order), leaving out the wall-clock stamps `loaded_at` and `rejected_at`; a difference
fails the run. Peak memory is measured for each engine in a fresh process that imports it and runs the ingestion
once: the peak resident set (VmHWM, reset through /proc/self/clear_refs just before the ingestion) minus the
resident set at that moment (VmRSS), so imports and the country registry, built before, do not count. Linux only.

    .venv/bin/python -m benchmarks.bios_ingestion [--rounds 3]

Writes benchmarks/results/bios_ingestion.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from benchmarks.support import REPO_ROOT, machine, write_result
from personax_platform.bios import schema
from personax_platform.bios.countries import CountryResolver
from personax_platform.config.datasets import PlatformConfig, load_config
from personax_platform.sample.generator import DEFAULT_SEED, generate

ENGINES = ("pandas", "polars")
_STAMPS = ("loaded_at", "rejected_at")  # when a row was read or rejected: never equal between two runs


def ingest_functions(engine: str) -> tuple[Callable, Callable]:
    """(read_raw_bios, normalize_bios) of an engine; imported only when asked, for the memory measurement."""
    if engine == "pandas":
        from benchmarks.baselines.pandas_bios.landing import read_raw_bios
        from benchmarks.baselines.pandas_bios.normalize import normalize_bios
    else:
        from personax_platform.bios.landing import read_raw_bios
        from personax_platform.bios.normalize import normalize_bios
    return read_raw_bios, normalize_bios


def real_leagues(config: PlatformConfig) -> list[str]:
    """The leagues of the generated cohort; the known-truth leagues only mirror them."""
    return [league for league in config.leagues if not config.datasets[config.league_to_dataset[league]].is_known_truth]


def ingest(engine: str, landing: Path, config: PlatformConfig, resolver: CountryResolver) -> dict[str, list]:
    """Every league's raw rows, canonical bios and rejected rows, as the engine returns them."""
    read_raw_bios, normalize_bios = ingest_functions(engine)
    tables: dict[str, list] = {"raw_bios": [], "bios": [], "rejected_bios": []}
    for league in real_leagues(config):
        source = config.source(league)
        raw = read_raw_bios(landing, source, config.league_to_dataset[league], league)
        result = normalize_bios(raw, source, resolver, config.quality(league))
        tables["raw_bios"].append(raw)
        tables["bios"].append(result.bios)
        tables["rejected_bios"].append(result.rejected)
    return tables


def as_arrow(frames: list, contract: pa.Schema) -> pa.Table:
    """The frames as the warehouse stores them (the registered schema), concatenated, stamps left out."""
    tables = [frame.to_arrow().cast(contract) if hasattr(frame, "to_arrow")
              else pa.Table.from_pandas(frame[contract.names], schema=contract, preserve_index=False)
              for frame in frames]
    table = pa.concat_tables(tables)
    return table.drop_columns([name for name in _STAMPS if name in table.column_names])


def identical(pandas_tables: dict[str, list], polars_tables: dict[str, list]) -> dict[str, bool]:
    contracts = {"raw_bios": schema.RAW_BIOS, "bios": schema.BIOS, "rejected_bios": schema.REJECTED_BIOS}
    same = {}
    for name, contract in contracts.items():
        left, right = as_arrow(pandas_tables[name], contract), as_arrow(polars_tables[name], contract)
        if name == "bios":
            left, right = left.sort_by("person_id"), right.sort_by("person_id")
        same[name] = left.equals(right)
    return same


def peak_memory_mb(engine: str, landing: Path) -> float:
    """The engine's peak RSS increase over one ingestion, in a fresh process (see the module docstring)."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.bios_ingestion", "--memory-of", engine, str(landing)],
                         cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_mb"]


def _measure_memory(engine: str, landing: Path) -> None:
    config = load_config()
    resolver = CountryResolver(config.country_aliases)
    ingest_functions(engine)
    # Imports and the country registry peak higher than a small ingestion: reset the peak to what is resident now.
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    ingest(engine, landing, config, resolver)
    print(json.dumps({"engine": engine, "peak_mb": (_status_kib("VmHWM") - before) / 1024}))


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS: resident now, VmHWM: peak), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-of", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("landing", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_of:
        _measure_memory(args.memory_of, args.landing)
        return

    config = load_config()
    resolver = CountryResolver(config.country_aliases)
    with tempfile.TemporaryDirectory() as work:
        generate(Path(work), full=True, seed=DEFAULT_SEED)
        landing = Path(work) / "landing"
        results = {engine: ingest(engine, landing, config, resolver) for engine in ENGINES}  # warm-up
        same = identical(results["pandas"], results["polars"])
        raw_rows = sum(len(frame) for frame in results["polars"]["raw_bios"])
        people = sum(len(frame) for frame in results["polars"]["bios"])
        seconds: dict[str, list[float]] = {engine: [] for engine in ENGINES}
        for _ in range(args.rounds):
            for engine in ENGINES:
                start = time.perf_counter()
                ingest(engine, landing, config, resolver)
                seconds[engine].append(time.perf_counter() - start)
        memory = {engine: peak_memory_mb(engine, landing) for engine in ENGINES}

    best = {engine: min(times) for engine, times in seconds.items()}
    median = {engine: statistics.median(times) for engine, times in seconds.items()}
    cpus = machine()["cpus"]
    print(f"bios ingestion: {raw_rows} raw rows → {people} people in {len(real_leagues(config))} leagues, "
          f"{cpus} CPUs, best and median of {args.rounds} interleaved rounds after a warm-up")
    print(f"{'engine':<28}{'best s':>8}{'median s':>10}{'rows/s':>9}{'× pandas':>10}{'peak MB':>9}")
    for engine in ENGINES:
        label = "pandas (pre-migration)" if engine == "pandas" else "polars"
        print(f"{label:<28}{best[engine]:>8.3f}{median[engine]:>10.3f}{raw_rows / best[engine]:>9.0f}"
              f"{best['pandas'] / best[engine]:>10.2f}{memory[engine]:>9.1f}")
    print(f"tables identical: {all(same.values())}" + ("" if all(same.values()) else f" {same}"))
    figures = {"raw_rows": raw_rows, "people": people, "rounds": args.rounds,
               "polars": {"best_s": best["polars"], "median_s": median["polars"], "peak_mb": memory["polars"],
                          "rows_per_s": raw_rows / best["polars"],
                          "speedup_best": best["pandas"] / best["polars"],
                          "speedup_median": median["pandas"] / median["polars"]},
               "tables_identical": same}
    baselines = {"pandas": {"best_s": best["pandas"], "median_s": median["pandas"], "peak_mb": memory["pandas"],
                            "rows_per_s": raw_rows / best["pandas"],
                            "implementation": "benchmarks/baselines/pandas_bios (frozen at 4717ae66)"}}
    print(f"wrote {write_result('bios_ingestion', figures, baselines).relative_to(REPO_ROOT)}")
    if not all(same.values()):
        raise SystemExit(f"the engines' tables differ: {same}")


if __name__ == "__main__":
    main()
