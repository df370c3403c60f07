"""Structural Hamming distance between two partially directed graphs over the same nodes.

Each pair of nodes counts at most once: an edge missing from the estimate, an extra edge, or an edge present in
both with a different mark (reversed, or directed in one and undirected in the other).
"""
from __future__ import annotations

from dataclasses import dataclass

from personax_platform.causal_graph.edges import Edge


@dataclass(frozen=True)
class HammingDistance:
    missing: int
    extra: int
    misoriented: int

    @property
    def total(self) -> int:
        return self.missing + self.extra + self.misoriented

    @property
    def skeleton(self) -> int:
        """Adjacency errors only (orientation ignored)."""
        return self.missing + self.extra


def structural_hamming_distance(estimated: list[Edge] | tuple[Edge, ...],
                                truth: list[Edge] | tuple[Edge, ...]) -> HammingDistance:
    found = {edge.pair: edge for edge in estimated}
    true = {edge.pair: edge for edge in truth}
    missing = len(true.keys() - found.keys())
    extra = len(found.keys() - true.keys())
    misoriented = sum(1 for pair in true.keys() & found.keys() if _mark(found[pair]) != _mark(true[pair]))
    return HammingDistance(missing, extra, misoriented)


def _mark(edge: Edge) -> tuple[str, ...]:
    return (edge.type, edge.source, edge.target) if edge.type == "directed" else (edge.type,)
