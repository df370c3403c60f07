"""complete_all with its requests spread over worker processes: real worker processes, the real litellm path, a real
local server and one SQLite cache shared by the workers."""
from __future__ import annotations

import json
import os
import signal
from dataclasses import asdict

import pytest

from personax_platform.llm import client_workers
from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import LLMResult, complete_all_sync
from personax_platform.llm.embedded import EMBEDDED_MODEL, EMBEDDED_PROVIDER
from personax_platform.llm.request import LLMRequest, request_hash
from personax_platform.llm.simulated import SIMULATED_PROVIDER
from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.llm.support import FAST_BACKOFF, fake_model, make_requests, validate_json

POISON = "poison"


def validate_or_die(raw: str) -> None:
    """Kills the worker process that validates the poisoned answer, as the out-of-memory killer would."""
    if POISON in raw:
        os.kill(os.getpid(), signal.SIGKILL)
    json.loads(raw)


def _comparable(result: LLMResult) -> dict[str, object]:
    fields = asdict(result)
    for varying in ("latency_s", "started_at", "finished_at"):
        fields.pop(varying)
    return fields


def test_results_with_workers_are_those_of_one_process_in_request_order_each_request_sent_once(
        server: FakeOpenAIServer, api_key: str, tmp_path) -> None:
    alpha = fake_model(server.api_base, name="alpha", max_concurrency=4)
    beta = fake_model(server.api_base, name="beta", model="openai/fake-model-2", max_concurrency=3)
    requests = make_requests(alpha, [f"a{i}" for i in range(12)]) + make_requests(beta, [f"b{i}" for i in range(9)])
    twin = LLMRequest(key="row-twin", model=alpha, messages=requests[0].messages,
                      response_schema=requests[0].response_schema, metadata={"prompt_id": "p2"})
    requests = [requests[5], twin, *requests[:5], *requests[6:]]  # a duplicate hash, models interleaved

    with ResponseCache(tmp_path / "one.sqlite") as cache:
        complete_all_sync(requests[:2], cache, validate=validate_json, run_id="r", backoff=FAST_BACKOFF, workers=1)
        alone = complete_all_sync(requests, cache, validate=validate_json, run_id="r", backoff=FAST_BACKOFF,
                                  workers=1)
    server.calls.clear()
    seen: list[LLMResult] = []
    lines: list[str] = []
    with ResponseCache(tmp_path / "workers.sqlite") as cache:
        complete_all_sync(requests[:2], cache, validate=validate_json, run_id="r", backoff=FAST_BACKOFF, workers=1)
        spread = complete_all_sync(requests, cache, validate=validate_json, run_id="r", backoff=FAST_BACKOFF,
                                   workers=2, on_result=seen.append, progress=lines.append)
        stored = cache.get(r.request_hash for r in spread)

    assert [_comparable(r) for r in spread] == [_comparable(r) for r in alone]
    assert [r.key for r in spread] == [r.key for r in requests]
    assert all(r.status == "ok" for r in spread)
    assert sorted(server.calls.values()) == [1] * 21  # 21 distinct contents (2 sent before), none twice
    assert sorted(r.key for r in seen) == sorted(r.key for r in requests)  # on_result in this process, for all
    assert lines[-1].startswith("LLM calls (2 cached): 19/19 done in ")
    assert all(stored[r.request_hash].status == "ok" for r in spread)  # the workers committed to the shared file


def test_workers_together_keep_the_models_concurrency(server: FakeOpenAIServer, api_key: str,
                                                      cache: ResponseCache) -> None:
    server.latency_s = 0.1
    requests = make_requests(fake_model(server.api_base, max_concurrency=3), [f"p{i}" for i in range(40)])
    results = complete_all_sync(requests, cache, validate=validate_json, run_id="r", backoff=FAST_BACKOFF, workers=2)

    assert all(r.status == "ok" for r in results)
    assert server.max_in_flight <= 3  # two workers, 2 + 1 slots


def test_each_models_limits_are_divided_among_the_workers_never_exceeded(tmp_path) -> None:
    model = fake_model("http://127.0.0.1:9/v1", max_concurrency=7, rpm=600, tpm=90_000)
    lone = fake_model("http://127.0.0.1:9/v1", name="lone", model="openai/lone", max_concurrency=1, rpm=60)
    requests = make_requests(model, [f"p{i}" for i in range(40)]) + make_requests(lone, [f"q{i}" for i in range(5)])
    jobs = client_workers.plan_jobs({request_hash(r): r for r in requests}, str(tmp_path / "c.sqlite"), "r",
                                    validate_json, FAST_BACKOFF, workers=3)

    shares = [job.limits["fake"] for job in jobs]
    assert len(shares) == 3
    assert sum(s.max_concurrency for s in shares) == 7 and min(s.max_concurrency for s in shares) >= 2
    assert sum(s.rpm for s in shares) == pytest.approx(600) and sum(s.tpm for s in shares) == pytest.approx(90_000)
    (lone_share,) = [job.limits["lone"] for job in jobs if "lone" in job.limits]  # one slot: one worker
    assert (lone_share.max_concurrency, lone_share.rpm) == (1, 60)
    sent = [h for job in jobs for h, _ in job.items]
    assert sorted(sent) == sorted(request_hash(r) for r in requests)  # every request once, in one worker only


def test_a_killed_worker_loses_none_of_its_committed_answers_and_its_unanswered_request_fails(
        server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    # One slot per worker: each sends its requests one after another, the first worker p0, p2, then the poison.
    model = fake_model(server.api_base, max_concurrency=2)
    requests = make_requests(model, ["p0", "p1", "p2", "p3", POISON, "p5"])
    results = complete_all_sync(requests, cache, validate=validate_or_die, run_id="r", backoff=FAST_BACKOFF,
                                workers=2)

    by_key = {r.key: r for r in results}
    assert [r.key for r in results] == [r.key for r in requests]
    assert all(by_key[f"row-p{i}"].status == "ok" for i in (0, 1, 2, 3, 5))
    assert json.loads(by_key["row-p2"].raw_response) == {"answer": "p2"}  # committed before the worker died
    poisoned = by_key[f"row-{POISON}"]
    assert poisoned.status == "failed"
    assert "worker process" in poisoned.failure_reason and f"signal {signal.SIGKILL.value}" in poisoned.failure_reason
    stored = cache.get(r.request_hash for r in results)
    assert {h: row.status for h, row in stored.items()} == {r.request_hash: r.status for r in results}

    calls_before = server.total_calls
    again = complete_all_sync(requests, cache, validate=None, run_id="r2", backoff=FAST_BACKOFF, workers=1)
    assert server.total_calls == calls_before + 1  # only the lost request is sent again
    assert [r.cache_hit for r in again] == [True, True, True, True, False, True]


def test_small_calls_in_process_models_and_unpicklable_checks_stay_in_this_process(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_workers, "available_cpus", lambda: 2)
    model = fake_model("http://127.0.0.1:9/v1", max_concurrency=client_workers.MIN_CONCURRENCY)

    def plan(requests: list[LLMRequest], validate=validate_json, workers: int | None = None) -> int:
        pending = {request_hash(r): r for r in requests}
        return len(client_workers.plan_jobs(pending, str(tmp_path / "c.sqlite"), "r", validate, FAST_BACKOFF,
                                            workers))

    many = make_requests(model, [f"p{i}" for i in range(client_workers.MIN_PENDING)])
    assert plan(many) == 2
    assert plan(many[:-1]) == 0
    assert plan(make_requests(model.model_copy(update={"max_concurrency": 8}), [f"p{i}" for i in range(5000)])) == 0
    assert plan(many, validate=lambda raw: None) == 0
    assert plan(many, workers=1) == 0
    for in_process in (EMBEDDED_MODEL, f"{SIMULATED_PROVIDER}/rater-a"):
        assert plan(make_requests(model.model_copy(update={"model": in_process}), ["p0", "p1"]), workers=2) == 0
    assert client_workers.IN_PROCESS_PROVIDERS == {EMBEDDED_PROVIDER, SIMULATED_PROVIDER}
