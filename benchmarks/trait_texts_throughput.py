"""How fast `traits/trait_texts` gets answers from an LLM provider, against what the provider allows, and what each
request costs the client in CPU.

A local OpenAI-compatible server (its own process, sharing the machine's cores with the client) answers every
request after a fixed latency, so at most concurrency / latency requests per second can come back: that is the
bound. For 3,000 people × 3 models (9,000 requests) at 64 in flight, the benchmark prints, side by side in one run,
requests/s, their share of the bound and the client's CPU milliseconds per request of:

  trait_texts  the real asset, materialized by Dagster (render prompts, cache, retries, parse, Parquet write), with
               its worker processes (personax_platform/llm/client_workers.py) when it uses them
  complete_all the client alone on the same requests and a fresh cache (no Dagster, no parsing into tables)
  naive        asyncio.gather over litellm.acompletion behind one semaphore, litellm's defaults, no cache, no parsing
  sequential   a plain loop of litellm.completion (40 requests)

CPU is the client's process time (user + system) and that of its finished child processes, i.e. its workers (the
server, also a child, is reaped only at the end), divided by the requests; the asset's includes Dagster's run.

    .venv/bin/python -m benchmarks.trait_texts_throughput [--people 3000] [--concurrency 64] [--latency-s 0.2]

The asset and the client runs include start-up (Dagster's run, 1-2 s; the workers' litellm import, 2-3 s): with far
fewer people it dominates and the shares stop meaning much. Writes `results/trait_texts_throughput.json`.
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import resource
import tempfile
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl

from assets import bios, traits
from assets.partitions import league_partitions
from benchmarks.support import (
    KEY_ENV,
    REPO_ROOT,
    Stopwatch,
    full_cohort_bios,
    local_server,
    models,
    write_models_yaml,
    write_result,
)
from personax_platform.config.datasets import DEFAULT_CONFIG_PATH
from personax_platform.llm import client_workers
from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import Backoff, _call_kwargs, complete_all_sync
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest, request_hash
from personax_platform.prompts import PROMPTS_DIR, load_prompt
from personax_platform.traits.inference import build_requests
from personax_platform.warehouse import Lakehouse, TableRef
from resources.llm import LLMResource
from resources.warehouse import WarehouseIOManager, WarehouseResource

PROMPT_ID = "number-l3-inc"
STORED_BIOS = dg.AssetSpec(bios.BIOS, partitions_def=league_partitions)  # written by the benchmark, not by Dagster


@dataclasses.dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    cpu_s: float  # the client's process time, its finished children's included

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_s / self.requests

    def figures(self, bound: float) -> dict[str, float]:
        return {"requests": self.requests, "seconds": self.seconds, "requests_per_s": self.rate,
                "share_of_bound": self.rate / bound, "cpu_ms_per_request": self.cpu_ms}


def _cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measured(requests: int, work: Callable[[], object]) -> Run:
    cpu = _cpu_s()
    with Stopwatch() as watch:
        work()
    return Run(requests, watch.seconds, _cpu_s() - cpu)


def _asset_run(people: pl.DataFrame, model_list: list[ModelConfig], workdir: Path) -> Run:
    """Materialize trait_texts for `people` (stored as the celebrities bios partition) on a fresh cache."""
    workdir.mkdir(parents=True)
    write_models_yaml(workdir / "models.yaml", model_list)
    warehouse = WarehouseResource(lake_dir=str(workdir / "lake"), catalog_path=str(workdir / "warehouse.duckdb"))
    Lakehouse(workdir / "lake", workdir / "warehouse.duckdb").write_partition(
        TableRef("bios", "bios"), "celebrities", people)
    resources = {
        "io_manager": WarehouseIOManager(warehouse=warehouse), "warehouse": warehouse,
        "llm": LLMResource(models_config=str(workdir / "models.yaml"), prompts_dir=str(PROMPTS_DIR),
                           prompt_id=PROMPT_ID, cache_path=str(workdir / "cache.sqlite"),
                           datasets_config=str(DEFAULT_CONFIG_PATH), data_dir=str(workdir / "data")),
    }

    def materialize() -> None:
        result = dg.materialize([STORED_BIOS, traits.trait_texts], selection=[traits.trait_texts],
                                partition_key="celebrities", resources=resources,
                                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
        assert result.success

    run = _measured(len(people) * len(model_list), materialize)
    texts = Lakehouse(workdir / "lake", workdir / "warehouse.duckdb").read_partitions(
        TableRef("traits", "trait_texts"), ["celebrities"])
    _require_all_ok(len(texts), run.requests, texts["status"].to_list(), texts["failure_reason"].to_list())
    return run


def _client_run(requests: list[LLMRequest], cache_path: Path) -> Run:
    """complete_all_sync as the asset calls it (automatic workers), without Dagster and the tables."""
    with ResponseCache(cache_path) as cache:
        results: list = []
        run = _measured(len(requests), lambda: results.extend(
            complete_all_sync(requests, cache, validate=None, run_id="bench", backoff=Backoff())))
    _require_all_ok(len(results), len(requests), [r.status for r in results], [r.failure_reason for r in results])
    return run


def _require_all_ok(rows: int, expected: int, statuses: list[str], reasons: list[str | None]) -> None:
    failed = [reason for status, reason in zip(statuses, reasons) if status != "ok"]
    if rows != expected or failed:
        raise RuntimeError(f"{rows} of {expected} rows, {len(failed)} failed: {sorted(set(map(str, failed)))[:3]}")


async def _naive(requests: list[LLMRequest], concurrency: int) -> None:
    import litellm

    semaphore = asyncio.Semaphore(concurrency)

    async def one(request: LLMRequest) -> None:
        async with semaphore:
            await litellm.acompletion(**_call_kwargs(request))

    await asyncio.gather(*(one(r) for r in requests))


def _sequential(requests: list[LLMRequest]) -> None:
    import litellm

    for request in requests:
        litellm.completion(**_call_kwargs(request))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight, over all models")
    parser.add_argument("--latency-s", type=float, default=0.2)
    parser.add_argument("--sequential-requests", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault(KEY_ENV, "sk-local-benchmark")
    prompt = load_prompt(PROMPT_ID, PROMPTS_DIR)
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        people = full_cohort_bios(work / "cohort")["celebrities"].sort("person_id").head(args.people)
        with local_server(args.latency_s) as api_base:
            model_list = models(api_base, args.concurrency)
            requests = build_requests(people, prompt, model_list, "celebrities")
            jobs = client_workers.plan_jobs({request_hash(r): r for r in requests}, str(work / "plan.sqlite"),
                                            "plan", None, Backoff(), None)
            ours = _asset_run(people, model_list, work / "asset")
            client = _client_run(requests, work / "client.sqlite")
            import litellm  # noqa: F401 - imported already by the asset's resource; not part of the naive timing

            naive = _measured(len(requests), lambda: asyncio.run(_naive(requests, args.concurrency)))
            sequential = _measured(args.sequential_requests,
                                   lambda: _sequential(requests[:args.sequential_requests]))
    load_after = os.getloadavg()

    bound = args.concurrency / args.latency_s
    print(f"trait_texts throughput: {args.people} people × {len(model_list)} models = {len(requests)} requests, "
          f"{args.concurrency} in flight, server latency {args.latency_s * 1000:.0f} ms, "
          f"{client_workers.available_cpus()} CPUs, {len(jobs) or 'no'} client worker processes, "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(f"  bound = concurrency / latency {bound:8.1f} req/s")
    print(f"{'variant':<14}{'req/s':>9}{'of bound':>10}{'× sequential':>14}{'CPU ms/req':>12}")
    variants = {"trait_texts": ours, "complete_all": client, "naive gather": naive, "sequential": sequential}
    for name, run in variants.items():
        print(f"{name:<14}{run.rate:9.1f}{run.rate / bound:10.0%}{run.rate / sequential.rate:14.1f}"
              f"{run.cpu_ms:12.2f}")
    figures = {"people": args.people, "requests": len(requests), "concurrency": args.concurrency,
               "latency_s": args.latency_s, "bound_requests_per_s": bound, "worker_processes": len(jobs),
               "load_avg_1m_before": load_before[0], "load_avg_1m_after": load_after[0],
               "trait_texts": ours.figures(bound), "complete_all": client.figures(bound),
               "trait_texts_vs_naive": ours.rate / naive.rate}
    baselines = {"naive_gather": naive.figures(bound), "sequential": sequential.figures(bound)}
    print(f"wrote {write_result('trait_texts_throughput', figures, baselines).relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
