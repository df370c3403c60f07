"""The study's cost estimate: an upper bound from configured prices or litellm's cost map, known before sending."""
from __future__ import annotations

import pytest

from personax_platform.consistency.cost import estimate_cost
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest

MESSAGES = [{"role": "system", "content": "x" * 400}, {"role": "user", "content": "y" * 400}]  # ~200 tokens


def request(model: ModelConfig) -> LLMRequest:
    return LLMRequest(key="k", model=model, messages=MESSAGES, response_schema={})


def test_configured_prices_give_an_upper_bound_with_the_whole_output_budget():
    model = ModelConfig(name="m", model="openai/custom", max_tokens=100, input_cost_per_token=1e-6,
                        output_cost_per_token=1e-5)
    estimate = estimate_cost([request(model)] * 10)
    assert (estimate.requests, estimate.input_tokens, estimate.output_tokens) == (10, 2000, 1000)
    assert estimate.usd == pytest.approx(10 * (200 * 1e-6 + 100 * 1e-5))


def test_hosted_models_are_priced_from_litellms_cost_map():
    estimate = estimate_cost([request(ModelConfig(name="g", model="gemini/gemini-2.5-pro", max_tokens=800))])
    assert estimate.usd > 0 and estimate.unpriced_models == ()


def test_a_model_with_no_known_price_is_listed_and_counted_as_zero():
    estimate = estimate_cost([request(ModelConfig(name="local", model="openai/my-local-model"))])
    assert estimate.usd == 0 and estimate.unpriced_models == ("local",)
    assert "no price known for local" in estimate.describe()
