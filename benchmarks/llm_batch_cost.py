"""What rating the full-size cohorts costs and takes, synchronously against through provider batches, and what each
mode costs the client per request.

Part 1 (no network): the 40,875 trait requests of the seeded full-size cohorts (13,625 people × the paper's three
models, `config/models.paper.example.yaml`, active prompt) priced by the run preview at list prices: synchronous
against batch, per model, with the expected hours under the example rate limits. Batch is offered where litellm has a
batch route for the model's provider and a batch price is known; see `batch_variants` for the two models shown again
as litellm can batch them.

Part 2 (local servers, each in a process of its own): the client's own CPU time per request, side by side in one run:
synchronous (`complete_all_sync` against the fake chat server, 0 latency, 64 in flight) and batch (one round that
submits, one that collects, against the fake files and batches server). CPU is this process's user + system time
(and its children's, should the client start any).

    .venv/bin/python -m benchmarks.llm_batch_cost [--sync-requests 6000] [--batch-people 13625]
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import polars as pl

from benchmarks.support import (
    KEY_ENV,
    REPO_ROOT,
    Stopwatch,
    full_cohort_bios,
    local_server,
    models,
    write_result,
)
from personax_platform.config.datasets import load_config
from personax_platform.llm.batch import batch_round, poll
from personax_platform.llm.batch_ledger import BatchLedger
from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import complete_all_sync
from personax_platform.llm.models import ModelConfig, load_models
from personax_platform.llm.preview import RunPreview, preview_run
from personax_platform.llm.request import LLMRequest
from personax_platform.prompts import PROMPTS_DIR, load_prompt
from personax_platform.traits.inference import build_requests
from personax_platform.traits.parse import parse_answer

PROMPT_ID = "number-l3-inc"
PAPER_MODELS = REPO_ROOT / "config" / "models.paper.example.yaml"
def cohort_requests(people: dict[str, pl.DataFrame], model_list: list[ModelConfig]) -> list[LLMRequest]:
    prompt, config = load_prompt(PROMPT_ID, PROMPTS_DIR), load_config()
    simulated = {league for dataset in config.known_truth_datasets for league in config.datasets[dataset].leagues}
    return [r for league, frame in people.items() if league not in simulated
            for r in build_requests(frame, prompt, model_list, config.kind(config.league_to_dataset[league]))]


def cost_table(requests: list[LLMRequest], cache: ResponseCache) -> tuple[RunPreview, list[dict[str, object]]]:
    preview = preview_run(requests, cache)
    rows = []
    for m in preview.models:
        rows.append({"model": m.model, "requests": m.to_send, "prompt_tokens": m.prompt_tokens,
                     "sync_usd": round(m.cost_usd, 2),
                     "batch_usd": None if m.batch_cost_usd is None else round(m.batch_cost_usd, 2),
                     "batch_over_sync": None if m.batch_cost_usd is None or not m.cost_usd
                     else round(m.batch_cost_usd / m.cost_usd, 3),
                     "sync_hours": None if m.wall_time_s is None else round(m.wall_time_s / 3600, 2)})
    return preview, rows


def batch_variants(paper: list[ModelConfig]) -> list[ModelConfig]:
    """The paper's models as offered in batch through litellm: `chatgpt-4o-latest` has no batch price anywhere, so
    GPT-4o is the dated API model (`openai/gpt-4o`, batch prices in litellm's map), and `gemini/` has no batch route,
    so Gemini goes through `vertex_ai/`. Together's Llama 4 has no litellm batch route at all."""
    variants = {"gpt4o": "openai/gpt-4o", "gemini25pro": "vertex_ai/gemini-2.5-pro"}
    return [m.model_copy(update={"name": f"{m.name}_via_{variants[m.name].split('/')[0]}",
                                 "model": variants[m.name], "input_cost_per_token": None,
                                 "output_cost_per_token": None})
            for m in paper if m.name in variants]


def cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def sync_overhead(people: pl.DataFrame, n: int, work: Path) -> dict[str, float]:
    validate = _validator()
    with local_server(0.0) as api_base:
        requests = build_requests(people, load_prompt(PROMPT_ID, PROMPTS_DIR), models(api_base, 64),
                                  "celebrities")[:n]
        with ResponseCache(work / "sync.sqlite") as cache:
            before = cpu_s()
            with Stopwatch() as watch:
                results = complete_all_sync(requests, cache, validate=validate, run_id="sync")
            cpu = cpu_s() - before
    _require_ok(results)
    return {"requests": len(requests), "wall_s": watch.seconds, "cpu_s": cpu,
            "cpu_ms_per_request": 1000 * cpu / len(requests)}


def batch_overhead(people: pl.DataFrame, work: Path) -> dict[str, float]:
    validate = _validator()
    with local_server(0.0, batch_state_dir=work / "provider", batch_delay_s=1.0) as api_base:
        batch_models = [m.model_copy(update={"mode": "batch"}) for m in models(api_base, 64)]
        requests = build_requests(people, load_prompt(PROMPT_ID, PROMPTS_DIR), batch_models, "celebrities")
        with ResponseCache(work / "batch.sqlite") as cache, BatchLedger(work / "batch.sqlite") as ledger:
            before = cpu_s()
            with Stopwatch() as submit_watch:
                submitted = batch_round(requests, cache, ledger, scope="bench", run_id="submit",
                                             validate=validate)
            submit_cpu = cpu_s() - before
            assert submitted.pending == len(requests), submitted.pending
            while any(status is None or not status.done for _, status in poll(batch_models, ledger)):
                time.sleep(1.0)  # the sensor's status-only poll, untimed
            before = cpu_s()
            with Stopwatch() as collect_watch:
                collected = batch_round(requests, cache, ledger, scope="bench", run_id="collect",
                                             validate=validate)
            collect_cpu = cpu_s() - before
    _require_ok(collected.results)
    n = len(requests)
    return {"requests": n, "submit_wall_s": submit_watch.seconds, "collect_wall_s": collect_watch.seconds,
            "submit_cpu_s": submit_cpu, "collect_cpu_s": collect_cpu,
            "cpu_ms_per_request": 1000 * (submit_cpu + collect_cpu) / n}


def _validator():
    prompt = load_prompt(PROMPT_ID, PROMPTS_DIR)
    return lambda raw: parse_answer(raw, prompt)


def _require_ok(results: list) -> None:
    failed = [r.failure_reason for r in results if r.status != "ok"]
    if failed:
        raise RuntimeError(f"{len(failed)} requests failed: {failed[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sync-requests", type=int, default=6000)
    parser.add_argument("--batch-people", type=int, default=9444, help="celebrities rated through batches (× 3)")
    args = parser.parse_args()
    os.environ.setdefault(KEY_ENV, "sk-local-benchmark")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        people = full_cohort_bios(work / "cohort")
        paper = load_models(PAPER_MODELS)
        with ResponseCache(work / "empty.sqlite") as empty:
            preview, rows = cost_table(cohort_requests(people, paper + batch_variants(paper)), empty)
        celebrities = people["celebrities"].sort("person_id")
        sync = sync_overhead(celebrities, args.sync_requests, work)
        batch = batch_overhead(celebrities.head(args.batch_people), work)

    by_name = {str(r["model"]): r for r in rows}
    paper_rows = [r for r in rows if "_via_" not in str(r["model"])]
    sync_total = sum(r["sync_usd"] for r in paper_rows)
    # The paper's three models, each in batch where a variant with a batch route exists, else synchronous.
    best = [next((v for name, v in by_name.items() if name.startswith(f"{r['model']}_via_")), r) for r in paper_rows]
    best_sync = sum(r["sync_usd"] for r in best)
    mixed_total = sum(r["batch_usd"] if r["batch_usd"] is not None else r["sync_usd"] for r in best)
    print(f"Full-size cohorts: {preview.to_send // len(preview.models):,} requests per model, prompt {PROMPT_ID}, "
          f"list prices (litellm's map or the models file), output counted at max_tokens (an upper bound)")
    print(f"{'model':<27}{'requests':>9}{'prompt tok':>12}{'sync $':>10}{'batch $':>10}{'batch/sync':>11}"
          f"{'sync hours':>11}")
    for r in rows:
        batch_usd = "n/a" if r["batch_usd"] is None else f"{r['batch_usd']:.2f}"
        ratio = "n/a" if r["batch_over_sync"] is None else f"{r['batch_over_sync']:.2f}"
        hours = "unknown" if r["sync_hours"] is None else f"{r['sync_hours']:.1f}"
        print(f"{r['model']:<27}{r['requests']:>9,}{r['prompt_tokens']:>12,}{r['sync_usd']:>10.2f}{batch_usd:>10}"
              f"{ratio:>11}{hours:>11}")
    print(f"paper's three models as configured, all synchronous: ${sync_total:.2f}. As litellm can batch them "
          f"({', '.join(str(r['model']) for r in best)}): synchronous ${best_sync:.2f}, each in batch where offered "
          f"${mixed_total:.2f} ({mixed_total / best_sync:.2f}×). Batches finish within the provider's 24 h window, "
          "with no RPM/TPM.")
    print(f"client CPU per request: synchronous {sync['cpu_ms_per_request']:.2f} ms ({sync['requests']:,} requests, "
          f"{sync['wall_s']:.1f} s), batch {batch['cpu_ms_per_request']:.2f} ms ({batch['requests']:,} requests: "
          f"submit {batch['submit_wall_s']:.1f} s, collect {batch['collect_wall_s']:.1f} s) → "
          f"{sync['cpu_ms_per_request'] / batch['cpu_ms_per_request']:.1f}× less in batch mode")
    figures = {"models": rows, "paper_as_configured_sync_usd": sync_total, "batchable_sync_usd": best_sync,
               "batchable_batch_where_offered_usd": mixed_total, "batch_over_sync": mixed_total / best_sync,
               "batch_client": batch}
    path = write_result("llm_batch_cost", figures, {"sync_client": sync})
    print(f"wrote {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
