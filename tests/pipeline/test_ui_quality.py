"""What the UI shows about every asset, check, job and sensor, and which concurrency pool each expensive step waits in.
(The materialization metadata the UI shows is checked per asset by the pipeline tests and, through the webserver's
GraphQL API, by test_ui_e2e.py.)"""
from __future__ import annotations

import re

from assets.pools import ANALYSIS_POOL, LLM_POOL, llm_pool, provider
from definitions import defs
from personax_platform.llm.models import ModelConfig

OWNER = re.compile(r"^(team:[a-z0-9-]+|[^@\s]+@[^@\s]+\.[a-z]+)$")  # what Dagster accepts as an owner
LLM_KIND = "litellm"


def _asset_nodes() -> dict[str, object]:
    graph = defs.resolve_asset_graph()
    return {key.to_user_string(): graph.get(key) for key in graph.get_all_asset_keys()}


def test_every_asset_has_a_description_owners_kinds_and_a_code_version():
    missing = {}
    for name, node in _asset_nodes().items():
        gaps = [field for field, ok in (
            ("description", bool(node.description) and len(node.description) > 40),
            ("owners", bool(node.owners) and all(OWNER.match(owner) for owner in node.owners)),
            ("kinds", bool(node.kinds)),
            ("code_version", bool(node.code_version)),
        ) if not ok]
        if gaps:
            missing[name] = gaps
    assert not missing, f"assets missing what the UI shows: {missing}"


def test_assets_that_call_llms_wait_in_their_providers_pool():
    llm_assets = {name: node.pools for name, node in _asset_nodes().items() if LLM_KIND in node.kinds}
    assert {"traits/trait_texts", "analysis/prompt_consistency"} <= set(llm_assets)
    assert all(pools == {LLM_POOL} for pools in llm_assets.values()), llm_assets


def test_every_other_analysis_asset_waits_in_the_heavy_analysis_pool():
    nodes = _asset_nodes()
    llm_steps = {name for name, node in nodes.items() if node.pools == {LLM_POOL}}
    heavy = {name: node.pools for name, node in nodes.items()
             if name.startswith("analysis/") and name not in llm_steps}
    assert "analysis/independence_tests" in heavy
    assert all(pools == {ANALYSIS_POOL} for pools in heavy.values()), heavy


def _model(model: str, api_base: str | None = None) -> ModelConfig:
    return ModelConfig(name="m", model=model, api_base=api_base)


def test_pools_are_named_after_whose_rate_limit_the_calls_count_against():
    assert provider(_model("personax-embedded/smollm2-135m-instruct")) == "embedded"
    assert provider(_model("gpt-4o")) == "openai"
    assert provider(_model("gemini/gemini-2.5-pro")) == "gemini"
    assert provider(_model("openai/local", api_base="http://llm:8080/v1")) == "local"
    models = [_model("openai/chatgpt-4o-latest"), _model("gemini/gemini-2.5-pro"), _model("openai/gpt-4.1")]
    assert llm_pool(models) == "llm_gemini+openai"
    assert llm_pool([_model("openai/gpt-4.1")]) == "llm_openai"


def test_every_check_job_schedule_and_file_sensor_says_what_it_does():
    graph = defs.resolve_asset_graph()
    checks = {str(key): graph.get_check_spec(key).description for key in graph.asset_check_keys}
    assert all(checks.values()), {k: d for k, d in checks.items() if not d}
    jobs = {job.name: job.description for job in defs.resolve_all_job_defs() if not job.name.startswith("__")}
    assert all(jobs.values()), jobs
    assert defs.resolve_schedule_def("traits_daily_recheck").description
    assert defs.resolve_sensor_def("landing_files_sensor").description
    assert defs.resolve_sensor_def("llm_batches_sensor").description

