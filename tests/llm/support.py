"""Requests against the fake server, built the same way in the test process and in worker subprocesses."""
from __future__ import annotations

import json
from typing import Any

from personax_platform.llm.client import Backoff
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest

KEY_ENV = "PERSONAX_TEST_LLM_KEY"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}
# Real backoff shape, test-sized delays.
FAST_BACKOFF = Backoff(base_s=0.01, cap_s=0.05)


def fake_model(api_base: str, **overrides: Any) -> ModelConfig:
    fields: dict[str, Any] = {"name": "fake", "model": "openai/fake-model", "api_base": api_base,
                              "api_key_env": KEY_ENV, "seed": 7, "timeout_s": 5.0, **overrides}
    return ModelConfig(**fields)


def make_requests(model: ModelConfig, contents: list[str]) -> list[LLMRequest]:
    return [LLMRequest(key=f"row-{c}", model=model,
                       messages=[{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": c}],
                       response_schema=SCHEMA, metadata={"prompt_id": "p1", "prompt_sha": "0" * 8})
            for c in contents]


def validate_json(raw: str) -> None:
    json.loads(raw)
