"""CelebA's per-image face attributes → one value per identity (majority over its images), with the problems found.

The images of a row are a JSON list; they are flattened to one polars row per image, each attribute's flags are read
once per distinct value (`parse_distinct`), and the votes are aggregated per identity with expressions. Images that
polars holds exactly as a list of structs whose flags share one type (records.py) are flattened by polars; any other
images value (not a list, mixed types, rows Python read) is flattened in Python.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from personax_platform.bios import schema
from personax_platform.bios.categories import parse_face_attribute
from personax_platform.bios.distinct import parse_distinct
from personax_platform.bios.records import SCALAR_DTYPES
from personax_platform.config.datasets import ImageList

# A problem's place among its row's problems: images come after the other fields, by image, then attribute.
_ATTRIBUTE_ORDER = {attr: position for position, attr in enumerate(schema.FACE_ATTRIBUTES)}


@dataclass(frozen=True)
class FaceAttributes:
    """`columns`: per row with a list of images, n_images, each attribute's majority (-1/1, null without votes),
    face_attribute_ties and first_file (the first image's file). `problems`: row, order, field, value, reason."""
    columns: pl.DataFrame
    problems: pl.DataFrame


def face_attributes(rows: pl.Series, images_values: Sequence[Any] | pl.Series, spec: ImageList) -> FaceAttributes:
    """`images_values[i]` is row `rows[i]`'s images field; a value that is not a list is a problem of the row."""
    if isinstance(images_values, pl.Series):
        if _flattens_in_polars(images_values.dtype, spec):
            listed, per_image, flags = _flattened_in_polars(rows, images_values, spec)
            return _aggregated(listed, per_image, flags, [], spec)
        images_values = images_values.to_list()
    listed_rows, n_images, image_rows, image_numbers, files, attributes = [], [], [], [], [], []
    not_lists = []
    for row, images in zip(rows, images_values):
        images = images or []
        if not isinstance(images, list):
            not_lists.append((row, images))
            continue
        listed_rows.append(row)
        n_images.append(len(images))
        for number, image in enumerate(images):
            image_rows.append(row)
            image_numbers.append(number)
            attributes.append((image or {}).get(spec.attributes) or {})
            files.append(image.get(spec.file) if isinstance(image, dict) else None)

    # every image's attributes in schema order, one after the other: read in one pass, then regrouped per attribute
    flags = parse_distinct([found.get(attr) for found in attributes for attr in schema.FACE_ATTRIBUTES],
                           parse_face_attribute, pl.Int8)
    per_image = pl.DataFrame(
        {"row": image_rows, "image": image_numbers, "file": [str(file) if file else None for file in files]},
        schema={"row": pl.Int64, "image": pl.Int64, "file": pl.String},
    )
    listed = pl.DataFrame({"row": listed_rows, "n_images": n_images}, schema={"row": pl.Int64, "n_images": pl.Int32})
    return _aggregated(listed, per_image, flags, not_lists, spec)


def _flattens_in_polars(dtype: pl.DataType, spec: ImageList) -> bool:
    """Whether polars can flatten images of this type as Python would: a list of structs whose file (if any) is text
    and whose attributes struct holds every attribute with one shared type."""
    if not (isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct)):
        return False
    item = dict(dtype.inner.to_schema())
    attributes = item.get(spec.attributes)
    if item.get(spec.file, pl.String) != pl.String or not isinstance(attributes, pl.Struct):
        return False
    flag_types = {dict(attributes.to_schema()).get(attr) for attr in schema.FACE_ATTRIBUTES}
    return len(flag_types) == 1 and flag_types <= set(SCALAR_DTYPES)


def _flattened_in_polars(rows: pl.Series, images: pl.Series,
                         spec: ImageList) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(rows with their image count, one row per image, every image's flags read in schema order)."""
    frame = pl.DataFrame({"row": rows, "images": images})
    count = pl.col("images").list.len().fill_null(0)
    listed = frame.select("row", n_images=count.cast(pl.Int32))
    exploded = (frame.filter(count > 0).select("row", image=pl.int_ranges(count), item="images")
                .explode("image", "item", empty_as_null=False))
    item = pl.col("item")
    # Python's `(image or {}).get(attributes) or {}`: a null image or attributes has no flags
    found = item.struct.field(spec.attributes)
    file = item.struct.field(spec.file) if spec.file in dict(images.dtype.inner.to_schema()) else pl.lit(None)
    per_image = exploded.select("row", "image", file=pl.when(file != "").then(file).cast(pl.String))
    # attribute after attribute, then regathered image after image (polars' concat_list is far slower)
    by_attribute = pl.concat([exploded.select(found.struct.field(attr).alias("flag"))
                              for attr in schema.FACE_ATTRIBUTES]).to_series()
    images_count, attributes_count = exploded.height, len(schema.FACE_ATTRIBUTES)
    at = pl.int_range(images_count * attributes_count, eager=True)
    flags = parse_distinct(by_attribute.gather(at % attributes_count * images_count + at // attributes_count),
                           parse_face_attribute, pl.Int8)
    return listed, per_image, flags


def _aggregated(listed: pl.DataFrame, per_image: pl.DataFrame, flags: pl.DataFrame,
                not_lists: list[tuple[int, Any]], spec: ImageList) -> FaceAttributes:
    """Each listed row's image count, majority flags, ties and first file; the problems of its images."""
    per_image = per_image.with_columns(flags["parsed"].gather_every(len(_ATTRIBUTE_ORDER), offset=position).alias(attr)
                                       for attr, position in _ATTRIBUTE_ORDER.items())
    problems = [_not_a_list(not_lists, spec), _unreadable_flags(flags, per_image, spec)]

    votes = per_image.group_by("row").agg(
        pl.col("file").drop_nulls().first().alias("first_file"),
        *[pl.col(attr).sum().alias(f"{attr}_total") for attr in schema.FACE_ATTRIBUTES],
        *[pl.col(attr).count().alias(f"{attr}_votes") for attr in schema.FACE_ATTRIBUTES],
    )
    columns = (listed.join(votes, on="row", how="left", maintain_order="left")
               .select("row", "n_images", "first_file", *map(_majority, schema.FACE_ATTRIBUTES),
                       face_attribute_ties=_ties()))
    return FaceAttributes(columns, pl.concat(problems))


def _unreadable_flags(flags: pl.DataFrame, per_image: pl.DataFrame, spec: ImageList) -> pl.DataFrame:
    """The flags that are not -1/1 (or 0/1, true/false), named by image and attribute."""
    count = len(_ATTRIBUTE_ORDER)
    return (flags.with_row_index("at").filter(pl.col("reason").is_not_null())
            .with_columns(image_at=pl.col("at") // count, attribute=pl.col("at") % count)
            .join(per_image.with_row_index("image_at").select("image_at", "row", "image"), on="image_at",
                  maintain_order="left")
            .select("row", order=pl.col("image") * count + pl.col("attribute").cast(pl.Int64),
                    field=pl.format(f"{spec.field}[{{}}].{spec.attributes}.{{}}", "image",
                                    pl.col("attribute").replace_strict(dict(enumerate(_ATTRIBUTE_ORDER)),
                                                                       return_dtype=pl.String)),
                    value="value", reason="reason"))


def _majority(attr: str) -> pl.Expr:
    """`majority_vote`: -1 on a tie (CelebA's "absent"), null without votes."""
    total, votes = pl.col(f"{attr}_total"), pl.col(f"{attr}_votes").fill_null(0)
    return (pl.when(votes == 0).then(None).when(total > 0).then(1).otherwise(-1)).cast(pl.Int8).alias(attr)


def _ties() -> pl.Expr:
    """The attributes whose votes tied, comma-separated in schema order; null when none did."""
    tied = [pl.when((pl.col(f"{attr}_votes") > 0) & (pl.col(f"{attr}_total") == 0)).then(pl.lit(attr))
            for attr in schema.FACE_ATTRIBUTES]
    joined = pl.concat_str(tied, separator=",", ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)


def _not_a_list(not_lists: list[tuple[int, Any]], spec: ImageList) -> pl.DataFrame:
    return pl.DataFrame({
        "row": [row for row, _ in not_lists],
        "order": [-1] * len(not_lists),
        "field": [spec.field] * len(not_lists),
        "value": [str(images) for _, images in not_lists],
        "reason": [f"expected a list of images, found {type(images).__name__}" for _, images in not_lists],
    }, schema={"row": pl.Int64, "order": pl.Int64, "field": pl.String, "value": pl.String, "reason": pl.String})
