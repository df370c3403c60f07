"""Batch mode against a real OpenAI-compatible files and batches server (tests/llm/fake_batch_server.py), through
litellm's batch API: submission, collection into the response cache, partial failures, expiry, retries, restarts."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from personax_platform.llm.batch import batch_round, provider_batches
from personax_platform.llm.batch_files import request_line
from personax_platform.llm.batch_ledger import BatchLedger
from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import complete_all_sync
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.modes import complete_by_mode
from personax_platform.llm.request import request_hash
from tests.llm.fake_batch_server import FakeBatchServer
from tests.llm.fake_openai_server import MALFORMED, RATE_LIMIT, UNAUTHORIZED
from tests.llm.support import fake_model, make_requests, validate_json

CONTENTS = [f"person {i}" for i in range(6)]
# The fake's batch prices: half of the synchronous ones.
PRICES = {"input_cost_per_token": 2e-6, "output_cost_per_token": 8e-6,
          "batch_input_cost_per_token": 1e-6, "batch_output_cost_per_token": 4e-6}


@pytest.fixture
def batch_server(tmp_path: Path) -> Iterator[FakeBatchServer]:
    with FakeBatchServer(tmp_path / "provider", batch_delay_s=0.3) as fake:
        yield fake


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[BatchLedger]:
    with BatchLedger(tmp_path / "llm_cache.sqlite") as batch_ledger:
        yield batch_ledger


def batch_model(api_base: str, **overrides: object) -> ModelConfig:
    return fake_model(api_base, mode="batch", **PRICES, **overrides)


def round_until_done(requests: list, cache: ResponseCache, ledger: BatchLedger, run_id: str,
                     timeout_s: float = 30.0):
    deadline = time.monotonic() + timeout_s
    while True:
        result = batch_round(requests, cache, ledger, scope="nba", run_id=run_id, validate=validate_json)
        if result.pending == 0 or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def test_a_round_submits_missing_requests_once_and_returns_without_waiting(batch_server, cache, ledger, api_key):
    requests = make_requests(batch_model(batch_server.api_base), CONTENTS)
    first = batch_round(requests, cache, ledger, scope="nba", run_id="r1", validate=validate_json)
    assert first.pending == len(CONTENTS) and first.results == [] and len(first.submitted) == 1
    second = batch_round(requests, cache, ledger, scope="nba", run_id="r2", validate=validate_json)
    assert second.submitted == [] and batch_server.batch_creates == 1  # held by the open batch: not sent again
    assert set(batch_server.submitted.values()) == {1}
    assert ledger.unfinished("nba")[0].batch_id is not None  # recorded before the round returned


def test_finished_batch_lands_in_the_cache_under_the_synchronous_request_hash(batch_server, cache, ledger, api_key):
    requests = make_requests(batch_model(batch_server.api_base), CONTENTS)
    batch_round(requests, cache, ledger, scope="nba", run_id="r1", validate=validate_json)
    done = round_until_done(requests, cache, ledger, "r2")
    assert [r.key for r in done.results] == [r.key for r in requests]  # in request order
    assert all(r.status == "ok" and not r.cache_hit and r.run_id == "r2" for r in done.results)
    rows = cache.get_ok(request_hash(r) for r in requests)
    assert len(rows) == len(CONTENTS)
    assert json.loads(rows[request_hash(requests[0])].raw_response) == {"answer": "person 0"}
    assert ledger.unfinished() == [] and "completed: 6 answered, 0 failed" in ledger.recent()[0].note
    # A later synchronous run of the same requests is all cache hits: batch and sync share one cache.
    sync = complete_all_sync(make_requests(fake_model(batch_server.api_base), CONTENTS), cache,
                             validate=validate_json, run_id="r3")
    assert all(r.cache_hit for r in sync) and batch_server.total_calls == len(CONTENTS)  # the batch lines only


def test_batch_answers_cost_the_batch_price(batch_server, cache, ledger, api_key):
    requests = make_requests(batch_model(batch_server.api_base), CONTENTS[:2])
    batch_round(requests, cache, ledger, scope="nba", run_id="r1", validate=validate_json)
    done = round_until_done(requests, cache, ledger, "r2")
    for result in done.results:
        assert result.cost_usd == pytest.approx(result.input_tokens * 1e-6 + result.output_tokens * 4e-6)


def test_failed_lines_are_failed_rows_of_this_run_and_the_next_round_resubmits_only_them(
        batch_server, cache, ledger, api_key):
    batch_server.fail_first([RATE_LIMIT], content="person 1")
    batch_server.fail_first([MALFORMED], content="person 2")
    requests = make_requests(batch_model(batch_server.api_base), CONTENTS)
    batch_round(requests, cache, ledger, scope="nba", run_id="r1", validate=validate_json)
    done = round_until_done(requests, cache, ledger, "r2")
    failed = {r.key: r.failure_reason for r in done.results if r.status == "failed"}
    assert set(failed) == {"row-person 1", "row-person 2"} and len(done.results) == len(CONTENTS)
    assert "HTTP 429" in failed["row-person 1"] and "invalid answer" in failed["row-person 2"]
    assert done.submitted == []  # this run's failures are final for this run: it can materialize
    retry = batch_round(requests, cache, ledger, scope="nba", run_id="r3", validate=validate_json)
    assert retry.pending == 2 and retry.submitted[0].total == 2
    final = round_until_done(requests, cache, ledger, "r4")
    assert all(r.status == "ok" for r in final.results)
    assert sorted(batch_server.submitted.values()) == [1] * 4 + [2] * 2  # only the two failures went twice


def test_expired_batch_keeps_what_ran_and_fails_the_rest_with_the_reason(batch_server, cache, ledger, api_key):
    batch_server.expire_next_batches(1, done=2)
    requests = make_requests(batch_model(batch_server.api_base), CONTENTS)
    batch_round(requests, cache, ledger, scope="nba", run_id="r1", validate=validate_json)
    done = round_until_done(requests, cache, ledger, "r2")
    statuses = [r.status for r in done.results]
    assert statuses.count("ok") == 2 and statuses.count("failed") == 4
    assert all("batch_expired" in r.failure_reason for r in done.results if r.status == "failed")
    assert "expired" in ledger.recent()[0].note


def test_failures_retry_synchronously_when_the_model_says_so(batch_server, cache, ledger, api_key, tmp_path):
    batch_server.expire_next_batches(1, done=4)
    model = batch_model(batch_server.api_base, batch_retry="sync")
    requests = make_requests(model, CONTENTS)
    complete_by_mode(requests, cache, ledger, scope="nba", run_id="r1", validate=validate_json)
    deadline = time.monotonic() + 30
    while complete_by_mode(requests, cache, ledger, scope="nba", run_id="r2",
                           validate=validate_json).pending and time.monotonic() < deadline:
        time.sleep(0.1)
    calls_before = batch_server.total_calls
    third = complete_by_mode(requests, cache, ledger, scope="nba", run_id="r3", validate=validate_json)
    assert third.complete and third.submitted == [] and all(r.status == "ok" for r in third.results)
    assert batch_server.total_calls == calls_before + 2  # the two expired requests, as chat completions
    assert batch_server.batch_creates == 1


def test_a_batch_split_at_the_providers_request_limit(batch_server, cache, ledger, api_key):
    requests = make_requests(batch_model(batch_server.api_base, batch_max_requests=4), CONTENTS)
    first = batch_round(requests, cache, ledger, scope="nba", run_id="r1", validate=validate_json)
    assert [s.total for s in first.submitted] == [4, 2] and batch_server.batch_creates == 2
    done = round_until_done(requests, cache, ledger, "r2")
    assert len(done.results) == len(CONTENTS) and all(r.status == "ok" for r in done.results)


def test_a_provider_restart_while_batches_run_loses_nothing(tmp_path, cache, ledger, api_key):
    state = tmp_path / "provider"
    server = FakeBatchServer(state, batch_delay_s=0.5).start()
    port = server.port
    requests = make_requests(batch_model(server.api_base), CONTENTS)
    batch_round(requests, cache, ledger, scope="nba", run_id="r1", validate=validate_json)
    server.stop()
    with pytest.raises(Exception):  # noqa: B017 - whatever litellm raises for a refused connection
        batch_round(requests, cache, ledger, scope="nba", run_id="r2", validate=validate_json)
    assert len(ledger.unfinished("nba")) == 1  # the failed poll changed nothing
    with FakeBatchServer(state, port=port, batch_delay_s=0.5) as restarted:
        done = round_until_done(requests, cache, ledger, "r3")
        assert all(r.status == "ok" for r in done.results) and len(done.results) == len(CONTENTS)
        assert restarted.batch_creates == 1 and set(restarted.submitted.values()) == {1}


def test_a_claim_whose_create_reached_the_provider_is_adopted_not_resubmitted(batch_server, cache, ledger, api_key):
    """The crash window: the provider created the batch, the process died before it heard the id."""
    model = batch_model(batch_server.api_base)
    requests = make_requests(model, CONTENTS)
    api = provider_batches(model)
    hashes = [request_hash(r) for r in requests]
    (claim,) = ledger.claim("nba", model.name, model.model, hashes, dict.fromkeys(hashes, 100), 100, 10**6)
    data = b"".join(request_line(r, h, api.provider_model) for r, h in zip(requests, hashes))
    file_id = api.upload("crash.jsonl", data)
    ledger.record_file(claim.submission_id, file_id)
    ledger.record_create_sent(claim.submission_id)
    api.create(file_id, claim.submission_id)  # the answer is "lost": the ledger never hears the id
    assert ledger.get(claim.submission_id).batch_id is None
    done = round_until_done(requests, cache, ledger, "r2")
    assert all(r.status == "ok" for r in done.results)
    assert batch_server.batch_creates == 1 and set(batch_server.submitted.values()) == {1}


def test_a_model_whose_provider_has_no_batch_api_is_refused_by_name():
    model = ModelConfig(name="local", model="personax-embedded/smollm2-135m-instruct", mode="batch")
    with pytest.raises(ValueError, match="model local .* no batch API for provider"):
        provider_batches(model)


def test_mixed_modes_complete_sync_models_now_and_wait_only_for_batches(batch_server, cache, ledger, api_key):
    sync_model = fake_model(batch_server.api_base, name="now")
    requests = make_requests(sync_model, CONTENTS) + make_requests(batch_model(batch_server.api_base), CONTENTS)
    first = complete_by_mode(requests, cache, ledger, scope="nba", run_id="r1", validate=validate_json)
    assert not first.complete and first.pending == len(CONTENTS)
    assert {r.model_name for r in first.results} == {"now"} and len(first.results) == len(CONTENTS)


def test_a_key_quoted_in_a_batch_error_never_reaches_the_cache(batch_server, cache, ledger, api_key):
    batch_server.fail_first([UNAUTHORIZED], content="person 0")  # the fake quotes the whole key back, worse than real
    requests = make_requests(batch_model(batch_server.api_base), CONTENTS[:2])
    batch_round(requests, cache, ledger, scope="nba", run_id="r1", validate=validate_json)
    done = round_until_done(requests, cache, ledger, "r2")
    (failed,) = [r for r in done.results if r.status == "failed"]
    assert "HTTP 401" in failed.failure_reason and "***" in failed.failure_reason  # quoted, then masked
    assert api_key not in failed.failure_reason
    assert api_key not in (cache.path.read_bytes() + cache.path.with_name(cache.path.name + "-wal").read_bytes()
                           ).decode("latin-1")
