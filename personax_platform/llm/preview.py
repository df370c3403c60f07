"""What a run of LLM requests will send, cost and take, known before anything is sent.

Per model, only the requests missing from the response cache count (identical requests are sent once):

- **Prompt tokens** are counted with litellm's `token_counter` where litellm has the model's own tokenizer offline:
  OpenAI models (tiktoken encodings bundled with litellm) and the tokenizers litellm ships as files (Anthropic's
  older one, DeepSeek's). For every other model litellm would fall back to an OpenAI encoding, and a Llama or Cohere
  tokenizer would be downloaded from the Hub, so those get the client's ~4 characters/token estimate instead. The
  tokenizer counts an evenly spaced sample of at most `SAMPLE` requests per model, and the sample's tokens per
  character scale to the characters of all of the model's requests: 40k requests cost a few hundred counts.
- **Output tokens** are bounded by `max_tokens` per request (what cost and wall time use); the typical figure is
  the mean reported by the model's cached answers among these requests, where there are any (shown, never used
  for the budget).
- **Cost** at the synchronous price: the model's configured per-token prices, else litellm's (local) cost map at the
  mean request size; at the batch price: the configured batch prices, else the cost map's
  `*_cost_per_token_batches`, else batch is not offered. A model priced nowhere is listed as unpriced and counted
  at 0. The budget is held against the price of each model's mode (`mode: batch` at the batch price where known).
- **Requests in provider batches** (submitted by an earlier run, not yet collected) are neither sent nor paid again:
  they are counted apart (`in_batches`).
- **Wall time** per model, with n requests and T = prompt + n · max_tokens tokens (the client's limiter charges the
  whole output budget against TPM): max(60 n / rpm, 60 T / tpm, n · latency / max_concurrency), latency being the
  mean of the model's cached answers (that term is left out without any). A model with neither rpm nor tpm (an
  embedded or local one) has no configured bound: its time is unknown. Models run concurrently, so the run takes
  the longest model's time, unknown when any model that has requests to send is. A `mode: batch` model's time is
  the provider's completion window (at most; usually far less), not counted in the run's wall time.
"""
from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Literal

from personax_platform.llm.cache import CachedResponse, ResponseCache
from personax_platform.llm.litellm_setup import configured_litellm
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.prices import batch_prices
from personax_platform.llm.ratelimit import estimate_tokens, message_chars
from personax_platform.llm.request import LLMRequest, request_hash

SAMPLE = 200
TokenCount = Literal["tokenizer", "estimate"]
# Tokenizers litellm ships as files (litellm_core_utils/tokenizers); its others come from the Hugging Face Hub.
_BUNDLED_HF_TOKENIZERS = frozenset({"anthropic", "deepseek"})


@dataclass(frozen=True)
class ModelPreview:
    model: str
    to_send: int
    cached: int
    prompt_tokens: int
    token_count: TokenCount
    output_tokens: int  # bound: max_tokens per request to send
    typical_output_tokens: float | None  # mean of the cached answers; None without any
    cost_usd: float  # synchronous price; 0 when unpriced
    batch_cost_usd: float | None  # None: the provider offers no batch price for the model
    unpriced: bool
    wall_time_s: float | None  # None: no rpm/tpm configured, no bound known
    mode: str = "sync"
    in_batches: int = 0  # held by provider batches submitted earlier: not sent again

    @property
    def expected_cost_usd(self) -> float:
        """At the price of the model's mode: a batch model at the batch price where one is known."""
        return self.batch_cost_usd if self.mode == "batch" and self.batch_cost_usd is not None else self.cost_usd


@dataclass(frozen=True)
class RunPreview:
    models: tuple[ModelPreview, ...]

    @property
    def to_send(self) -> int:
        return sum(m.to_send for m in self.models)

    @property
    def cached(self) -> int:
        return sum(m.cached for m in self.models)

    @property
    def prompt_tokens(self) -> int:
        return sum(m.prompt_tokens for m in self.models)

    @property
    def output_tokens(self) -> int:
        return sum(m.output_tokens for m in self.models)

    @property
    def cost_usd(self) -> float:
        return sum(m.cost_usd for m in self.models)

    @property
    def batch_cost_usd(self) -> float | None:
        """None when a model with requests to send has no batch price: the run cannot go through batches."""
        sending = [m for m in self.models if m.to_send]
        return None if any(m.batch_cost_usd is None for m in sending) else sum(m.batch_cost_usd or 0.0 for m in sending)

    @property
    def expected_cost_usd(self) -> float:
        return sum(m.expected_cost_usd for m in self.models)

    @property
    def in_batches(self) -> int:
        return sum(m.in_batches for m in self.models)

    @property
    def wall_time_s(self) -> float | None:
        sending = [m.wall_time_s for m in self.models if m.to_send and m.mode != "batch"]
        return None if None in sending else max(sending, default=0.0)

    @property
    def unpriced_models(self) -> tuple[str, ...]:
        return tuple(m.model for m in self.models if m.unpriced)

    def within(self, max_cost_usd: float) -> bool:
        """The budget bounds the cost of what is sent, each model at its mode's price (cached answers and requests
        already in provider batches are not paid again)."""
        return self.expected_cost_usd <= max_cost_usd

    def describe(self) -> str:
        batch = "not offered" if self.batch_cost_usd is None else f"${self.batch_cost_usd:.2f}"
        unknown = [m.model for m in self.models if m.to_send and m.wall_time_s is None and m.mode != "batch"]
        wall = f"unknown (no rpm/tpm for {', '.join(unknown)})" if unknown else rough_duration(self.wall_time_s)
        unpriced = (f"; no price known for {', '.join(self.unpriced_models)} (counted as 0)"
                    if self.unpriced_models else "")
        batched = [m for m in self.models if m.mode == "batch" and (m.to_send or m.in_batches)]
        in_batches = (f"; batch mode for {', '.join(m.model for m in batched)} ({self.in_batches:,} requests already "
                      f"in open batches), expected ${self.expected_cost_usd:.2f}" if batched else "")
        return (f"{self.to_send:,} requests to send ({self.cached:,} cached), {self.prompt_tokens:,} prompt + at most "
                f"{self.output_tokens:,} output tokens, at most ${self.cost_usd:.2f} (batch: {batch}), "
                f"wall time {wall}{unpriced}{in_batches}")

    def rows(self) -> list[dict[str, str]]:
        """One row per model and a total, formatted for a table."""
        rows = [{"model": m.model, "mode": m.mode, "to send": f"{m.to_send:,}", "cached": f"{m.cached:,}",
                 "in batches": f"{m.in_batches:,}",
                 "prompt tokens": f"{m.prompt_tokens:,}", "counted with": m.token_count,
                 "output tokens (max)": f"{m.output_tokens:,}",
                 "typical output (cached)": "" if m.typical_output_tokens is None else f"{m.typical_output_tokens:.0f}",
                 "cost": "unpriced" if m.unpriced else f"${m.cost_usd:.4f}",
                 "batch cost": "not offered" if m.batch_cost_usd is None else f"${m.batch_cost_usd:.4f}",
                 "wall time": _wall(m)} for m in self.models]
        rows.append({"model": "total", "mode": "", "to send": f"{self.to_send:,}", "cached": f"{self.cached:,}",
                     "in batches": f"{self.in_batches:,}",
                     "prompt tokens": f"{self.prompt_tokens:,}", "counted with": "",
                     "output tokens (max)": f"{self.output_tokens:,}", "typical output (cached)": "",
                     "cost": f"${self.cost_usd:.4f}",
                     "batch cost": "not offered" if self.batch_cost_usd is None else f"${self.batch_cost_usd:.4f}",
                     "wall time": "unknown" if self.wall_time_s is None else rough_duration(self.wall_time_s)})
        return rows


def preview_run(requests: Sequence[LLMRequest], cache: ResponseCache,
                in_batches: Collection[str] = frozenset()) -> RunPreview:
    """The preview of sending `requests` through `cache` (answered requests are reused, the rest sent); the hashes
    `in_batches` are held by unfinished provider batches and wait for them instead."""
    distinct = {request_hash(r): r for r in requests}
    cached = cache.get_ok(distinct)
    by_model: dict[str, tuple[ModelConfig, list[LLMRequest], list[CachedResponse], list[str]]] = {}
    for h, request in distinct.items():
        _, to_send, answered, held = by_model.setdefault(request.model.name, (request.model, [], [], []))
        if h in cached:
            answered.append(cached[h])
        elif h in in_batches:
            held.append(h)
        else:
            to_send.append(request)
    return RunPreview(tuple(_model_preview(*entry) for entry in by_model.values()))


def _model_preview(model: ModelConfig, to_send: list[LLMRequest], answered: list[CachedResponse],
                   held: list[str]) -> ModelPreview:
    prompt_tokens, token_count = _prompt_tokens(model, to_send)
    output_tokens = model.max_tokens * len(to_send)
    sync_usd, batch_usd, unpriced = _costs(model, len(to_send), prompt_tokens, output_tokens)
    latency = _mean(a.latency_s for a in answered)
    return ModelPreview(
        model=model.name, to_send=len(to_send), cached=len(answered), prompt_tokens=prompt_tokens,
        token_count=token_count, output_tokens=output_tokens,
        typical_output_tokens=_mean(a.output_tokens for a in answered), cost_usd=sync_usd, batch_cost_usd=batch_usd,
        unpriced=unpriced, wall_time_s=_wall_time_s(model, len(to_send), prompt_tokens + output_tokens, latency),
        mode=model.mode, in_batches=len(held))


def _prompt_tokens(model: ModelConfig, requests: list[LLMRequest]) -> tuple[int, TokenCount]:
    if not has_tokenizer(model.model):
        return sum(estimate_tokens(r.messages, 0) for r in requests), "estimate"
    if not requests:
        return 0, "tokenizer"
    litellm = configured_litellm()
    step = max(1, len(requests) // SAMPLE)
    sample = requests[::step][:SAMPLE]
    counted = sum(litellm.token_counter(model=model.model, messages=r.messages) for r in sample)
    if len(sample) == len(requests):
        return counted, "tokenizer"
    sample_chars = sum(message_chars(r.messages) for r in sample)
    return round(counted * sum(message_chars(r.messages) for r in requests) / max(sample_chars, 1)), "tokenizer"


def has_tokenizer(model: str) -> bool:
    """Whether litellm counts `model`'s tokens with the model's own tokenizer without downloading anything."""
    from litellm.litellm_core_utils.token_counter import is_openai_model
    from litellm.utils import huggingface_tokenizer_kind

    return is_openai_model(model) or huggingface_tokenizer_kind(model) in _BUNDLED_HF_TOKENIZERS


def _costs(model: ModelConfig, n: int, prompt_tokens: int, output_tokens: int) -> tuple[float, float | None, bool]:
    """(synchronous USD, batch USD or None when not offered, unpriced)."""
    if n == 0:
        return 0.0, 0.0, False
    prices = batch_prices(model)
    batch = None if prices is None else prompt_tokens * prices[0] + output_tokens * prices[1]
    if model.input_cost_per_token is not None or model.output_cost_per_token is not None:
        usd = prompt_tokens * (model.input_cost_per_token or 0.0) + output_tokens * (model.output_cost_per_token or 0.0)
        return usd, batch, False
    litellm = configured_litellm()  # configured as the client uses it: no banner per unknown model on stdout
    try:
        # Priced at the mean request: tiered prices (e.g. above 200k prompt tokens) apply per request, not per run.
        prompt_usd, output_usd = litellm.cost_per_token(model=model.model, prompt_tokens=round(prompt_tokens / n),
                                                        completion_tokens=model.max_tokens)
    except Exception:  # noqa: BLE001 - litellm raises several types for "not in the cost map"
        return 0.0, batch, batch is None
    sync = (prompt_usd + output_usd) * n
    return (0.0 if math.isnan(sync) else sync), batch, False


def _wall_time_s(model: ModelConfig, n: int, tokens: int, latency_s: float | None) -> float | None:
    if n == 0:
        return 0.0
    if model.rpm is None and model.tpm is None:
        return None
    bounds = [60.0 * n / model.rpm if model.rpm else 0.0, 60.0 * tokens / model.tpm if model.tpm else 0.0]
    if latency_s is not None:
        bounds.append(n * latency_s / model.max_concurrency)
    return max(bounds)


def _wall(model: ModelPreview) -> str:
    if model.mode == "batch":
        return "batch window"
    return "unknown" if model.wall_time_s is None else rough_duration(model.wall_time_s)


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return fmean(known) if known else None


def rough_duration(seconds: float) -> str:
    """Seconds, minutes or hours, whichever reads best for an estimate."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"
