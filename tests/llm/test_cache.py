"""The response cache: upsert rules in-process, crash safety and concurrent writers across real processes."""
from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from personax_platform.config.datasets import REPO_ROOT
from personax_platform.llm.cache import CachedResponse, ResponseCache
from personax_platform.llm.client import complete_all_sync
from personax_platform.llm.request import request_hash
from tests.llm.fake_openai_server import FakeOpenAIServer
from tests.llm.support import FAST_BACKOFF, fake_model, make_requests, validate_json


def _row(h: str, status: str, run_id: str = "r1", raw: str | None = "{}") -> CachedResponse:
    return CachedResponse(
        request_hash=h, model="openai/x", status=status, raw_response=raw, finish_reason="stop", model_version="x",
        input_tokens=1, output_tokens=1, cost_usd=0.0, latency_s=0.1, attempts=1,
        failure_reason=None if status == "ok" else "boom", run_id=run_id, created_at=f"{run_id}-t",
        updated_at=f"{run_id}-t")


def test_get_ok_returns_only_successful_rows(tmp_path: Path) -> None:
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        cache.put(_row("a", "ok"))
        cache.put(_row("b", "failed"))
        assert set(cache.get_ok(["a", "b", "missing"])) == {"a"}
        assert set(cache.get(["a", "b", "missing"])) == {"a", "b"}


def test_success_replaces_a_failure_but_a_failure_never_replaces_a_success(tmp_path: Path) -> None:
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        cache.put(_row("a", "failed", run_id="r1"))
        cache.put(_row("a", "ok", run_id="r2"))
        cache.put(_row("a", "failed", run_id="r3"))  # e.g. a parallel run that gave up later
        row = cache.get(["a"])["a"]
        assert (row.status, row.run_id, row.created_at, row.updated_at) == ("ok", "r2", "r1-t", "r2-t")


def test_cache_file_is_in_wal_mode_and_readable_while_open(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with ResponseCache(path) as cache:
        cache.put(_row("a", "ok"))
        other = sqlite3.connect(path)
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert other.execute("SELECT count(*) FROM llm_responses").fetchone() == (1,)
        other.close()


def test_large_lookups_are_chunked(tmp_path: Path) -> None:
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        for i in range(1200):
            cache.put(_row(f"h{i}", "ok"))
        assert len(cache.get_ok([f"h{i}" for i in range(1500)])) == 1200


def _worker(cache_path: Path, server: FakeOpenAIServer, run_id: str, concurrency: int,
            contents: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.llm.cache_worker", str(cache_path), server.api_base, run_id, str(concurrency),
         *contents], env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ok_count(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as con:
        try:
            return con.execute("SELECT count(*) FROM llm_responses WHERE status = 'ok'").fetchone()[0]
        except sqlite3.OperationalError:  # table not created yet
            return 0


def test_rerun_after_kill_9_resends_only_what_had_not_returned(tmp_path: Path, api_key: str) -> None:
    contents = [f"person-{i}" for i in range(40)]
    path = tmp_path / "cache.sqlite"
    with FakeOpenAIServer(latency_s=0.1) as server:
        proc = _worker(path, server, "crashed", 4, contents)
        deadline = time.monotonic() + 30
        while _ok_count(path) < 10:
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

        requests = make_requests(fake_model(server.api_base), contents)
        with ResponseCache(path) as cache:
            survived = set(cache.get_ok(request_hash(r) for r in requests))
            assert 10 <= len(survived) < len(contents)
            calls_before = server.calls.copy()
            results = complete_all_sync(requests, cache, validate=validate_json, run_id="rerun",
                                        backoff=FAST_BACKOFF)

    assert all(r.status == "ok" for r in results)
    assert {r.request_hash for r in results if r.cache_hit} == survived
    resent = {c for c in contents if server.calls[c] > calls_before[c]}
    assert resent == {r.raw_response.split('"')[3] for r in results if not r.cache_hit}
    assert all(server.calls[c] - calls_before[c] == 1 for c in resent)
    assert len(resent) == len(contents) - len(survived)


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path, api_key: str) -> None:
    path = tmp_path / "cache.sqlite"
    first = [f"a-{i}" for i in range(150)]
    second = [f"b-{i}" for i in range(150)] + first[:50]  # overlapping rows race on the same keys
    with FakeOpenAIServer() as server:
        procs = [_worker(path, server, "p1", 16, first), _worker(path, server, "p2", 16, second)]
        outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert [out.split()[-1] for out, _ in outputs] == ["150", "200"]
    assert _ok_count(path) == 300


def _open_when_released(path: Path, barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait()
    ResponseCache(path).get_ok([])


def test_processes_opening_a_new_cache_file_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    """Switching a new file to WAL can be refused at once ("database is locked") while another process opens it;
    before the retry, 15 of 240 such opens failed here."""
    for round_ in range(15):
        barrier = multiprocessing.Barrier(6)
        procs = [multiprocessing.Process(target=_open_when_released, args=(tmp_path / f"{round_}.sqlite", barrier))
                 for _ in range(6)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        assert [proc.exitcode for proc in procs] == [0] * 6, f"round {round_}"
