"""Read a league's landing files (CSV, JSONL, Parquet) into raw rows, exactly as found.

Every physical row becomes one raw row: a row that cannot be read (invalid JSON, wrong number of CSV fields, an
unreadable file) is kept with its `read_error` so the normaliser can quarantine it. Nothing is dropped here.

Two problems belong to a whole file, and become one raw row (line 0) with the reason instead of one per line:
- an encoding that is neither the configured one nor confidently detected (encoding.py); a detected encoding is
  recorded in every row of the file;
- columns that lack the league's identity or name fields, e.g. another source's roster dropped in this league's
  folder: the reason names the missing and unexpected columns and the leagues whose mapping the columns fit.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from personax_platform.bios import schema
from personax_platform.bios.encoding import DEFAULT_ENCODING, EncodingError, decode_landing_file
from personax_platform.bios.missing import is_missing
from personax_platform.config.datasets import SourceMapping

READERS = (".csv", ".jsonl", ".parquet")


@dataclass(frozen=True)
class RawRow:
    source_line: int
    record: dict | None
    read_error: str | None = None


@dataclass(frozen=True)
class LandingFile:
    """A file's raw rows and the encoding its text was read in (None for Parquet, or when it could not be read)."""
    rows: list[RawRow]
    encoding: str | None = None


class NoLandingFiles(FileNotFoundError):
    pass


def landing_files(landing_root: Path, source: SourceMapping) -> list[Path]:
    """The files matching the source's glob, in name order (so later files win ties deterministically)."""
    files = sorted(p for p in Path(landing_root).glob(source.files) if p.is_file() and not p.name.startswith("."))
    if not files:
        raise NoLandingFiles(f"no landing files match '{source.files}' under {landing_root}")
    return files


def read_raw_bios(landing_root: Path, source: SourceMapping, dataset: str, league: str,
                  other_sources: Mapping[str, SourceMapping] | None = None) -> pd.DataFrame:
    """All rows of a league's landing files as a `bios.raw_bios` frame. `other_sources` (league -> mapping) lets a
    file with the wrong columns name the league it seems to belong to."""
    landing_root = Path(landing_root)
    rows = []
    for path in landing_files(landing_root, source):
        loaded_at = datetime.now(timezone.utc)
        relative = path.relative_to(landing_root).as_posix()
        landed = read_file(path, source, other_sources or {})
        for raw in landed.rows:
            rows.append({
                "dataset": dataset,
                "league": league,
                "source_file": relative,
                "source_line": raw.source_line,
                "source_id": source_id(raw.record, source.identity),
                "record": None if raw.record is None else json.dumps(raw.record, ensure_ascii=False, default=str),
                "read_error": raw.read_error,
                "encoding": landed.encoding,
                "loaded_at": loaded_at,
            })
    return pd.DataFrame(rows, columns=schema.RAW_BIOS.names)


def read_file(path: Path, source: SourceMapping,
              other_sources: Mapping[str, SourceMapping] | None = None) -> LandingFile:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            text = decode_landing_file(path.read_bytes(), source.csv.encoding, path.name)
            landed = LandingFile(list(_read_csv(text.text, source.csv.delimiter)), text.encoding)
        elif suffix == ".jsonl":
            # JSON Lines are UTF-8 by definition; a legacy export is detected like a CSV
            text = decode_landing_file(path.read_bytes(), DEFAULT_ENCODING, path.name)
            landed = LandingFile(list(_read_jsonl(text.text)), text.encoding)
        elif suffix == ".parquet":
            landed = LandingFile(list(_read_parquet(path)))
        else:
            return LandingFile([RawRow(0, None, f"unsupported file type '{suffix}' (expected one of {READERS})")])
    except EncodingError as exc:
        return LandingFile([RawRow(0, None, f"file rejected: {exc}")])
    except (OSError, csv.Error, ValueError) as exc:
        return LandingFile([RawRow(0, None, f"cannot read file {path.name}: {exc}")])
    problem = header_problem(_columns(landed.rows, path), source, other_sources or {})
    if problem:
        return LandingFile([RawRow(0, None, f"file rejected: {path.name} {problem}")], landed.encoding)
    return landed


def required_columns(source: SourceMapping) -> list[str]:
    """The columns a file must have for its rows to be read at all: the identity fields and those of the name."""
    name = source.fields["name"]
    return list(dict.fromkeys([*source.identity, *((name,) if isinstance(name, str) else name)]))


def header_problem(columns: Iterable[str], source: SourceMapping,
                   other_sources: Mapping[str, SourceMapping]) -> str | None:
    """Why a file with these columns cannot be this source's (None when it can)."""
    columns = set(columns)
    if not columns:
        return None  # an empty file: nothing to judge, nothing to read
    missing = [column for column in required_columns(source) if column not in columns]
    if not missing:
        return None
    unexpected = sorted(columns - _mapped_columns(source))
    fits = sorted((league for league, other in other_sources.items() if set(required_columns(other)) <= columns),
                  key=lambda league: -_overlap(columns, _mapped_columns(other_sources[league])))
    return (f"lacks the league's identity/name column(s) {missing}"
            + (f"; unexpected column(s) {_listed(unexpected)}" if unexpected else "")
            + (f"; its columns fit the mapping of league(s) {fits} (closest first): is it in the wrong folder?"
               if fits else "")
            + "; no row of it was read")


def _mapped_columns(source: SourceMapping) -> set[str]:
    mapped = set(source.identity) | ({source.images.field} if source.images else set())
    for value in source.fields.values():
        mapped.update((value,) if isinstance(value, str) else value)
    return mapped


def _overlap(columns: set[str], mapped: set[str]) -> float:
    """Jaccard similarity of a file's columns and a mapping's columns."""
    return len(columns & mapped) / len(columns | mapped)


def _listed(columns: list[str], limit: int = 12) -> str:
    return str(columns[:limit])[:-1] + (f", … {len(columns) - limit} more]" if len(columns) > limit else "]")


def _columns(rows: list[RawRow], path: Path) -> set[str]:
    """Every column name seen in the file (a Parquet file's schema even when it has no rows)."""
    if path.suffix.lower() == ".parquet":
        return set(pq.read_schema(path).names)
    return {key for row in rows if row.record for key in row.record}


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


def _read_csv(text: str, delimiter: str) -> Iterator[RawRow]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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
            yield RawRow(first_line, None, f"row has {len(values)} fields but the header has {len(header)}: {values!r}")
            continue
        yield RawRow(first_line, dict(zip(header, values)))


def _read_jsonl(text: str) -> Iterator[RawRow]:
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RawRow(number, None, f"invalid JSON ({exc.msg} at column {exc.colno}): {line.strip()[:200]}")
            continue
        if not isinstance(record, dict):
            yield RawRow(number, None, f"expected a JSON object, found {type(record).__name__}")
            continue
        yield RawRow(number, record)


def _read_parquet(path: Path) -> Iterator[RawRow]:
    for number, record in enumerate(pq.read_table(path).to_pylist(), start=1):
        yield RawRow(number, record)
