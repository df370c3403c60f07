"""Provider prompt caching through the real litellm path: the cached prompt tokens a provider reports are recorded
(and kept by the response cache), and the cost bills them at the cached-token price where there is one."""
from __future__ import annotations

import litellm
import pytest

from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import LLMResult, complete_all_sync
from personax_platform.llm.inference_version import inference_version
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest
from personax_platform.prompts import load_prompt
from tests.llm.fake_openai_server import CachedTokensField, FakeOpenAIServer
from tests.llm.support import FAST_BACKOFF, SCHEMA, fake_model

INSTRUCTIONS = "Rate the person's public conduct and answer in JSON. " * 40  # the fixed part every request shares


def _ask(model: ModelConfig, cache: ResponseCache, person: str, run_id: str = "r") -> LLMResult:
    """One request, on its own: the fake prompt cache sees requests in this order."""
    request = LLMRequest(key=person, model=model, response_schema=SCHEMA,
                         messages=[{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": person}])
    (result,) = complete_all_sync([request], cache, validate=None, run_id=run_id, backoff=FAST_BACKOFF)
    return result


def _priced(result: LLMResult, input_price: float, cached_price: float, output_price: float) -> float:
    assert result.input_tokens is not None and result.output_tokens is not None
    cached = result.cached_input_tokens or 0
    return (result.input_tokens - cached) * input_price + cached * cached_price + result.output_tokens * output_price


@pytest.mark.parametrize("field", ["openai", "anthropic"])
def test_cached_prompt_tokens_are_recorded_and_kept_by_the_response_cache(
        field: CachedTokensField, api_key: str, cache: ResponseCache) -> None:
    with FakeOpenAIServer(report_cached_tokens=field) as server:
        model = fake_model(server.api_base)
        first, second = _ask(model, cache, "ada"), _ask(model, cache, "bob")
        assert first.cached_input_tokens == 0
        assert second.cached_input_tokens == len(INSTRUCTIONS) // 4 < second.input_tokens
        again = _ask(model, cache, "bob", run_id="r2")
    assert again.cache_hit and again.cached_input_tokens == second.cached_input_tokens


def test_a_provider_that_reports_no_cached_tokens_leaves_them_unknown(
        server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    model = fake_model(server.api_base)
    _ask(model, cache, "ada")
    assert _ask(model, cache, "alan").cached_input_tokens is None


def test_litellms_cost_map_bills_cached_tokens_at_the_cached_price(api_key: str, cache: ResponseCache) -> None:
    prices = litellm.model_cost["gpt-4o"]
    assert prices["cache_read_input_token_cost"] < prices["input_cost_per_token"]
    with FakeOpenAIServer(report_cached_tokens="openai") as server:
        model = fake_model(server.api_base, model="openai/gpt-4o")
        results = [_ask(model, cache, "ada"), _ask(model, cache, "alan")]
    assert results[1].cached_input_tokens
    for result in results:
        assert result.cost_usd == pytest.approx(_priced(result, prices["input_cost_per_token"],
                                                        prices["cache_read_input_token_cost"],
                                                        prices["output_cost_per_token"]))


def test_a_configured_cached_input_price_bills_cached_tokens(api_key: str, cache: ResponseCache) -> None:
    with FakeOpenAIServer(report_cached_tokens="openai") as server:
        model = fake_model(server.api_base, input_cost_per_token=1e-6, output_cost_per_token=2e-6,
                           cached_input_cost_per_token=1e-7)
        _ask(model, cache, "ada")
        result = _ask(model, cache, "alan")
        assert all("cache_read_input_token_cost" not in body for body in server.bodies)  # a price, not a parameter
    assert result.cached_input_tokens
    assert result.cost_usd == pytest.approx(_priced(result, 1e-6, 1e-7, 2e-6))


def test_without_a_cached_input_price_litellm_bills_cached_tokens_as_input(api_key: str, cache: ResponseCache) -> None:
    with FakeOpenAIServer(report_cached_tokens="openai") as server:
        model = fake_model(server.api_base, input_cost_per_token=1e-6, output_cost_per_token=2e-6)
        _ask(model, cache, "ada")
        result = _ask(model, cache, "alan")
    assert result.cached_input_tokens
    assert result.cost_usd == pytest.approx(_priced(result, 1e-6, 1e-6, 2e-6))


def test_the_cached_input_price_is_not_part_of_the_inference_version() -> None:
    # A price changes no answer: setting it must not mark trait_texts stale.
    model = ModelConfig(name="m", model="openai/custom")
    priced = model.model_copy(update={"cached_input_cost_per_token": 1e-7})
    assert inference_version(load_prompt(), [priced]) == inference_version(load_prompt(), [model])
