"""The version of what trait inference asks: the active prompt's content and every model that answers it.

It is `trait_texts`' code version, so Dagster marks the asset stale (and automation re-infers) when either changes.
Operational fields (keys, rate limits, timeouts) are left out: changing them does not change an answer.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from personax_platform.llm.models import ModelConfig
from personax_platform.prompts import PromptTemplate

# The cached-input price and the batch settings change no answer either: a batch sends the same request. (The input
# and output prices predate this list and stay in it: taking them out would change every deployed version once.)
_OPERATIONAL = {"api_key_env", "rpm", "tpm", "max_concurrency", "timeout_s", "max_retries",
                "cached_input_cost_per_token", "mode", "batch_retry", "batch_completion_window", "batch_max_requests",
                "batch_max_bytes", "batch_input_cost_per_token", "batch_output_cost_per_token"}
_RATER_FIELDS = {"name", "model", "temperature", "max_tokens", "seed", "extra"}


def inference_version(prompt: PromptTemplate, models: Sequence[ModelConfig],
                      raters: Sequence[ModelConfig] = ()) -> str:
    """16 hex digits over the prompt's sha, the configured models and the known-truth cohorts' simulated raters."""
    described = [m.model_dump(exclude=_OPERATIONAL) for m in models]
    described += [m.model_dump(include=_RATER_FIELDS) for m in raters]
    return hashlib.sha256(f"{prompt.sha}|{described}".encode()).hexdigest()[:16]
