"""Row-wise Python parsers (units, dates, countries, categories) run once per distinct value, not once per row.

A column repeats few values (heights, countries, genders, images' face flags), and each parser's messages depend on the
value's Python type (1, 1.0, True and "1" read differently), which no polars dtype keeps for a mixed JSON field. So a
mixed field's values stay Python objects; each distinct one (by type and value) is parsed once, and polars gathers the
results back onto the rows. A field polars holds exactly (records.py: one type, the one Python gives) comes as a
column: its distinct values are found and joined back by polars, and an optional vectorised `fast` parser settles the
distinct values it can before Python parses the rest.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from personax_platform.bios.errors import FieldError

# Types whose equal values read the same, so a value is its own key (a float is not: 0.0 == -0.0).
_SELF_KEYED = frozenset({str, int, bool, type(None)})


def parse_distinct(values: Sequence[Any] | pl.Series, parse: Callable[[Any], Any], dtype: pl.DataType,
                   fast: Callable[[pl.Series], pl.Series] | None = None) -> pl.DataFrame:
    """One row per value: `parsed` (dtype; null where it failed), `reason` (the FieldError's) and `value` (the raw
    value as text, for the quarantine). `fast(distinct values)` returns what `parse` would for each value, or null
    where it leaves the value to `parse` (it must never settle a value `parse` rejects); only columns use it."""
    if isinstance(values, pl.Series):
        return _parse_column(values, parse, dtype, fast)
    types = list(map(type, values))
    keys = list(zip(types, values if _SELF_KEYED.issuperset(types) else map(_hashable, values)))
    distinct = list(dict.fromkeys(keys))
    position = {key: index for index, key in enumerate(distinct)}
    first_value = dict(zip(keys, values))  # the values of a key are equal and of one type: they parse the same
    parsed, reasons = [], []
    for key in distinct:
        try:
            parsed.append(parse(first_value[key]))
            reasons.append(None)
        except FieldError as exc:
            parsed.append(None)
            reasons.append(exc.reason)
    texts = [None if first_value[key] is None else str(first_value[key]) for key in distinct]
    table = pl.DataFrame({"parsed": parsed, "reason": reasons, "value": texts},
                         schema={"parsed": dtype, "reason": pl.String, "value": pl.String})
    return table.select(pl.all().gather(list(map(position.__getitem__, keys))))


def _parse_column(values: pl.Series, parse: Callable[[Any], Any], dtype: pl.DataType,
                  fast: Callable[[pl.Series], pl.Series] | None) -> pl.DataFrame:
    """`parse_distinct` for a column of one exact type, whose equal values are equal Python objects of that type.
    `fast` reads every row (most values are distinct where it pays, e.g. names); Python parses what it leaves, once
    per distinct value."""
    rows = values.rename("key").to_frame()
    if fast is not None:
        rows = rows.with_columns(fast(values).alias("settled"))
    else:
        rows = rows.with_columns(settled=pl.lit(None, dtype))
    pending = rows.filter(pl.col("settled").is_null())["key"].unique().to_list()
    parsed, reasons = [], []
    for value in pending:
        try:
            parsed.append(parse(value))
            reasons.append(None)
        except FieldError as exc:
            parsed.append(None)
            reasons.append(exc.reason)
    by_python = pl.DataFrame({"key": pl.Series(pending, dtype=values.dtype),
                              "by_python": pl.Series(parsed, dtype=dtype),
                              "reason": pl.Series(reasons, dtype=pl.String)})
    return (rows.join(by_python, on="key", how="left", nulls_equal=True, maintain_order="left")
            .select(parsed=pl.coalesce("settled", "by_python"), reason="reason", value=_text(values.dtype)))


def _text(dtype: pl.DataType) -> pl.Expr:
    """`str(key)` for a column of one of records.SCALAR_DTYPES (null stays null)."""
    key = pl.col("key")
    if dtype == pl.Boolean:
        return pl.when(key).then(pl.lit("True")).when(~key).then(pl.lit("False"))
    if dtype == pl.String or dtype.is_integer() or dtype == pl.Null:
        return key.cast(pl.String)
    raise TypeError(f"parse_distinct takes columns of text, integers, booleans or nulls, not {dtype}")


def _hashable(value: Any) -> Any:
    """What tells the value apart: a float by its text (0.0 and -0.0 are equal but read differently), a JSON list
    or object by its text (with its key order), anything else by itself."""
    if isinstance(value, float | list | dict):
        return repr(value)
    return value
