"""One model's provider batch endpoints, through litellm's files and batches API.

litellm 1.110 routes batches for `openai`, `azure`, `vertex_ai`, `bedrock`, `hosted_vllm`, `litellm_proxy`, `mistral`
and `xai` (docs/llm_batches.md has the table and what we tested). The provider is the one litellm infers from the
model string; `api_base` and the key come from the model's configuration, as for synchronous calls.

The calls are litellm's blocking ones: a round makes a handful per batch, and litellm's async clients are cached
across event loops, which breaks when each round runs on a loop of its own.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from personax_platform.llm.litellm_setup import configured_litellm
from personax_platform.llm.models import ModelConfig

# litellm's batch routes (litellm.batches.main.create_batch, 1.110); custom providers (the embedded model, the
# simulated raters) have none, nor do gemini/ (use vertex_ai/) and together_ai/.
BATCH_PROVIDERS = frozenset({"openai", "azure", "vertex_ai", "bedrock", "hosted_vllm", "litellm_proxy", "mistral",
                             "xai"})
METADATA_KEY = "personax_submission"
# OpenAI's terminal states; `failed` means the input file was rejected as a whole.
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
_LIST_PAGE = 100
_LIST_PAGES = 20  # a crashed submission is among the provider's 2,000 newest batches, or it is not there


@dataclass(frozen=True)
class BatchStatus:
    """What the provider says about one batch."""

    batch_id: str
    status: str
    total: int
    completed: int
    failed: int
    output_file_id: str | None
    error_file_id: str | None
    deadline: str | None
    errors: str | None  # why a `failed` batch was rejected
    submission_id: str | None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL


class ProviderBatches:
    def __init__(self, model: ModelConfig) -> None:
        self.model = model
        litellm = configured_litellm()
        # e.g. ("gpt-4o", "openai", ...): the batch file names the provider's own model id.
        self.provider_model, self.provider, _, _ = litellm.get_llm_provider(model=model.model)

    def upload(self, filename: str, data: bytes) -> str:
        file = configured_litellm().create_file(
            file=(filename, data, "application/jsonl"), purpose="batch", **self._kwargs())
        return file.id

    def create(self, input_file_id: str, submission_id: str) -> BatchStatus:
        batch = configured_litellm().create_batch(
            completion_window=self.model.batch_completion_window, endpoint="/v1/chat/completions",
            input_file_id=input_file_id, metadata={METADATA_KEY: submission_id}, **self._kwargs())
        return _status(batch)

    def retrieve(self, batch_id: str) -> BatchStatus:
        return _status(configured_litellm().retrieve_batch(batch_id=batch_id, **self._kwargs()))

    def find(self, submission_id: str) -> BatchStatus | None:
        """The provider's batch created for `submission_id`, if a create call reached it (newest first)."""
        litellm, after = configured_litellm(), None
        for _ in range(_LIST_PAGES):
            page = litellm.list_batches(after=after, limit=_LIST_PAGE, **self._kwargs())
            batches = list(_field(page, "data") or [])
            for batch in batches:
                if (_field(batch, "metadata") or {}).get(METADATA_KEY) == submission_id:
                    return _status(batch)
            if not batches or not _field(page, "has_more"):
                return None
            after = _field(batches[-1], "id")
        return None

    def content(self, file_id: str) -> bytes:
        response = configured_litellm().file_content(file_id=file_id, **self._kwargs())
        return response.content

    def scrub(self, text: str) -> str:
        """Provider errors may quote the key; it must not reach the cache, tables or logs."""
        key = os.environ.get(self.model.api_key_env) if self.model.api_key_env else None
        return text.replace(key, "***") if key else text

    def _kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"custom_llm_provider": self.provider, "max_retries": 2}
        if self.model.api_base is not None:
            kwargs["api_base"] = self.model.api_base
        if self.model.api_key_env is not None:
            kwargs["api_key"] = os.environ[self.model.api_key_env]
        return kwargs


def _status(batch: Any) -> BatchStatus:
    counts = _field(batch, "request_counts")
    errors = _field(batch, "errors")
    error_lines = [f"line {_field(e, 'line')}: {_field(e, 'code')}: {_field(e, 'message')}"
                   for e in (_field(errors, "data") or [])] if errors else []
    expires = _field(batch, "expires_at")
    return BatchStatus(
        batch_id=_field(batch, "id"), status=_field(batch, "status"),
        total=int(_field(counts, "total") or 0), completed=int(_field(counts, "completed") or 0),
        failed=int(_field(counts, "failed") or 0), output_file_id=_field(batch, "output_file_id"),
        error_file_id=_field(batch, "error_file_id"),
        deadline=datetime.fromtimestamp(expires, timezone.utc).isoformat() if expires else None,
        errors="; ".join(error_lines) or None,
        submission_id=(_field(batch, "metadata") or {}).get(METADATA_KEY))


def _field(obj: Any, name: str) -> Any:
    """Providers' SDK objects and plain dicts alike (litellm returns either, depending on the provider)."""
    if obj is None:
        return None
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
