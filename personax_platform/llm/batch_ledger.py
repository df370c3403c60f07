"""The durable record of provider batches, in the response cache's SQLite file: which requests each batch holds and
how far its submission got.

A submission is written, with its request hashes, in one transaction **before** anything is sent (state `claimed`).
Its id travels to the provider as the batch's metadata, so a process killed anywhere between uploading the file and
hearing back the batch id leaves a claim that the next run can match to the provider's batch instead of submitting
the same requests again. While a submission is not closed, its requests cannot be claimed by another one.

    claimed ──upload──▶ claimed + input_file_id ──create──▶ open (batch_id) ──collected──▶ closed
"""
from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from personax_platform.llm.cache import open_shared

State = Literal["claimed", "open", "closed"]
_CHUNK = 500
_STALE_CLAIM_S = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_batches (
    submission_id   TEXT PRIMARY KEY,
    scope           TEXT NOT NULL,
    model_name      TEXT NOT NULL,
    model           TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('claimed', 'open', 'closed')),
    claimed_by      TEXT NOT NULL,
    input_file_id   TEXT,
    create_sent_at  TEXT,
    batch_id        TEXT,
    provider_status TEXT,
    total           INTEGER NOT NULL,
    completed       INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    submitted_at    TEXT,
    deadline        TEXT,
    polled_at       TEXT,
    closed_at       TEXT,
    note            TEXT
);
CREATE TABLE IF NOT EXISTS llm_batch_items (
    submission_id TEXT NOT NULL REFERENCES llm_batches (submission_id),
    request_hash  TEXT NOT NULL,
    PRIMARY KEY (submission_id, request_hash)
);
CREATE INDEX IF NOT EXISTS llm_batch_items_by_hash ON llm_batch_items (request_hash);
"""


@dataclass(frozen=True)
class Submission:
    """One batch of one model's requests, as the ledger knows it. `scope` is what asked for it (a partition key):
    the sensor re-materializes that scope once its batches are done."""

    submission_id: str
    scope: str
    model_name: str
    model: str
    state: State
    claimed_by: str
    input_file_id: str | None
    create_sent_at: str | None
    batch_id: str | None
    provider_status: str | None
    total: int
    completed: int
    failed: int
    created_at: str
    submitted_at: str | None
    deadline: str | None
    polled_at: str | None
    closed_at: str | None
    note: str | None

    @property
    def age_s(self) -> float:
        return (_now() - datetime.fromisoformat(self.created_at)).total_seconds()

    def resumable(self) -> bool:
        """Whether this process may finish a claim: its own, or one whose process is gone (on this host: the pid no
        longer runs) or any claim older than an hour (another host's, which we cannot ask; a reused pid). Submitting
        takes minutes at most."""
        host, _, pid = self.claimed_by.rpartition(":")
        if host != socket.gethostname() or self.age_s > _STALE_CLAIM_S:
            return self.age_s > _STALE_CLAIM_S
        if int(pid) == os.getpid():
            return True
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            return False
        return False


class BatchLedger:
    """One connection per instance, usable from any thread; each process opens its own (the cache's connection)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._con = open_shared(self.path)
        self._lock = threading.Lock()
        self._con.executescript(_SCHEMA)

    def claim(self, scope: str, model_name: str, model: str, hashes: Sequence[str], sizes: Mapping[str, int],
              max_requests: int, max_bytes: int) -> list[Submission]:
        """New submissions for the `hashes` that no unclosed submission holds, split at the provider's limits
        (requests and bytes per input file). Committed before it returns: from here on, a crash leaves a claim."""
        now = _now().isoformat()
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")  # no other process claims between our check and our insert
            try:
                held = self._held(hashes)
                chunks = _split([h for h in dict.fromkeys(hashes) if h not in held], sizes, max_requests, max_bytes)
                ids = []
                for chunk in chunks:
                    submission_id = f"personax-{uuid.uuid4().hex}"
                    self._con.execute(
                        "INSERT INTO llm_batches (submission_id, scope, model_name, model, state, claimed_by, total, "
                        "created_at) VALUES (?, ?, ?, ?, 'claimed', ?, ?, ?)",
                        (submission_id, scope, model_name, model, _me(), len(chunk), now))
                    self._con.executemany("INSERT INTO llm_batch_items VALUES (?, ?)",
                                          [(submission_id, h) for h in chunk])
                    ids.append(submission_id)
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        return [self.get(i) for i in ids]

    def adopt(self, submission_id: str) -> None:
        """This process resumes an orphaned claim."""
        self._update(submission_id, claimed_by=_me())

    def held(self, hashes: Iterable[str]) -> set[str]:
        """The hashes that an unclosed submission holds (claimed or open at the provider)."""
        with self._lock:
            return self._held(list(hashes))

    def unfinished(self, scope: str | None = None) -> list[Submission]:
        where = "state <> 'closed'" + ("" if scope is None else " AND scope = ?")
        return self._select(where, () if scope is None else (scope,))

    def recent(self, limit: int = 50) -> list[Submission]:
        return self._select("1 = 1 ORDER BY created_at DESC LIMIT ?", (limit,))

    def get(self, submission_id: str) -> Submission:
        found = self._select("submission_id = ?", (submission_id,))
        if not found:
            raise KeyError(f"no batch submission {submission_id} in {self.path}")
        return found[0]

    def items(self, submission_id: str) -> list[str]:
        with self._lock:
            rows = self._con.execute("SELECT request_hash FROM llm_batch_items WHERE submission_id = ? "
                                     "ORDER BY rowid", (submission_id,)).fetchall()
        return [r[0] for r in rows]

    def record_file(self, submission_id: str, input_file_id: str) -> None:
        self._update(submission_id, input_file_id=input_file_id)

    def record_create_sent(self, submission_id: str) -> None:
        """Written just before the create call: a claim with it may exist at the provider, one without cannot."""
        self._update(submission_id, create_sent_at=_now().isoformat())

    def record_batch(self, submission_id: str, batch_id: str, status: str, deadline: str | None) -> None:
        self._update(submission_id, state="open", batch_id=batch_id, provider_status=status, deadline=deadline,
                     submitted_at=_now().isoformat())

    def record_poll(self, submission_id: str, status: str, completed: int, failed: int) -> None:
        self._update(submission_id, provider_status=status, completed=completed, failed=failed,
                     polled_at=_now().isoformat())

    def close(self, submission_id: str, note: str) -> None:
        self._update(submission_id, state="closed", closed_at=_now().isoformat(), note=note)

    def close_connection(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> BatchLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_connection()

    def _held(self, hashes: Sequence[str]) -> set[str]:
        held: set[str] = set()
        for start in range(0, len(hashes), _CHUNK):
            chunk = list(hashes[start:start + _CHUNK])
            marks = ", ".join("?" * len(chunk))
            rows = self._con.execute(
                f"SELECT i.request_hash FROM llm_batch_items i JOIN llm_batches b USING (submission_id) "
                f"WHERE b.state <> 'closed' AND i.request_hash IN ({marks})", chunk).fetchall()
            held.update(r[0] for r in rows)
        return held

    def _select(self, where: str, params: tuple) -> list[Submission]:
        columns = ", ".join(Submission.__dataclass_fields__)
        with self._lock:
            rows = self._con.execute(f"SELECT {columns} FROM llm_batches WHERE {where}", params).fetchall()
        return [Submission(*row) for row in rows]

    def _update(self, submission_id: str, **values: object) -> None:
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._lock:
            self._con.execute(f"UPDATE llm_batches SET {assignments} WHERE submission_id = ?",
                              (*values.values(), submission_id))


def _split(hashes: list[str], sizes: Mapping[str, int], max_requests: int, max_bytes: int) -> list[list[str]]:
    chunks: list[list[str]] = []
    current: list[str] = []
    current_bytes = 0
    for h in hashes:
        size = sizes[h]
        if size > max_bytes:
            raise ValueError(f"request {h[:12]} alone is {size:,} bytes, above the batch file limit of {max_bytes:,}")
        if current and (len(current) >= max_requests or current_bytes + size > max_bytes):
            chunks.append(current)
            current, current_bytes = [], 0
        current.append(h)
        current_bytes += size
    if current:
        chunks.append(current)
    return chunks


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(timezone.utc)
