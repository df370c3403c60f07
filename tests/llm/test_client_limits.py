"""Per-model pacing as the server sees it: requests in flight and request rate."""
from __future__ import annotations

import time

from personax_platform.llm.cache import ResponseCache
from personax_platform.llm.client import complete_all_sync
from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.llm.support import FAST_BACKOFF, fake_model, make_requests, validate_json


def test_requests_in_flight_never_exceed_max_concurrency(server: FakeOpenAIServer, api_key: str,
                                                         cache: ResponseCache) -> None:
    server.latency_s = 0.05
    requests = make_requests(fake_model(server.api_base, max_concurrency=3), [f"p{i}" for i in range(24)])
    results = complete_all_sync(requests, cache, validate=validate_json, run_id="r", backoff=FAST_BACKOFF)
    assert all(r.status == "ok" for r in results)
    assert server.max_in_flight == 3


def test_each_model_has_its_own_concurrency_bound(server: FakeOpenAIServer, api_key: str,
                                                  cache: ResponseCache) -> None:
    server.latency_s = 0.05
    narrow = fake_model(server.api_base, name="narrow", max_concurrency=1)
    wide = fake_model(server.api_base, name="wide", model="openai/fake-model-2", max_concurrency=4)
    requests = make_requests(narrow, [f"n{i}" for i in range(8)]) + make_requests(wide, [f"w{i}" for i in range(16)])
    complete_all_sync(requests, cache, validate=validate_json, run_id="r", backoff=FAST_BACKOFF)
    assert server.max_in_flight == 5


def test_rpm_limit_paces_requests(server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    # 300 rpm: a burst of 5, then one request every 0.2 s.
    requests = make_requests(fake_model(server.api_base, rpm=300, max_concurrency=20), [f"p{i}" for i in range(12)])
    start = time.monotonic()
    complete_all_sync(requests, cache, validate=validate_json, run_id="r", backoff=FAST_BACKOFF)
    assert time.monotonic() - start >= (12 - 5) / 5
    arrivals = sorted(server.arrivals)
    assert all(sum(t <= a < t + 1.0 for a in arrivals) <= 5 + 5 for t in arrivals)
    assert arrivals[-1] - arrivals[0] >= (12 - 5) / 5 - 0.05


def test_requests_reuse_pooled_connections(server: FakeOpenAIServer, api_key: str, cache: ResponseCache) -> None:
    # A connection (and client) per request would cost a TCP handshake and client setup each time.
    requests = make_requests(fake_model(server.api_base, max_concurrency=4), [f"p{i}" for i in range(40)])
    complete_all_sync(requests, cache, validate=validate_json, run_id="r", backoff=FAST_BACKOFF)
    assert len(server.client_ports) <= 4
