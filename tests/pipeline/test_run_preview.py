"""Preview before spending, on the real traits assets against the scripted local server: a trait_texts run above its
budget sends nothing, the run's metadata carries the preview, and the `trait_texts_run_preview` check shows what
the next run would send without running the asset."""
from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml

from assets.partitions import league_partitions
from assets.trait_texts_preview import trait_texts_run_preview
from tests.pipeline.traits_support import BIOS_ASSETS, MODELS, TRAIT_ASSETS, llm_resources, person_names

LEAGUE = "pga"


def _price(directory: Path, input_cost_per_token: float) -> None:
    """Give every served model a configured prompt price (the scripted server's models are in no cost map)."""
    path = directory / "models.yaml"
    raw = yaml.safe_load(path.read_text())
    for model in raw["models"]:
        model["input_cost_per_token"] = input_cost_per_token
    path.write_text(yaml.safe_dump(raw))


def _materialize(resources: dict, **config) -> dg.ExecuteInProcessResult:
    run_config = {"ops": {"traits__trait_texts": {"config": {"max_people": 6, **config}}}}
    return dg.materialize(BIOS_ASSETS + TRAIT_ASSETS, partition_key=LEAGUE, resources=resources,
                          run_config=run_config, raise_on_error=False)


def _run_preview_check(resources: dict) -> dg.AssetCheckEvaluation:
    """Only the preview check, as the UI's "Execute check" runs it: trait_texts is not materialized."""
    job = dg.define_asset_job("preview", selection=dg.AssetSelection.checks(trait_texts_run_preview),
                              partitions_def=league_partitions)
    defs = dg.Definitions(assets=BIOS_ASSETS + TRAIT_ASSETS, asset_checks=[trait_texts_run_preview], jobs=[job],
                          resources=resources)
    result = defs.resolve_job_def("preview").execute_in_process(tags={"dagster/partition": LEAGUE})
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def _step_failure(result: dg.ExecuteInProcessResult) -> str:
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return failure.event_specific_data.error.message


def test_a_trait_texts_run_above_its_budget_sends_nothing_until_the_budget_is_raised(warehouse_dirs, llm_setup,
                                                                                     server):
    directory, prompts = llm_setup
    _price(directory, 1e-2)  # 6 people × 3 models × hundreds of prompt tokens: far above the default $5
    resources = llm_resources(warehouse_dirs, directory, prompts)
    refused = _materialize(resources)
    assert not refused.success and server.total_calls == 0
    message = _step_failure(refused)
    assert "above the budget max_cost_usd=$5.00" in message and "18 requests to send (0 cached)" in message
    assert "Nothing was sent" in message

    allowed = _materialize(resources, max_cost_usd=10_000.0)
    assert allowed.success and server.total_calls == 6 * len(MODELS)


def test_the_materialization_reports_the_preview_per_model(warehouse_dirs, llm_setup, server):
    resources = llm_resources(warehouse_dirs, *llm_setup)
    for expected_to_send in (6 * len(MODELS), 0):  # the re-run finds every answer cached
        result = _materialize(resources)
        assert result.success
        (texts,) = [e.materialization.metadata for e in result.get_asset_materialization_events()
                    if e.asset_key.to_user_string() == "traits/trait_texts"]
        assert texts["requests_to_send"].value == expected_to_send
        assert texts["estimated_cost_usd"].value == 0.0  # the scripted models have no price
        table = texts["run_preview"].value
        assert all(f"| {model} |" in table for model in MODELS) and "| total |" in table
        assert "| estimate |" in table  # no tokenizer known for the scripted models


def test_the_preview_check_shows_the_next_run_without_running_the_asset(warehouse_dirs, llm_setup, server):
    directory, prompts = llm_setup
    resources = llm_resources(warehouse_dirs, directory, prompts)
    assert dg.materialize(BIOS_ASSETS, partition_key=LEAGUE, resources=resources).success
    people = len(person_names(warehouse_dirs))

    evaluation = _run_preview_check(resources)
    assert evaluation.passed and server.total_calls == 0
    assert evaluation.metadata["requests_to_send"].value == people * len(MODELS)  # the default config: everyone
    assert f"{people * len(MODELS):,} requests to send (0 cached)" in evaluation.description

    assert _materialize(resources).success  # 6 people answered and cached
    assert _run_preview_check(resources).metadata["requests_to_send"].value == (people - 6) * len(MODELS)

    _price(directory, 1e-2)
    expensive = _run_preview_check(llm_resources(warehouse_dirs, directory, prompts))
    assert not expensive.passed and expensive.severity == dg.AssetCheckSeverity.WARN
    assert "would be refused" in expensive.description
