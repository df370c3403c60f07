"""Shared by the benchmarks: the full-size generated cohorts as canonical bios, a local OpenAI-compatible server in a
process of its own, and the three-model configuration that points at it."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from personax_platform.bios.countries import CountryResolver
from personax_platform.bios.landing import read_raw_bios
from personax_platform.bios.normalize import normalize_bios
from personax_platform.config.datasets import load_config
from personax_platform.llm.models import ModelConfig
from personax_platform.sample.generator import DEFAULT_SEED, generate

REPO_ROOT = Path(__file__).resolve().parents[1]
KEY_ENV = "PERSONAX_BENCH_API_KEY"
MODEL_NAMES = ("alpha", "beta", "gamma")
TRAIT_ANSWER = json.dumps({"description": "Benchmark answer: composed in interviews, visibly driven on the field.",
                           "scores": {"openness": 2, "conscientiousness": 3, "extraversion": 1, "agreeableness": 2,
                                      "neuroticism": 0}})


def full_cohort_bios(workdir: Path) -> dict[str, pl.DataFrame]:
    """Canonical bios of the seeded full-size cohorts (4,181 athletes, 9,444 celebrities), by league."""
    generate(workdir, full=True, seed=DEFAULT_SEED)
    config = load_config()
    resolver = CountryResolver(config.country_aliases)
    bios = {}
    for league in config.leagues:
        source = config.source(league)
        raw = read_raw_bios(workdir / "landing", source, config.league_to_dataset[league], league)
        bios[league] = normalize_bios(raw, source, resolver).bios
    return bios


@contextmanager
def local_server(latency_s: float, batch_state_dir: Path | None = None, batch_delay_s: float = 1.0) -> Iterator[str]:
    """The test suite's fake OpenAI server in a separate process, answering a valid trait answer; yields api_base.
    With `batch_state_dir`, it also serves files and batches (tests/llm/fake_batch_server.py)."""
    batches = [] if batch_state_dir is None else ["--batch-state-dir", str(batch_state_dir),
                                                  "--batch-delay-s", str(batch_delay_s)]
    proc = subprocess.Popen([sys.executable, "-m", "tests.llm.fake_openai_server", "--latency-s", str(latency_s),
                             "--answer", TRAIT_ANSWER, *batches],
                            cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        api_base = proc.stdout.readline().strip()
        if not api_base.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"local server did not start: {api_base!r}")
        yield api_base
    finally:
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def models(api_base: str, total_concurrency: int) -> list[ModelConfig]:
    """Three models on one server, sharing `total_concurrency` requests in flight."""
    shares = [total_concurrency // len(MODEL_NAMES) + (i < total_concurrency % len(MODEL_NAMES))
              for i in range(len(MODEL_NAMES))]
    return [ModelConfig(name=name, model=f"openai/{name}", api_base=api_base, api_key_env=KEY_ENV,
                        max_concurrency=share, max_retries=0, timeout_s=30)
            for name, share in zip(MODEL_NAMES, shares)]


def write_models_yaml(path: Path, model_list: list[ModelConfig]) -> Path:
    """The models file an LLMResource reads, for `model_list`."""
    path.write_text("models:\n" + "".join(f"  - {m.model_dump_json(exclude_none=True)}\n" for m in model_list))
    return path


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def machine() -> dict[str, object]:
    """What a benchmark result was measured on."""
    import os
    import platform

    cpu, flags = platform.processor(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    notable = sorted(f for f in flags if f.startswith(("avx512", "amx")) or f in ("avx2", "fma", "avx_vnni"))
    return {"cpu": cpu, "cpus": len(os.sched_getaffinity(0)), "machine": platform.machine(),
            "python": platform.python_version(), "cpu_flags": notable, "load_avg_1m": os.getloadavg()[0]}


def write_result(benchmark: str, figures: dict[str, object], baselines: dict[str, object]) -> Path:
    """benchmarks/results/<benchmark>.json: the last run's figures and baselines, with the machine and date."""
    from datetime import datetime, timezone

    path = REPO_ROOT / "benchmarks" / "results" / f"{benchmark}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": benchmark, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": machine(), "figures": figures, "baselines": baselines}
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path
