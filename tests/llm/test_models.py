from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from personax_platform.config.datasets import REPO_ROOT
from personax_platform.llm.models import ModelConfig, load_models


def test_default_config_is_the_single_embedded_offline_model() -> None:
    (model,) = load_models(REPO_ROOT / "config" / "models.yaml")
    assert model.name == "smollm2"
    assert model.model == "personax-embedded/smollm2-135m-instruct"
    assert (model.temperature, model.seed, model.max_concurrency) == (0.0, 0, 1)
    assert model.api_key_env is None




def test_paper_example_configures_the_three_paper_models_with_keys_from_env_vars() -> None:
    models = {m.model: m for m in load_models(REPO_ROOT / "config" / "models.paper.example.yaml")}
    assert {m: c.api_key_env for m, c in models.items()} == {
        "openai/chatgpt-4o-latest": "OPENAI_API_KEY",
        "gemini/gemini-2.5-pro": "GEMINI_API_KEY",
        "together_ai/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8": "TOGETHERAI_API_KEY",
    }
    assert all(c.rpm and c.tpm and c.max_concurrency for c in models.values())


def test_api_key_env_must_name_a_variable_not_hold_a_key() -> None:
    with pytest.raises(ValidationError, match="name of an environment variable"):
        ModelConfig(name="gpt4o", model="openai/gpt-4o", api_key_env="sk-proj-abc123")


def test_extra_cannot_smuggle_a_key_or_override_typed_fields() -> None:
    with pytest.raises(ValidationError, match="api_key"):
        ModelConfig(name="gpt4o", model="openai/gpt-4o", extra={"api_key": "sk-proj-abc123"})
    with pytest.raises(ValidationError, match="temperature"):
        ModelConfig(name="gpt4o", model="openai/gpt-4o", extra={"temperature": 1})


def test_model_names_must_be_unique(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text("models:\n  - {name: a, model: openai/x}\n  - {name: a, model: openai/y}\n")
    with pytest.raises(ValueError, match="duplicate model names"):
        load_models(path)
