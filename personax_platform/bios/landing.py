"""Read a league's landing files (CSV, JSONL, Parquet) into raw rows, exactly as found.

Every physical row becomes one raw row: a row that cannot be read (invalid JSON, wrong number of CSV fields, an
unreadable file) is kept with its `read_error` so the normaliser can quarantine it. Nothing is dropped here.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from personax_platform.bios import schema
from personax_platform.bios.missing import is_missing
from personax_platform.config.datasets import SourceMapping

READERS = (".csv", ".jsonl", ".parquet")


@dataclass(frozen=True)
class RawRow:
    source_line: int
    record: dict | None
    read_error: str | None = None


class NoLandingFiles(FileNotFoundError):
    pass


def landing_files(landing_root: Path, source: SourceMapping) -> list[Path]:
    """The files matching the source's glob, in name order (so later files win ties deterministically)."""
    files = sorted(p for p in Path(landing_root).glob(source.files) if p.is_file() and not p.name.startswith("."))
    if not files:
        raise NoLandingFiles(f"no landing files match '{source.files}' under {landing_root}")
    return files


def read_raw_bios(landing_root: Path, source: SourceMapping, dataset: str, league: str) -> pd.DataFrame:
    """All rows of a league's landing files as a `bios.raw_bios` frame."""
    landing_root = Path(landing_root)
    rows = []
    for path in landing_files(landing_root, source):
        loaded_at = datetime.now(timezone.utc)
        relative = path.relative_to(landing_root).as_posix()
        for raw in read_file(path, source):
            rows.append({
                "dataset": dataset,
                "league": league,
                "source_file": relative,
                "source_line": raw.source_line,
                "source_id": source_id(raw.record, source.identity),
                "record": None if raw.record is None else json.dumps(raw.record, ensure_ascii=False, default=str),
                "read_error": raw.read_error,
                "loaded_at": loaded_at,
            })
    return pd.DataFrame(rows, columns=schema.RAW_BIOS.names)


def read_file(path: Path, source: SourceMapping) -> Iterator[RawRow]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            yield from _read_csv(path, source.csv.delimiter, source.csv.encoding)
        elif suffix == ".jsonl":
            yield from _read_jsonl(path)
        elif suffix == ".parquet":
            yield from _read_parquet(path)
        else:
            yield RawRow(0, None, f"unsupported file type '{suffix}' (expected one of {READERS})")
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        yield RawRow(0, None, f"cannot read file {path.name}: {exc}")


def source_id(record: dict | None, identity: tuple[str, ...]) -> str | None:
    """The source identity: the identity fields joined by '|', or None when any is missing."""
    if record is None:
        return None
    parts = [_clean(record.get(field)) for field in identity]
    return None if any(p is None for p in parts) else "|".join(parts)


def _clean(value: object) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _read_csv(path: Path, delimiter: str, encoding: str) -> Iterator[RawRow]:
    with path.open(newline="", encoding=encoding) as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            return
        header = [h.strip().lstrip("\ufeff") for h in header]
        line = reader.line_num
        for values in reader:
            first_line, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield RawRow(first_line, None,
                             f"row has {len(values)} fields but the header has {len(header)}: {values!r}")
                continue
            yield RawRow(first_line, dict(zip(header, values)))


def _read_jsonl(path: Path) -> Iterator[RawRow]:
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                yield RawRow(number, None, f"invalid JSON ({exc.msg} at column {exc.colno}): {text.strip()[:200]}")
                continue
            if not isinstance(record, dict):
                yield RawRow(number, None, f"expected a JSON object, found {type(record).__name__}")
                continue
            yield RawRow(number, record)


def _read_parquet(path: Path) -> Iterator[RawRow]:
    for number, record in enumerate(pq.read_table(path).to_pylist(), start=1):
        yield RawRow(number, record)
