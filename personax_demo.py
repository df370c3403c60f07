"""The README's main command: bios, LLM traits, embeddings, Level I analysis, releases and the prompt study.

Runs on the persistent Dagster instance in $DAGSTER_HOME (default ./dagster_home), so every run it makes is visible in
the UI afterwards. Exits non-zero if any run or blocking check fails.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent
os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / "dagster_home"))

import dagster as dg  # noqa: E402  (DAGSTER_HOME must be set first)

from definitions import defs  # noqa: E402
from personax_platform import settings  # noqa: E402
from personax_platform.config.datasets import load_config  # noqa: E402
from personax_platform.warehouse import Lakehouse  # noqa: E402


# Step-by-step event logs stay in the UI; the terminal gets one line per run.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# The embedded LLM takes ~6.5 s per answer on one thread (two threads are faster on an idle machine but collapse
# when another process takes a core): the demo rates the first N people of each league.
DEMO_PEOPLE = int(os.environ.get("PERSONAX_DEMO_PEOPLE", "2"))
# A tiny study: 1 person × 6 prompt variants × 2 repeats per dataset. Temperature 0.8, because at the configured 0 a
# deterministic model repeats itself exactly; a real study uses the defaults (20 people, 5 repeats).
# PERSONAX_DEMO_VARIANTS (comma-separated prompt ids) narrows the six variants, e.g. for quick checks.
STUDY = {"sample_size": 1, "repeats": 2, "temperature": 0.8,
         **({"variants": os.environ["PERSONAX_DEMO_VARIANTS"].split(",")}
            if os.environ.get("PERSONAX_DEMO_VARIANTS") else {})}


# Level II on the demo's few complete people: enough to show training, latents and loss curves, not to learn.
LEVEL2 = {"min_people": 5}


def run_demo(instance: dg.DagsterInstance) -> list[str]:
    """Materialize every league partition (bios, then traits), then every dataset partition; return the failures."""
    config = load_config()
    # People with a profile photo are rated first, so that Level II has people with a face and descriptions.
    traits_config = {**QUIET, "ops": {"traits__trait_texts": {"config": {"max_people": DEMO_PEOPLE,
                                                                         "photos_first": True}}}}
    study_config = {**QUIET, "ops": {"prompt_consistency": {"config": STUDY}}}
    level2_config = {**QUIET, "ops": {"crl": {"config": LEVEL2}}}
    steps = [("bios_job", config.leagues, QUIET), ("traits_job", config.leagues, traits_config),
             ("embeddings_job", config.leagues, QUIET), ("dataset_reports_job", list(config.datasets), QUIET),
             ("level2_job", list(config.datasets), level2_config),
             ("release_job", list(config.datasets), QUIET),
             ("prompt_consistency_job", list(config.datasets), study_config)]
    failures = []
    for job_name, partitions, run_config in steps:
        job = defs.resolve_job_def(job_name)
        for partition in partitions:
            result = job.execute_in_process(partition_key=partition, instance=instance, raise_on_error=False,
                                            run_config=run_config)
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


def main() -> int:
    with dg.DagsterInstance.get() as instance:
        failures = run_demo(instance)
    warehouse = settings.warehouse_path()
    summary = Lakehouse(settings.lake_dir(), warehouse).query(
        "SELECT dataset, league, people, rejected_rows, duplicates FROM bios.cohort_summary ORDER BY 1, 2")
    print("\n" + summary.to_string(index=False))
    print("\nTrait texts (embedded SmolLM2 by default: a working demo of the pipeline, NOT valid trait estimates):")
    print(Lakehouse(settings.lake_dir(), warehouse).query(TRAITS_SUMMARY_SQL).to_string(index=False))
    print("\nEmbeddings (face: dlib on the bio photo; text: MiniLM on each trait description):")
    print(Lakehouse(settings.lake_dir(), warehouse).query(EMBEDDINGS_SUMMARY_SQL).to_string(index=False))
    print("\nLevel I independence tests on the demo's few rated people (the table gives each undefined test's reason):")
    print(Lakehouse(settings.lake_dir(), warehouse).query(LEVEL1_SUMMARY_SQL).to_string(index=False))
    print("\nObserved causal graph (PC; a dataset needs 20 people with every trait and feature known):")
    print(Lakehouse(settings.lake_dir(), warehouse).query(GRAPH_SUMMARY_SQL).to_string(index=False))
    print("\nLevel II model (people with a face and every model's description; 0 = not trained, see the UI):")
    print(Lakehouse(settings.lake_dir(), warehouse).query(CRL_SUMMARY_SQL).to_string(index=False))
    print(f"\nReleases (no names, texts or images; rotated embeddings): {settings.release_dir()}/<dataset>/")
    print("\nPrompt-consistency study (tiny demo sample; mean SD across repeats on the common 1-3 scale):")
    print(Lakehouse(settings.lake_dir(), warehouse).query(STUDY_SUMMARY_SQL).to_string(index=False))
    duckdb_cli = REPO_ROOT / ".venv" / "bin" / "duckdb"
    print(f"\nWarehouse (DuckDB catalog): {warehouse}\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT league, count(*) FROM bios.bios GROUP BY 1\"\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT league, field, reason FROM bios.rejected_bios\"\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT * FROM traits.aggregated_traits\"\n"
          f"UI: make ui, then open http://127.0.0.1:3000 (Assets → bios, traits, analysis)")
    if failures:
        print(f"\nFailed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
