"""The two file formats of a provider batch: request lines out, result lines back (OpenAI's JSONL, which litellm
translates for the providers that have their own).

Each line's `custom_id` is the request hash, the response cache's key, so a result lands exactly where the
synchronous answer to the same request would.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from personax_platform.llm.request import LLMRequest

_MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class LineResult:
    """One request's outcome in a batch's output or error file. `reason` is None for a usable answer."""

    custom_id: str
    reason: str | None
    raw_response: str | None = None
    finish_reason: str | None = None
    model_version: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None


def request_line(request: LLMRequest, request_hash: str, provider_model: str) -> bytes:
    """The request as one line of a batch input file: the body a synchronous call would send."""
    body = {"model": provider_model, **request.body()}
    line = {"custom_id": request_hash, "method": "POST", "url": "/v1/chat/completions", "body": body}
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def parse_result_file(data: bytes, validate: Callable[[str], None] | None) -> dict[str, LineResult]:
    """custom_id -> outcome, for every line of an output or error file. A line that cannot be read at all names its
    line number in the error, since without a custom_id it cannot be attributed to a request."""
    results = {}
    for number, text in enumerate(data.decode("utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
            custom_id = line["custom_id"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"batch result line {number} is not a result line ({type(exc).__name__}): "
                             f"{text[:200]!r}") from exc
        results[custom_id] = _line_result(custom_id, line, validate)
    return results


def _line_result(custom_id: str, line: dict[str, Any], validate: Callable[[str], None] | None) -> LineResult:
    if line.get("error"):
        error = line["error"]
        return LineResult(custom_id, _clip(f"{error.get('code')}: {error.get('message')}"))
    response = line.get("response") or {}
    status, body = response.get("status_code"), response.get("body") or {}
    if status != 200:
        error = body.get("error") or {}
        return LineResult(custom_id, _clip(f"HTTP {status} in batch: {error.get('message') or body}"))
    choice = (body.get("choices") or [{}])[0]
    usage = body.get("usage") or {}
    result = LineResult(
        custom_id, None, raw_response=(choice.get("message") or {}).get("content"),
        finish_reason=choice.get("finish_reason"), model_version=_model_version(body),
        input_tokens=usage.get("prompt_tokens"), output_tokens=usage.get("completion_tokens"),
        cached_input_tokens=(usage.get("prompt_tokens_details") or {}).get("cached_tokens"))
    reason = _answer_problem(result, validate)
    return result if reason is None else LineResult(**{**result.__dict__, "reason": reason})


def _answer_problem(result: LineResult, validate: Callable[[str], None] | None) -> str | None:
    """The synchronous client's rules: a truncated, empty or invalid answer is a failure (retried by a later run)."""
    if result.finish_reason == "length":
        return "truncated answer (finish_reason=length)"
    if not result.raw_response:
        return f"empty answer (finish_reason={result.finish_reason})"
    if validate is not None:
        try:
            validate(result.raw_response)
        except Exception as exc:  # noqa: BLE001 - the validator's own error type is its business
            return _clip(f"invalid answer: {type(exc).__name__}: {exc}")
    return None


def _model_version(body: dict[str, Any]) -> str | None:
    version, fingerprint = body.get("model"), body.get("system_fingerprint")
    if fingerprint:
        return f"{version} ({fingerprint})" if version else fingerprint
    return version


def _clip(text: str) -> str:
    return text[:_MAX_REASON_CHARS]
