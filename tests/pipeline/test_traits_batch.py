"""Batch mode through Dagster: a run submits and materializes nothing, the llm_batches sensor shows the batches and
asks for the league again once they are done, and that run produces the rows synchronous mode produces. A run killed
with SIGKILL while the provider creates its batch is resumed without submitting any request twice."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import yaml

from assets import bios
from assets.llm_batches import llm_batches_sensor
from assets.traits import TRAIT_TEXTS
from personax_platform.config.datasets import DEFAULT_CONFIG_PATH
from resources.llm import LLMResource
from tests.conftest import REPO_ROOT
from tests.llm.fake_batch_server import FakeBatchServer
from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.llm.support import KEY_ENV
from tests.pipeline.resources import pipeline_resources
from tests.pipeline.traits_support import (
    MODELS,
    llm_resources,
    materialize_traits,
    scripted_answer,
    write_models_and_prompts,
)

DAGSTER = REPO_ROOT / ".venv" / "bin" / "dagster"
PEOPLE = 6
BATCH_FIELDS = {"mode": "batch", "batch_input_cost_per_token": 1e-6, "batch_output_cost_per_token": 2e-6}
# What a person's scores are, whichever way they were asked; provenance (run, cost, latency) differs by design.
SCORE_COLUMNS = ["person_id", "model", "status", "openness", "conscientiousness", "extraversion", "agreeableness",
                 "neuroticism"]


def to_batch_mode(models_yaml: Path) -> None:
    config = yaml.safe_load(models_yaml.read_text())
    config["models"] = [{**m, **BATCH_FIELDS} for m in config["models"]]
    models_yaml.write_text(yaml.safe_dump(config))


def tick(instance: dg.DagsterInstance, llm) -> dg.SensorResult:
    with dg.build_sensor_context(instance=instance, resources={"llm": llm}) as context:
        return llm_batches_sensor(context)


def wait_for_run_request(instance: dg.DagsterInstance, llm, timeout_s: float = 60) -> dg.SensorResult:
    deadline = time.monotonic() + timeout_s
    while True:
        result = tick(instance, llm)
        if result.run_requests or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def scores(warehouse: dict) -> pl.DataFrame:
    with duckdb.connect(str(warehouse["catalog_path"]), read_only=True) as con:
        table = con.execute("SELECT * FROM traits.trait_scores").pl()
    return table.select(SCORE_COLUMNS).sort("person_id", "model")


def test_batch_run_submits_the_sensor_reruns_and_rows_equal_sync_mode(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test")
    instance = dg.DagsterInstance.ephemeral()
    sync_dir, batch_dir = tmp_path / "sync", tmp_path / "batch"
    sync_dir.mkdir(), batch_dir.mkdir()
    sync_wh = {"lake_dir": sync_dir / "lake", "catalog_path": sync_dir / "warehouse.duckdb"}
    batch_wh = {"lake_dir": batch_dir / "lake", "catalog_path": batch_dir / "warehouse.duckdb"}
    with FakeOpenAIServer(answer=scripted_answer) as sync_server:
        _, prompts = write_models_and_prompts(sync_dir, sync_server)
        assert materialize_traits(llm_resources(sync_wh, sync_dir, prompts), max_people=PEOPLE).success

    with FakeBatchServer(tmp_path / "provider", answer=scripted_answer, batch_delay_s=0.5) as server:
        _, prompts = write_models_and_prompts(batch_dir, server)
        to_batch_mode(batch_dir / "models.yaml")
        resources = llm_resources(batch_wh, batch_dir, prompts)

        submitting = materialize_traits(resources, max_people=PEOPLE, instance=instance)
        assert submitting.success
        assert not submitting.asset_materializations_for_node("traits__trait_texts")
        assert not submitting.asset_materializations_for_node("traits__trait_scores")  # downstream waits too
        observed = [e for e in submitting.all_events if e.event_type_value == "ASSET_OBSERVATION"]
        assert observed and observed[0].asset_key == TRAIT_TEXTS
        assert server.batch_creates == len(MODELS) and server.total_calls == PEOPLE * len(MODELS)

        waiting = tick(instance, resources["llm"])
        if not waiting.run_requests:  # the batches may already be done on a slow machine
            assert "waiting: pga" in waiting.skip_reason.skip_message
        shown = waiting.asset_events[0]
        assert shown.asset_key == TRAIT_TEXTS and shown.partition == "pga"
        assert shown.metadata["open_batch_count"].value == len(MODELS)
        assert "progress" in shown.metadata["open_batches"].value

        ready = wait_for_run_request(instance, resources["llm"])
        assert [r.partition_key for r in ready.run_requests] == ["pga"]
        collecting = materialize_traits(resources, max_people=PEOPLE, instance=instance)
        assert collecting.success and collecting.asset_materializations_for_node("traits__trait_texts")
        assert server.batch_creates == len(MODELS)  # nothing was submitted again
        assert tick(instance, resources["llm"]).skip_reason.skip_message == "no open provider batches"

    assert scores(batch_wh).equals(scores(sync_wh))
    with duckdb.connect(str(batch_wh["catalog_path"]), read_only=True) as con:
        fresh, paid = con.execute("SELECT bool_and(NOT cache_hit), sum(cost_usd) FROM traits.trait_texts").fetchone()
    assert fresh and paid > 0  # collected in that run, at the configured batch price


def _materialize_texts(env: dict[str, str]) -> subprocess.Popen[str]:
    command = [str(DAGSTER) if DAGSTER.exists() else "dagster", "asset", "materialize", "-m", "definitions",
               "--select", "traits/trait_texts", "--partition", "pga"]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def test_kill_9_while_the_provider_creates_the_batch_then_resume_submits_nothing_twice(project_env, tmp_path,
                                                                                       monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test")  # the sensor, ticking in this process, polls the provider too
    data = Path(project_env["PERSONAX_DATA_DIR"])
    warehouse = {"lake_dir": data / "lake", "catalog_path": data / "warehouse.duckdb"}
    assert dg.materialize([bios.raw_bios, bios.bios], partition_key="pga",
                          resources=pipeline_resources(warehouse)).success
    (tmp_path / "llm").mkdir()
    with FakeBatchServer(tmp_path / "provider", answer=scripted_answer, batch_delay_s=0.5) as server:
        models_dir, prompts = write_models_and_prompts(tmp_path / "llm", server)
        to_batch_mode(models_dir / "models.yaml")
        env = {**project_env, "PERSONAX_MODELS_CONFIG": str(models_dir / "models.yaml"), KEY_ENV: "sk-test"}

        server.stall_batch_creates(1)  # the provider creates the first batch and never answers
        crashed = _materialize_texts(env)
        deadline = time.monotonic() + 120
        while server.batch_creates < 1:
            assert time.monotonic() < deadline and crashed.poll() is None, crashed.communicate()[0][-3000:]
            time.sleep(0.05)
        os.killpg(crashed.pid, signal.SIGKILL)
        crashed.wait(10)

        llm = LLMResource(models_config=str(models_dir / "models.yaml"), prompts_dir=str(prompts),
                          prompt_id="number-l3-inc", cache_path=str(data / "llm_cache.sqlite"),
                          datasets_config=str(DEFAULT_CONFIG_PATH), data_dir=str(data))
        instance = dg.DagsterInstance.ephemeral()
        interrupted = tick(instance, llm)  # the dead claim needs a run: the sensor asks for one
        assert [r.partition_key for r in interrupted.run_requests] == ["pga"]

        resumed = _materialize_texts(env)
        output = resumed.communicate(timeout=300)[0]
        assert resumed.returncode == 0, output[-3000:]
        assert wait_for_run_request(instance, llm).run_requests
        collecting = _materialize_texts(env)
        output = collecting.communicate(timeout=300)[0]
        assert collecting.returncode == 0, output[-3000:]

    assert server.batch_creates == len(MODELS)  # the stalled batch was adopted, not created again
    assert set(server.submitted.values()) == {1} and len(server.submitted) == 30 * len(MODELS)
    with duckdb.connect(str(warehouse["catalog_path"]), read_only=True) as con:
        ok = con.execute("SELECT count(*) FROM traits.trait_texts WHERE status = 'ok'").fetchone()[0]
    assert ok == 30 * len(MODELS)
