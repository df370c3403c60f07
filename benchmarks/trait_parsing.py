"""Parsing, aggregation and agreement of trait answers, polars (the platform) against pandas (before): 40,875 answers.

The answers are those of the three simulated raters (personax_platform/llm/simulated.py) for every person of the seeded
full-size cohorts (4,181 athletes, 9,444 celebrities: 13,625 people × 3 models) under the default prompt. A seeded
share of them is rewritten into the other shapes models produce: wrapped (code fences, prose, indentation), tolerated
but unusual (capitalised keys, numbers as strings, nested {"score": ...}), unparseable (out of scale, a missing trait,
truncated, a refusal), and failed calls. Both engines get the same `traits.trait_texts` rows, loaded as the IO manager
loads them (pandas through the lake's Arrow conversion, polars from Arrow), and each runs what the trait assets run:
scores_table, then the aggregated table and the agreement table. The pandas engine is the frozen pre-migration code in
benchmarks/baselines/pandas_traits.

Seconds: best of 3 runs after one warm-up run, engines alternating. Peak memory: a fresh child process per engine
loads the texts, resets the kernel's peak-RSS mark (VmHWM, via /proc/self/clear_refs; ru_maxrss cannot be reset and
is already above either engine after the imports), runs the engine once and reports VmHWM minus the RSS before the
run: the engine's own peak, input conversion to its frame included. Tables are compared as Arrow tables under the
registered schemas, sorted by their keys; a difference fails the benchmark. Writes results/trait_parsing.json.

    .venv/bin/python -m benchmarks.trait_parsing
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.baselines.pandas_traits import aggregate as pandas_aggregate
from benchmarks.baselines.pandas_traits import inference as pandas_inference
from benchmarks.support import REPO_ROOT, machine, write_result
from personax_platform.arrow_pandas import to_pandas
from personax_platform.llm import simulated
from personax_platform.prompts import PromptTemplate, load_prompt, render_messages
from personax_platform.sample.generator import generate_cohort, person_id, truth_table
from personax_platform.traits import schema
from personax_platform.traits.aggregate import agreement
from personax_platform.traits.inference import aggregated_table, long_scores, scores_table

GOAL = 3.0  # the goal: polars at least 3× pandas
ROUNDS = 3
SEED = 17
KINDS = {"celebpersona": "celebrities", "athlepersona": "athletes"}
# Shares of the answers rewritten into other shapes; the rest stay as the raters wrote them.
VARIANTS = {
    "code_fence": 0.02, "prose_around": 0.01, "indented": 0.01,  # wrapped, read by the vectorised path
    "capitalised_keys": 0.01, "string_numbers": 0.01, "nested_scores": 0.01,  # tolerated, read by parse_answer
    "out_of_scale": 0.005, "missing_trait": 0.005, "truncated": 0.005, "refusal": 0.005,  # parse_failed
    "llm_failed": 0.01,
}
REFUSAL = "I'm sorry, but I can't assess the personality of real people."
KEYS = {"trait_scores": ["person_id", "model"], "aggregated_traits": ["person_id", "trait"],
        "trait_agreement": ["trait"]}


# -- the answers ------------------------------------------------------------------------------------------------------
def simulated_texts(work: Path, prompt: PromptTemplate) -> pa.Table:
    """`traits.trait_texts` rows: every person × simulated rater, a seeded share rewritten (VARIANTS)."""
    people = pd.concat([generate_cohort(dataset)[0] for dataset in KINDS], ignore_index=True)
    people["person_id"] = [person_id(d, lg, s) for d, lg, s in
                           zip(people["dataset"], people["league"], people["source_id"])]
    truth = work / "truth.parquet"
    pq.write_table(truth_table(people, {}), truth)
    rows = []
    for person in people.to_dict("records"):
        messages = render_messages(prompt, person, KINDS[person["dataset"]])
        for rater in simulated.RATERS:
            rows.append({"person_id": person["person_id"], "dataset": person["dataset"], "league": person["league"],
                         "model": rater, "raw_response": simulated.answer(rater, messages, str(truth),
                                                                          {"temperature": 0})})
    rng = np.random.default_rng(SEED)
    names, shares = list(VARIANTS), np.array(list(VARIANTS.values()))
    picks = rng.choice(len(names) + 1, size=len(rows), p=[*shares, 1 - shares.sum()])
    for row, pick in zip(rows, picks):
        variant = names[pick] if pick < len(names) else "as_written"
        row.update(_rewritten(row["raw_response"], variant))
    return pa.Table.from_pylist([_text_row(row, prompt) for row in rows], schema=schema.TRAIT_TEXTS)


def _rewritten(raw: str, variant: str) -> dict[str, object]:
    answer = json.loads(raw)
    scores = answer["scores"]
    rewrites = {
        "code_fence": lambda: f"```json\n{raw}\n```",
        "prose_around": lambda: f"Here is my assessment:\n\n{raw}\n\nLet me know if you need more detail.",
        "indented": lambda: json.dumps(answer, indent=2, ensure_ascii=False),
        "capitalised_keys": lambda: json.dumps({"Description": answer["description"],
                                                "Scores": {k.capitalize(): v for k, v in scores.items()}}),
        "string_numbers": lambda: json.dumps({**answer, "scores": {k: str(v) for k, v in scores.items()}}),
        "nested_scores": lambda: json.dumps({**answer, "scores": {k: {"score": v, "reason": "public record"}
                                                                  for k, v in scores.items()}}),
        "out_of_scale": lambda: json.dumps({**answer, "scores": {**scores, "openness": 4}}),
        "missing_trait": lambda: json.dumps({**answer, "scores": {k: v for k, v in scores.items()
                                                                  if k != "neuroticism"}}),
        "truncated": lambda: raw[: len(raw) // 2],
        "refusal": lambda: REFUSAL,
    }
    if variant == "llm_failed":
        return {"status": "failed", "failure_reason": "RateLimitError: 429 after 4 attempts", "raw_response": None}
    return {"status": "ok", "failure_reason": None, "raw_response": rewrites[variant]() if variant in rewrites else raw}


def _text_row(row: dict[str, object], prompt: PromptTemplate) -> dict[str, object]:
    return {**row, "model_string": simulated.simulated_model(str(row["model"])), "prompt_id": prompt.id,
            "prompt_version": prompt.version, "prompt_sha": prompt.sha, "cache_hit": True, "attempts": 1}


# -- the engines -----------------------------------------------------------------------------------------------------
def run_pandas(texts: pa.Table, prompt: PromptTemplate) -> dict[str, object]:
    frame = to_pandas(texts)
    start = time.perf_counter()
    scores = pandas_inference.scores_table(frame, prompt)
    tables = {"trait_scores": scores, "aggregated_traits": pandas_inference.aggregated_table(scores),
              "trait_agreement": pandas_aggregate.agreement(pandas_inference.long_scores(scores))}
    return {"seconds": time.perf_counter() - start, **tables}


def run_polars(texts: pa.Table, prompt: PromptTemplate) -> dict[str, object]:
    frame = pl.from_arrow(texts)
    start = time.perf_counter()
    scores = scores_table(frame, prompt)
    tables = {"trait_scores": scores, "aggregated_traits": aggregated_table(scores),
              "trait_agreement": agreement(long_scores(scores))}
    return {"seconds": time.perf_counter() - start, **tables}


ENGINES: dict[str, Callable] = {"pandas": run_pandas, "polars": run_polars}


def as_arrow(name: str, frame: pd.DataFrame | pl.DataFrame) -> pa.Table:
    """The table as the lake stores it (registered schema), sorted by its keys."""
    registered = {"trait_scores": schema.TRAIT_SCORES, "aggregated_traits": schema.AGGREGATED_TRAITS,
                  "trait_agreement": schema.TRAIT_AGREEMENT}[name]
    target = pa.schema([registered.field(c) for c in frame.columns])
    table = (frame.select(target.names).to_arrow().cast(target) if isinstance(frame, pl.DataFrame)
             else pa.Table.from_pandas(frame[target.names], schema=target, preserve_index=False))
    return table.sort_by([(key, "ascending") for key in KEYS[name]])


# -- peak memory -----------------------------------------------------------------------------------------------------
def child_peak_mb(engine: str, texts_path: Path) -> float:
    """Peak resident memory above the loaded input while `engine` runs once, in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.trait_parsing", "--child", engine, str(texts_path)],
                         cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_mb"]


def _child(engine: str, texts_path: Path) -> None:
    prompt, texts = load_prompt(), pq.read_table(texts_path)
    # The imports (litellm among them) and reading the Parquet file peak higher than either engine: reset the
    # high-water mark (Linux: "5" to clear_refs), so that it measures the engine alone.
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_mb("VmRSS")
    ENGINES[engine](texts, prompt)
    print(json.dumps({"peak_mb": _status_mb("VmHWM") - before}))


def _status_mb(field: str) -> float:
    """A memory field of /proc/self/status (reported in kB)."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


# -- the run ----------------------------------------------------------------------------------------------------------
def main() -> None:
    prompt = load_prompt()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        texts = simulated_texts(work, prompt)
        built_s = time.perf_counter() - started
        pq.write_table(texts, work / "texts.parquet")

        results = {engine: run(texts, prompt) for engine, run in ENGINES.items()}  # warm-up, and the compared tables
        seconds = {engine: [] for engine in ENGINES}
        for _ in range(ROUNDS):
            for engine, run in ENGINES.items():
                seconds[engine].append(run(texts, prompt)["seconds"])
        identical = {name: as_arrow(name, results["pandas"][name]).equals(as_arrow(name, results["polars"][name]))
                     for name in KEYS}
        peak_mb = {engine: child_peak_mb(engine, work / "texts.parquet") for engine in ENGINES}

    n = texts.num_rows
    statuses = results["polars"]["trait_scores"]["status"].value_counts(sort=True)
    best = {engine: min(times) for engine, times in seconds.items()}
    speedup = best["pandas"] / best["polars"]
    print(f"trait parsing + aggregation + agreement: {n} answers (13,625 people × 3 simulated raters, "
          f"{1 - VARIANTS['llm_failed']:.0%} answered, {sum(VARIANTS.values()) - VARIANTS['llm_failed']:.1%} "
          f"rewritten), built in {built_s:.0f} s; {machine()['cpus']} CPUs")
    print("statuses: " + ", ".join(f"{s} {c}" for s, c in statuses.iter_rows()))
    print(f"best of {ROUNDS} after a warm-up; peak MB = peak RSS above the loaded input, a fresh process per engine")
    print(f"{'engine':<28}{'seconds':>9}{'answers/s':>11}{'× pandas':>10}{'peak MB':>9}")
    for engine, label in (("pandas", "pandas (pre-migration)"), ("polars", "polars (the platform)")):
        print(f"{label:<28}{best[engine]:9.3f}{n / best[engine]:11.0f}{best['pandas'] / best[engine]:10.2f}"
              f"{peak_mb[engine]:9.1f}")
    print(f"goal ≥ {GOAL:.0f}× pandas: {'met' if speedup >= GOAL else 'NOT met'} ({speedup:.2f}×)")
    print(f"tables identical: {all(identical.values())} ({', '.join(f'{k} {v}' for k, v in identical.items())})")
    write_result("trait_parsing", figures={
        "answers": n, "statuses": dict(statuses.iter_rows()), "rounds": ROUNDS, "seconds": seconds, "best_s": best,
        "answers_per_s": {engine: n / s for engine, s in best.items()}, "speedup_vs_pandas": speedup,
        "goal_met": speedup >= GOAL, "peak_mb": peak_mb, "tables_identical": identical,
    }, baselines={"pandas": "benchmarks/baselines/pandas_traits (frozen pre-migration implementation, commit "
                            "4717ae66c4ed7743a87a5b3864f363f5e5992853)", "goal_x_pandas": GOAL})
    if not all(identical.values()):
        raise SystemExit(f"the engines' tables differ: {identical}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "TEXTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
    else:
        main()
