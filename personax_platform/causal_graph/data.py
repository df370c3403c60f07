"""From a frame to what the CI tests read: complete rows, usable nodes, and each node's columns.

PC needs one value per node for every row, so rows with a missing value in any node are dropped (complete-case
analysis; the counts are reported). A node with no values, or one value only, cannot enter a CI test: it is left out
of the graph with the reason, rather than failing every test it would take part in.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from personax_platform.causal_graph.nodes import GraphNode, by_name


@dataclass(frozen=True)
class GraphData:
    """`matrix`: one column per usable node (numbers, or category codes 0..k-1); `blocks`: per node the columns the
    linear test uses (the standardised value, or k-1 one-hot indicators for a categorical node)."""

    nodes: tuple[GraphNode, ...]
    matrix: np.ndarray
    blocks: tuple[np.ndarray, ...]
    rows_total: int
    excluded: dict[str, str]

    @property
    def n(self) -> int:
        return self.matrix.shape[0]

    @property
    def names(self) -> list[str]:
        return [node.name for node in self.nodes]

    def resample(self, rows: np.ndarray) -> "GraphData":
        """The same nodes on the given rows (a resample); nodes constant on those rows are left out."""
        frame = pd.DataFrame(self.matrix[rows], columns=self.names)
        return prepare(frame, list(self.nodes), categories_are_codes=True, rows_total=len(rows))


def prepare(frame: pd.DataFrame, nodes: list[GraphNode], *, categories_are_codes: bool = False,
            rows_total: int | None = None) -> GraphData:
    """Complete rows over the usable nodes of `frame` (nodes missing from the frame are an error)."""
    by_name(nodes)
    absent = [node.name for node in nodes if node.name not in frame.columns]
    if absent:
        raise KeyError(f"graph nodes {absent} are not columns of the data (columns: {list(frame.columns)})")
    excluded = {node.name: "no values: the column is empty" for node in nodes if frame[node.name].isna().all()}
    usable = [node for node in nodes if node.name not in excluded]
    complete = frame[[node.name for node in usable]].dropna()
    for node in usable:
        if complete[node.name].nunique() < 2:
            excluded[node.name] = f"constant: a single value in the {len(complete)} complete rows"
    usable = [node for node in usable if node.name not in excluded]
    columns = [_column(complete[node.name], node, categories_are_codes) for node in usable]
    matrix = np.column_stack(columns) if columns else np.empty((len(complete), 0))
    blocks = tuple(_block(column, node) for column, node in zip(columns, usable))
    return GraphData(tuple(usable), matrix, blocks, len(frame) if rows_total is None else rows_total, excluded)


def _column(values: pd.Series, node: GraphNode, categories_are_codes: bool) -> np.ndarray:
    if node.encoding == "categorical" and not categories_are_codes:
        codes, _ = pd.factorize(values.astype(str), sort=True)
        return codes.astype(float)
    try:
        return pd.to_numeric(values).to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"graph node '{node.name}' is numeric but its column is not: {exc}") from exc


def _block(column: np.ndarray, node: GraphNode) -> np.ndarray:
    if node.encoding == "categorical":
        levels = np.unique(column)
        return (column[:, None] == levels[None, 1:]).astype(float)  # first level is the reference
    return ((column - column.mean()) / column.std())[:, None]
