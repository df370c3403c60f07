"""Test helpers that need real processes: a data engineer holding the DuckDB catalog open."""
from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

_HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("holding", flush=True)
sys.stdin.read()
"""


@contextlib.contextmanager
def holding_catalog(path: Path, read_only: bool = False) -> Iterator[subprocess.Popen]:
    """Another process with an open connection to the catalog file, for as long as the block runs."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if read_only and not Path(path).exists():
        import duckdb

        duckdb.connect(str(path)).close()
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path), "ro" if read_only else "rw"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "holding"
        yield proc
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
