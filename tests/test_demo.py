"""The README's main command path (personax_demo.py) on the shipped sample, in a private data dir and instance."""
from __future__ import annotations

import re
import subprocess

import duckdb

from personax_platform.config.datasets import load_config
from tests.conftest import PYTHON, REPO_ROOT


def _run_demo(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "personax_demo.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=900)


def _counts(catalog) -> dict[str, int]:
    with duckdb.connect(str(catalog), read_only=True) as con:
        return dict(con.execute("SELECT league, count(*) FROM bios.bios GROUP BY 1").fetchall())


def test_demo_materializes_every_partition_and_is_idempotent(project_env, tmp_path):
    # One embedded-LLM call per league (~6.5 s each) and a two-variant study keep this test short.
    project_env = {**project_env, "PERSONAX_DEMO_PEOPLE": "1", "PERSONAX_DEMO_VARIANTS": "number-l3-inc,text-l3-inc"}
    first = _run_demo(project_env)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
    catalog = tmp_path / "data" / "warehouse.duckdb"
    assert str(catalog) in first.stdout and "127.0.0.1" in first.stdout
    config = load_config()
    real = {ds: cfg for ds, cfg in config.datasets.items() if not cfg.is_known_truth}  # `make demo` runs these
    leagues = [league for cfg in real.values() for league in cfg.leagues]
    assert "FAILED" not in first.stdout
    for league in leagues:  # raw_bios and bios are each validated by their GX suite
        assert re.search(rf"bios_job +{league} +ok +checks passed 3/3", first.stdout), first.stdout
        assert re.search(rf"traits_job +{league} +ok", first.stdout), first.stdout
    for dataset in real:
        assert re.search(rf"dataset_reports_job +{dataset} +ok", first.stdout), first.stdout
        assert re.search(rf"prompt_consistency_job +{dataset} +ok", first.stdout), first.stdout
    assert "NOT valid trait estimates" in first.stdout
    counts = _counts(catalog)
    assert set(counts) == set(leagues) and min(counts.values()) >= 20
    with duckdb.connect(str(catalog), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM bios.rejected_bios").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM bios.cohort_summary").fetchone()[0] == len(leagues)
        texts = con.execute("SELECT league, status FROM traits.trait_texts").fetchall()
        assert sorted(league for league, _ in texts) == sorted(leagues) and {s for _, s in texts} == {"ok"}
        assert con.execute("SELECT count(DISTINCT dataset) FROM traits.trait_agreement").fetchone()[0] == 2
        # the tiny study: 2 variants per dataset, every trait, all answered
        assert con.execute("SELECT count(*), bool_and(failure_rate = 0) FROM analysis.prompt_consistency").fetchone() \
            == (2 * 2 * 5, True)
        assert con.execute("SELECT count(DISTINCT dataset) FROM release.persona_release").fetchone()[0] == 2
        assert con.execute("SELECT count(*) FROM embeddings.text_embeddings").fetchone()[0] == len(leagues)

    second = _run_demo(project_env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert _counts(catalog) == counts
    with duckdb.connect(str(catalog), read_only=True) as con:  # the re-run is served from the response cache
        assert con.execute("SELECT bool_and(cache_hit), count(*) FROM traits.trait_texts").fetchone() == (
            True, len(leagues))


def test_demo_with_a_model_library_this_cpu_cannot_run_says_why_and_skips_the_llm_steps(project_env):
    sigill_llama = REPO_ROOT / "tests" / "llm" / "sigill_llama"
    env = {**project_env, "PYTHONPATH": f"{sigill_llama}:{project_env.get('PYTHONPATH', '')}".rstrip(":")}
    demo = _run_demo(env)
    assert demo.returncode == 2, demo.stdout[-2000:] + demo.stderr[-3000:]
    (preflight,) = [line for line in demo.stdout.splitlines() if line.startswith("preflight:")]
    assert "died with SIGILL" in preflight and "instructions this CPU does not allow" in preflight
    assert "make rebuild-llama" in preflight
    assert "skipping the shipped sample's traits_job, embeddings_job, dataset_reports_job, level2_job, release_job, " \
           "prompt_consistency_job" in demo.stdout
    assert re.search(r"bios_job +nba +ok", demo.stdout) and "traits_job " not in demo.stdout
    assert "Incomplete: the embedded model's process died with SIGILL" in demo.stderr
