"""The README's main command: bios, LLM traits, embeddings, Level I analysis, releases and the prompt study.

Runs on the persistent Dagster instance in $DAGSTER_HOME (default ./dagster_home), so every run it makes is visible in
the UI afterwards. Before its runs it fails the instance's runs whose process is gone (freeing their pool slots) and
checks that the embedded model can run here. Exits 1 if any run or blocking check fails, 2 if the model could not run
and the steps that need it were skipped.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent
os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / "dagster_home"))

import dagster as dg  # noqa: E402  (DAGSTER_HOME must be set first)

from definitions import defs  # noqa: E402
from orchestration.in_process import execute_partition, sweep_dead_runs  # noqa: E402
from personax_platform import settings  # noqa: E402
from personax_platform.config.datasets import load_config  # noqa: E402
from personax_platform.warehouse import Lakehouse  # noqa: E402


# Step-by-step event logs stay in the UI; the terminal gets one line per run.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# The embedded LLM takes ~4 s per answer on one thread once its worker has seen the prompt's instructions (README,
# "Embedded model"): the demo rates the first N people of each league, 16 answers by default.
DEMO_PEOPLE = int(os.environ.get("PERSONAX_DEMO_PEOPLE", "2"))
# A tiny study: 1 person × 6 prompt variants × 2 repeats per dataset. Temperature 0.8, because at the configured 0 a
# deterministic model repeats itself exactly; a real study uses the defaults (20 people, 5 repeats).
# PERSONAX_DEMO_VARIANTS (comma-separated prompt ids) narrows the six variants, e.g. for quick checks.
STUDY = {"sample_size": 1, "repeats": 2, "temperature": 0.8,
         **({"variants": os.environ["PERSONAX_DEMO_VARIANTS"].split(",")}
            if os.environ.get("PERSONAX_DEMO_VARIANTS") else {})}


# Level II on the demo's few complete people: enough to show training, latents and loss curves, not to learn.
LEVEL2 = {"min_people": 5}


# Steps that need trait ratings from the configured LLMs; the rest runs without them.
NEEDS_LLM = ("traits_job", "embeddings_job", "dataset_reports_job", "level2_job", "release_job",
             "prompt_consistency_job")


def demo_steps(run_config: dict[str, dict]) -> list[tuple[str, list[str], dict]]:
    config = load_config()
    leagues, datasets = config.leagues, list(config.datasets)
    return [("bios_job", leagues, QUIET), ("traits_job", leagues, run_config["traits"]),
            ("embeddings_job", leagues, QUIET), ("dataset_reports_job", datasets, QUIET),
            ("level2_job", datasets, run_config["level2"]), ("release_job", datasets, QUIET),
            ("prompt_consistency_job", datasets, run_config["study"])]


def llm_preflight() -> str | None:
    """None when the configured models can answer (or are not the embedded one); else one line saying why."""
    if not defs.resources["llm"].uses_embedded_model():
        return None
    from personax_platform.llm.embedded import preflight

    result = preflight()
    print(f"preflight: {result.message}", flush=True)
    return None if result.ok else result.message


def run_demo(instance: dg.DagsterInstance, skip: tuple[str, ...] = ()) -> list[str]:
    """Materialize every league partition (bios, then traits), then every dataset partition; return the failures."""
    # People with a profile photo are rated first, so that Level II has people with a face and descriptions.
    run_config = {
        "traits": {**QUIET, "ops": {"traits__trait_texts": {"config": {"max_people": DEMO_PEOPLE,
                                                                       "photos_first": True}}}},
        "study": {**QUIET, "ops": {"prompt_consistency": {"config": STUDY}}},
        "level2": {**QUIET, "ops": {"crl": {"config": LEVEL2}}},
    }
    failures = []
    for job_name, partitions, job_config in demo_steps(run_config):
        if job_name in skip:
            continue
        job = defs.resolve_job_def(job_name)
        for partition in partitions:
            result = execute_partition(job, instance, partition, job_config)
            checks = result.get_asset_check_evaluations()
            blocking = [c for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR]
            warnings = [c for c in checks if not c.passed and c.severity != dg.AssetCheckSeverity.ERROR]
            status = "ok" if result.success and not blocking else "FAILED"
            notes = [f"{_check_name(c)} failed" for c in blocking]
            notes += [f"warning: {_check_name(c)}" for c in warnings]
            passed = sum(c.passed for c in checks)
            print(f"{job_name:22s} {partition:12s} {status:6s} checks passed {passed}/{len(checks)} {'; '.join(notes)}",
                  flush=True)
            if status != "ok":
                failures.append(f"{job_name}[{partition}]")
    return failures


def _check_name(evaluation: dg.AssetCheckEvaluation) -> str:
    return f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"


# Per league and model: answers, cache use, latency, and the share of "insufficient information" (0) scores.
TRAITS_SUMMARY_SQL = """
WITH texts AS (
    SELECT league, model, count(*)::INT AS answers, (count(*) FILTER (WHERE status = 'ok'))::INT AS ok,
           (count(*) FILTER (WHERE cache_hit))::INT AS cache_hits, round(median(latency_s), 1) AS p50_latency_s
    FROM traits.trait_texts GROUP BY ALL),
zeros AS (
    SELECT league, model, round(avg((score = 0)::INT), 2) AS insufficient_share
    FROM (UNPIVOT (SELECT * FROM traits.trait_scores WHERE status = 'ok')
          ON openness, conscientiousness, extraversion, agreeableness, neuroticism INTO NAME trait VALUE score)
    GROUP BY ALL)
SELECT * FROM texts LEFT JOIN zeros USING (league, model) ORDER BY league, model
"""


BIOS_SUMMARY_SQL = """
SELECT b.dataset, b.league, count(*)::INT AS people, any_value(r.rejected_rows) AS rejected_rows
FROM bios.bios b LEFT JOIN (SELECT league, count(*)::INT AS rejected_rows FROM bios.rejected_bios GROUP BY 1) r
USING (league) GROUP BY ALL ORDER BY 1, 2
"""
EMBEDDINGS_SUMMARY_SQL = """
SELECT f.dataset, f.status AS face_status, count(*)::INT AS people
FROM embeddings.face_embeddings f GROUP BY ALL ORDER BY 1, 2
"""
LEVEL1_SUMMARY_SQL = """
SELECT dataset, test, count(*) FILTER (WHERE status = 'ok')::INT AS tests_run,
       count(*) FILTER (WHERE status IN ('undefined', 'failed'))::INT AS undefined_or_failed,
       count(*) FILTER (WHERE significant)::INT AS significant_after_fdr
FROM analysis.independence_tests GROUP BY ALL ORDER BY 1, 2
"""
GRAPH_SUMMARY_SQL = """
SELECT d.dataset, coalesce(max(g.n), 0)::INT AS complete_rows,
       count(g.type) FILTER (WHERE g.in_estimate)::INT AS edges,
       count(g.type) FILTER (WHERE g.in_estimate AND g.type = 'directed')::INT AS directed
FROM (VALUES ('athlepersona'), ('celebpersona')) d(dataset) LEFT JOIN analysis.observed_causal_graph g USING (dataset)
GROUP BY ALL ORDER BY 1
"""
CRL_SUMMARY_SQL = """
SELECT d.dataset, coalesce(m.people_train, 0) AS people_train, coalesce(m.people_heldout, 0) AS people_heldout,
       m.config_hash
FROM (VALUES ('athlepersona'), ('celebpersona')) d(dataset) LEFT JOIN analysis.crl_model m USING (dataset)
ORDER BY 1
"""
STUDY_SUMMARY_SQL = """
SELECT dataset, model, variant, round(avg(mean_sd), 2) AS mean_sd, round(avg(missing_rate), 2) AS missing_rate,
       round(avg(failure_rate), 2) AS failure_rate
FROM analysis.prompt_consistency GROUP BY ALL ORDER BY dataset, model, mean_sd NULLS LAST, variant
"""


def print_summaries(skip: tuple[str, ...]) -> None:
    lake = Lakehouse(settings.lake_dir(), settings.warehouse_path())
    sections = [
        ("dataset_reports_job", "", "SELECT dataset, league, people, rejected_rows, duplicates "
                                    "FROM bios.cohort_summary ORDER BY 1, 2"),
        ("traits_job", "Trait texts (embedded SmolLM2 by default: a working demo of the pipeline, NOT valid trait "
                       "estimates):", TRAITS_SUMMARY_SQL),
        ("embeddings_job", "Embeddings (face: dlib on the bio photo; text: MiniLM on each trait description):",
         EMBEDDINGS_SUMMARY_SQL),
        ("dataset_reports_job", "Level I independence tests on the demo's few rated people (the table gives each "
                                "undefined test's reason):", LEVEL1_SUMMARY_SQL),
        ("dataset_reports_job", "Observed causal graph (PC; a dataset needs 20 people with every trait and feature "
                                "known):", GRAPH_SUMMARY_SQL),
        ("level2_job", "Level II model (people with a face and every model's description; 0 = not trained, see the "
                       "UI):", CRL_SUMMARY_SQL),
        ("prompt_consistency_job", "Prompt-consistency study (tiny demo sample; mean SD across repeats on the "
                                   "common 1-3 scale):", STUDY_SUMMARY_SQL),
    ]
    if "dataset_reports_job" in skip:  # no cohort summary: the bios tables themselves
        sections.insert(0, ("bios_job", "", BIOS_SUMMARY_SQL))
    for step, title, sql in sections:
        if step not in skip:
            print(f"\n{title}" if title else "")
            print(lake.query(sql).to_string(index=False))
    if "release_job" not in skip:
        print(f"\nReleases (no names, texts or images; rotated embeddings): {settings.release_dir()}/<dataset>/")


def main() -> int:
    with dg.DagsterInstance.get() as instance:
        sweep_dead_runs(instance)  # a run that died earlier must not hold pool slots that this one needs
        problem = llm_preflight()
        skip = NEEDS_LLM if problem else ()
        if problem:
            print(f"skipping {', '.join(skip)}: they need trait ratings and the embedded model cannot run here",
                  flush=True)
        failures = run_demo(instance, skip)
    print_summaries(skip)
    warehouse = settings.warehouse_path()
    duckdb_cli = REPO_ROOT / ".venv" / "bin" / "duckdb"
    print(f"\nWarehouse (DuckDB catalog): {warehouse}\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT league, count(*) FROM bios.bios GROUP BY 1\"\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT league, field, reason FROM bios.rejected_bios\"\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT * FROM traits.aggregated_traits\"\n"
          f"UI: make ui, then open http://127.0.0.1:3000 (Assets → bios, traits, analysis)")
    if failures:
        print(f"\nFailed: {', '.join(failures)}", file=sys.stderr)
        return 1
    if problem:
        print(f"\nIncomplete: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
