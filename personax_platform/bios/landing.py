"""Read a league's landing files (CSV, JSONL, Parquet) into raw rows, exactly as found.

Every physical row becomes one raw row: a row that cannot be read (invalid JSON, wrong number of CSV fields, an
unreadable file) is kept with its `read_error` so the normaliser can quarantine it. Nothing is dropped here.

Two problems belong to a whole file, and become one raw row (line 0) with the reason instead of one per line:
- an encoding that is neither the configured one nor confidently detected (encoding.py); a detected encoding is
  recorded in every row of the file;
- columns that lack the league's identity or name fields, e.g. another source's roster dropped in this league's
  folder: the reason names the missing and unexpected columns and the leagues whose mapping the columns fit.

A CSV's cells are all text, so its rows become the raw frame column-wise in polars (the record's JSON included). A JSON
line that polars decodes exactly (records.py) is already the text `json` writes, and is kept as it is; the other lines,
and Parquet records, which can hold any type, are serialised by `json` itself, whose text the warehouse has always
stored.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from personax_platform.bios import schema
from personax_platform.bios.encoding import DEFAULT_ENCODING, EncodingError, decode_landing_file
from personax_platform.bios.missing import WHITESPACE, is_missing, missing_text
from personax_platform.bios.records import DecodedObjects, decode_objects, encoded, json_object, python_values
from personax_platform.config.datasets import SourceMapping

READERS = (".csv", ".jsonl", ".parquet")
# A file's raw rows, before the dataset, league, file, encoding and load time are added.
_ROWS = {"source_line": pl.Int64, "source_id": pl.String, "record": pl.String, "read_error": pl.String}


@dataclass(frozen=True)
class LandingFile:
    """A file's raw rows (`_ROWS`), the columns its records have, and the encoding its text was read in (None for
    Parquet, or when it could not be read)."""
    rows: pl.DataFrame
    columns: frozenset[str] = frozenset()
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
                  other_sources: Mapping[str, SourceMapping] | None = None) -> pl.DataFrame:
    """All rows of a league's landing files as a `bios.raw_bios` frame. `other_sources` (league -> mapping) lets a
    file with the wrong columns name the league it seems to belong to."""
    landing_root = Path(landing_root)
    frames = []
    for path in landing_files(landing_root, source):
        loaded_at = datetime.now(timezone.utc)
        landed = read_file(path, source, other_sources or {})
        frames.append(landed.rows.with_columns(
            dataset=pl.lit(dataset), league=pl.lit(league),
            source_file=pl.lit(path.relative_to(landing_root).as_posix()),
            encoding=pl.lit(landed.encoding, dtype=pl.String), loaded_at=pl.lit(loaded_at),
        ))
    return schema.typed(pl.concat(frames), schema.RAW_BIOS)


def read_file(path: Path, source: SourceMapping,
              other_sources: Mapping[str, SourceMapping] | None = None) -> LandingFile:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            text = decode_landing_file(path.read_bytes(), source.csv.encoding, path.name)
            landed = _read_csv(text.text, source.csv.delimiter, source.identity)
        elif suffix == ".jsonl":
            # JSON Lines are UTF-8 by definition; a legacy export is detected like a CSV
            text = decode_landing_file(path.read_bytes(), DEFAULT_ENCODING, path.name)
            landed = _read_jsonl(text.text, source.identity)
        elif suffix == ".parquet":
            return _judged(path, _read_parquet(path, source.identity), source, other_sources)
        else:
            return _file_rejected(f"unsupported file type '{suffix}' (expected one of {READERS})")
    except EncodingError as exc:
        return _file_rejected(f"file rejected: {exc}")
    except (OSError, csv.Error, ValueError) as exc:
        return _file_rejected(f"cannot read file {path.name}: {exc}")
    return _judged(path, replace(landed, encoding=text.encoding), source, other_sources)


def _judged(path: Path, landed: LandingFile, source: SourceMapping,
            other_sources: Mapping[str, SourceMapping] | None) -> LandingFile:
    """The file as read, or one rejection when its columns cannot be this source's."""
    problem = header_problem(landed.columns, source, other_sources or {})
    if problem:
        return _file_rejected(f"file rejected: {path.name} {problem}", landed.encoding)
    return landed


def _file_rejected(reason: str, encoding: str | None = None) -> LandingFile:
    """A problem of the whole file: one raw row, line 0."""
    return LandingFile(_unreadable([0], [reason]), encoding=encoding)


def _unreadable(lines: list[int], reasons: list[str]) -> pl.DataFrame:
    """Raw rows kept with their read error and no record."""
    nothing = [None] * len(lines)
    return pl.DataFrame({"source_line": lines, "source_id": nothing, "record": nothing, "read_error": reasons},
                        schema=_ROWS)


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


def _read_csv(text: str, delimiter: str, identity: Sequence[str]) -> LandingFile:
    """Physical line numbers (a quoted cell may span lines) need the csv module; the rest is column-wise."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return LandingFile(pl.DataFrame(schema=_ROWS))
    header = [h.strip().lstrip("\ufeff") for h in header]
    lines, cells, bad_lines, errors = [], [], [], []
    line = reader.line_num
    for values in reader:
        first_line, line = line + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            bad_lines.append(first_line)
            errors.append(f"row has {len(values)} fields but the header has {len(header)}: {values!r}")
        else:
            lines.append(first_line)
            cells.append(values)
    good = _csv_rows(header, lines, cells, identity)
    rows = pl.concat([good, _unreadable(bad_lines, errors)]).sort("source_line")
    return LandingFile(rows, frozenset(header) if lines else frozenset())


def _csv_rows(header: list[str], lines: list[int], cells: list[list[str]], identity: Sequence[str]) -> pl.DataFrame:
    """Well-formed CSV rows: the record as json.dumps(dict(zip(header, values)), ensure_ascii=False) writes it, and
    the source id from the identity cells. A repeated column name keeps its first place and its last value, as in a
    dict."""
    last = {name: index for index, name in enumerate(header)}
    columns = list(zip(*cells)) if cells else [() for _ in header]
    frame = pl.DataFrame({f"c{index}": column for index, column in enumerate(columns)},
                         schema={f"c{index}": pl.String for index in range(len(header))})
    fields = [(name, encoded(pl.col(f"c{index}"), pl.String)) for name, index in last.items()]
    ids = [_cleaned_text(pl.col(f"c{last[field]}")) if field in last else pl.lit(None, pl.String) for field in identity]
    return frame.select(
        source_line=pl.Series(lines, dtype=pl.Int64),
        source_id=pl.concat_str(ids, separator="|"),
        record=json_object(fields),
        read_error=pl.lit(None, pl.String),
    )


def _cleaned_text(cell: pl.Expr) -> pl.Expr:
    """`_clean` for a text cell: stripped, null when missing."""
    return pl.when(missing_text(cell)).then(None).otherwise(cell.str.strip_chars(WHITESPACE))


def _read_jsonl(text: str, identity: Sequence[str]) -> LandingFile:
    """Lines polars decodes exactly are their own record; Python's json reads the others."""
    # the lines as universal-newline reading numbers them (\r\n and \r end lines too), blank ones left out
    physical = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = (pl.DataFrame({"line": physical}, schema={"line": pl.String})
                .with_row_index("number", offset=1).filter(pl.col("line").str.strip_chars(WHITESPACE) != ""))
    numbers, lines = numbered["number"].cast(pl.Int64), numbered["line"]
    decoded = decode_objects(lines)
    records: dict[int, dict] = {}  # position -> the record Python read, for the lines polars could not
    texts: dict[int, str | None] = {}
    errors: dict[int, str] = {}
    for position in decoded.inexact:
        # json reads the line with its end, as the file iterator gave it: its messages count the newline in
        line = lines[position] + ("\n" if numbers[position] < len(physical) else "")
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError as exc:
            errors[position] = f"invalid JSON ({exc.msg} at column {exc.colno}): {line.strip()[:200]}"
            parsed = None
        if isinstance(parsed, dict):
            records[position] = parsed
        elif position not in errors:
            errors[position] = f"expected a JSON object, found {type(parsed).__name__}"
        texts[position] = json.dumps(parsed, ensure_ascii=False, default=str) if position in records else None
    unread = set(errors)
    rows = pl.DataFrame({
        "source_line": numbers,
        "source_id": _record_ids(decoded, records, unread, identity),
        "record": lines.clone().scatter(list(texts), list(texts.values())) if texts else lines,
        "read_error": _patched([None] * len(lines), errors),
    }, schema=_ROWS)
    exact_rows = len(decoded.inexact) < len(lines)
    keys = frozenset(decoded.fields.columns if exact_rows else ()).union(*(r for r in records.values() if r))
    return LandingFile(rows, keys)


def _patched(values: list, replacements: Mapping[int, object]) -> list:
    for position, value in replacements.items():
        values[position] = value
    return values


def _record_ids(decoded: DecodedObjects, records: Mapping[int, dict], unread: set[int],
                identity: Sequence[str]) -> pl.Series:
    """`source_id` of every decoded line: column-wise where the identity columns are text or integers (whose text is
    `str`'s), row by row otherwise and for the lines Python read; null for unreadable lines."""
    fields = decoded.fields
    if identity and all(field not in fields.columns or fields.schema[field] in (pl.String, pl.Int64)
                        for field in identity):
        ids = fields.select(pl.concat_str([_cleaned_text(pl.col(field).cast(pl.String)) if field in fields.columns
                                           else pl.lit(None, pl.String) for field in identity], separator="|"))
        ids = ids.to_series() if fields.width else pl.Series([None] * decoded.length, dtype=pl.String)
        python = {position: source_id(record, tuple(identity)) for position, record in records.items()}
        return pl.Series(_patched(ids.to_list(), {**python, **dict.fromkeys(unread)}), dtype=pl.String)
    columns = [python_values(decoded, field, records) for field in identity]
    ids = ["|".join(parts) if None not in (parts := [_clean(value) for value in values]) else None
           for values in (zip(*columns) if columns else [()] * decoded.length)]
    return pl.Series(_patched(ids, dict.fromkeys(unread)), dtype=pl.String)


def _read_parquet(path: Path, identity: Sequence[str]) -> LandingFile:
    """Rows numbered from 1; the columns are the file's schema even when it has no rows."""
    table = pq.read_table(path)
    landed = _record_rows(range(1, table.num_rows + 1), table.to_pylist(), [None] * table.num_rows, identity)
    return replace(landed, columns=frozenset(table.schema.names))


def _record_rows(lines: Iterable[int], records: list[dict | None], errors: list[str | None],
                 identity: Sequence[str]) -> LandingFile:
    """Records of any JSON type: the record's text and source id come from Python's own json and str."""
    rows = pl.DataFrame({
        "source_line": list(lines),
        "source_id": [source_id(record, identity) for record in records],
        "record": [None if r is None else json.dumps(r, ensure_ascii=False, default=str) for r in records],
        "read_error": errors,
    }, schema=_ROWS)
    return LandingFile(rows, frozenset().union(*(record for record in records if record)))
