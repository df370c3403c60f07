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

from personax_platform import offline

REPO_ROOT = Path(__file__).resolve().parent
os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / "dagster_home"))
offline.apply(os.environ)

import dagster as dg  # noqa: E402  (DAGSTER_HOME and the offline switches must be set first)

from definitions import defs  # noqa: E402
from orchestration.in_process import execute_partition, sweep_dead_runs  # noqa: E402
from personax_platform.warehouse import Lakehouse  # noqa: E402
from resources.settings import SETTINGS  # noqa: E402

# Dagster's step events (DEBUG) stay in the UI; the terminal gets one line per run and the steps' own INFO lines,
# among them the progress of long steps (done/total, rate, time left: personax_platform/progress.py).
CONSOLE = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
# The embedded LLM takes ~4 s per answer on one thread once its worker has seen the prompt's instructions (README,
# "Embedded model"): the demo rates the first N people of each league, 16 answers by default.
DEMO_PEOPLE = int(os.environ.get("PERSONAX_DEMO_PEOPLE", "2"))
# Which part of the demo runs: the shipped sample with the embedded LLM (`sample`, the default), the known-truth
# cohorts with their simulated raters and the validation against the planted truth (`known-truth`, `make
# known-truth`), or both (`all`). The known-truth part does not fit the main command's time budget yet (README).
PARTS = {"sample": (False,), "known-truth": (True,), "all": (False, True)}
DEMO_PART = os.environ.get("PERSONAX_DEMO_PART", "sample")
# A tiny study: 1 person × 6 prompt variants × 2 repeats per dataset. Temperature 0.8, because at the configured 0 a
# deterministic model repeats itself exactly; a real study uses the defaults (20 people, 5 repeats).
# PERSONAX_DEMO_VARIANTS (comma-separated prompt ids) narrows the six variants, e.g. for quick checks.
STUDY = {"sample_size": 1, "repeats": 2, "temperature": 0.8,
         **({"variants": os.environ["PERSONAX_DEMO_VARIANTS"].split(",")}
            if os.environ.get("PERSONAX_DEMO_VARIANTS") else {})}


# Level II on the demo's few complete people: enough to show training, latents and loss curves, not to learn.
LEVEL2 = {"min_people": 5}
# The known-truth cohorts: every person rated by the three simulated raters; a small study of the six prompts.
KNOWN_TRUTH_STUDY = {"sample_size": 20, "repeats": 3, "temperature": 0.8}
# PC on a few thousand people with 100 resamples and unbounded conditioning sets takes minutes on 2 cores; 20
# resamples and sets of at most 3 give the same full-data graph on the cohorts here (measured) in seconds.
KNOWN_TRUTH_GRAPH = {"resamples": 20, "max_conditioning": 3}


# Steps that need trait ratings from the configured LLMs; the rest runs without them. The known-truth cohorts'
# simulated raters need no model, so their steps run even when the embedded model cannot.
NEEDS_LLM = ("traits_job", "embeddings_job", "dataset_reports_job", "level2_job", "release_job",
             "prompt_consistency_job")
# (job, partition, run config) in the order the demo runs them.
Step = tuple[str, str, dict]


def run_configs() -> dict[str, dict]:
    """Run config per step kind: the shipped sample's few embedded-LLM ratings, and the known-truth cohorts' all."""
    return {
        "traits": {**CONSOLE, "ops": {"traits__trait_texts": {"config": {"max_people": DEMO_PEOPLE,
                                                                       "photos_first": True}}}},
        "study": {**CONSOLE, "ops": {"prompt_consistency": {"config": STUDY}}},
        "level2": {**CONSOLE, "ops": {"crl": {"config": LEVEL2}}},
        "known_truth_study": {**CONSOLE, "ops": {"prompt_consistency": {"config": KNOWN_TRUTH_STUDY}}},
        "known_truth_reports": {**CONSOLE, "ops": {"analysis__observed_causal_graph": {"config": KNOWN_TRUTH_GRAPH}}},
    }


def demo_groups(part: str) -> list[tuple[bool, list[str]]]:
    """(known_truth, datasets) for each group of datasets the demo part runs, the shipped sample's first."""
    if part not in PARTS:
        raise ValueError(f"PERSONAX_DEMO_PART={part!r}; expected one of {sorted(PARTS)}")
    config = SETTINGS.datasets
    simulated = config.known_truth_datasets
    groups = {False: [d for d in config.datasets if d not in simulated], True: simulated}
    return [(known_truth, groups[known_truth]) for known_truth in PARTS[part] if groups[known_truth]]


def demo_steps(part: str = "sample", skip_real_llm: bool = False) -> list[Step]:
    """Every league partition (bios, then traits, embeddings), then every dataset partition, per group of datasets;
    a known-truth group ends with its validation against the planted truth."""
    config, configs = SETTINGS.datasets, run_configs()
    simulated = set(config.known_truth_datasets)
    leagues = {ds: [lg for lg, d in config.league_to_dataset.items() if d == ds] for ds in config.datasets}
    steps: list[Step] = []
    for known_truth, group in demo_groups(part):
        group_leagues = [lg for ds in group for lg in leagues[ds]]
        per_league = [("bios_job", CONSOLE), ("traits_job", CONSOLE if known_truth else configs["traits"]),
                      ("embeddings_job", CONSOLE)]
        per_dataset = [("dataset_reports_job", configs["known_truth_reports"] if known_truth else CONSOLE),
                       ("level2_job", CONSOLE if known_truth else configs["level2"]),
                       ("prompt_consistency_job", configs["known_truth_study" if known_truth else "study"])]
        # Simulated data is never released; its validation against the planted truth replaces the release.
        per_dataset.insert(2, ("known_truth_job", CONSOLE) if known_truth else ("release_job", CONSOLE))
        for job, run_config in per_league:
            steps += [(job, league, run_config) for league in group_leagues]
        for job, run_config in per_dataset:
            steps += [(job, dataset, run_config) for dataset in group]
    if skip_real_llm:
        steps = [step for step in steps if step[0] not in NEEDS_LLM or step[1] in simulated
                 or config.league_to_dataset.get(step[1]) in simulated]
    return steps


def llm_preflight() -> str | None:
    """None when the configured models can answer (or are not the embedded one); else one line saying why."""
    if not defs.resources["llm"].uses_embedded_model():
        return None
    from personax_platform.llm.embedded import preflight

    result = preflight()
    print(f"preflight: {result.message}", flush=True)
    return None if result.ok else result.message


def run_demo(instance: dg.DagsterInstance, steps: list[Step]) -> list[str]:
    """Materialize each step's partition in turn; return the failures."""
    failures = []
    for job_name, partition, job_config in steps:
        job = defs.resolve_job_def(job_name)
        result = execute_partition(job, instance, partition, job_config)
        checks = result.get_asset_check_evaluations()
        blocking = [c for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR]
        warnings = [c for c in checks if not c.passed and c.severity != dg.AssetCheckSeverity.ERROR]
        status = "ok" if result.success and not blocking else "FAILED"
        notes = [f"{_check_name(c)} failed" for c in blocking]
        notes += [f"warning: {_check_name(c)}" for c in warnings]
        passed = sum(c.passed for c in checks)
        print(f"{job_name:22s} {partition:16s} {status:6s} checks passed {passed}/{len(checks)} {'; '.join(notes)}",
              flush=True)
        if status != "ok":
            failures.append(f"{job_name}[{partition}]")
    return failures


def _check_name(evaluation: dg.AssetCheckEvaluation) -> str:
    return f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"


# Summaries of one group of datasets ({datasets}: a quoted SQL list), so that the shipped sample's results and the
# known-truth cohorts' simulated ones are never printed in one table.
# Per league and model: answers, cache use, latency, and the share of "insufficient information" (0) scores.
TRAITS_SUMMARY_SQL = """
WITH texts AS (
    SELECT league, model, count(*)::INT AS answers, (count(*) FILTER (WHERE status = 'ok'))::INT AS ok,
           (count(*) FILTER (WHERE cache_hit))::INT AS cache_hits, round(median(latency_s), 1) AS p50_latency_s
    FROM traits.trait_texts WHERE dataset IN ({datasets}) GROUP BY ALL),
zeros AS (
    SELECT league, model, round(avg((score = 0)::INT), 2) AS insufficient_share
    FROM (UNPIVOT (SELECT * FROM traits.trait_scores WHERE status = 'ok' AND dataset IN ({datasets}))
          ON openness, conscientiousness, extraversion, agreeableness, neuroticism INTO NAME trait VALUE score)
    GROUP BY ALL)
SELECT * FROM texts LEFT JOIN zeros USING (league, model) ORDER BY league, model
"""
COHORT_SUMMARY_SQL = """
SELECT dataset, league, people, rejected_rows, duplicates FROM bios.cohort_summary WHERE dataset IN ({datasets})
ORDER BY 1, 2
"""
BIOS_SUMMARY_SQL = """
SELECT b.dataset, b.league, count(*)::INT AS people, any_value(r.rejected_rows) AS rejected_rows
FROM bios.bios b LEFT JOIN (SELECT league, count(*)::INT AS rejected_rows FROM bios.rejected_bios GROUP BY 1) r
USING (league) WHERE b.dataset IN ({datasets}) GROUP BY ALL ORDER BY 1, 2
"""
EMBEDDINGS_SUMMARY_SQL = """
SELECT f.dataset, f.status AS face_status, count(*)::INT AS people
FROM embeddings.face_embeddings f WHERE dataset IN ({datasets}) GROUP BY ALL ORDER BY 1, 2
"""
LEVEL1_SUMMARY_SQL = """
SELECT dataset, test, count(*) FILTER (WHERE status = 'ok')::INT AS tests_run,
       count(*) FILTER (WHERE status IN ('undefined', 'failed'))::INT AS undefined_or_failed,
       count(*) FILTER (WHERE significant)::INT AS significant_after_fdr
FROM analysis.independence_tests WHERE dataset IN ({datasets}) GROUP BY ALL ORDER BY 1, 2
"""
GRAPH_SUMMARY_SQL = """
SELECT d.dataset, coalesce(max(g.n), 0)::INT AS complete_rows,
       count(g.type) FILTER (WHERE g.in_estimate)::INT AS edges,
       count(g.type) FILTER (WHERE g.in_estimate AND g.type = 'directed')::INT AS directed
FROM (SELECT unnest([{datasets}]) AS dataset) d LEFT JOIN analysis.observed_causal_graph g USING (dataset)
GROUP BY ALL ORDER BY 1
"""
CRL_SUMMARY_SQL = """
SELECT d.dataset, coalesce(m.people_train, 0) AS people_train, coalesce(m.people_validation, 0) AS people_validation,
       coalesce(m.people_heldout, 0) AS people_heldout, m.config_hash
FROM (SELECT unnest([{datasets}]) AS dataset) d LEFT JOIN analysis.crl_model m USING (dataset)
ORDER BY 1
"""
STUDY_SUMMARY_SQL = """
SELECT dataset, model, variant, round(avg(mean_sd), 2) AS mean_sd, round(avg(missing_rate), 2) AS missing_rate,
       round(avg(failure_rate), 2) AS failure_rate
FROM analysis.prompt_consistency WHERE dataset IN ({datasets}) GROUP BY ALL
ORDER BY dataset, model, mean_sd NULLS LAST, variant
"""
VALIDATION_REPORT_SQL = "SELECT report FROM analysis.known_truth_report WHERE dataset IN ({datasets}) ORDER BY dataset"


def print_summaries(ran: set[str], datasets: list[str], known_truth: bool) -> None:
    """The tables of the jobs that ran for this group of datasets."""
    lake = Lakehouse(SETTINGS.lake_dir, SETTINGS.warehouse_path)
    quoted = ", ".join(f"'{d}'" for d in datasets)
    who = ("the three SIMULATED raters (personax-simulated/rater_a..c) on generated fictional people"
           if known_truth else "the embedded SmolLM2 by default: a working demo of the pipeline, NOT valid trait "
                               "estimates")
    sections = [
        ("dataset_reports_job", "", COHORT_SUMMARY_SQL) if "dataset_reports_job" in ran else
        ("bios_job", "", BIOS_SUMMARY_SQL),
        ("traits_job", f"Trait texts ({who}):", TRAITS_SUMMARY_SQL),
        ("embeddings_job", "Embeddings (face: dlib on the bio photo; text: MiniLM on each trait description):",
         EMBEDDINGS_SUMMARY_SQL),
        ("dataset_reports_job", "Level I independence tests (the table gives each undefined test's reason):",
         LEVEL1_SUMMARY_SQL),
        ("dataset_reports_job", "Observed causal graph (PC; a dataset needs 20 people with every trait and feature "
                                "known):", GRAPH_SUMMARY_SQL),
        ("level2_job", "Level II model (people with every measurement; 0 = not trained, see the UI):",
         CRL_SUMMARY_SQL),
        ("prompt_consistency_job", "Prompt-consistency study (mean SD across repeats on the common 1-3 scale):",
         STUDY_SUMMARY_SQL),
    ]
    for step, title, sql in sections:
        if step in ran:
            print(f"\n{title}" if title else "")
            print(lake.query(sql.format(datasets=quoted)).to_string(index=False))
    if "release_job" in ran and not known_truth:
        print(f"\nReleases (no names, texts or images; rotated embeddings): {SETTINGS.release_dir}/<dataset>/")
    if "known_truth_job" in ran:
        for (report,) in lake.query(VALIDATION_REPORT_SQL.format(datasets=quoted)).itertuples(index=False):
            print(f"\n{report}")


def main() -> int:
    with dg.DagsterInstance.get() as instance:
        sweep_dead_runs(instance)  # a run that died earlier must not hold pool slots that this one needs
        problem = llm_preflight() if False in PARTS[DEMO_PART] else None
        if problem:
            print(f"skipping the shipped sample's {', '.join(NEEDS_LLM)}: they need trait ratings and the embedded "
                  "model cannot run here", flush=True)
        steps = demo_steps(DEMO_PART, skip_real_llm=problem is not None)
        failures = run_demo(instance, steps)
    config = SETTINGS.datasets
    for known_truth, datasets in demo_groups(DEMO_PART):
        print("\n" + ("=== KNOWN-TRUTH COHORTS (SIMULATED: generated fictional people, simulated raters; planted "
                      "effects are arbitrary simulation parameters) ===" if known_truth else
                      "=== SHIPPED SAMPLE (fictional people, embedded demo LLM) ==="))
        print_summaries({job for job, partition, _ in steps if partition in datasets or
                         config.league_to_dataset.get(partition) in datasets}, datasets, known_truth)
    warehouse = SETTINGS.warehouse_path
    duckdb_cli = REPO_ROOT / ".venv" / "bin" / "duckdb"
    print(f"\nWarehouse (DuckDB catalog): {warehouse}\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT league, count(*) FROM bios.bios GROUP BY 1\"\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT league, field, reason FROM bios.rejected_bios\"\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT * FROM traits.aggregated_traits\"\n"
          f"  {duckdb_cli} -readonly {warehouse} \"SELECT * FROM analysis.known_truth_validation\"\n"
          f"UI: make ui, then open http://127.0.0.1:3000 (Assets → bios, traits, analysis; sim_* partitions are the "
          f"known-truth cohorts)")
    if failures:
        print(f"\nFailed: {', '.join(failures)}", file=sys.stderr)
        return 1
    if problem:
        print(f"\nIncomplete: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
