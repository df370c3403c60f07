"""How fast `traits/trait_texts` gets answers from an LLM provider, against what the provider allows.

A local OpenAI-compatible server (its own process) answers every request after a fixed latency. For 1,000 people ×
3 models at 64 requests in flight, the benchmark prints requests/s of, side by side in one run:

  bound        min(concurrency / latency, the client's own ceiling): the ceiling is our client against the same
               server with zero latency, i.e. what litellm plus our bookkeeping can push through this CPU
  trait_texts  the real asset, materialized by Dagster (render prompts, cache, retries, parse, Parquet write)
  naive        asyncio.gather over litellm.acompletion behind one semaphore, no cache, no parsing
  sequential   a plain loop of litellm.completion

    .venv/bin/python -m benchmarks.trait_texts_throughput [--people 1000] [--concurrency 64] [--latency-s 0.2]

Both the ceiling and the asset run include one Dagster run start-up (1–2 s): with far fewer than 1,000 people it
dominates and the ratios stop meaning much (at 100 people the asset measured 110% of the "bound").
"""
from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

import dagster as dg
import polars as pl

from assets import bios, traits
from assets.partitions import league_partitions
from benchmarks.support import KEY_ENV, Stopwatch, full_cohort_bios, local_server, models, write_models_yaml
from personax_platform.config.datasets import DEFAULT_CONFIG_PATH
from personax_platform.llm.client import _call_kwargs
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest
from personax_platform.prompts import PROMPTS_DIR, load_prompt
from personax_platform.traits.inference import build_requests
from personax_platform.warehouse import Lakehouse, TableRef
from resources.llm import LLMResource
from resources.warehouse import WarehouseIOManager, WarehouseResource

PROMPT_ID = "number-l3-inc"
STORED_BIOS = dg.AssetSpec(bios.BIOS, partitions_def=league_partitions)  # written by the benchmark, not by Dagster


def _asset_run(people: pl.DataFrame, model_list: list[ModelConfig], workdir: Path) -> tuple[int, float]:
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
    with Stopwatch() as watch:
        result = dg.materialize([STORED_BIOS, traits.trait_texts], selection=[traits.trait_texts],
                                partition_key="celebrities", resources=resources,
                                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    assert result.success
    texts = Lakehouse(workdir / "lake", workdir / "warehouse.duckdb").read_partitions(
        TableRef("traits", "trait_texts"), ["celebrities"])
    failed = int((texts["status"] != "ok").sum())
    if failed:
        raise RuntimeError(f"{failed} requests failed: {texts['failure_reason'].dropna().unique()[:3]}")
    return len(texts), watch.seconds


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
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight, over all models")
    parser.add_argument("--latency-s", type=float, default=0.2)
    parser.add_argument("--sequential-requests", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault(KEY_ENV, "sk-local-benchmark")
    prompt = load_prompt(PROMPT_ID, PROMPTS_DIR)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        people = full_cohort_bios(work / "cohort")["celebrities"].sort("person_id").head(args.people)
        with local_server(0.0) as instant:
            rows, seconds = _asset_run(people, models(instant, args.concurrency), work / "ceiling")
            ceiling = rows / seconds
        with local_server(args.latency_s) as slow:
            model_list = models(slow, args.concurrency)
            rows, seconds = _asset_run(people, model_list, work / "asset")
            ours = rows / seconds
            requests = build_requests(people, prompt, model_list, "celebrities")
            with Stopwatch() as watch:
                asyncio.run(_naive(requests, args.concurrency))
            naive = len(requests) / watch.seconds
            with Stopwatch() as watch:
                _sequential(requests[:args.sequential_requests])
            sequential = args.sequential_requests / watch.seconds

    bound = min(args.concurrency / args.latency_s, ceiling)
    print(f"trait_texts throughput: {args.people} people × {len(model_list)} models = {rows} requests, "
          f"{args.concurrency} in flight, server latency {args.latency_s * 1000:.0f} ms, {os.cpu_count()} CPUs")
    print(f"  concurrency / latency      {args.concurrency / args.latency_s:8.1f} req/s")
    print(f"  client ceiling (0 latency) {ceiling:8.1f} req/s   (the trait_texts asset against an instant server)")
    print(f"  bound = min of the two     {bound:8.1f} req/s")
    print(f"{'variant':<13}{'req/s':>9}{'of bound':>10}{'× sequential':>14}")
    for name, rate in (("trait_texts", ours), ("naive gather", naive), ("sequential", sequential)):
        print(f"{name:<13}{rate:9.1f}{rate / bound:10.0%}{rate / sequential:14.1f}")


if __name__ == "__main__":
    main()
