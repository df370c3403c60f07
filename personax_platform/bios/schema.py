"""Column contracts of the bios tables (docs/canonical_schema.md), as Arrow schemas.

Writing through an explicit schema keeps every league partition identically typed: an athletes' partition has no
face attributes, and without a schema those all-null columns would be written with Arrow's `null` type.
"""
import polars as pl
import pyarrow as pa

FACE_ATTRIBUTES: tuple[str, ...] = (
    "Arched_Eyebrows", "Big_Nose", "Pointy_Nose", "Bushy_Eyebrows", "Big_Lips",
    "Oval_Face", "Double_Chin", "Receding_Hairline", "Narrow_Eyes", "High_Cheekbones",
)

_UTC = pa.timestamp("us", tz="UTC")

RAW_BIOS = pa.schema([
    ("dataset", pa.string()), ("league", pa.string()),
    ("source_file", pa.string()), ("source_line", pa.int64()),
    ("source_id", pa.string()), ("record", pa.string()), ("read_error", pa.string()),
    ("encoding", pa.string()), ("loaded_at", _UTC),
])

BIOS = pa.schema(
    [
        ("person_id", pa.string()), ("dataset", pa.string()), ("league", pa.string()), ("source_id", pa.string()),
        ("name", pa.string()), ("gender", pa.string()),
        ("birth_date", pa.date32()), ("birth_year", pa.int32()), ("birth_month", pa.int32()),
        ("birth_day", pa.int32()), ("day_of_year", pa.int32()), ("day_sin", pa.float64()), ("day_cos", pa.float64()),
        ("nationality", pa.string()), ("latitude", pa.float64()), ("longitude", pa.float64()),
        ("height_cm", pa.float64()), ("weight_kg", pa.float64()),
        ("position", pa.string()), ("occupation", pa.string()), ("description", pa.string()),
    ]
    + [(attr, pa.int8()) for attr in FACE_ATTRIBUTES]
    + [
        ("face_attribute_ties", pa.string()), ("n_images", pa.int32()), ("image_ref", pa.string()),
        ("source_file", pa.string()), ("source_line", pa.int64()), ("loaded_at", _UTC),
    ]
)

REJECTED_BIOS = pa.schema([
    ("dataset", pa.string()), ("league", pa.string()),
    ("source_file", pa.string()), ("source_line", pa.int64()), ("person_id", pa.string()),
    ("field", pa.string()), ("value", pa.string()), ("reason", pa.string()), ("record", pa.string()),
    ("rejected_at", _UTC),
])


def polars_schema(schema: pa.Schema) -> pl.Schema:
    """The polars dtypes the Arrow schema's columns take (strings, Int64, Date, Datetime("us", "UTC"), ...)."""
    return pl.from_arrow(schema.empty_table()).schema


def typed(df: pl.DataFrame, schema: pa.Schema) -> pl.DataFrame:
    """`df` with exactly the schema's columns and types, as the warehouse stores them."""
    return df.select(schema.names).cast(dict(polars_schema(schema)))
