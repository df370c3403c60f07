"""The last gate before a release leaves: no private text of the input may appear anywhere in it.

Every distinct string of the release is checked: each Parquet file's decoded string cells (compression hides text
from a byte scan), column names and schema metadata, and the whole text of every other file. Release ids are hex
pseudonyms and cannot contain text, so they are only checked for being a private string themselves.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pyarrow.parquet as pq

# Shorter strings (a country code, "actor") are features, not private text.
_MIN_CHARS = 8
_PSEUDONYM = re.compile(r"^pxr-[0-9a-f]{20}$")


def find_private_text(folder: Path, private: Iterable[str]) -> list[str]:
    """'<file>: <text>' for each private string found in the release folder."""
    needles = {s.strip() for s in private if isinstance(s, str) and len(s.strip()) >= _MIN_CHARS}
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        texts = _parquet_strings(path) if path.suffix == ".parquet" else {path.read_text("utf-8", errors="ignore")}
        hits = {needle for text in texts for needle in _needles_in(text, needles)}
        found += [f"{path.relative_to(folder)}: {needle[:40]}" for needle in sorted(hits)]
    return found


def _parquet_strings(path: Path) -> set[str]:
    table = pq.read_table(path)
    strings = set(table.column_names) | {str(table.schema.metadata or "")}
    for column in table.columns:
        if str(column.type) in ("string", "large_string"):
            strings |= {v for v in column.unique().to_pylist() if v is not None}
    return strings


def _needles_in(text: str, needles: set[str]) -> set[str]:
    if text in needles:
        return {text}
    if _PSEUDONYM.match(text):
        return set()
    return {needle for needle in needles if needle in text}
