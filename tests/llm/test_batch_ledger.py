"""The batch ledger: claims are durable, exclusive across processes, split at the provider's limits, and resumable
only when the process that made them is gone."""
from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

from personax_platform.llm.batch_ledger import BatchLedger

HASHES = [f"{i:064x}" for i in range(10)]


def _claim_all(path: str, queue: multiprocessing.Queue) -> None:
    with BatchLedger(path) as ledger:
        claimed = ledger.claim("nba", "fake", "openai/fake", HASHES, dict.fromkeys(HASHES, 10), 3, 10**6)
        queue.put([h for s in claimed for h in ledger.items(s.submission_id)])


def test_two_processes_claiming_the_same_requests_split_them_without_overlap(tmp_path):
    path = str(tmp_path / "cache.sqlite")
    BatchLedger(path).close_connection()  # the file exists before both start, as in a deployment
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_claim_all, args=(path, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    claimed = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(60)
    assert sorted(claimed[0] + claimed[1]) == sorted(HASHES)  # every request claimed exactly once


def test_a_claim_is_split_at_the_request_and_byte_limits(tmp_path):
    sizes = {h: 40 if i == 4 else 10 for i, h in enumerate(HASHES)}
    with BatchLedger(tmp_path / "cache.sqlite") as ledger:
        claimed = ledger.claim("nba", "fake", "openai/fake", HASHES, sizes, max_requests=4, max_bytes=50)
        # 4 requests fill the first file; the 40-byte one and the next fill 50 bytes; the rest
        assert [s.total for s in claimed] == [4, 2, 4]
        assert [ledger.items(s.submission_id) for s in claimed] == [HASHES[:4], HASHES[4:6], HASHES[6:]]
        with pytest.raises(ValueError, match="above the batch file limit"):
            ledger.claim("nba", "fake", "openai/fake", ["f" * 64], {"f" * 64: 60}, 4, 50)


def test_held_requests_are_released_when_their_submission_closes(tmp_path):
    with BatchLedger(tmp_path / "cache.sqlite") as ledger:
        (claim,) = ledger.claim("nba", "fake", "openai/fake", HASHES[:3], dict.fromkeys(HASHES, 1), 10, 100)
        assert ledger.held(HASHES) == set(HASHES[:3])
        assert ledger.claim("nba", "fake", "openai/fake", HASHES[:3], dict.fromkeys(HASHES, 1), 10, 100) == []
        ledger.close(claim.submission_id, "completed")
        assert ledger.held(HASHES) == set() and ledger.unfinished() == []


def test_a_claim_survives_its_process_and_is_resumable_only_once_that_process_is_gone(tmp_path):
    path = tmp_path / "cache.sqlite"
    code = ("from personax_platform.llm.batch_ledger import BatchLedger; import sys; "
            f"BatchLedger({str(path)!r}).claim('nba', 'fake', 'openai/fake', ['a' * 64], {{'a' * 64: 1}}, 10, 100); "
            "sys.stdout.write('claimed'); sys.stdout.flush(); sys.stdin.read()")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             cwd=Path(__file__).resolve().parents[2], text=True)
    assert child.stdout.read(7) == "claimed"
    with BatchLedger(path) as ledger:
        (claim,) = ledger.unfinished()
        assert claim.state == "claimed" and not claim.resumable()  # its process is still submitting
        child.kill()
        child.wait(10)
        (claim,) = ledger.unfinished()
        assert claim.resumable()
