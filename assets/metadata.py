"""Materialization metadata the UI shows: row count, column schema, previews, tables and images."""
from __future__ import annotations

import base64

import dagster as dg
import pandas as pd
import pyarrow as pa

PREVIEW_ROWS = 10
_CELL_CHARS = 60


def table_metadata(df: pd.DataFrame, preview_columns: list[str] | None = None,
                   arrow_schema: pa.Schema | None = None) -> dict[str, dg.MetadataValue]:
    """Row count, column schema (the stored Arrow types when the table has a contract) and a preview."""
    return {
        "dagster/row_count": dg.MetadataValue.int(len(df)),
        "dagster/column_schema": dg.MetadataValue.table_schema(column_schema(df, arrow_schema)),
        "preview": dg.MetadataValue.md(markdown_table(df[preview_columns] if preview_columns else df)),
    }


def column_schema(df: pd.DataFrame, arrow_schema: pa.Schema | None = None) -> dg.TableSchema:
    if arrow_schema is not None:
        return dg.TableSchema(columns=[dg.TableColumn(name=f.name, type=str(f.type)) for f in arrow_schema])
    return dg.TableSchema(columns=[dg.TableColumn(name=str(c), type=str(df[c].dtype)) for c in df.columns])


def markdown_table(df: pd.DataFrame, rows: int = PREVIEW_ROWS) -> str:
    """A markdown table of the first rows (no `tabulate` dependency); long cells are shortened."""
    if df.empty:
        return "_no rows_"
    head = df.head(rows)
    lines = ["| " + " | ".join(map(str, head.columns)) + " |", "|" + "---|" * len(head.columns)]
    for values in head.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in values) + " |")
    if len(df) > rows:
        lines.append(f"\n_{len(df) - rows} more rows_")
    return "\n".join(lines)


def _cell(value: object) -> str:
    text = "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


def counts_table(counts: pd.Series, label: str) -> str:
    """A two-column markdown table of value counts (e.g. rejections per field)."""
    if counts.empty:
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
