from __future__ import annotations

from typing import Any

import pytest

from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest, request_hash

MODEL = ModelConfig(name="gpt4o", model="openai/chatgpt-4o-latest", seed=1, api_key_env="OPENAI_API_KEY")
MESSAGES = [{"role": "system", "content": "Rate."}, {"role": "user", "content": "Ada Lovelace"}]
SCHEMA = {"type": "object", "properties": {"score": {"type": "integer"}}, "required": ["score"]}


def _request(**changes: Any) -> LLMRequest:
    fields: dict[str, Any] = {"key": "row-1", "model": MODEL, "messages": MESSAGES, "response_schema": SCHEMA,
                              "metadata": {"prompt_id": "p1"}, **changes}
    return LLMRequest(**fields)


def test_hash_is_stable_sha256_independent_of_dict_order() -> None:
    reordered_schema = dict(reversed(list(SCHEMA.items())))
    h = request_hash(_request())
    assert h == request_hash(_request(response_schema=reordered_schema))
    assert len(h) == 64 and int(h, 16) >= 0


@pytest.mark.parametrize("changes", [
    {"messages": [MESSAGES[0], {"role": "user", "content": "Alan Turing"}]},
    {"response_schema": {**SCHEMA, "required": []}},
    {"model": MODEL.model_copy(update={"model": "openai/gpt-4o"})},
    {"model": MODEL.model_copy(update={"temperature": 0.7})},
    {"model": MODEL.model_copy(update={"max_tokens": 100})},
    {"model": MODEL.model_copy(update={"seed": 2})},
    {"model": MODEL.model_copy(update={"api_base": "http://127.0.0.1:8000/v1"})},
    {"model": MODEL.model_copy(update={"extra": {"top_p": 0.5}})},
    {"repeat": 1},
], ids=["messages", "schema", "model", "temperature", "max_tokens", "seed", "api_base", "extra", "repeat"])
def test_hash_changes_with_anything_that_changes_the_answer(changes: dict[str, Any]) -> None:
    assert request_hash(_request(**changes)) != request_hash(_request())


@pytest.mark.parametrize("changes", [
    {"key": "row-2"},
    {"metadata": {"prompt_id": "other"}},
    {"model": MODEL.model_copy(update={"name": "renamed", "api_key_env": "OTHER_KEY", "rpm": 10, "tpm": 1000,
                                       "max_concurrency": 1, "timeout_s": 5, "max_retries": 0})},
    {"model": MODEL.model_copy(update={"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6})},
], ids=["row_key", "metadata", "key_env_limits_and_name", "prices"])
def test_hash_ignores_row_key_metadata_api_key_and_pacing(changes: dict[str, Any]) -> None:
    assert request_hash(_request(**changes)) == request_hash(_request())


def test_hash_does_not_depend_on_the_api_key_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-one")
    first = request_hash(_request())
    monkeypatch.setenv("OPENAI_API_KEY", "sk-two")
    assert request_hash(_request()) == first


def test_each_repeat_is_its_own_request_and_offsets_a_configured_seed() -> None:
    hashes = {request_hash(_request(repeat=r)) for r in range(5)}
    assert len(hashes) == 5
    assert [_request(repeat=r, model=MODEL.model_copy(update={"seed": 7})).seed for r in (0, 3)] == [7, 10]
    assert _request(repeat=3, model=MODEL.model_copy(update={"seed": None})).seed is None
    with pytest.raises(ValueError, match="repeat must be >= 0"):
        _request(repeat=-1)
