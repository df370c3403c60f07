"""Re-materializing `traits/trait_texts` when every answer is already cached: rows/s on the full-size cohorts.

The seeded full-size cohorts (4,181 athletes, 9,444 celebrities: 13,625 people) × 3 models are rendered, and their
answers are written to a fresh response cache first, as a finished earlier run would have left them. Then every
league partition is materialized by Dagster, one after the other. Printed side by side with the floor under it: the
same requests rendered, hashed and looked up in the cache with no Dagster, parsing or Parquet around them.
Goal: at least 2,000 rows/s.

    .venv/bin/python -m benchmarks.trait_texts_warm_cache
"""
from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from assets import bios, traits
from assets.partitions import dataset_kind, dataset_of, league_partitions
from benchmarks.support import KEY_ENV, TRAIT_ANSWER, Stopwatch, full_cohort_bios, models, write_models_yaml
from personax_platform.config.datasets import DEFAULT_CONFIG_PATH
from personax_platform.llm.cache import CachedResponse, ResponseCache
from personax_platform.llm.request import request_hash
from personax_platform.prompts import PROMPTS_DIR, load_prompt
from personax_platform.traits.inference import build_requests
from personax_platform.warehouse import Lakehouse, TableRef
from resources.llm import LLMResource
from resources.warehouse import WarehouseIOManager, WarehouseResource

PROMPT_ID = "number-l3-inc"
GOAL_ROWS_PER_S = 2000
# No server runs: a request reaching the network would fail, which the benchmark reports as an error.
UNREACHABLE = "http://127.0.0.1:9/v1"
STORED_BIOS = dg.AssetSpec(bios.BIOS, partitions_def=league_partitions)  # written by the benchmark, not by Dagster


def _warm(cache_path: Path, requests: list) -> None:
    now = datetime.now(timezone.utc).isoformat()
    with ResponseCache(cache_path) as cache:
        for request in requests:
            cache.put(CachedResponse(
                request_hash=request_hash(request), model=request.model.name, status="ok", raw_response=TRAIT_ANSWER,
                finish_reason="stop", model_version="bench-model", input_tokens=900, output_tokens=60, cost_usd=0.0,
                latency_s=1.0, attempts=1, failure_reason=None, run_id="warm-up", created_at=now, updated_at=now))


def main() -> None:
    os.environ.setdefault(KEY_ENV, "sk-local-benchmark")
    prompt = load_prompt(PROMPT_ID, PROMPTS_DIR)
    model_list = models(UNREACHABLE, total_concurrency=64)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cohort = full_cohort_bios(work / "cohort")
        lake = Lakehouse(work / "lake", work / "warehouse.duckdb")
        for league, people in cohort.items():
            lake.write_partition(TableRef("bios", "bios"), league, people)
        write_models_yaml(work / "models.yaml", model_list)
        all_requests = [r for league, people in cohort.items()
                        for r in build_requests(people, prompt, model_list, dataset_kind(dataset_of(league)))]
        _warm(work / "cache.sqlite", all_requests)

        with Stopwatch() as floor_watch, ResponseCache(work / "cache.sqlite") as cache:
            floor_requests = [r for league, people in cohort.items()
                              for r in build_requests(people, prompt, model_list, dataset_kind(dataset_of(league)))]
            found = cache.get_ok(request_hash(r) for r in floor_requests)
        assert len(found) == len(all_requests)

        warehouse = WarehouseResource(lake_dir=str(work / "lake"), catalog_path=str(work / "warehouse.duckdb"))
        resources = {
            "io_manager": WarehouseIOManager(warehouse=warehouse), "warehouse": warehouse,
            "llm": LLMResource(models_config=str(work / "models.yaml"), prompts_dir=str(PROMPTS_DIR),
                               prompt_id=PROMPT_ID, cache_path=str(work / "cache.sqlite"),
                               datasets_config=str(DEFAULT_CONFIG_PATH), data_dir=str(work / "data")),
        }
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        with Stopwatch() as asset_watch:
            for league in cohort:
                result = dg.materialize([STORED_BIOS, traits.trait_texts], selection=[traits.trait_texts],
                                        partition_key=league, resources=resources, run_config=quiet)
                assert result.success, league
        texts = lake.read_partitions(TableRef("traits", "trait_texts"), list(cohort))
        if not texts["cache_hit"].all() or (texts["status"] != "ok").any():
            raise RuntimeError("a warm re-materialization made LLM calls: the cache keys changed")

    rows = len(texts)
    asset_rate, floor_rate = rows / asset_watch.seconds, rows / floor_watch.seconds
    print(f"trait_texts warm-cache re-materialization: {sum(map(len, cohort.values()))} people × {len(model_list)} "
          f"models = {rows} rows in {len(cohort)} partitions, {os.cpu_count()} CPUs")
    print(f"{'variant':<34}{'seconds':>9}{'rows/s':>10}{'of floor':>10}{'of goal':>9}")
    for name, seconds, rate in (("trait_texts (Dagster, 8 runs)", asset_watch.seconds, asset_rate),
                                ("floor: render + hash + cache read", floor_watch.seconds, floor_rate)):
        print(f"{name:<34}{seconds:9.1f}{rate:10.0f}{rate / floor_rate:10.0%}{rate / GOAL_ROWS_PER_S:9.0%}")


if __name__ == "__main__":
    main()
