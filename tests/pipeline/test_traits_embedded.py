"""The shipped default configuration, end to end: the embedded SmolLM2 model rates real sample people through
litellm's custom-provider path, with the real prompt and its JSON schema, inside a Dagster materialization; and its
process dying mid-partition costs failed rows, never the run."""
from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time

import dagster as dg
import duckdb

from assets import bios, traits
from personax_platform.config.datasets import DEFAULT_CONFIG_PATH
from personax_platform.llm import embedded
from personax_platform.llm.embedded import MODEL_VERSION
from personax_platform.llm.embedded_process import ModelProcess, worker_command
from personax_platform.llm.models import DEFAULT_MODELS_PATH
from personax_platform.prompts import DEFAULT_PROMPT_ID, PROMPTS_DIR
from personax_platform.traits.constants import TRAITS
from resources.llm import LLMResource
from tests.pipeline.resources import pipeline_resources


def test_the_default_embedded_model_rates_one_person_end_to_end(warehouse_dirs, tmp_path):
    llm = LLMResource(models_config=str(DEFAULT_MODELS_PATH), prompts_dir=str(PROMPTS_DIR),
                      prompt_id=DEFAULT_PROMPT_ID, cache_path=str(tmp_path / "cache.sqlite"),
                      datasets_config=str(DEFAULT_CONFIG_PATH), data_dir=str(tmp_path / "data"))
    result = dg.materialize(
        [bios.raw_bios, bios.bios, traits.trait_texts, traits.trait_scores, traits.aggregated_traits,
         traits.trait_scores_check],
        partition_key="nhl", resources={**pipeline_resources(warehouse_dirs), "llm": llm},
        run_config={"ops": {"traits__trait_texts": {"config": {"max_people": 1}}}})
    assert result.success
    (texts_event,) = [e for e in result.get_asset_materialization_events()
                      if e.asset_key == traits.TRAIT_TEXTS]
    assert "NOT valid trait estimates" in texts_event.materialization.metadata["notice"].value
    with duckdb.connect(str(warehouse_dirs["catalog_path"]), read_only=True) as con:
        text = con.execute("SELECT * FROM traits.trait_texts").df().iloc[0]
        scores = con.execute("SELECT * FROM traits.trait_scores").df().iloc[0]
    assert text["status"] == "ok" and text["model_version"] == MODEL_VERSION and text["cost_usd"] == 0
    assert text["description"] and text["output_tokens"] > 0 and text["finish_reason"] == "stop"
    assert scores["status"] == "ok" and all(scores[t] in (0, 1, 2, 3) for t in TRAITS)


def test_a_model_process_killed_mid_partition_costs_failed_rows_with_the_reason_never_the_run(
        warehouse_dirs, tmp_path, monkeypatch):
    # A model process of this test's own, so that its start count is this test's.
    monkeypatch.setattr(embedded, "_process", ModelProcess(worker_command(str(embedded.gguf_path()), 1,
                                                                          embedded.N_CTX)))
    llm = LLMResource(models_config=str(DEFAULT_MODELS_PATH), prompts_dir=str(PROMPTS_DIR),
                      prompt_id=DEFAULT_PROMPT_ID, cache_path=str(tmp_path / "cache.sqlite"),
                      datasets_config=str(DEFAULT_CONFIG_PATH), data_dir=str(tmp_path / "data"))
    resources = {**pipeline_resources(warehouse_dirs), "llm": llm}
    people = {"ops": {"traits__trait_texts": {"config": {"max_people": 3}}}}
    assert dg.materialize([bios.raw_bios, bios.bios], partition_key="nhl", resources=resources).success
    killed: list[int] = []

    def kill_during_the_second_answer() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            process = embedded._process
            if process is not None and process.busy and process.starts == 1 and _answers(tmp_path) == 1:
                pid = process.pid
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_during_the_second_answer)
    killer.start()
    graph = [bios.raw_bios, bios.bios, traits.trait_texts]
    first = dg.materialize(graph, selection=[traits.TRAIT_TEXTS], partition_key="nhl", resources=resources,
                           run_config=people)
    killer.join()
    assert killed and first.success  # the run ended cleanly and stored what it had
    with duckdb.connect(str(warehouse_dirs["catalog_path"]), read_only=True) as con:
        rows = con.execute("SELECT status, failure_reason FROM traits.trait_texts ORDER BY status").fetchall()
    assert [status for status, _ in rows] == ["failed", "ok", "ok"]  # the third answer came from a new process
    assert "died with SIGKILL" in rows[0][1]

    second = dg.materialize(graph, selection=[traits.TRAIT_TEXTS], partition_key="nhl", resources=resources,
                            run_config=people)
    assert second.success
    with duckdb.connect(str(warehouse_dirs["catalog_path"]), read_only=True) as con:
        rerun = con.execute("SELECT status, cache_hit FROM traits.trait_texts").fetchall()
    assert sorted(rerun) == [("ok", False), ("ok", True), ("ok", True)]  # only the failed request was sent again
    embedded._process.close()


def _answers(tmp_path) -> int:
    try:
        with sqlite3.connect(tmp_path / "cache.sqlite") as con:
            return con.execute("SELECT count(*) FROM llm_responses").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
