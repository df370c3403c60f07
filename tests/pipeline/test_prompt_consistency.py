"""The prompt-consistency study materialized against a scripted local provider whose answers have a known spread per
variant: the study reports exactly the expected SDs, discrepancies and recommended variant."""
from __future__ import annotations

import json
import math

import dagster as dg
import pytest
import yaml

from assets import bios
from assets.prompt_consistency import prompt_consistency
from personax_platform.config.datasets import DEFAULT_CONFIG_PATH
from personax_platform.consistency.design import VARIANTS
from personax_platform.prompts import PROMPTS_DIR, load_prompt, render_messages
from personax_platform.traits.constants import TRAITS
from resources.llm import LLMResource
from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.llm.support import KEY_ENV
from tests.pipeline.resources import pipeline_resources
from tests.pipeline.traits_support import read_table

PROMPTS = {v: load_prompt(v, PROMPTS_DIR) for v in VARIANTS}
PERSON = {"name": "x", "occupation": "actor", "description": "y"}
SYSTEM_TO_VARIANT = {render_messages(p, PERSON, "celebrities")[0]["content"]: v for v, p in PROMPTS.items()}
REPEATS = 4
# Each variant's answer for repeat r, as the model writes it on the variant's own scale.
SCRIPT = {
    "number-l3-inc": lambda r: 3,                                      # common 3 always: SD 0
    "number-l5-inc": lambda r: (2, 4)[r % 2],                          # common 1.5 / 2.5
    "number-l3-dec": lambda r: 2,                                      # level 2 -> common 2, SD 0
    "number-l5-dec": lambda r: (1, 5)[r % 2],                          # decreasing: common 3 / 1
    "text-l3-inc": lambda r: ("low", "high")[r % 2],                   # common 1 / 3
    "text-l5-inc": lambda r: ("medium", "high")[r % 2],                # common 2 / 2.5
}
SD_ALTERNATING = {"number-l5-inc": 1.0, "number-l5-dec": 2.0, "text-l3-inc": 2.0, "text-l5-inc": 0.5}  # gap


def scripted(body: dict) -> str:
    variant = SYSTEM_TO_VARIANT[body["messages"][0]["content"]]
    value = SCRIPT[variant](body["seed"])  # seed = configured 0 + repeat index
    scores = {t: value for t in TRAITS}
    if variant == "number-l3-dec":
        scores["neuroticism"] = 0  # always "insufficient information"
    return json.dumps({"description": "scripted", "scores": scores})


def expected_sd(variant: str) -> float:
    """Sample SD of REPEATS answers alternating between two values `gap` apart."""
    gap = SD_ALTERNATING.get(variant, 0.0)
    return math.sqrt(REPEATS * (gap / 2) ** 2 / (REPEATS - 1))


@pytest.fixture
def study(tmp_path, warehouse_dirs, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test")
    with FakeOpenAIServer(answer=scripted) as server:
        def resources(**model_fields) -> dict:
            model = {"name": "alpha", "model": "openai/alpha", "api_base": server.api_base, "api_key_env": KEY_ENV,
                     "seed": 0, "max_retries": 0, **model_fields}
            (tmp_path / "models.yaml").write_text(yaml.safe_dump({"models": [model]}))
            return {**pipeline_resources(warehouse_dirs),
                    "llm": LLMResource(models_config=str(tmp_path / "models.yaml"), prompts_dir=str(PROMPTS_DIR),
                                       prompt_id="number-l3-inc", cache_path=str(tmp_path / "cache.sqlite"),
                                       datasets_config=str(DEFAULT_CONFIG_PATH), data_dir=str(tmp_path / "data"))}
        yield server, resources


def _run(resources: dict, **config) -> dg.ExecuteInProcessResult:
    assert dg.materialize([bios.raw_bios, bios.bios], partition_key="celebrities", resources=resources).success
    run_config = {"ops": {"prompt_consistency": {"config": {"sample_size": 3, "repeats": REPEATS,
                                                                      **config}}}}
    return dg.materialize([bios.raw_bios, bios.bios, prompt_consistency], selection=[prompt_consistency],
                          partition_key="celebpersona", resources=resources, run_config=run_config,
                          raise_on_error=False)


def test_the_study_reports_the_known_spread_of_each_variant(study, warehouse_dirs):
    server, resources = study
    result = _run(resources())
    assert result.success
    assert server.total_calls == 3 * len(VARIANTS) * REPEATS
    assert {b["seed"] for b in server.bodies} == set(range(REPEATS))  # each repeat is its own request

    stable = read_table(warehouse_dirs, "prompt_consistency", "analysis").set_index(["variant", "trait"])
    for variant in VARIANTS:
        for trait in TRAITS:
            row = stable.loc[(variant, trait)]
            if variant == "number-l3-dec" and trait == "neuroticism":
                assert row["missing_rate"] == 1.0 and math.isnan(row["mean_sd"]) and row["n_people"] == 0
                continue
            assert row["mean_sd"] == pytest.approx(expected_sd(variant)), (variant, trait)
            assert (row["n_people"], row["missing_rate"], row["failure_rate"]) == (3, 0.0, 0.0)

    pairs = read_table(warehouse_dirs, "prompt_discrepancy", "analysis").set_index(
        ["variant_a", "variant_b"])["mean_abs_diff"]
    assert pairs.to_dict() == pytest.approx({
        ("number-l5-inc", "text-l5-inc"): 0.25, ("number-l5-dec", "text-l5-inc"): 0.25,
        ("number-l5-inc", "number-l5-dec"): 0.0, ("number-l3-inc", "text-l3-inc"): 1.0,
        ("number-l3-dec", "text-l3-inc"): 0.0, ("number-l3-inc", "number-l3-dec"): 1.0})

    (event,) = [e for e in result.get_asset_materialization_events()
                if e.asset_key.to_user_string() == "analysis/prompt_consistency"]
    metadata = event.materialization.metadata
    # number-l3-inc and number-l3-dec are both perfectly stable; l3-dec never rates neuroticism.
    assert metadata["recommended_variant"].value == "number-l3-inc"
    assert metadata["requests_to_send"].value == 3 * len(VARIANTS) * REPEATS  # the shared run preview
    assert "| alpha |" in metadata["run_preview"].value
    assert metadata["sd_boxplot"].value.startswith("![SD box plots](data:image/png;base64,")
    assert metadata["sd_radar"].value.startswith("![SD radar plots](data:image/png;base64,")
    scores = read_table(warehouse_dirs, "prompt_consistency_scores", "analysis")
    assert len(scores) == 3 * len(VARIANTS) * REPEATS * len(TRAITS) and "description" not in scores


def test_rerunning_the_study_sends_nothing_new_and_an_extra_repeat_sends_only_it(study):
    server, resources = study
    assert _run(resources()).success
    calls = server.total_calls
    assert _run(resources()).success and server.total_calls == calls
    assert _run(resources(), repeats=REPEATS + 1).success
    assert server.total_calls == calls + 3 * len(VARIANTS)


def test_a_study_above_its_budget_is_refused_before_any_call(study):
    server, resources = study
    priced = resources(input_cost_per_token=1e-4, output_cost_per_token=1e-4)
    result = _run(priced, max_cost_usd=0.5)
    assert not result.success and server.total_calls == 0
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.event_specific_data.error.message
    assert "above the budget max_cost_usd=$0.50" in message and "72 requests" in message
    assert _run(priced, max_cost_usd=1000.0).success  # raising the budget in the run config lets it run
