"""A cache file written before `cached_input_tokens` existed opens, keeps its answers and gains the column."""
from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from personax_platform.llm.cache import CachedResponse, ResponseCache

# The table as the first release created it.
_FIRST_RELEASE_SCHEMA = """
CREATE TABLE llm_responses (
    request_hash TEXT PRIMARY KEY, model TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), raw_response TEXT, finish_reason TEXT,
    model_version TEXT, input_tokens INTEGER, output_tokens INTEGER, cost_usd REAL NOT NULL DEFAULT 0,
    latency_s REAL, attempts INTEGER NOT NULL, failure_reason TEXT, run_id TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
)
"""


def _first_release_file(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute(_FIRST_RELEASE_SCHEMA)
    con.execute("INSERT INTO llm_responses VALUES ('old', 'openai/x', 'ok', '{}', 'stop', 'x', 9, 3, 0.5, 0.1, 1, "
                "NULL, 'r0', 't0', 't0')")
    con.commit()
    con.close()


def _columns(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [row[1] for row in con.execute("PRAGMA table_info(llm_responses)")]
    finally:
        con.close()


def test_an_old_cache_file_gains_the_column_and_its_rows_read_as_unknown(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _first_release_file(path)
    with ResponseCache(path) as cache:
        old = cache.get_ok(["old"])["old"]
        assert (old.input_tokens, old.cost_usd, old.cached_input_tokens) == (9, 0.5, None)
        cache.put(replace(old, request_hash="new", cached_input_tokens=7))
    with ResponseCache(path) as cache:  # a second open finds the column and changes nothing
        assert cache.get_ok(["new"])["new"].cached_input_tokens == 7
    assert _columns(path).count("cached_input_tokens") == 1


def test_new_and_migrated_files_have_one_layout(tmp_path: Path) -> None:
    _first_release_file(tmp_path / "old.sqlite")
    for name in ("old.sqlite", "new.sqlite"):
        ResponseCache(tmp_path / name).close()
    assert _columns(tmp_path / "old.sqlite") == _columns(tmp_path / "new.sqlite")
    assert _columns(tmp_path / "new.sqlite") == list(CachedResponse.__dataclass_fields__)
