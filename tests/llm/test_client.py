"""complete_all through the real litellm code path against a real local OpenAI-compatible server."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import LLMResult, complete_all, complete_all_sync
from personax_platform.llm.request import LLMRequest, request_hash
from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.llm.support import FAST_BACKOFF, KEY_ENV, SCHEMA, fake_model, make_requests, validate_json


def test_answers_come_back_in_request_order_with_usage_version_and_metadata(
        server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    requests = make_requests(fake_model(server.api_base), ["ada", "alan", "grace"])
    results = complete_all_sync(requests, cache, validate=validate_json, run_id="run-1", backoff=FAST_BACKOFF)

    assert [r.key for r in results] == ["row-ada", "row-alan", "row-grace"]
    assert [json.loads(r.raw_response)["answer"] for r in results] == ["ada", "alan", "grace"]
    first = results[0]
    assert (first.status, first.finish_reason, first.attempts, first.cache_hit) == ("ok", "stop", 1, False)
    assert first.request_hash == request_hash(requests[0])
    assert (first.model_name, first.model_string) == ("fake", "openai/fake-model")
    assert first.model_version == "fake-model-2025-01-01 (fp_fake)"
    assert first.input_tokens > 0 and first.output_tokens > 0
    assert first.cost_usd == 0.0  # not in litellm's cost map: local models cost nothing, and nothing crashes
    assert first.latency_s > 0 and first.started_at <= first.finished_at
    assert (first.run_id, first.metadata) == ("run-1", {"prompt_id": "p1", "prompt_sha": "00000000"})


def test_request_carries_schema_and_generation_parameters(
        server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    model = fake_model(server.api_base, temperature=0.3, max_tokens=123, seed=11, extra={"top_p": 0.5})
    complete_all_sync(make_requests(model, ["ada"]), cache, validate=None, run_id="r", backoff=FAST_BACKOFF)

    (body,) = server.bodies
    assert body["model"] == "fake-model"
    assert (body["temperature"], body["max_tokens"], body["seed"], body["top_p"]) == (0.3, 123, 11, 0.5)
    assert body["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "trait_answer", "schema": SCHEMA, "strict": True}}


def test_cost_comes_from_configured_prices_when_litellm_has_none(
        server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    model = fake_model(server.api_base, input_cost_per_token=1e-6, output_cost_per_token=2e-6)
    (result,) = complete_all_sync(make_requests(model, ["ada"]), cache, validate=None, run_id="r")
    assert result.cost_usd == pytest.approx(result.input_tokens * 1e-6 + result.output_tokens * 2e-6)
    assert "input_cost_per_token" not in server.bodies[0]


def test_second_run_is_served_from_the_cache_without_calls(
        server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    requests = make_requests(fake_model(server.api_base), ["ada", "alan"])
    first = complete_all_sync(requests, cache, validate=validate_json, run_id="run-1", backoff=FAST_BACKOFF)
    second = complete_all_sync(requests, cache, validate=validate_json, run_id="run-2", backoff=FAST_BACKOFF)

    assert server.total_calls == 2
    assert all(r.cache_hit and r.run_id == "run-2" for r in second)
    assert [r.raw_response for r in second] == [r.raw_response for r in first]
    assert [r.input_tokens for r in second] == [r.input_tokens for r in first]


def test_identical_rendered_requests_are_sent_once_and_answer_every_row(
        server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    (request,) = make_requests(fake_model(server.api_base), ["ada"])
    twin = LLMRequest(key="row-other", model=request.model, messages=request.messages,
                         response_schema=request.response_schema, metadata={"prompt_id": "p2"})
    results = complete_all_sync([request, twin], cache, validate=None, run_id="r", backoff=FAST_BACKOFF)

    assert server.total_calls == 1
    assert [(r.key, r.metadata["prompt_id"], r.status) for r in results] == [
        ("row-ada", "p1", "ok"), ("row-other", "p2", "ok")]


def test_on_result_sees_every_result_as_it_arrives(
        server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    requests = make_requests(fake_model(server.api_base), ["ada", "alan"])
    complete_all_sync(requests[:1], cache, validate=None, run_id="r", backoff=FAST_BACKOFF)
    seen: list[LLMResult] = []
    complete_all_sync(requests, cache, validate=None, run_id="r", on_result=seen.append, backoff=FAST_BACKOFF)
    assert sorted((r.key, r.cache_hit) for r in seen) == [("row-ada", True), ("row-alan", False)]


def test_progress_counts_the_calls_sent_and_says_how_many_answers_were_cached(
        server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    requests = make_requests(fake_model(server.api_base), ["ada", "alan", "grace"])
    complete_all_sync(requests[:1], cache, validate=None, run_id="r", backoff=FAST_BACKOFF)
    lines: list[str] = []
    complete_all_sync(requests, cache, validate=None, run_id="r", backoff=FAST_BACKOFF, progress=lines.append)
    assert all(line.startswith("LLM calls (1 cached): ") for line in lines)
    assert lines[-1].startswith("LLM calls (1 cached): 2/2 done in ")


def test_missing_api_key_variable_fails_before_anything_is_sent(
        server: FakeOpenAIServer, cache: ResponseCache, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(RuntimeError, match=KEY_ENV):
        complete_all_sync(make_requests(fake_model(server.api_base), ["ada"]), cache, validate=None, run_id="r")
    assert server.total_calls == 0


def test_sync_wrapper_works_inside_a_running_event_loop(
        server: FakeOpenAIServer, api_key: str, tmp_path: Path) -> None:
    requests = make_requests(fake_model(server.api_base), ["ada"])

    async def notebook_cell() -> list[LLMResult]:
        with ResponseCache(tmp_path / "c.sqlite") as cache:
            return complete_all_sync(requests, cache, validate=None, run_id="r", backoff=FAST_BACKOFF)

    assert [r.status for r in asyncio.run(notebook_cell())] == ["ok"]


def test_async_api_runs_in_the_callers_loop(server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    requests = make_requests(fake_model(server.api_base), ["ada", "alan"])
    results = asyncio.run(complete_all(requests, cache, validate=validate_json, run_id="r", backoff=FAST_BACKOFF))
    assert [r.status for r in results] == ["ok", "ok"]
