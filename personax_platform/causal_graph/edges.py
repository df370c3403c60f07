"""Edges of a (partially directed) graph, read from causal-learn's endpoint matrix."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

EdgeType = Literal["directed", "undirected", "bidirected"]
DIRECTED, UNDIRECTED, BIDIRECTED = "directed", "undirected", "bidirected"


@dataclass(frozen=True, order=True)
class Edge:
    """`source -> target` when directed; for undirected/bidirected edges `source` is the earlier node."""

    source: str
    target: str
    type: EdgeType

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.source, self.target))

    def __str__(self) -> str:
        arrow = {DIRECTED: "->", UNDIRECTED: "--", BIDIRECTED: "<->"}[self.type]
        return f"{self.source} {arrow} {self.target}"


def edges_from_matrix(graph: np.ndarray, names: list[str]) -> list[Edge]:
    """causal-learn's convention: graph[j, i] = 1 and graph[i, j] = -1 is i -> j; both -1 is i -- j; both 1 i <-> j."""
    edges = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            ij, ji = graph[i, j], graph[j, i]
            if ij == 0 and ji == 0:
                continue
            if ij == -1 and ji == 1:
                edges.append(Edge(names[i], names[j], DIRECTED))
            elif ij == 1 and ji == -1:
                edges.append(Edge(names[j], names[i], DIRECTED))
            elif ij == ji == -1:
                edges.append(Edge(names[i], names[j], UNDIRECTED))
            elif ij == ji == 1:
                edges.append(Edge(names[i], names[j], BIDIRECTED))
            else:
                raise ValueError(f"unexpected endpoints ({ij}, {ji}) between {names[i]} and {names[j]}")
    return edges
