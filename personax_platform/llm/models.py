"""The model list is configuration: litellm model strings with per-model generation and rate-limit parameters."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from personax_platform.config.datasets import REPO_ROOT, PlatformConfig

DEFAULT_MODELS_PATH = REPO_ROOT / "config" / "models.yaml"

# Parameters the client sets itself from typed fields; in `extra` they would bypass the request hash's
# canonical form or (api_key) put a secret into configuration, the hash and the warehouse.
_RESERVED_EXTRA = frozenset({
    "model", "messages", "response_format", "temperature", "max_tokens", "seed", "api_base", "api_key",
    "timeout", "max_retries", "num_retries", "stream", "input_cost_per_token", "output_cost_per_token",
    "cache_read_input_token_cost",
})
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class ModelConfig(BaseModel):
    """One model to ask. `name` is the short id used in tables; `model` is the litellm model string."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    model: str = Field(min_length=1)
    temperature: float = 0.0
    max_tokens: int = Field(800, gt=0)
    seed: int | None = None
    api_base: str | None = None
    # The NAME of the environment variable holding the key; the key is read only at call time.
    api_key_env: str | None = None
    rpm: int | None = Field(None, gt=0)
    tpm: int | None = Field(None, gt=0)
    max_concurrency: int = Field(8, gt=0)
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(4, ge=0)
    # USD prices for models missing from litellm's cost map (otherwise their cost reads 0); prices do not change
    # answers, so unlike `extra` they are not part of the request hash.
    input_cost_per_token: float | None = Field(None, ge=0)
    output_cost_per_token: float | None = Field(None, ge=0)
    # The price of prompt tokens the provider serves from its prompt cache (unset: litellm's map, else the input
    # price).
    cached_input_cost_per_token: float | None = Field(None, ge=0)
    # `batch`: send through the provider's files and batches API (personax_platform/llm/batch.py): about half the
    # price, no per-minute limits, answers within `batch_completion_window`. Runs submit and return; a sensor
    # collects. Same requests, same hashes, same cache as `sync`.
    mode: Literal["sync", "batch"] = "sync"
    # How the next run retries requests a batch failed or let expire: in a new batch, or with synchronous calls.
    batch_retry: Literal["batch", "sync"] = "batch"
    batch_completion_window: str = "24h"
    # One input file's limits (OpenAI's: 50,000 requests, 200 MB); larger partitions are split into several batches.
    batch_max_requests: int = Field(50_000, gt=0)
    batch_max_bytes: int = Field(200_000_000, gt=0)
    # USD batch prices where litellm's cost map has none (`*_cost_per_token_batches`); without either the batch
    # results are priced at the synchronous price, an upper bound.
    batch_input_cost_per_token: float | None = Field(None, ge=0)
    batch_output_cost_per_token: float | None = Field(None, ge=0)
    extra: dict[str, Any] = {}

    @field_validator("api_key_env")
    @classmethod
    def _env_name_not_a_key(cls, value: str | None) -> str | None:
        # A pasted key instead of a variable name would end up in config files and logs.
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError("api_key_env must be the name of an environment variable (e.g. OPENAI_API_KEY)")
        return value

    @field_validator("extra")
    @classmethod
    def _no_reserved_extra(cls, value: dict[str, Any]) -> dict[str, Any]:
        reserved = sorted(_RESERVED_EXTRA & value.keys())
        if reserved:
            raise ValueError(f"set {reserved} through the typed fields, not `extra`")
        return value


def load_models(path: Path | str = DEFAULT_MODELS_PATH) -> list[ModelConfig]:
    """The `models:` list of a YAML file; names must be unique because they key the result tables."""
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    models = [ModelConfig.model_validate(entry) for entry in raw.get("models") or []]
    names = [m.name for m in models]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate model names {duplicates}")
    return models


def known_truth_raters(config: PlatformConfig) -> list[ModelConfig]:
    """The simulated raters of every known-truth cohort, from the models files datasets.yaml names."""
    return [model for name in config.known_truth_datasets
            for model in load_models(REPO_ROOT / config.datasets[name].known_truth.raters)]
