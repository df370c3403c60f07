"""Retries, backoff and final failures, provoked by the server's fault plan (a request is its user message)."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path

import pytest

from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import LLMResult, complete_all_sync
from tests.llm.fake_openai_server import (
    HANG, LENGTH, MALFORMED, RATE_LIMIT, SERVER_ERROR, UNAUTHORIZED, Fault, FakeOpenAIServer,
)
from tests.llm.support import FAST_BACKOFF, fake_model, make_requests, validate_json


def _run(server: FakeOpenAIServer, cache: ResponseCache, contents: list[str], run_id: str = "run-1",
         **model_overrides: object) -> list[LLMResult]:
    requests = make_requests(fake_model(server.api_base, **model_overrides), contents)
    return complete_all_sync(requests, cache, validate=validate_json, run_id=run_id, backoff=FAST_BACKOFF)


@pytest.mark.parametrize("headers", [
    lambda: {"Retry-After": "1"},
    lambda: {"retry-after-ms": "1000"},
    lambda: {"Retry-After": formatdate(time.time() + 2.5, usegmt=True)},  # whole seconds: waits 1.5 to 2.5 s
], ids=["retry_after_seconds", "retry_after_ms", "retry_after_http_date"])
def test_429_waits_for_retry_after_then_succeeds(server: FakeOpenAIServer, api_key: str, cache: ResponseCache,
                                                 headers: Callable[[], dict[str, str]]) -> None:
    _run(server, cache, ["warm-up"])  # keep litellm's first-call setup out of the measurement
    server.fail_first([Fault("rate_limit", headers=headers())], "ada")
    (result,) = _run(server, cache, ["ada"])
    assert (result.status, result.attempts, server.calls["ada"]) == ("ok", 2, 2)
    first, second = server.arrivals[-2:]
    assert 1.0 <= second - first < 3.5


def test_server_error_with_retry_after_is_honoured_too(server: FakeOpenAIServer, api_key: str,
                                              cache: ResponseCache) -> None:
    server.fail_first([Fault("server_error", headers={"Retry-After": "1"})], "ada")
    (result,) = _run(server, cache, ["ada"])
    first, second = server.arrivals[-2:]
    assert result.status == "ok" and second - first >= 1.0


@pytest.mark.parametrize("fault", [SERVER_ERROR, MALFORMED, LENGTH], ids=["500", "malformed_json", "length"])
def test_transient_failure_is_retried_until_success(server: FakeOpenAIServer, api_key: str, cache: ResponseCache,
                                                    fault: Fault) -> None:
    server.fail_first([fault, fault], "ada")
    (result,) = _run(server, cache, ["ada"])
    assert (result.status, result.attempts, server.calls["ada"]) == ("ok", 3, 3)
    assert result.failure_reason is None and result.raw_response == '{"answer": "ada"}'


def test_timeout_is_retried_and_bounded_by_timeout_s(server: FakeOpenAIServer, api_key: str,
                                                     cache: ResponseCache) -> None:
    server.fail_first([HANG], "ada")
    start = time.monotonic()
    (result,) = _run(server, cache, ["ada"], timeout_s=0.5)
    assert (result.status, result.attempts, server.calls["ada"]) == ("ok", 2, 2)
    assert 0.5 <= time.monotonic() - start < server.hang_s


def test_exhausted_retries_record_a_failed_row_with_its_reason(server: FakeOpenAIServer, api_key: str,
                                                               cache: ResponseCache) -> None:
    server.fail_first([SERVER_ERROR] * 3, "ada")
    ada, alan = _run(server, cache, ["ada", "alan"], max_retries=2)

    assert (ada.status, ada.attempts, server.calls["ada"]) == ("failed", 3, 3)
    assert "500" in ada.failure_reason
    stored = cache.get([ada.request_hash])[ada.request_hash]
    assert (stored.status, stored.attempts, stored.failure_reason) == ("failed", 3, ada.failure_reason)
    assert alan.status == "ok"


def test_later_run_resends_only_failed_rows(server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    server.fail_first([MALFORMED] * 2, "ada")
    first = _run(server, cache, ["ada", "alan"], max_retries=1)
    assert [r.status for r in first] == ["failed", "ok"]
    assert "invalid answer" in first[0].failure_reason
    assert first[0].raw_response == '{"answer": "unterminated'  # the last bad answer stays visible

    second = _run(server, cache, ["ada", "alan"], run_id="run-2", max_retries=1)
    assert [(r.status, r.cache_hit) for r in second] == [("ok", False), ("ok", True)]
    assert (server.calls["ada"], server.calls["alan"]) == (3, 1)
    assert cache.get_ok([second[0].request_hash])[second[0].request_hash].run_id == "run-2"


def test_unauthorized_fails_at_once_without_retry(server: FakeOpenAIServer, api_key: str,
                                                  cache: ResponseCache) -> None:
    server.fail_first([UNAUTHORIZED], "ada")
    (result,) = _run(server, cache, ["ada"])
    assert (result.status, result.attempts, server.calls["ada"]) == ("failed", 1, 1)
    assert "401" in result.failure_reason and "Incorrect API key" in result.failure_reason


def test_api_key_never_reaches_results_cache_file_or_logs(
        server: FakeOpenAIServer, api_key: str, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    # The server quotes the whole key back in its 401 message; 500s and 429s exercise the other error paths.
    server.fail_first([UNAUTHORIZED], "ada")
    server.fail_first([SERVER_ERROR, RATE_LIMIT, Fault("rate_limit")] * 3, "alan")
    path = tmp_path / "cache.sqlite"
    caplog.set_level(logging.DEBUG)
    with ResponseCache(path) as cache:
        results = _run(server, cache, ["ada", "alan", "grace"], max_retries=1)
    assert [r.status for r in results] == ["failed", "failed", "ok"]
    assert "Incorrect API key provided: ***" in results[0].failure_reason

    assert api_key not in repr(results)
    for file in tmp_path.iterdir():  # the database and its WAL / shm files
        assert api_key.encode() not in file.read_bytes()
    assert api_key not in caplog.text
    out, err = capfd.readouterr()
    assert api_key not in out + err

