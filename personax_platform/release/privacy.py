"""The last gate before a release leaves: no private text of the input may appear anywhere in it."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow.parquet as pq

# Shorter strings (a country code, "actor") are features, not private text.
_MIN_CHARS = 8


def find_private_text(folder: Path, private: Iterable[str]) -> list[str]:
    """'<file>: <text>' for each private string found in a file's bytes or in a Parquet file's decoded cells."""
    needles = {s.strip() for s in private if isinstance(s, str) and len(s.strip()) >= _MIN_CHARS}
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        haystacks = [path.read_bytes().decode("utf-8", errors="ignore")]
        if path.suffix == ".parquet":  # compressed pages hide text from a byte scan: read the cells too
            table = pq.read_table(path)
            haystacks.append("\n".join(table.column_names))
            haystacks += ["\n".join(map(str, col.to_pylist())) for col in table.columns
                          if str(col.type) in ("string", "large_string")]
        text = "\n".join(haystacks)
        found += [f"{path.relative_to(folder)}: {needle[:40]}" for needle in sorted(needles) if needle in text]
    return found
