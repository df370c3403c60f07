"""Complete many LLM requests through litellm: cache first, then bounded, rate-limited calls with retries.

Every outcome, answer or final failure, is committed to the cache the moment it arrives, so a crashed run loses
nothing it had received and a later run re-sends only failed and missing requests.
"""
from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from types import ModuleType
from typing import Any

from personax_platform.llm.cache import CachedResponse, ResponseCache, Status
from personax_platform.llm.litellm_setup import configured_litellm
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.ratelimit import ModelLimiter, estimate_tokens
from personax_platform.llm.request import LLMRequest, request_hash
from personax_platform.progress import Progress, Report

Validate = Callable[[str], None]
_MAX_REASON_CHARS = 2000
_RETRYABLE_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter; a provider's Retry-After wins (up to `max_retry_after_s`)."""

    base_s: float = 0.5
    cap_s: float = 30.0
    max_retry_after_s: float = 120.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0.0, min(self.cap_s, self.base_s * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class LLMResult:
    """The outcome of one request. Response fields (raw_response ... attempts) describe the call that produced it:
    for a cache hit that is an earlier run's call, while run_id and the timestamps are this run's. Tokens and cost
    add up every attempt that got a response; latency is the last attempt's. `cached_input_tokens`, the part of
    `input_tokens` the provider read from its prompt cache, is None where no attempt's response reported it."""

    key: str
    request_hash: str
    model_name: str
    model_string: str
    model_version: str | None
    status: Status
    failure_reason: str | None
    raw_response: str | None
    finish_reason: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float
    latency_s: float | None
    attempts: int
    cache_hit: bool
    run_id: str
    started_at: datetime
    finished_at: datetime
    cached_input_tokens: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class _Outcome:
    """What the attempts of one request added up to so far."""

    status: Status = "failed"
    failure_reason: str | None = None
    raw_response: str | None = None
    finish_reason: str | None = None
    model_version: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None
    cost_usd: float = 0.0
    latency_s: float | None = None
    attempts: int = 0


@dataclass(frozen=True)
class _Failure:
    reason: str
    retryable: bool
    retry_after_s: float | None = None


async def complete_all(requests: Sequence[LLMRequest], cache: ResponseCache, *, validate: Validate | None,
                       run_id: str, on_result: Callable[[LLMResult], None] | None = None,
                       backoff: Backoff = Backoff(), progress: Report | None = None,
                       workers: int | None = None) -> list[LLMResult]:
    """Results in the order of `requests`. Identical rendered requests (same hash) are sent once. `progress` gets
    lines on the calls sent (personax_platform.progress); cached answers are counted apart, since they arrive at
    once and would make the rate and the time left meaningless.

    Many requests to HTTP models are spread over worker processes, each with its share of every model's limits
    (client_workers.py); `workers` overrides how many (None: decided from the numbers and the cores, 1: none).
    `on_result` and `progress` are called in this process either way."""
    from personax_platform.llm import client_workers  # it imports this module

    hashes = [request_hash(r) for r in requests]
    cached = cache.get_ok(hashes)
    pending = {h: r for h, r in zip(hashes, requests) if h not in cached}
    _require_api_keys({r.model.name: r.model for r in pending.values()}.values())
    jobs = client_workers.plan_jobs(pending, str(cache.path), run_id, validate, backoff, workers)
    sent_away = {h for job in jobs for h, _ in job.items}
    local = {h: r for h, r in pending.items() if h not in sent_away}
    models = {r.model.name: r.model for r in local.values()}
    _register_in_process_providers(list(models.values()))
    secrets = _secrets(r.model for r in requests)
    limiters = {name: ModelLimiter(m.max_concurrency, m.rpm, m.tpm) for name, m in models.items()}

    results: list[LLMResult | None] = [None] * len(requests)
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(hashes):
        positions.setdefault(h, []).append(i)

    def emit(h: str, outcome: _Outcome | CachedResponse, cache_hit: bool, started: datetime) -> None:
        finished = _now()
        for i in positions[h]:
            result = _result(requests[i], h, outcome, cache_hit, run_id, started, finished)
            results[i] = result
            if on_result is not None:
                on_result(result)

    for h, row in cached.items():
        emit(h, row, True, _now())
    calls = Progress(len(pending), f"LLM calls ({len(cached):,} cached)", progress)

    def done(h: str, outcome: _Outcome | CachedResponse, started: datetime) -> None:
        emit(h, outcome, False, started)
        calls.advance()

    async def one(h: str, request: LLMRequest) -> None:
        started = _now()
        outcome = await _complete(request, limiters[request.model.name], validate, backoff, secrets)
        cache.put(_cached(h, request, outcome, run_id, started))  # committed before anything else can fail
        done(h, outcome, started)

    await asyncio.gather(client_workers.run_jobs(jobs, cache, done), *(one(h, r) for h, r in local.items()))
    calls.finish()
    return [r for r in results if r is not None]


def complete_all_sync(requests: Sequence[LLMRequest], cache: ResponseCache, *, validate: Validate | None,
                      run_id: str, on_result: Callable[[LLMResult], None] | None = None,
                      backoff: Backoff = Backoff(), progress: Report | None = None,
                      workers: int | None = None) -> list[LLMResult]:
    """`complete_all` on its own event loop, for synchronous callers such as Dagster ops."""
    def run() -> list[LLMResult]:
        return asyncio.run(complete_all(requests, cache, validate=validate, run_id=run_id, on_result=on_result,
                                        backoff=backoff, progress=progress, workers=workers))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    # Called from inside a running loop (a notebook): asyncio.run needs a thread of its own. The cache's SQLite
    # connection is then used from that thread only while this one waits.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


async def _complete(request: LLMRequest, limiter: ModelLimiter, validate: Validate | None, backoff: Backoff,
                    secrets: Sequence[str]) -> _Outcome:
    litellm = configured_litellm()
    model = request.model
    estimate = estimate_tokens(request.messages, model.max_tokens)
    outcome = _Outcome()
    while True:
        outcome.attempts += 1
        async with limiter.slot(estimate):
            start = time.perf_counter()
            try:
                async with asyncio.timeout(model.timeout_s):
                    response = await litellm.acompletion(**_call_kwargs(request))
            except Exception as exc:  # noqa: BLE001 - every provider error is classified below
                failure = _classify(exc, litellm)
            else:
                outcome.latency_s = time.perf_counter() - start
                actual = _record_response(outcome, response)
                limiter.settle(estimate, actual)
                failure = _check_answer(outcome, validate)
        if failure is None:
            outcome.status, outcome.failure_reason = "ok", None
            return outcome
        outcome.failure_reason = _scrub(failure.reason, secrets)
        if not failure.retryable or outcome.attempts > model.max_retries:
            return outcome
        if failure.retry_after_s is not None:
            delay = min(failure.retry_after_s, backoff.max_retry_after_s)
            limiter.pause(delay)
        else:
            delay = backoff.delay(outcome.attempts)
        await asyncio.sleep(delay)


def _call_kwargs(request: LLMRequest) -> dict[str, Any]:
    model = request.model
    kwargs: dict[str, Any] = {
        "model": model.model,
        **request.body(),
        "timeout": model.timeout_s,
        # Retries are ours (with jitter, Retry-After and per-model pacing); the provider SDK must not add its own.
        "max_retries": 0,
    }
    if model.api_base is not None:
        kwargs["api_base"] = model.api_base
    if model.api_key_env is not None:
        kwargs["api_key"] = os.environ[model.api_key_env]
    if model.input_cost_per_token is not None:
        kwargs["input_cost_per_token"] = model.input_cost_per_token
    if model.output_cost_per_token is not None:
        kwargs["output_cost_per_token"] = model.output_cost_per_token
    if model.cached_input_cost_per_token is not None:
        # litellm's name for it; without it, litellm bills cached tokens of a custom-priced model at the input price.
        kwargs["cache_read_input_token_cost"] = model.cached_input_cost_per_token
    return kwargs


def _record_response(outcome: _Outcome, response: Any) -> int | None:
    """Fold one response into the outcome; returns its total tokens (for the TPM bucket) when reported."""
    choice = response.choices[0]
    outcome.raw_response = choice.message.content
    outcome.finish_reason = choice.finish_reason
    outcome.model_version = _model_version(response)
    usage = getattr(response, "usage", None)
    prompt = getattr(usage, "prompt_tokens", None)
    completion = getattr(usage, "completion_tokens", None)
    if prompt is not None:
        outcome.input_tokens = (outcome.input_tokens or 0) + prompt
    if completion is not None:
        outcome.output_tokens = (outcome.output_tokens or 0) + completion
    if (cached := _cached_prompt_tokens(usage)) is not None:
        outcome.cached_input_tokens = (outcome.cached_input_tokens or 0) + cached
    outcome.cost_usd += _cost(response)
    return None if prompt is None or completion is None else prompt + completion


def _cached_prompt_tokens(usage: Any) -> int | None:
    """The prompt tokens the provider served from its prompt cache. litellm's Usage carries them as OpenAI's
    `prompt_tokens_details.cached_tokens` whatever the provider called them (Anthropic's cache_read_input_tokens,
    DeepSeek's prompt_cache_hit_tokens); None when the provider reported nothing."""
    return getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None)


def _check_answer(outcome: _Outcome, validate: Validate | None) -> _Failure | None:
    # A truncated or unparseable answer is a failed attempt: retried like a transient error.
    if outcome.finish_reason == "length":
        return _Failure("truncated answer (finish_reason=length)", retryable=True)
    if not outcome.raw_response:
        return _Failure(f"empty answer (finish_reason={outcome.finish_reason})", retryable=True)
    if validate is not None:
        try:
            validate(outcome.raw_response)
        except Exception as exc:  # noqa: BLE001 - the validator's own error type is its business
            return _Failure(f"invalid answer: {type(exc).__name__}: {exc}", retryable=True)
    return None


def _classify(exc: Exception, litellm: ModuleType) -> _Failure:
    """Retry rate limits, server errors, timeouts and connection errors; anything else (400, 401, ...) is final.
    A provider's own error may decide for itself (`retryable`, `failure_reason`): the embedded model's dead process
    is final for this run, whatever litellm class carries it."""
    if isinstance(getattr(exc, "retryable", None), bool) and isinstance(getattr(exc, "failure_reason", None), str):
        return _Failure(exc.failure_reason, exc.retryable)  # type: ignore[attr-defined]
    status = getattr(exc, "status_code", None)
    retryable = (isinstance(exc, (TimeoutError, litellm.Timeout, litellm.APIConnectionError))
                 or status in _RETRYABLE_STATUS or (isinstance(status, int) and status >= 500))
    name = type(exc).__name__
    if isinstance(exc, TimeoutError):
        reason = "timeout: no answer within timeout_s"
    else:
        reason = f"{name} (HTTP {status}): {exc}" if status else f"{name}: {exc}"
    return _Failure(reason, retryable, _retry_after_s(exc) if retryable else None)


def _retry_after_s(exc: Exception) -> float | None:
    """The provider's Retry-After (OpenAI also sends retry-after-ms), wherever litellm kept the headers."""
    headers = _headers(exc)
    if headers is None:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


def _headers(exc: Exception) -> Mapping[str, str] | None:
    for headers in (getattr(exc, "litellm_response_headers", None),
                    getattr(getattr(exc, "response", None), "headers", None)):
        if headers:
            # httpx.Headers is case-insensitive already; a plain dict from litellm may not be.
            return headers if hasattr(headers, "get_list") else {k.lower(): v for k, v in dict(headers).items()}
    return None


def _model_version(response: Any) -> str | None:
    """The provider's model id (often dated) and, where given, its system fingerprint (the backend revision)."""
    version = getattr(response, "model", None)
    fingerprint = getattr(response, "system_fingerprint", None)
    if fingerprint:
        return f"{version} ({fingerprint})" if version else fingerprint
    return version


def _cost(response: Any) -> float:
    # litellm prices every response from its cost map (or the model's configured per-token prices) before
    # returning it, cached prompt tokens at the cached-token price where there is one; recomputing with
    # completion_cost() would double that per-call work. Unknown and local models have no price: 0.
    cost = (getattr(response, "_hidden_params", None) or {}).get("response_cost")
    return float(cost) if cost else 0.0


def _require_api_keys(models: Iterable[ModelConfig]) -> None:
    missing = sorted({f"{m.api_key_env} (model {m.name})" for m in models
                      if m.api_key_env is not None and not os.environ.get(m.api_key_env)})
    if missing:
        raise RuntimeError(f"API key environment variables not set: {', '.join(missing)}")


def _register_in_process_providers(models: Collection[ModelConfig]) -> None:
    """The default model (its model runs in a worker process) and the simulated raters are litellm custom
    providers, routed only once registered."""
    if not models:
        return  # all answers cached: no need to import litellm (seconds)
    from personax_platform.llm.embedded import EMBEDDED_PROVIDER, register_embedded_provider
    from personax_platform.llm.simulated import is_simulated, register_simulated_provider

    if any(m.model.startswith(f"{EMBEDDED_PROVIDER}/") for m in models):
        register_embedded_provider()
    if any(is_simulated(m.model) for m in models):
        register_simulated_provider()


def _secrets(models: Iterable[ModelConfig]) -> list[str]:
    keys = {os.environ.get(m.api_key_env) for m in models if m.api_key_env is not None}
    return sorted((k for k in keys if k), key=len, reverse=True)


def _scrub(text: str, secrets: Sequence[str]) -> str:
    """Provider errors may quote the key (e.g. "Incorrect API key provided: ..."); it must not reach tables or logs."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text[:_MAX_REASON_CHARS]


def _cached(h: str, request: LLMRequest, outcome: _Outcome, run_id: str, started: datetime) -> CachedResponse:
    now = _now().isoformat()
    return CachedResponse(
        request_hash=h, model=request.model.model, status=outcome.status, raw_response=outcome.raw_response,
        finish_reason=outcome.finish_reason, model_version=outcome.model_version, input_tokens=outcome.input_tokens,
        output_tokens=outcome.output_tokens, cost_usd=outcome.cost_usd, latency_s=outcome.latency_s,
        attempts=outcome.attempts, failure_reason=outcome.failure_reason, run_id=run_id, created_at=now,
        updated_at=now, cached_input_tokens=outcome.cached_input_tokens)


def _result(request: LLMRequest, h: str, outcome: _Outcome | CachedResponse, cache_hit: bool, run_id: str,
            started: datetime, finished: datetime) -> LLMResult:
    return LLMResult(
        key=request.key, request_hash=h, model_name=request.model.name, model_string=request.model.model,
        model_version=outcome.model_version, status=outcome.status, failure_reason=outcome.failure_reason,
        raw_response=outcome.raw_response, finish_reason=outcome.finish_reason,
        input_tokens=outcome.input_tokens, output_tokens=outcome.output_tokens,
        cached_input_tokens=outcome.cached_input_tokens, cost_usd=outcome.cost_usd, latency_s=outcome.latency_s,
        attempts=outcome.attempts, cache_hit=cache_hit, run_id=run_id, started_at=started, finished_at=finished,
        metadata=dict(request.metadata))


def _now() -> datetime:
    return datetime.now(timezone.utc)
