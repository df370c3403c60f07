"""JSON objects decoded by polars wherever polars reads them exactly as Python's `json` does.

Decoding thousands of JSON lines one by one in Python is the slow part of reading JSON Lines and of normalising any
record. polars decodes a column at once, but it coerces: a field holding 1 and true reads both as 1, 1.5 under an
integer field reads as 1, a repeated key keeps the first value. So every decoded row is written back as
`json.dumps(record, ensure_ascii=False)` would write it and compared with its text: where the two are equal, the text
is exactly Python's serialisation of the values polars read, so those values (and their JSON types) are Python's.
The other rows (different formatting, absent keys, mixed types, floats, invalid JSON) are left to the caller's Python.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import polars as pl

# How json.dumps writes each character it escapes in a string (ensure_ascii=False escapes only these).
JSON_ESCAPES = {ch: json.dumps(ch)[1:-1] for ch in '\\"' + "".join(map(chr, range(0x20)))}
_INFERRED_FROM = 100  # objects whose keys and types are taken for all (the others' keys and types are checked)
_SLICE = 1000
# The scalar types of an exact row's values: what json.loads makes of a string, boolean, null or integer.
SCALAR_DTYPES = (pl.String, pl.Boolean, pl.Null, pl.Int64)


@dataclass(frozen=True)
class DecodedObjects:
    """`fields`: one column per top-level key, as polars read it; `inexact`: the positions (ascending) of the rows
    whose values polars cannot be trusted on or could not read, left to Python. Every other row's text is its
    canonical `json.dumps` text, key order included, so such a row has every column's key."""
    fields: pl.DataFrame
    inexact: list[int]
    length: int


def decode_objects(texts: pl.Series) -> DecodedObjects:
    """The JSON object in each text, decoded by polars where that is exact."""
    # not an object, not even polars can read: only objects are asked for
    objects = pl.select(pl.when(texts.str.starts_with("{") & texts.str.ends_with("}")).then(texts)).to_series()
    try:
        dtype = objects.drop_nulls().head(_INFERRED_FROM).str.json_decode(infer_schema_length=None).dtype
    except pl.exceptions.PolarsError:
        dtype = None
    if not isinstance(dtype, pl.Struct) or not dtype.fields:
        return DecodedObjects(pl.DataFrame(), list(range(len(texts))), len(texts))
    decoded = []
    # in slices: polars' decoder needs several times its input in working memory
    for start in range(0, len(texts), _SLICE):
        chunk = objects.slice(start, _SLICE)
        try:
            decoded.append(chunk.str.json_decode(dtype))  # a row the first rows' types do not fit fails its slice
        except pl.exceptions.PolarsError:
            decoded.append(pl.Series([None] * len(chunk), dtype=dtype))
    values = pl.concat(decoded) if decoded else pl.Series([], dtype=dtype)
    exact = pl.DataFrame({"values": values, "text": texts}).select(
        encoded(pl.col("values"), dtype).eq(pl.col("text")).fill_null(False)).to_series()
    return DecodedObjects(values.struct.unnest(), (~exact).arg_true().to_list(), len(texts))


def encoded(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """`json.dumps(value, ensure_ascii=False)`; null where polars' type cannot be written exactly (floats, whose
    text differs from Python's repr in places), so such rows never count as exact."""
    return pl.when(value.is_null()).then(pl.lit("null")).otherwise(_non_null(value, dtype))


def _non_null(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return pl.concat_str([pl.lit('"'), value.str.replace_many(JSON_ESCAPES), pl.lit('"')])
    if dtype.is_integer():
        return value.cast(pl.String)
    if dtype == pl.Boolean:
        return pl.when(value).then(pl.lit("true")).otherwise(pl.lit("false"))
    if isinstance(dtype, pl.Struct):
        return json_object([(field.name, encoded(value.struct.field(field.name), field.dtype))
                            for field in dtype.fields])
    if isinstance(dtype, pl.List):
        items = value.list.eval(encoded(pl.element(), dtype.inner)).list.join(", ", ignore_nulls=False)
        return pl.concat_str([pl.lit("["), items, pl.lit("]")])
    return pl.lit(None, pl.String)


def json_object(fields: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """A JSON object of already encoded values, key order kept, with json.dumps's separators."""
    if not fields:
        return pl.lit("{}")
    pieces = []
    for position, (key, value) in enumerate(fields):
        pieces += [pl.lit(("{" if position == 0 else ", ") + json.dumps(key, ensure_ascii=False) + ": "), value]
    return pl.concat_str([*pieces, pl.lit("}")])


def python_values(decoded: DecodedObjects, key: str, python: dict[int, dict]) -> list[Any]:
    """A key's value in every row as Python objects: polars' for the exact rows, the records Python decoded for the
    others (`python`: position -> record)."""
    fields = decoded.fields
    values = fields[key].to_list() if key in fields.columns else [None] * decoded.length
    for position, record in python.items():
        values[position] = record.get(key)
    return values


def exact_column(decoded: DecodedObjects, key: str) -> pl.Series | None:
    """The key's column when polars holds every row's value exactly (no row was left to Python), else None."""
    if decoded.inexact or key not in decoded.fields.columns:
        return None
    return decoded.fields[key]
