"""A field polars holds as a column is parsed once per distinct value like a list of Python values is: same parsed
values, reasons and texts, whatever `fast` settles."""
from __future__ import annotations

import polars as pl
import pytest

from personax_platform.bios.categories import parse_face_attribute, parse_gender
from personax_platform.bios.distinct import parse_distinct
from personax_platform.bios.normalize import _text, _text_column
from personax_platform.bios.units import parse_height_cm, parse_weight_kg

CASES = [
    (["6-1", "6-1", None, "six two", " 6-1 ", "n/a", "6' 14\"", "188cm"], lambda v: parse_height_cm(v, "ft_in"),
     pl.Float64, pl.String),
    ([180, 180, None, 0, -3, 74], lambda v: parse_weight_kg(v, "lb"), pl.Float64, pl.Int64),
    (["male", "F", None, "other", "male"], parse_gender, pl.String, pl.String),
    ([1, -1, 0, 2, None, 1], parse_face_attribute, pl.Int8, pl.Int64),
    ([True, False, None, True], parse_face_attribute, pl.Int8, pl.Boolean),
    ([None, None], parse_gender, pl.String, pl.Null),
    (["  Ann  Lee ", "Ann Lee", "n/a", None, "a\x1cb", "x\u3000y", "", "Bo"], _text, pl.String, pl.String),
]


@pytest.mark.parametrize(("values", "parse", "dtype", "column_type"), CASES)
def test_a_column_parses_as_its_python_values_do(values, parse, dtype, column_type):
    expected = parse_distinct(values, parse, dtype)
    column = pl.Series(values, dtype=column_type)
    assert parse_distinct(column, parse, dtype).equals(expected)
    if parse is _text:
        assert parse_distinct(column, parse, dtype, _text_column).equals(expected)


def test_a_fast_reading_that_settles_nothing_or_everything_changes_nothing():
    values = ["6-1", "6-2", None, "tall"]
    parse = lambda v: parse_height_cm(v, "ft_in")  # noqa: E731
    expected = parse_distinct(values, parse, pl.Float64)
    nothing = lambda s: pl.Series([None] * len(s), dtype=pl.Float64)  # noqa: E731
    known = {"6-1": 185.4, "6-2": 188.0}
    some = lambda s: pl.Series([known.get(v) for v in s], dtype=pl.Float64)  # noqa: E731
    for fast in (nothing, some):
        assert parse_distinct(pl.Series(values), parse, pl.Float64, fast).equals(expected)
