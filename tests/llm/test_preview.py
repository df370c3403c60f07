"""The run preview: what a list of requests would send, cost and take, against a real response cache, before
anything is sent."""
from __future__ import annotations

import math
from pathlib import Path

import litellm
import pytest

from personax_platform.llm.cache import CachedResponse, ResponseCache
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.preview import SAMPLE, preview_run
from personax_platform.llm.request import LLMRequest, request_hash

SYSTEM = "Rate the person's public behaviour on the Big Five traits. Answer in JSON."
BIO = "A golfer who won three majors and coaches juniors."


def requests(model: ModelConfig, n: int) -> list[LLMRequest]:
    return [LLMRequest(key=f"p{i}", model=model, response_schema={},
                       messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"{i}: {BIO}"}])
            for i in range(n)]


def answered(request: LLMRequest, status: str = "ok", output_tokens: int = 40,
             latency_s: float = 2.0) -> CachedResponse:
    return CachedResponse(
        request_hash=request_hash(request), model=request.model.model, status=status, raw_response="{}",
        finish_reason="stop", model_version="v", input_tokens=100, output_tokens=output_tokens, cost_usd=0.0,
        latency_s=latency_s, attempts=1, failure_reason=None if status == "ok" else "boom", run_id="r",
        created_at="t", updated_at="t")


@pytest.fixture
def cache(tmp_path: Path):
    with ResponseCache(tmp_path / "cache.sqlite") as response_cache:
        yield response_cache


def test_only_requests_missing_from_the_cache_are_to_send(cache):
    model = ModelConfig(name="local", model="openai/my-local-model", max_tokens=100)
    asked = requests(model, 5)
    cache.put(answered(asked[0], output_tokens=30))
    cache.put(answered(asked[1], output_tokens=50))
    cache.put(answered(asked[2], status="failed"))  # a failed answer is sent again
    preview = preview_run(asked + asked[3:], cache)  # identical requests are sent once
    (only,) = preview.models
    assert (only.to_send, only.cached, preview.to_send, preview.cached) == (3, 2, 3, 2)
    assert only.output_tokens == 3 * 100  # the bound: max_tokens per request to send
    assert only.typical_output_tokens == 40  # the mean of the cached answers, shown beside the bound


def test_prompt_tokens_use_litellms_tokenizer_for_an_openai_model_and_the_estimate_otherwise(cache):
    openai = requests(ModelConfig(name="gpt", model="openai/gpt-4o"), 3)
    unknown = requests(ModelConfig(name="local", model="openai/my-local-model"), 3)
    gpt, local = preview_run(openai + unknown, cache).models
    assert gpt.token_count == "tokenizer"
    assert gpt.prompt_tokens == sum(litellm.token_counter(model="openai/gpt-4o", messages=r.messages) for r in openai)
    assert local.token_count == "estimate"
    chars = [sum(len(m["content"]) for m in r.messages) for r in unknown]
    assert local.prompt_tokens == sum(math.ceil(c / 4) for c in chars)


def test_many_requests_are_counted_on_a_sample_and_scaled_by_their_characters(cache):
    model = ModelConfig(name="gpt", model="gpt-4o")
    many = [LLMRequest(key=f"p{i}", model=model, response_schema={},
                       messages=[{"role": "user", "content": f"bio {i:05d} " + "word " * 50}])
            for i in range(5 * SAMPLE)]
    one = litellm.token_counter(model="gpt-4o", messages=many[0].messages)
    (gpt,) = preview_run(many, cache).models
    assert gpt.prompt_tokens == pytest.approx(len(many) * one, rel=0.02)


def test_cost_at_the_synchronous_and_the_batch_price_of_litellms_cost_map(cache):
    model = ModelConfig(name="gpt", model="gpt-4o", max_tokens=200)
    prices = litellm.get_model_info("gpt-4o")
    (gpt,) = preview_run(requests(model, 10), cache).models
    assert gpt.cost_usd == pytest.approx(gpt.prompt_tokens * prices["input_cost_per_token"]
                                         + 10 * 200 * prices["output_cost_per_token"], rel=0.02)
    assert gpt.batch_cost_usd == pytest.approx(gpt.prompt_tokens * prices["input_cost_per_token_batches"]
                                               + 10 * 200 * prices["output_cost_per_token_batches"])
    assert 0 < gpt.batch_cost_usd < gpt.cost_usd and not gpt.unpriced


def test_configured_prices_are_used_and_unknown_models_are_listed_as_unpriced(cache):
    priced = ModelConfig(name="priced", model="openai/custom", max_tokens=100, input_cost_per_token=1e-6,
                         output_cost_per_token=1e-5)
    unknown = ModelConfig(name="local", model="openai/my-local-model")
    preview = preview_run(requests(priced, 10) + requests(unknown, 2), cache)
    mine, local = preview.models
    assert mine.cost_usd == pytest.approx(mine.prompt_tokens * 1e-6 + 10 * 100 * 1e-5)
    assert mine.batch_cost_usd is None  # no batch price configured: batch is not offered
    assert (local.unpriced, local.cost_usd, preview.unpriced_models) == (True, 0.0, ("local",))
    assert preview.cost_usd == pytest.approx(mine.cost_usd) and preview.batch_cost_usd is None
    assert "batch: not offered" in preview.describe() and "no price known for local" in preview.describe()


def test_wall_time_follows_rpm_and_tpm_and_the_slowest_model_bounds_the_run(cache):
    by_requests = ModelConfig(name="rpm", model="openai/a", rpm=60, max_tokens=10)
    by_tokens = ModelConfig(name="tpm", model="openai/b", tpm=6000, max_tokens=100)
    preview = preview_run(requests(by_requests, 30) + requests(by_tokens, 30), cache)
    rpm, tpm = preview.models
    assert rpm.wall_time_s == pytest.approx(30.0)  # 30 requests at one per second
    assert tpm.wall_time_s == pytest.approx(60 * (tpm.prompt_tokens + 30 * 100) / 6000)
    assert preview.wall_time_s == max(rpm.wall_time_s, tpm.wall_time_s)  # models run concurrently


def test_cached_latency_bounds_the_wall_time_through_the_concurrency(cache):
    model = ModelConfig(name="slow", model="openai/a", rpm=6000, max_concurrency=2)
    asked = requests(model, 11)
    cache.put(answered(asked[0], latency_s=4.0))
    (slow,) = preview_run(asked, cache).models
    assert slow.wall_time_s == pytest.approx(10 * 4.0 / 2)  # 10 to send, 2 at a time, 4 s each


def test_a_model_without_rpm_or_tpm_has_an_unknown_wall_time(cache):
    local = ModelConfig(name="local", model="openai/my-local-model")
    paced = ModelConfig(name="paced", model="openai/a", rpm=60)
    preview = preview_run(requests(local, 2) + requests(paced, 2), cache)
    assert preview.models[0].wall_time_s is None and preview.wall_time_s is None
    assert "wall time unknown (no rpm/tpm for local)" in preview.describe()


def test_the_budget_bounds_the_cost_of_what_is_sent(cache):
    model = ModelConfig(name="priced", model="openai/custom", max_tokens=100, output_cost_per_token=1e-3)
    asked = requests(model, 10)  # 10 × $0.10 at most
    assert not preview_run(asked, cache).within(0.5)
    for request in asked[:6]:
        cache.put(answered(request))
    assert preview_run(asked, cache).within(0.5)  # only 4 are left to send


def test_a_batch_mode_model_is_budgeted_at_its_batch_price_and_has_no_wall_time_of_its_own(cache):
    model = ModelConfig(name="batched", model="openai/custom", max_tokens=100, output_cost_per_token=1e-3,
                        batch_output_cost_per_token=5e-4, mode="batch")
    preview = preview_run(requests(model, 10), cache)  # $1.00 synchronous, $0.50 in a batch
    (batched,) = preview.models
    assert batched.expected_cost_usd == pytest.approx(batched.batch_cost_usd) == pytest.approx(0.5 * batched.cost_usd)
    assert preview.within(0.6) and not preview.within(0.4)
    assert preview.wall_time_s == 0.0 and preview.rows()[0]["wall time"] == "batch window"
    assert "batch mode for batched" in preview.describe()


def test_requests_already_in_open_batches_are_neither_sent_nor_paid_again(cache):
    model = ModelConfig(name="batched", model="openai/custom", output_cost_per_token=1e-3, mode="batch",
                        batch_output_cost_per_token=5e-4)
    asked = requests(model, 10)
    (batched,) = preview_run(asked, cache, in_batches={request_hash(r) for r in asked[:7]}).models
    assert (batched.to_send, batched.in_batches, batched.cached) == (3, 7, 0)


def test_batch_is_not_offered_where_litellm_has_no_batch_route_for_the_provider(cache):
    gemini = ModelConfig(name="gemini", model="gemini/gemini-2.5-pro")  # priced with batch rates in litellm's map
    vertex = ModelConfig(name="vertex", model="vertex_ai/gemini-2.5-pro")
    on_gemini, on_vertex = preview_run(requests(gemini, 2) + requests(vertex, 2), cache).models
    assert on_gemini.batch_cost_usd is None
    assert on_vertex.batch_cost_usd == pytest.approx(0.5 * on_vertex.cost_usd, rel=0.01)
