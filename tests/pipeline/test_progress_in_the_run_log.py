"""A long step's progress lines land in its run's event log (what the UI's run view shows while the run goes on):
trait_texts materialized for real against a local OpenAI-compatible server."""
from __future__ import annotations

import logging

import dagster as dg

from tests.pipeline.traits_support import BIOS_ASSETS, MODELS, TRAIT_ASSETS, llm_resources


def _log_lines(instance: dg.DagsterInstance, run_id: str, step: str) -> list[str]:
    """The step's own INFO messages (context.log.info), not Dagster's events."""
    return [entry.user_message for entry in instance.all_logs(run_id)
            if entry.dagster_event is None and entry.step_key == step and entry.level == logging.INFO]


def test_trait_texts_logs_the_progress_of_its_llm_calls_in_the_run(warehouse_dirs, llm_setup, server):
    resources = llm_resources(warehouse_dirs, *llm_setup)
    config = {"ops": {"traits__trait_texts": {"config": {"max_people": 4}}}}
    with dg.DagsterInstance.ephemeral() as instance:
        first = dg.materialize(BIOS_ASSETS + TRAIT_ASSETS, partition_key="pga", resources=resources,
                               run_config=config, instance=instance)
        config["ops"]["traits__trait_texts"]["config"]["max_people"] = 6  # 4 people cached, 2 new
        second = dg.materialize(BIOS_ASSETS + TRAIT_ASSETS, partition_key="pga", resources=resources,
                                run_config=config, instance=instance)
        assert first.success and second.success
        first_lines = _log_lines(instance, first.run_id, "traits__trait_texts")
        second_lines = _log_lines(instance, second.run_id, "traits__trait_texts")
    calls = 4 * len(MODELS)
    assert first_lines[-1].startswith(f"LLM calls (0 cached): {calls}/{calls} done in ")
    assert second_lines[-1].startswith(f"LLM calls ({calls} cached): {2 * len(MODELS)}/{2 * len(MODELS)} done in ")
    # Before any call, the step logs the run's preview against the budget (assets/llm_budget.py); then only progress.
    for lines in (first_lines, second_lines):
        assert lines[0].startswith("pga: ") and "budget $" in lines[0]
        assert all(line.startswith("LLM calls (") for line in lines[1:])
