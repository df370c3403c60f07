"""Materialization metadata the UI shows: row count, column schema, previews, tables and images.

The helpers take a polars frame (the platform's tables) or a pandas one (the analysis assets' hand-offs).
"""
from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping

import dagster as dg
import pandas as pd
import polars as pl
import pyarrow as pa

PREVIEW_ROWS = 10
_CELL_CHARS = 60

Frame = pl.DataFrame | pd.DataFrame


def table_metadata(df: Frame, preview_columns: list[str] | None = None,
                   arrow_schema: pa.Schema | None = None) -> dict[str, dg.MetadataValue]:
    """Row count, column schema (the stored Arrow types when the table has a contract) and a preview."""
    return {
        "dagster/row_count": dg.MetadataValue.int(len(df)),
        "dagster/column_schema": dg.MetadataValue.table_schema(column_schema(df, arrow_schema)),
        "preview": dg.MetadataValue.md(markdown_table(df[preview_columns] if preview_columns else df)),
    }


def column_schema(df: Frame, arrow_schema: pa.Schema | None = None) -> dg.TableSchema:
    if arrow_schema is not None:
        return dg.TableSchema(columns=[dg.TableColumn(name=f.name, type=str(f.type)) for f in arrow_schema])
    types = df.schema.items() if isinstance(df, pl.DataFrame) else df.dtypes.items()
    return dg.TableSchema(columns=[dg.TableColumn(name=str(name), type=str(dtype)) for name, dtype in types])


def markdown_table(df: Frame, rows: int = PREVIEW_ROWS) -> str:
    """A markdown table of the first rows (no `tabulate` dependency); long cells are shortened."""
    if len(df) == 0:
        return "_no rows_"
    head = df.head(rows)
    lines = ["| " + " | ".join(map(str, head.columns)) + " |", "|" + "---|" * len(head.columns)]
    for values in _rows(head):
        lines.append("| " + " | ".join(_cell(v) for v in values) + " |")
    if len(df) > rows:
        lines.append(f"\n_{len(df) - rows} more rows_")
    return "\n".join(lines)


def _rows(df: Frame) -> Iterable[tuple]:
    return df.iter_rows() if isinstance(df, pl.DataFrame) else df.itertuples(index=False)


def _cell(value: object) -> str:
    text = "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


def value_counts(values: pl.Series, *, by_key: bool = False) -> dict[object, int]:
    """Counts of the non-null values: most frequent first (ties by value), or ordered by value."""
    counts = values.drop_nulls().value_counts(name="rows")
    order = [values.name] if by_key else ["rows", values.name]
    return dict(counts.sort(order, descending=[False] if by_key else [True, False]).iter_rows())


def counts_table(counts: Mapping[object, int] | pd.Series, label: str) -> str:
    """A two-column markdown table of value counts (e.g. rejections per field)."""
    if len(counts) == 0:
        return "_none_"
    lines = [f"| {label} | rows |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in counts.items()]
    return "\n".join(lines)


def image_metadata(png: bytes, alt: str) -> dg.MetadataValue:
    """A PNG shown inline in the UI's metadata panel (markdown with a data URI)."""
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})")


def simulated_notice(dataset: str) -> dict[str, str]:
    """The notice every UI page fed by a known-truth cohort shows (empty for a real dataset)."""
    from assets.partitions import is_known_truth  # metadata helpers stay importable without the datasets config
    from personax_platform.known_truth.cohort import SIMULATED_NOTICE

    return {"notice": SIMULATED_NOTICE} if is_known_truth(dataset) else {}
