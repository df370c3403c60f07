"""Raw bios → canonical bios, driven by a league's SourceMapping.

A row that cannot be normalised goes to the quarantine with one entry per problem (file, line, field, value,
reason, whole record). Duplicates of a person (same source identity, e.g. in two roster files) are resolved
deterministically: the most complete row wins, then the later file, then the later line; the others are
quarantined with a reason naming the row that was kept.

A value that parses but cannot be true of a person (a height of 7.6 cm, a weight of 4,535 kg) is a problem of its
row, judged against the league's plausible ranges (`Quality`): the row is quarantined and the rest of the league
goes on. Systematic problems are the league-level checks' business (assets/bios.py, the bios GX suite).

The work is column-wise in polars: records are decoded by polars where it reads them exactly as Python's json does, and
by json otherwise (records.py; values keep their JSON types, which the parsers' messages depend on), each field's
parser runs once per distinct value (distinct.py), and everything else (calendar features, plausibility, duplicates,
the quarantine) is expressions and joins. Each problem carries its row and its place among the row's problems, so the
quarantine lists them in the order the fields are read.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import polars as pl

from personax_platform.bios import schema
from personax_platform.bios.categories import parse_gender
from personax_platform.bios.countries import Country, CountryResolver
from personax_platform.bios.dates import parse_birth_date
from personax_platform.bios.dates_fast import birth_dates_fast
from personax_platform.bios.distinct import parse_distinct
from personax_platform.bios.faces import face_attributes
from personax_platform.bios.identity import person_id
from personax_platform.bios.missing import WHITESPACE, is_missing, missing_text
from personax_platform.bios.records import SCALAR_DTYPES, DecodedObjects, decode_objects, exact_column, python_values
from personax_platform.bios.units import parse_height_cm, parse_weight_kg
from personax_platform.config.datasets import Quality, SourceMapping

_TEXT_FIELDS = ("name", "position", "occupation", "description", "image_ref")
_COUNTRY = pl.Struct({"nationality": pl.String, "latitude": pl.Float64, "longitude": pl.Float64})
_UNITS = {"height_cm": "cm", "weight_kg": "kg", "birth_year": ""}
# A problem's place among its row's problems, in the order the fields are read. Images and plausibility have several
# problems each, ordered within their stage (image, then attribute; then the ranges), so they sit _SUB places apart.
_IDENTITY, _NAME, _GENDER, _HEIGHT, _WEIGHT, _BIRTH, _NATIONALITY, _IMAGES, _PLAUSIBILITY = range(9)
_SUB = 1_000_000
# What str.split() splits on, as a regex (polars' \s is not Python's whitespace).
_WHITESPACE_RUN = "[" + "".join(f"\\x{{{ord(ch):X}}}" for ch in WHITESPACE) + "]+"


@dataclass
class NormalizedBios:
    bios: pl.DataFrame
    rejected: pl.DataFrame
    duplicates: int = 0


def normalize_bios(raw: pl.DataFrame, source: SourceMapping, countries: CountryResolver,
                   quality: Quality | None = None) -> NormalizedBios:
    """`quality` defaults to `Quality()` (the platform's default plausible ranges)."""
    quality = quality or Quality()
    rejected_at = datetime.now(timezone.utc)
    rows = _with_person_ids(raw.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64)))
    unreadable = ~missing_text(pl.col("read_error"))
    readable = rows.filter(~unreadable)
    canonical, problems = _canonical(readable, source, countries)
    problems = pl.concat([
        rows.filter(unreadable).select("row", order=pl.lit(_IDENTITY, pl.Int64), field=pl.lit("record"),
                                       value=pl.lit(None, pl.String), reason="read_error"),
        *problems,
        _implausible(canonical, quality),
    ]).sort("row", "order", maintain_order=True)

    kept = canonical.join(problems.select("row").unique(), on="row", how="anti", maintain_order="left")
    ranked = _ranked_by_person(kept)
    winners = ranked.filter(pl.col("rank") == 0)
    losers = ranked.filter(pl.col("rank") > 0).join(
        winners.select("person_id", kept_file="source_file", kept_line="source_line"), on="person_id",
        maintain_order="left")
    duplicates = losers.select(
        "row", field=pl.lit("person_id"), value="source_id",
        reason=pl.format("duplicate of {}: kept {}:{} (more complete, or newer file/line)",
                         "person_id", "kept_file", "kept_line"))
    quarantined = pl.concat([problems.drop("order"), duplicates]).join(
        rows.select("row", "dataset", "league", "source_file", "source_line", "person_id", "record"),
        on="row", maintain_order="left")
    return NormalizedBios(
        bios=schema.typed(winners.sort("person_id"), schema.BIOS),
        rejected=schema.typed(quarantined.with_columns(rejected_at=pl.lit(rejected_at)), schema.REJECTED_BIOS),
        duplicates=len(losers),
    )


def _with_person_ids(rows: pl.DataFrame) -> pl.DataFrame:
    """person_id from (dataset, league, source_id), hashed once per distinct identity; null without a source id."""
    identities = rows.filter(~missing_text(pl.col("source_id"))).select("dataset", "league", "source_id").unique()
    ids = identities.with_columns(person_id=pl.Series([person_id(*identity) for identity in identities.iter_rows()],
                                                      dtype=pl.String))
    return rows.join(ids, on=["dataset", "league", "source_id"], how="left", maintain_order="left")


def _canonical(readable: pl.DataFrame, source: SourceMapping,
               countries: CountryResolver) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """The canonical columns of every readable row, and the problems found reading them."""
    decoded = decode_objects(readable["record"])
    # position -> record, for the records polars cannot read exactly
    records = dict(zip(decoded.inexact, map(json.loads, readable["record"].gather(decoded.inexact))))
    row = readable["row"]
    values = {name: _source_values(decoded, records, source, name)
              for name in (*_TEXT_FIELDS, "gender", "height", "weight", "birth_date", "nationality")}
    texts = {name: parse_distinct(values[name], _text, pl.String, _text_column) for name in _TEXT_FIELDS}
    parsed = {
        "gender": (_GENDER, parse_distinct(values["gender"], parse_gender, pl.String)),
        "height": (_HEIGHT, parse_distinct(values["height"], lambda v: parse_height_cm(v, source.units.height),
                                           pl.Float64)),
        "weight": (_WEIGHT, parse_distinct(values["weight"], lambda v: parse_weight_kg(v, source.units.weight),
                                           pl.Float64)),
        "birth_date": (_BIRTH, parse_distinct(values["birth_date"],
                                              lambda v: parse_birth_date(v, source.date_formats), pl.Date,
                                              birth_dates_fast(source.date_formats))),
        "nationality": (_NATIONALITY, parse_distinct(values["nationality"],
                                                     lambda v: _country(countries.resolve(v)), _COUNTRY)),
    }
    columns = readable.select(
        "row", "person_id", "dataset", "league", "source_id", "source_file", "source_line", "loaded_at",
    ).with_columns(
        *[texts[name]["parsed"].alias(name) for name in _TEXT_FIELDS],
        parsed["gender"][1]["parsed"].alias("gender"),
        parsed["height"][1]["parsed"].alias("height_cm"),
        parsed["weight"][1]["parsed"].alias("weight_kg"),
        parsed["birth_date"][1]["parsed"].alias("birth_date"),
        parsed["nationality"][1]["parsed"].alias("country"),
    ).unnest("country").with_columns(**_calendar_features(pl.col("birth_date")))

    problems = [
        _identity_problems(readable, decoded, records, source),
        pl.concat([row.to_frame(), texts["name"]], how="horizontal")
        .filter(pl.col("parsed").is_null())
        .select("row", order=pl.lit(_NAME, pl.Int64), field=pl.lit("name"), value="value",
                reason=pl.lit("name is missing")),
        *[pl.concat([row.to_frame(), result], how="horizontal").filter(pl.col("reason").is_not_null())
          .select("row", order=pl.lit(order, pl.Int64), field=pl.lit(name), value="value", reason="reason")
          for name, (order, result) in parsed.items()],
    ]
    if source.images is None:
        return columns.with_columns(_no_face_attributes()), problems
    images = exact_column(decoded, source.images.field)
    faces = face_attributes(row, python_values(decoded, source.images.field, records) if images is None else images,
                            source.images)
    image_problems = faces.problems.with_columns(order=_IMAGES * _SUB + pl.col("order") + 1)
    columns = columns.join(faces.columns, on="row", how="left", maintain_order="left")
    if "image_ref" not in source.fields:
        columns = columns.with_columns(image_ref=pl.coalesce("first_file", "image_ref"))
    return columns, [*problems, image_problems]


def _source_values(decoded: DecodedObjects, records: dict[int, dict], source: SourceMapping,
                   canonical: str) -> pl.Series | list[Any]:
    """The raw value of a canonical field in every record: a constant, a source field (as a column where polars holds
    it exactly), or source fields joined."""
    if canonical in source.constants:
        return [source.constants[canonical]] * decoded.length
    mapped = source.fields.get(canonical)
    if isinstance(mapped, tuple):
        columns = [python_values(decoded, field, records) for field in mapped]
        return [" ".join(str(value).strip() for value in values if not is_missing(value)) or None
                for values in zip(*columns)]
    if not mapped:
        return [None] * decoded.length
    column = exact_column(decoded, mapped)
    return column if column is not None and column.dtype in SCALAR_DTYPES else python_values(decoded, mapped, records)


def _identity_problems(readable: pl.DataFrame, decoded: DecodedObjects, records: dict[int, dict],
                       source: SourceMapping) -> pl.DataFrame:
    """Rows without a person id, naming the identity fields they lack."""
    lacking = readable.with_row_index("position").filter(pl.col("person_id").is_null())
    identity = {f: python_values(decoded, f, records) for f in source.identity} if lacking.height else {}
    reasons = [f"missing identity field(s) {[f for f in source.identity if is_missing(identity[f][i])]}: "
               "cannot derive a person id" for i in lacking["position"]]
    return lacking.select("row", order=pl.lit(_IDENTITY, pl.Int64), field=pl.lit("identity"),
                          value=pl.lit(None, pl.String), reason=pl.Series(reasons, dtype=pl.String))


def _calendar_features(birth_date: pl.Expr) -> dict[str, pl.Expr]:
    """`dates.calendar_features` as expressions (same float operations, in the same order)."""
    day_of_year = birth_date.dt.ordinal_day().cast(pl.Int32)
    days_in_year = pl.when(birth_date.dt.is_leap_year()).then(366.0).otherwise(365.0)
    angle = 2 * math.pi * (day_of_year - 1).cast(pl.Float64) / days_in_year
    return {
        "birth_year": birth_date.dt.year().cast(pl.Int32),
        "birth_month": birth_date.dt.month().cast(pl.Int32),
        "birth_day": birth_date.dt.day().cast(pl.Int32),
        "day_of_year": day_of_year,
        "day_sin": angle.sin(),
        "day_cos": angle.cos(),
    }


def _implausible(canonical: pl.DataFrame, quality: Quality) -> pl.DataFrame:
    """Values that parsed but lie outside the league's plausible ranges; the reason is formatted per offending row."""
    found = []
    for position, (column, (low, high)) in enumerate(quality.ranges().items()):
        outside = canonical.filter(pl.col(column).is_not_null() & ~pl.col(column).is_between(low, high))
        unit = _UNITS[column]
        found.append(outside.select(
            "row", order=pl.lit(_PLAUSIBILITY * _SUB + position, pl.Int64), field=pl.lit(column),
            value=pl.Series([str(value) for value in outside[column]], dtype=pl.String),
            reason=pl.Series([f"{column} {value:g}{' ' + unit if unit else ''} is outside the plausible range "
                              f"[{low:g}, {high:g}] (datasets.yaml `quality.{column}`)" for value in outside[column]],
                             dtype=pl.String)))
    return pl.concat(found)


def _ranked_by_person(kept: pl.DataFrame) -> pl.DataFrame:
    """Each person's rows, most preferred first (rank 0): most complete, then later file, then later line. Persons
    come in the order of their first row, as the quarantine lists the losers."""
    completeness = pl.sum_horizontal([_present(pl.col(name), kept.schema[name]) for name in schema.BIOS.names])
    return (kept.with_columns(first_row=pl.col("row").min().over("person_id"), completeness=completeness)
            .sort(["first_row", "completeness", "source_file", "source_line"],
                  descending=[False, True, True, True], maintain_order=True)
            .with_columns(rank=pl.int_range(pl.len()).over("person_id")))


def _present(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """`not is_missing(value)` for a canonical column: placeholders count as missing in text, NaN in floats."""
    if dtype == pl.String:
        return ~missing_text(column)
    if dtype.is_float():
        return column.is_not_null() & column.is_not_nan()
    return column.is_not_null()


def _no_face_attributes() -> list[pl.Expr]:
    return [pl.lit(None, pl.Int32).alias("n_images"), pl.lit(None, pl.String).alias("face_attribute_ties"),
            *[pl.lit(None, pl.Int8).alias(attr) for attr in schema.FACE_ATTRIBUTES]]


def _country(country: Country | None) -> dict[str, Any] | None:
    if country is None:
        return None
    return {"nationality": country.iso2, "latitude": country.latitude, "longitude": country.longitude}


def _text(value: Any) -> str | None:
    return " ".join(str(value).split()) if not is_missing(value) else None


def _text_column(values: pl.Series) -> pl.Series:
    """`_text` for a text column; null (left to `_text`) for placeholders and other types."""
    if values.dtype != pl.String:
        return pl.Series(values.name, [None] * len(values), dtype=pl.String)
    spaced = values.str.replace_all(_WHITESPACE_RUN, " ").str.strip_chars(" ")
    return values.to_frame().select(pl.when(~missing_text(pl.col(values.name))).then(spaced)).to_series()
