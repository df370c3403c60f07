"""When trait inference re-runs by itself: the automation condition (bios changed, prompt or model list changed) and
the daily re-check schedule (stale, never-rated or failed answers found in the stored rows)."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from assets import traits
from assets.jobs import traits_job
from assets.schedules import traits_daily_recheck
from definitions import defs
from tests.llm.fake_openai_server import SERVER_ERROR
from tests.pipeline.traits_support import (
    BIOS_ASSETS,
    TRAIT_ASSETS,
    edit_prompt,
    llm_resources,
    materialize_traits,
)


def _requested(result: dg.EvaluateAutomationConditionsResult, asset: dg.AssetsDefinition) -> set[str]:
    return set(result.get_requested_partitions(asset.key))


def test_sensor_and_schedule_run_by_default():
    sensor = defs.resolve_sensor_def("default_automation_condition_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    schedule = defs.resolve_schedule_def("traits_daily_recheck")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING and schedule.job_name == "traits_job"


def _defs(assets: list, resources: dict) -> dg.Definitions:
    return dg.Definitions(assets=assets, resources=resources)


def test_new_bios_request_inference_for_that_league_and_its_downstream(warehouse_dirs, llm_setup):
    instance = dg.DagsterInstance.ephemeral()
    resources = llm_resources(warehouse_dirs, *llm_setup)
    defs = _defs(BIOS_ASSETS + TRAIT_ASSETS, resources)
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert first.total_requested == 0  # nothing upstream yet
    dg.materialize(BIOS_ASSETS, partition_key="nhl", resources=resources, instance=instance)
    after_bios = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert _requested(after_bios, traits.trait_texts) == {"nhl"}
    assert _requested(after_bios, traits.trait_scores) == {"nhl"}  # planned into the same run


def test_a_changed_code_version_requests_every_materialized_league_again(warehouse_dirs, llm_setup):
    instance = dg.DagsterInstance.ephemeral()
    resources = llm_resources(warehouse_dirs, *llm_setup)
    for league in ("nhl", "pga"):
        dg.materialize(BIOS_ASSETS + TRAIT_ASSETS, partition_key=league, resources=resources, instance=instance,
                       run_config={"ops": {"traits__trait_texts": {"config": {"max_people": 1}}}})
    defs = _defs(BIOS_ASSETS + TRAIT_ASSETS, resources)
    settled = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    settled = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)
    assert settled.total_requested == 0

    # What a prompt edit or a new model list does to the code version, after the code location reloads.
    edited = traits.trait_texts.map_asset_specs(lambda spec: spec.replace_attributes(code_version="edited-prompt"))
    assets = BIOS_ASSETS + [edited] + TRAIT_ASSETS[1:]
    after = dg.evaluate_automation_conditions(defs=_defs(assets, resources), instance=instance,
                                              cursor=settled.cursor)
    assert _requested(after, edited) == {"nhl", "pga"}  # leagues without bios are not requested


def _tick(resources: dict, day: int) -> list[dg.RunRequest] | dg.SkipReason:
    context = dg.build_schedule_context(resources={k: resources[k] for k in ("llm", "warehouse")},
                                        scheduled_execution_time=datetime(2026, 11, day, 3, tzinfo=timezone.utc))
    result = traits_daily_recheck(context)
    return result if isinstance(result, dg.SkipReason) else list(result)


def _run(resources: dict, request: dg.RunRequest) -> None:
    job = dg.Definitions(assets=BIOS_ASSETS + TRAIT_ASSETS, jobs=[traits_job], resources=resources)
    job.resolve_job_def("traits_job").execute_in_process(partition_key=request.partition_key, raise_on_error=False)


def test_the_daily_recheck_requests_only_leagues_that_owe_answers_until_none_do(warehouse_dirs, llm_setup, server):
    resources = llm_resources(warehouse_dirs, *llm_setup)
    materialize_traits(resources, league="pga", max_people=4)  # 4 of the league's 30 people rated
    materialize_traits(resources, league="nhl", max_people=0)  # everyone rated
    (request,) = _tick(resources, day=1)
    assert request.partition_key == "pga" and "78 never rated" in request.tags["personax/reason"]
    _run(resources, request)
    assert isinstance(_tick(resources, day=2), dg.SkipReason)

    # A beta outage: the user message is unchanged by the edit below, so each beta request's earlier call counts as
    # its first; its next two calls (the attempt and its one retry) fail, the one after succeeds.
    server.fail_first([SERVER_ERROR] * 3, model="beta")
    _, prompts = llm_setup
    edit_prompt(prompts)  # no code reload: the schedule reads the prompt file itself
    requests = _tick(resources, day=3)
    assert {r.partition_key for r in requests} == {"pga", "nhl"}
    assert all("stale" in r.tags["personax/reason"] for r in requests)
    for request in requests:
        _run(resources, request)
    after_outage = _tick(resources, day=4)
    assert {r.partition_key for r in after_outage} == {"pga", "nhl"}
    assert all("failed" in r.tags["personax/reason"] for r in after_outage)
    for request in after_outage:  # the outage is over: only the failed calls are sent again
        calls = server.total_calls
        _run(resources, request)
        assert server.total_calls - calls == 30  # one failed beta request per person of the league
    assert isinstance(_tick(resources, day=5), dg.SkipReason)
