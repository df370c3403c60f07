"""One rendered LLM request and its content hash, the key of the response cache."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from personax_platform.llm.models import ModelConfig

# Bump when the hashed payload's shape changes, so old cache rows are not mistaken for new requests.
_HASH_VERSION = 1


@dataclass(frozen=True)
class LLMRequest:
    """`key` is the caller's row key (e.g. person x prompt x model); `metadata` (prompt id, prompt sha, ...) travels
    to the result. Neither is part of the request hash: the same rendered request is the same answer.

    `repeat` > 0 asks the same question again as a distinct request (repeated-sampling studies): it is part of the
    hash, so the cache keeps every repeat, and it offsets the model's seed where one is configured."""

    key: str
    model: ModelConfig
    messages: list[dict[str, Any]]
    response_schema: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    repeat: int = 0

    def __post_init__(self) -> None:
        if self.repeat < 0:
            raise ValueError(f"{self.key}: repeat must be >= 0, got {self.repeat}")

    @property
    def seed(self) -> int | None:
        """The seed sent to the provider: the model's, offset by the repeat index."""
        return None if self.model.seed is None else self.model.seed + self.repeat

    def body(self) -> dict[str, Any]:
        """What the provider is asked, apart from the model: the same for a synchronous call and a batch line, so
        that both get the same answer for the same request hash."""
        body: dict[str, Any] = {
            "messages": self.messages,
            "response_format": {"type": "json_schema",
                                "json_schema": {"name": "trait_answer", "schema": self.response_schema,
                                                "strict": True}},
            "temperature": self.model.temperature,
            "max_tokens": self.model.max_tokens,
            **self.model.extra,
        }
        if self.seed is not None:
            body["seed"] = self.seed
        return body


def request_hash(request: LLMRequest) -> str:
    """sha256 over everything that can change the answer: model string, messages, schema, generation params.

    The API key is never part of it (rotating a key must not invalidate the cache, and a hash of a secret leaks
    it to anyone who can guess candidates); rate limits and timeouts do not change answers either.
    """
    model = request.model
    payload = {
        "v": _HASH_VERSION,
        "model": model.model,
        "messages": request.messages,
        "response_schema": request.response_schema,
        "params": {
            "temperature": model.temperature,
            "max_tokens": model.max_tokens,
            "seed": model.seed,
            "api_base": model.api_base,
            "extra": model.extra,
        },
    }
    if request.repeat:  # absent for repeat 0, so the keys of single-answer requests never changed
        payload["repeat"] = request.repeat
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
