"""Column and frame rules of the hand-off types, with messages that name the column and quote only person ids and
the offending values (dagster-pandas' own rules quote whole rows: a bios row holds names and descriptions, which must
stay out of run logs)."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from dagster_pandas import PandasColumn
from dagster_pandas.constraints import (
    ColumnConstraint,
    ColumnConstraintViolationException,
    ConstraintViolationException,
    DataFrameConstraint,
    DataFrameConstraintViolationException,
)

_SHOWN = 5  # offending rows quoted in a message: enough to find them, not a flood
OK = "ok"  # the status of an embedding row that has a vector


def _offending(frame: pd.DataFrame, mask: pd.Series, describe: Callable[[int], str]) -> str:
    """'2 of 40 rows: person_id px-1 (4.0); person_id px-2 (5.0)'; `describe` gets a row's position in `frame`."""
    positions = np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))
    ids = frame["person_id"] if "person_id" in frame else pd.Series(pd.NA, index=frame.index)
    shown = [f"{'row ' + str(frame.index[pos]) if pd.isna(ids.iloc[pos]) else 'person_id ' + str(ids.iloc[pos])} "
             f"({describe(pos)})" for pos in positions[:_SHOWN]]
    more = f"; ... ({len(positions)} rows in all)" if len(positions) > _SHOWN else ""
    return f"{len(positions)} of {len(frame)} rows: " + "; ".join(shown) + more


def _plain(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    return repr(value.item() if isinstance(value, np.generic) else value)


class _Column(ColumnConstraint):
    """A column rule with one message for the UI and the run log."""

    def __init__(self, description: str) -> None:
        super().__init__(error_description=description, markdown_description=description)

    def bad_rows(self, column: pd.Series) -> pd.Series:
        raise NotImplementedError

    def validate(self, dataframe: pd.DataFrame, column_name: str) -> None:
        mask = self.bad_rows(dataframe[column_name])
        if mask.fillna(False).any():
            values = dataframe[column_name]
            raise ColumnConstraintViolationException(
                constraint_name=self.name, column_name=column_name,
                constraint_description=f"{self.error_description}; "
                                       + _offending(dataframe, mask, lambda pos: _plain(values.iloc[pos])))


class NotNull(_Column):
    def __init__(self) -> None:
        super().__init__("no missing values")

    def bad_rows(self, column: pd.Series) -> pd.Series:
        return column.isna()


class Unique(_Column):
    def __init__(self) -> None:
        super().__init__("no value twice")

    def bad_rows(self, column: pd.Series) -> pd.Series:
        return column.duplicated(keep=False) & column.notna()


class InRange(_Column):
    """min_value <= value <= max_value where a value is present (a missing value is not out of range)."""

    def __init__(self, min_value: float, max_value: float, why: str) -> None:
        self.min_value, self.max_value = min_value, max_value
        super().__init__(f"values between {min_value} and {max_value} ({why})")

    def bad_rows(self, column: pd.Series) -> pd.Series:
        return column.notna() & ~column.between(self.min_value, self.max_value).fillna(False).astype(bool)


class HalfSteps(_Column):
    def __init__(self, why: str) -> None:
        super().__init__(f"whole or half numbers ({why})")

    def bad_rows(self, column: pd.Series) -> pd.Series:
        return column.notna() & ((column.astype(float) * 2) % 1 != 0)


class EmbeddingVectors(ColumnConstraint):
    """Each embedded row (status ok) holds a finite vector; all vectors of an embedding space have one length, the
    row's `dimension` where the frame has that column."""

    def __init__(self) -> None:
        description = (f"every row with status '{OK}' has a finite vector, of its row's `dimension` and of the one "
                       "length of its `space`")
        super().__init__(error_description=description, markdown_description=description)

    def validate(self, dataframe: pd.DataFrame, column_name: str) -> None:
        embedded = ((dataframe["status"] == OK).fillna(False).to_numpy(dtype=bool) if "status" in dataframe
                    else np.ones(len(dataframe), dtype=bool))
        column = dataframe[column_name]
        dimensions = dataframe["dimension"] if "dimension" in dataframe else pd.Series(pd.NA, index=dataframe.index)
        spaces = dataframe["space"] if "space" in dataframe else pd.Series("", index=dataframe.index)
        positions = np.flatnonzero(embedded)
        vectors = {pos: _vector(column.iloc[pos]) for pos in positions}
        lengths = pd.Series({pos: len(v) for pos, v in vectors.items() if v is not None and v.ndim == 1}, dtype=int)
        # The usual length of each space: the one a lone odd vector is measured against.
        usual = lengths.groupby(spaces.iloc[lengths.index].fillna("").to_numpy()).agg(lambda x: x.mode().iloc[0])
        problems = {pos: _vector_problem(vectors[pos], dimensions.iloc[pos],
                                         usual.get("" if pd.isna(spaces.iloc[pos]) else spaces.iloc[pos]))
                    for pos in positions}
        problems = {pos: problem for pos, problem in problems.items() if problem}
        if problems:
            mask = pd.Series(np.isin(np.arange(len(dataframe)), list(problems)), index=dataframe.index)
            raise ColumnConstraintViolationException(
                constraint_name=self.name, column_name=column_name,
                constraint_description=f"{self.error_description}; "
                                       + _offending(dataframe, mask, problems.__getitem__))


def _vector(value: object) -> np.ndarray | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return np.asarray(value, dtype=np.float64)


def _vector_problem(vector: np.ndarray | None, dimension: object, space_length: int | None) -> str | None:
    if vector is None:
        return "no vector"
    if vector.ndim != 1:
        return f"not a vector: shape {vector.shape}"
    if not pd.isna(dimension) and len(vector) != int(dimension):
        return f"length {len(vector)}, dimension {int(dimension)}"
    if space_length is not None and len(vector) != space_length:
        return f"length {len(vector)}, its space's vectors {space_length}"
    if not np.isfinite(vector).all():
        return "a NaN or infinite component"
    return None


class UniqueRows(DataFrameConstraint):
    """No two rows share the values of `columns` (the key the hand-off code pivots or joins on)."""

    def __init__(self, columns: Sequence[str], why: str) -> None:
        self.columns = list(columns)
        description = f"one row per {' × '.join(self.columns)} ({why})"
        super().__init__(error_description=description, markdown_description=description)

    def validate(self, dataframe: pd.DataFrame) -> None:
        if not set(self.columns) <= set(dataframe.columns):
            return  # a missing key column already failed as a required column
        mask = dataframe.duplicated(self.columns, keep=False)
        if mask.any():
            keys = dataframe[self.columns]
            raise DataFrameConstraintViolationException(
                constraint_name=self.name,
                constraint_description=f"columns {self.columns}: {self.error_description}; repeated: "
                                       + _offending(dataframe, mask,
                                                    lambda pos: ", ".join(map(_plain, keys.iloc[pos]))))


class HandOffColumn(PandasColumn):
    """PandasColumn whose missing-column message lists the columns as plain names (not a pandas Index repr)."""

    def validate(self, dataframe: pd.DataFrame) -> None:
        if self.is_required and self.name not in dataframe.columns:
            raise ConstraintViolationException(
                f'Required column "{self.name}" is missing; the frame has {[str(c) for c in dataframe.columns]}')
        super().validate(dataframe)
