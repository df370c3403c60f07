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
  mean request size; at the batch price: the cost map's `*_cost_per_token_batches`, else batch is not offered. A
  model priced nowhere is listed as unpriced and counted at 0.
- **Wall time** per model, with n requests and T = prompt + n · max_tokens tokens (the client's limiter charges the
  whole output budget against TPM): max(60 n / rpm, 60 T / tpm, n · latency / max_concurrency), latency being the
  mean of the model's cached answers (that term is left out without any). A model with neither rpm nor tpm (an
  embedded or local one) has no configured bound: its time is unknown. Models run concurrently, so the run takes
  the longest model's time, unknown when any model that has requests to send is.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Literal

from personax_platform.llm.cache import CachedResponse, ResponseCache
from personax_platform.llm.litellm_setup import configured_litellm
from personax_platform.llm.models import ModelConfig
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
    def wall_time_s(self) -> float | None:
        sending = [m.wall_time_s for m in self.models if m.to_send]
        return None if None in sending else max(sending, default=0.0)

    @property
    def unpriced_models(self) -> tuple[str, ...]:
        return tuple(m.model for m in self.models if m.unpriced)

    def within(self, max_cost_usd: float) -> bool:
        """The budget bounds the synchronous cost of what is sent (cached answers are free)."""
        return self.cost_usd <= max_cost_usd

    def describe(self) -> str:
        batch = "not offered" if self.batch_cost_usd is None else f"${self.batch_cost_usd:.2f}"
        unknown = [m.model for m in self.models if m.to_send and m.wall_time_s is None]
        wall = f"unknown (no rpm/tpm for {', '.join(unknown)})" if unknown else _duration(self.wall_time_s)
        unpriced = (f"; no price known for {', '.join(self.unpriced_models)} (counted as 0)"
                    if self.unpriced_models else "")
        return (f"{self.to_send:,} requests to send ({self.cached:,} cached), {self.prompt_tokens:,} prompt + at most "
                f"{self.output_tokens:,} output tokens, at most ${self.cost_usd:.2f} (batch: {batch}), "
                f"wall time {wall}{unpriced}")

    def rows(self) -> list[dict[str, str]]:
        """One row per model and a total, formatted for a table."""
        rows = [{"model": m.model, "to send": f"{m.to_send:,}", "cached": f"{m.cached:,}",
                 "prompt tokens": f"{m.prompt_tokens:,}", "counted with": m.token_count,
                 "output tokens (max)": f"{m.output_tokens:,}",
                 "typical output (cached)": "" if m.typical_output_tokens is None else f"{m.typical_output_tokens:.0f}",
                 "cost": "unpriced" if m.unpriced else f"${m.cost_usd:.4f}",
                 "batch cost": "not offered" if m.batch_cost_usd is None else f"${m.batch_cost_usd:.4f}",
                 "wall time": "unknown" if m.wall_time_s is None else _duration(m.wall_time_s)} for m in self.models]
        rows.append({"model": "total", "to send": f"{self.to_send:,}", "cached": f"{self.cached:,}",
                     "prompt tokens": f"{self.prompt_tokens:,}", "counted with": "",
                     "output tokens (max)": f"{self.output_tokens:,}", "typical output (cached)": "",
                     "cost": f"${self.cost_usd:.4f}",
                     "batch cost": "not offered" if self.batch_cost_usd is None else f"${self.batch_cost_usd:.4f}",
                     "wall time": "unknown" if self.wall_time_s is None else _duration(self.wall_time_s)})
        return rows


def preview_run(requests: Sequence[LLMRequest], cache: ResponseCache) -> RunPreview:
    """The preview of sending `requests` through `cache` (answered requests are reused, the rest sent)."""
    distinct = {request_hash(r): r for r in requests}
    cached = cache.get_ok(distinct)
    by_model: dict[str, tuple[ModelConfig, list[LLMRequest], list[CachedResponse]]] = {}
    for h, request in distinct.items():
        _, to_send, answered = by_model.setdefault(request.model.name, (request.model, [], []))
        if h in cached:
            answered.append(cached[h])
        else:
            to_send.append(request)
    return RunPreview(tuple(_model_preview(*entry) for entry in by_model.values()))


def _model_preview(model: ModelConfig, to_send: list[LLMRequest], answered: list[CachedResponse]) -> ModelPreview:
    prompt_tokens, token_count = _prompt_tokens(model, to_send)
    output_tokens = model.max_tokens * len(to_send)
    sync_usd, batch_usd, unpriced = _costs(model, len(to_send), prompt_tokens, output_tokens)
    latency = _mean(a.latency_s for a in answered)
    return ModelPreview(
        model=model.name, to_send=len(to_send), cached=len(answered), prompt_tokens=prompt_tokens,
        token_count=token_count, output_tokens=output_tokens,
        typical_output_tokens=_mean(a.output_tokens for a in answered), cost_usd=sync_usd, batch_cost_usd=batch_usd,
        unpriced=unpriced, wall_time_s=_wall_time_s(model, len(to_send), prompt_tokens + output_tokens, latency))


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
    if model.input_cost_per_token is not None or model.output_cost_per_token is not None:
        usd = prompt_tokens * (model.input_cost_per_token or 0.0) + output_tokens * (model.output_cost_per_token or 0.0)
        return usd, None, False  # a configured model has no configured batch price
    litellm = configured_litellm()  # configured as the client uses it: no banner per unknown model on stdout
    try:
        # Priced at the mean request: tiered prices (e.g. above 200k prompt tokens) apply per request, not per run.
        prompt_usd, output_usd = litellm.cost_per_token(model=model.model, prompt_tokens=round(prompt_tokens / n),
                                                        completion_tokens=model.max_tokens)
        info = litellm.get_model_info(model.model)
    except Exception:  # noqa: BLE001 - litellm raises several types for "not in the cost map"
        return 0.0, None, True
    sync = (prompt_usd + output_usd) * n
    batch_in, batch_out = info.get("input_cost_per_token_batches"), info.get("output_cost_per_token_batches")
    batch = None if batch_in is None or batch_out is None else prompt_tokens * batch_in + output_tokens * batch_out
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


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return fmean(known) if known else None


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"
