"""A partition run killed with SIGKILL in the middle of its LLM calls loses nothing it had received: the re-run sends
only the requests that had not returned, once each, and serves the rest from the response cache."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import dagster as dg
import duckdb

from assets import bios
from tests.conftest import REPO_ROOT
from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.llm.support import KEY_ENV
from tests.pipeline.resources import pipeline_resources
from tests.pipeline.traits_support import MODELS, scripted_answer, write_models_and_prompts

DAGSTER = REPO_ROOT / ".venv" / "bin" / "dagster"
PEOPLE = 30  # the sample's pga league


def _ok_responses(cache: Path) -> int:
    if not cache.exists():
        return 0
    try:
        with sqlite3.connect(cache) as con:
            return con.execute("SELECT count(*) FROM llm_responses WHERE status = 'ok'").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0


def _materialize_texts(env: dict[str, str]) -> subprocess.Popen[str]:
    command = [str(DAGSTER) if DAGSTER.exists() else "dagster", "asset", "materialize", "-m", "definitions",
               "--select", "traits/trait_texts", "--partition", "pga"]
    # Its own session, so the kill reaches the multiprocess executor's step process too.
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def test_rerun_after_kill_9_mid_partition_repeats_no_completed_call(project_env, tmp_path):
    data = Path(project_env["PERSONAX_DATA_DIR"])
    warehouse = {"lake_dir": data / "lake", "catalog_path": data / "warehouse.duckdb"}
    assert dg.materialize([bios.raw_bios, bios.bios], partition_key="pga",
                          resources=pipeline_resources(warehouse)).success
    cache = data / "llm_cache.sqlite"
    (tmp_path / "llm").mkdir()
    with FakeOpenAIServer(latency_s=0.2, answer=scripted_answer) as server:
        models_dir, _ = write_models_and_prompts(tmp_path / "llm", server)
        env = {**project_env, "PERSONAX_MODELS_CONFIG": str(models_dir / "models.yaml"), KEY_ENV: "sk-test"}

        crashed = _materialize_texts(env)
        deadline = time.monotonic() + 120
        while _ok_responses(cache) < 20:
            assert time.monotonic() < deadline and crashed.poll() is None, crashed.communicate()[0][-3000:]
            time.sleep(0.02)
        os.killpg(crashed.pid, signal.SIGKILL)
        crashed.wait(10)
        time.sleep(0.5)  # let requests that were in flight reach the server, so they count as "before"
        survived = _ok_responses(cache)
        calls_before = server.model_calls.copy()
        assert 20 <= survived < PEOPLE * len(MODELS)

        rerun = _materialize_texts(env)
        output = rerun.communicate(timeout=300)[0]
        assert rerun.returncode == 0, output[-3000:]

    new_calls = server.model_calls - calls_before
    assert sum(new_calls.values()) == PEOPLE * len(MODELS) - survived  # only what had not returned...
    assert set(new_calls.values()) == {1}  # ...and each of those once
    with duckdb.connect(str(warehouse["catalog_path"]), read_only=True) as con:
        hits, rows = con.execute("SELECT count(*) FILTER (WHERE cache_hit), count(*) FROM traits.trait_texts "
                                 "WHERE status = 'ok'").fetchone()
    assert (hits, rows) == (survived, PEOPLE * len(MODELS))
