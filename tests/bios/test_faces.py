"""Images polars holds as a list of structs are flattened by polars exactly as the Python path flattens the same
values: same columns and problems."""
from __future__ import annotations

import json

import polars as pl
import pytest

from personax_platform.bios import schema
from personax_platform.bios.faces import _flattens_in_polars, face_attributes
from personax_platform.bios.records import decode_objects, exact_column
from personax_platform.config.datasets import ImageList

SPEC = ImageList(field="images", file="file", attributes="attributes")


def _flags(*values) -> dict:
    return dict(zip(schema.FACE_ATTRIBUTES, values + (1,) * (len(schema.FACE_ATTRIBUTES) - len(values))))


def _image(file, *values) -> dict:
    return {"file": file, "attributes": _flags(*values)}


ROWS = [
    [_image("a.jpg", 1, -1), _image("b.jpg", -1, -1), _image("c.jpg", 1, 1)],
    [_image("", 1, 1), _image("d.jpg", -1, 1)],  # an empty file name counts as none
    [],
    None,
    [_image(None, 1, 1, 2)],  # a flag that is not -1/1
    [None, _image("e.jpg", -1)],  # a null image has no flags
    [{"file": "f.jpg", "attributes": None}],
    [_image("g.jpg", 0, 1)],
]


@pytest.mark.parametrize("flag_type", ["numbers", "text"])
def test_polars_flattening_equals_the_python_one(flag_type):
    rows = ROWS
    if flag_type == "text":
        rows = json.loads(json.dumps(ROWS).replace(": 1", ': "1"').replace(": -1", ': "-1"').replace(": 0", ': "0"')
                          .replace(": 2", ': "2"'))
    texts = pl.Series([json.dumps({"id": str(i), "images": images}, ensure_ascii=False)
                       for i, images in enumerate(rows)])
    decoded = decode_objects(texts)
    images = exact_column(decoded, "images")
    assert images is not None and _flattens_in_polars(images.dtype, SPEC)
    row = pl.Series("row", range(10, 10 + len(rows)), dtype=pl.Int64)
    by_polars = face_attributes(row, images, SPEC)
    by_python = face_attributes(row, rows, SPEC)
    assert by_polars.columns.equals(by_python.columns)
    assert by_polars.problems.sort("row", "order").equals(by_python.problems.sort("row", "order"))
    assert by_python.problems.height > 0


def test_images_polars_cannot_flatten_go_the_python_way():
    rows = [[_image("a.jpg", 1)], "not a list"]
    texts = pl.Series([json.dumps({"images": images}) for images in rows])
    images = pl.Series([rows[0], None])  # what a column of another type would hold
    assert face_attributes(pl.Series([0, 1]), rows, SPEC).problems["reason"].to_list() == [
        "expected a list of images, found str"]
    assert decode_objects(texts).inexact  # mixed list and text: Python reads them
    assert face_attributes(pl.Series([0, 1]), images, SPEC).columns["n_images"].to_list() == [1, 0]
