"""Response cache on SQLite, keyed by request hash: every result is committed the moment it arrives.

WAL mode lets parallel partition runs in separate processes write to one file (writers queue on the lock for up
to `busy_timeout`, readers never block); a commit in WAL mode survives the writing process being killed (-9), so a
re-run after a crash re-sends only the requests that had not returned. (synchronous=NORMAL trades durability on
power loss, not on process crash, for not fsyncing every response.)
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Status = Literal["ok", "failed"]
_BUSY_TIMEOUT_MS = 60_000
_CHUNK = 500  # hashes per IN (...) query, well below SQLite's variable limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_responses (
    request_hash   TEXT PRIMARY KEY,
    model          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    raw_response   TEXT,
    finish_reason  TEXT,
    model_version  TEXT,
    input_tokens   INTEGER,
    output_tokens  INTEGER,
    cost_usd       REAL NOT NULL DEFAULT 0,
    latency_s      REAL,
    attempts       INTEGER NOT NULL,
    failure_reason TEXT,
    run_id         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
)
"""

# Columns added after the first release, with their types. `_add_missing_columns` adds them to every file, old
# and new, so that all cache files have one layout.
_ADDED_COLUMNS = {"cached_input_tokens": "INTEGER"}

# An 'ok' row is never replaced by a failure: a concurrent run that gave up must not erase an answer.
_UPSERT = """
INSERT INTO llm_responses (request_hash, model, status, raw_response, finish_reason, model_version, input_tokens,
                           output_tokens, cost_usd, latency_s, attempts, failure_reason, run_id, created_at, updated_at,
                           cached_input_tokens)
VALUES (:request_hash, :model, :status, :raw_response, :finish_reason, :model_version, :input_tokens,
        :output_tokens, :cost_usd, :latency_s, :attempts, :failure_reason, :run_id, :created_at, :updated_at,
        :cached_input_tokens)
ON CONFLICT (request_hash) DO UPDATE SET
    model = excluded.model, status = excluded.status, raw_response = excluded.raw_response,
    finish_reason = excluded.finish_reason, model_version = excluded.model_version,
    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
    cached_input_tokens = excluded.cached_input_tokens, cost_usd = excluded.cost_usd,
    latency_s = excluded.latency_s, attempts = excluded.attempts, failure_reason = excluded.failure_reason,
    run_id = excluded.run_id, updated_at = excluded.updated_at
WHERE llm_responses.status <> 'ok' OR excluded.status = 'ok'
"""


def open_shared(path: Path) -> sqlite3.Connection:
    """A connection to the cache file as every process shares it (the response cache, the batch ledger): WAL,
    autocommit (each statement its own transaction unless BEGIN says otherwise), a long busy timeout, usable from
    any thread (callers serialise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    con.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    _enable_wal(con)
    con.execute("PRAGMA synchronous = NORMAL")
    return con


def _enable_wal(con: sqlite3.Connection) -> None:
    """Switching a new file to WAL needs an exclusive lock, and SQLite may answer "database is locked" at once,
    without its busy handler, while a second process opens the same new file: retry until the busy timeout."""
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            con.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass(frozen=True)
class CachedResponse:
    """One stored outcome of a request (the call that produced it: its run, tokens, cost and latency).
    `cached_input_tokens` is the part of `input_tokens` the provider served from its prompt cache; None where the
    provider did not say, and for rows written before the column existed."""

    request_hash: str
    model: str
    status: Status
    raw_response: str | None
    finish_reason: str | None
    model_version: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float
    latency_s: float | None
    attempts: int
    failure_reason: str | None
    run_id: str
    created_at: str
    updated_at: str
    cached_input_tokens: int | None = None


class ResponseCache:
    """One connection per instance, usable from any thread (calls are serialised); each process opens its own."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._con = open_shared(self.path)
        self._lock = threading.Lock()
        self._con.execute(_SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Cache files written before a column existed get it, empty: their answers stay valid cache hits."""
        present = {row[1] for row in self._con.execute("PRAGMA table_info(llm_responses)")}
        for name, sql_type in _ADDED_COLUMNS.items():
            if name in present:
                continue
            try:
                self._con.execute(f"ALTER TABLE llm_responses ADD COLUMN {name} {sql_type}")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):  # another process opening the same file added it first
                    raise

    def get_ok(self, hashes: Iterable[str]) -> dict[str, CachedResponse]:
        """The successful responses among `hashes`; failed and unknown hashes are absent (to be re-sent)."""
        return {row.request_hash: row for row in self._select(list(dict.fromkeys(hashes))) if row.status == "ok"}

    def get(self, hashes: Iterable[str]) -> dict[str, CachedResponse]:
        """Every stored outcome among `hashes`, failed ones included."""
        return {row.request_hash: row for row in self._select(list(dict.fromkeys(hashes)))}

    def put(self, response: CachedResponse) -> None:
        """Upsert (committed on return); a replaced row keeps its first `created_at`."""
        row = {name: getattr(response, name) for name in CachedResponse.__dataclass_fields__}
        with self._lock:
            self._con.execute(_UPSERT, row)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _select(self, hashes: list[str]) -> Iterator[CachedResponse]:
        columns = ", ".join(CachedResponse.__dataclass_fields__)
        for start in range(0, len(hashes), _CHUNK):
            chunk = hashes[start:start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            query = f"SELECT {columns} FROM llm_responses WHERE request_hash IN ({marks})"
            with self._lock:
                rows = self._con.execute(query, chunk).fetchall()
            yield from (CachedResponse(*values) for values in rows)
