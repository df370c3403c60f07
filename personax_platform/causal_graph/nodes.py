"""The variables of a causal graph: a name, how its values are encoded for the CI tests, and a group (modality)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class GraphNode:
    """One node. `categorical` nodes are one-hot coded by the linear test and integer coded by the kernel tests;
    `group` is the modality used by background knowledge rules and by the drawing (e.g. trait, biography, face)."""

    name: str
    group: str
    encoding: Encoding = "numeric"


def by_name(nodes: list[GraphNode] | tuple[GraphNode, ...]) -> dict[str, GraphNode]:
    names = [n.name for n in nodes]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"node names must be unique; repeated: {duplicated}")
    return {n.name: n for n in nodes}
