"""polars' JSON decoding is used only where it equals Python's json: every exact row must read as json.loads reads it,
types included, and its text must be json.dumps's; everything else must be left to Python."""
from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from personax_platform.bios import records
from personax_platform.bios.records import decode_objects, exact_column, python_values

ESCAPED = json.dumps({"a": 1, "b": 'q"\\\n\t\x01\x1f\x7f é ☃ 😀'}, ensure_ascii=False)  # json.dumps's escapes
TRICKY = [
    '{"a": 1, "b": "x"}',
    '{"a": 2, "b": "y"}',
    '{"a": 1.5, "b": "x"}',  # polars truncates it into the integer column
    '{"a": true, "b": "x"}',  # and reads true as 1
    '{"a": 1, "a": 2, "b": "x"}',  # Python keeps the last value, polars the first
    '{"b": "x", "a": 1}',  # another key order
    '{"a":1,"b":"x"}',  # other separators: the stored record is json.dumps's text
    '{"a": 1}',  # a key left out
    '{"a": null, "b": null}',
    ESCAPED,
    '{"a": 1, "b": "\\u007f"}',  # json.dumps writes DEL as it is
    '{"a": 1, "b": "\\u00e9"}',  # an escape json.dumps would not write
    '{"a": 1, "b": "\\ud800"}',  # a lone surrogate: Python keeps it, polars cannot
    '{"a": 99999999999999999999, "b": "x"}',
    '{"a": -0, "b": "x"}',
    '{"a": 1, "b": "x", "c": 3}',  # a key the first rows do not have
    '{"a": 1, "b": ',
    '[1, 2]',
    '"text"',
    '{"a": 1, "b": "x"} ',
    '{}',
]
NESTED = [
    '{"id": "1", "images": [{"file": "a.jpg", "attributes": {"x": 1, "y": -1}}], "tags": ["a", "b"], "ok": true}',
    '{"id": "2", "images": [], "tags": [], "ok": false}',
    '{"id": "3", "images": null, "tags": null, "ok": null}',
    '{"id": "4", "images": [null, {"file": null, "attributes": null}], "tags": ["c"], "ok": true}',
    '{"id": "5", "images": [{"file": "b.jpg", "attributes": {"x": 1}}], "tags": ["d"], "ok": true}',  # y left out
    '{"id": "6", "images": [{"file": "c.jpg", "attributes": {"x": 1.0, "y": 1}}], "tags": ["e"], "ok": true}',
    '{"id": "7", "images": [{"file": "c.jpg", "attributes": {"x": "1", "y": 1}}], "tags": [1], "ok": true}',
]
ODD = ['{"a": {}}', '{"a": {"k": 1}}', '{"a": []}', '{"a": [[]]}', '{"a": [{}]}', '{"a": 1e400}', '{"a": 1.0}',
       '{"a": NaN}', '{"a": [1, "x"]}', '{"a": [null, 1]}', '{"a": {"k": {"j": [true, false]}}}']


def _same(left: Any, right: Any) -> bool:
    """Equal values of the same types, all the way down (True == 1 and 1 == 1.0 are not the same here)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return left == right


def _check_exact_rows(texts: list[str]) -> records.DecodedObjects:
    decoded = decode_objects(pl.Series(texts, dtype=pl.String))
    assert decoded.length == len(texts) and decoded.inexact == sorted(decoded.inexact)
    rows = decoded.fields.to_dicts() if decoded.fields.width else [{}] * len(texts)
    for position, text in enumerate(texts):
        if position in decoded.inexact:
            continue
        expected = json.loads(text)
        assert json.dumps(expected, ensure_ascii=False) == text
        assert _same(rows[position], expected), text
    return decoded


def test_rows_of_one_shape_are_all_exact():
    assert _check_exact_rows([TRICKY[0], TRICKY[1], '{"a": null, "b": null}', ESCAPED]).inexact == []


@pytest.mark.parametrize("line", [line for line in TRICKY if line not in (
    TRICKY[0], TRICKY[1], '{"a": null, "b": null}', ESCAPED, '{"a": 1, "b": "x", "c": 3}')])
def test_a_line_python_reads_otherwise_is_left_to_python(line):
    decoded = _check_exact_rows([TRICKY[0], line, TRICKY[1]])
    assert 1 in decoded.inexact


def test_all_the_tricky_lines_together():
    _check_exact_rows(TRICKY)
    _check_exact_rows(ODD)


def test_nested_lists_and_objects_are_exact_only_when_every_key_and_type_is_there():
    decoded = _check_exact_rows(NESTED)
    # the last row's "1" makes x text for polars, so the first row's 1 is left to Python too
    assert decoded.inexact == [0, 4, 5, 6]


@pytest.mark.parametrize("line", TRICKY + NESTED + ODD)
def test_every_line_alone_and_among_others(line):
    _check_exact_rows([line])
    _check_exact_rows([NESTED[0], line, NESTED[1]])


def test_a_slice_the_first_rows_types_do_not_fit_goes_to_python_and_the_others_stay_exact(monkeypatch):
    monkeypatch.setattr(records, "_SLICE", 3)
    monkeypatch.setattr(records, "_INFERRED_FROM", 3)
    texts = ['{"a": 1}'] * 4 + ['{"a": "x"}'] + ['{"a": 2}'] * 4
    decoded = _check_exact_rows(texts)
    assert decoded.inexact == [3, 4, 5]  # the slice with the string, whole


def test_a_field_of_strings_and_numbers_in_the_first_rows_is_text_to_polars_so_python_reads_the_numbers():
    texts = ['{"a": 1, "b": "x"}', '{"a": "1", "b": "x"}', '{"a": "2", "b": "x"}']
    assert _check_exact_rows(texts).inexact == [0]


def test_values_and_columns_give_python_values_whatever_read_them():
    texts = ['{"id": "1", "n": 5}', '{"id": "2", "n": 5.5}', '{"id": "3"}']
    decoded = decode_objects(pl.Series(texts))
    by_python = {position: json.loads(texts[position]) for position in decoded.inexact}
    assert _same(python_values(decoded, "n", by_python), [5, 5.5, None])
    assert python_values(decoded, "missing", by_python) == [None, None, None]
    assert exact_column(decoded, "id") is None  # some rows were read by Python
    exact = decode_objects(pl.Series(['{"id": "1", "n": 5}', '{"id": "2", "n": null}']))
    assert exact_column(exact, "n").to_list() == [5, None] and exact_column(exact, "other") is None


def test_nothing_polars_can_read_leaves_every_row_to_python():
    decoded = decode_objects(pl.Series(["[1]", "not json", "{}"]))
    assert decoded.inexact == [0, 1, 2] and decoded.fields.width == 0
