"""The factory of the hand-off types: a dagster-pandas type over a table's registered Arrow schema, each column held
to the pandas dtype of its stored type, with the schema as metadata the UI shows."""
from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence

import dagster as dg
import pandas as pd
import pyarrow as pa
from dagster_pandas import create_dagster_pandas_dataframe_type
from dagster_pandas.constraints import ColumnConstraint, ColumnDTypeFnConstraint, DataFrameConstraint
from pandas.api import types as ptypes

from assets.frame_types.constraints import HandOffColumn, NotNull, Unique
from personax_platform.warehouse.tables import arrow_schema_for


def integer(dtype) -> bool:
    return ptypes.is_integer_dtype(dtype)


def number(dtype) -> bool:
    return ptypes.is_numeric_dtype(dtype) and not ptypes.is_bool_dtype(dtype)


def string(dtype) -> bool:
    return ptypes.is_string_dtype(dtype)


def boolean(dtype) -> bool:
    return ptypes.is_bool_dtype(dtype)


def timestamp(dtype) -> bool:
    return ptypes.is_datetime64_any_dtype(dtype)


class StoredType(ColumnDTypeFnConstraint):
    """The column's pandas dtype fits the type the lake stores it as. Floats accept any number (the estimators read
    numbers; an integer column handed over by code is as good), integers an integer dtype (numpy or nullable)."""

    def __init__(self, arrow_type: pa.DataType, type_fn: Callable[[object], bool], wanted: str) -> None:
        super().__init__(type_fn)
        self.error_description = self.markdown_description = f"stored as `{arrow_type}`: needs {wanted} dtype"


def stored_type(arrow_type: pa.DataType) -> StoredType | None:
    """None for the types pandas holds as objects (dates, lists, bytes): their content rules are explicit."""
    if pa.types.is_integer(arrow_type):
        return StoredType(arrow_type, integer, "an integer")
    if pa.types.is_floating(arrow_type):
        return StoredType(arrow_type, number, "a numeric")
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return StoredType(arrow_type, string, "a string")
    if pa.types.is_boolean(arrow_type):
        return StoredType(arrow_type, boolean, "a boolean")
    if pa.types.is_timestamp(arrow_type):
        return StoredType(arrow_type, timestamp, "a datetime")
    return None


def frame_type(name: str, table: str, description: str, required: Sequence[str],
               rules: Mapping[str, Sequence[ColumnConstraint]] | None = None,
               frame_rules: Sequence[DataFrameConstraint] = ()) -> dg.DagsterType:
    """A dagster-pandas type over the registered schema of `table`: every column dtype-checked when present,
    `required` ones present, `rules` per column and `frame_rules` over the frame; the schema as UI metadata."""
    rules = dict(rules or {})
    schema = arrow_schema_for(table)
    if schema is None:
        raise ValueError(f"{table} has no registered schema to type the frame from")
    unknown = sorted((set(required) | set(rules)) - set(schema.names))
    if unknown:  # a schema change that drops a column the hand-off reads fails at import, not at run time
        raise ValueError(f"{name}: columns {unknown} are not in the registered schema of {table}")
    text = (f"{description}\n\nThe frame of `{table}` handed to the analysis code. Required here: "
            f"{', '.join(f'`{c}`' for c in required)}; the other columns of the registered schema are checked when "
            "present.")
    with warnings.catch_warnings():  # dagster-pandas' API is marked beta; its warning is noise at every import
        warnings.simplefilter("ignore", dg.BetaWarning)
        columns = [HandOffColumn(field.name, [*filter(None, [stored_type(field.type)]), *rules.get(field.name, ())],
                                  is_required=field.name in required) for field in schema]
        checked = create_dagster_pandas_dataframe_type(
            name=name, description=text, columns=columns, dataframe_constraints=list(frame_rules),
            metadata_fn=lambda frame: {"rows": len(frame)})
    # create_dagster_pandas_dataframe_type takes no type metadata: the same check, plus the schema the UI shows.
    return dg.DagsterType(
        type_check_fn=checked.type_check, name=name, description=checked.description, loader=checked.loader,
        typing_type=pd.DataFrame,
        metadata={"schema": dg.MetadataValue.table_schema(_table_schema(schema, required, rules, frame_rules))})


def _table_schema(schema: pa.Schema, required: Sequence[str], rules: Mapping[str, Sequence[ColumnConstraint]],
                  frame_rules: Sequence[DataFrameConstraint]) -> dg.TableSchema:
    def column(field: pa.Field) -> dg.TableColumn:
        own = list(rules.get(field.name, ()))
        other = ["required at this hand-off" if field.name in required else "checked when present"]
        other += [rule.markdown_description for rule in own if not isinstance(rule, NotNull | Unique)]
        constraints = dg.TableColumnConstraints(nullable=not any(isinstance(r, NotNull) for r in own),
                                                unique=any(isinstance(r, Unique) for r in own), other=other)
        return dg.TableColumn(name=field.name, type=str(field.type), constraints=constraints)

    return dg.TableSchema(columns=[column(field) for field in schema],
                          constraints=dg.TableConstraints(other=[rule.markdown_description for rule in frame_rules])
                          if frame_rules else None)
