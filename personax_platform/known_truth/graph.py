"""The observed causal graph against the oracle: what PC returns over the same nodes and background knowledge when
every CI question is answered by d-separation in the planted DAG (causal_graph/oracle.py). That is the fair target:
it already holds the edges hidden variables induce and leaves unoriented what the data cannot orient.

Input: analysis.observed_causal_graph rows (from_node, to_node, type, in_estimate); only `in_estimate` edges are the
estimate (the others appeared in resamples only). Nodes and rules default to what the asset uses for the kind
(causal_graph/observed.py); pass the asset's own if it was configured otherwise. A node the asset left out (constant
or empty) stays in the oracle, so its edges count as missing: the estimate did not recover them.

Metrics: SHD (causal_graph/shd.py: missing + extra + misoriented pairs), adjacency precision and recall (skeletons),
and orientation precision: among the estimate's directed edges on true adjacencies, the share the oracle directs the
same way (an oracle that leaves the pair undirected does not support an orientation). NaN, with the reason, where a
denominator is empty.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from personax_platform.causal_graph import BackgroundRules, Edge, GraphNode, oracle_edges
from personax_platform.causal_graph.edges import DIRECTED
from personax_platform.causal_graph.observed import OBSERVED_NODES, default_rules
from personax_platform.causal_graph.shd import structural_hamming_distance
from personax_platform.known_truth.metrics import long_metrics
from personax_platform.known_truth.planted import planted_dag

SECTION = "graph"
SCOPE = "observed"
EDGE_COLUMNS = ("pair", "oracle", "estimate", "verdict")  # verdict: match | missing | extra | misoriented
GRAPH_METRICS = ("shd", "shd_per_oracle_edge", "adjacency_precision", "adjacency_recall", "orientation_precision")


@dataclass(frozen=True)
class GraphComparison:
    """`edges`: EDGE_COLUMNS, one row per pair adjacent in either graph; `values`: GRAPH_METRICS and counts."""

    edges: pd.DataFrame
    values: dict[str, float]
    reason: str

    def metrics(self) -> pd.DataFrame:
        wide = pd.DataFrame([{"scope": SCOPE, **self.values, "reason": self.reason}])
        return long_metrics(SECTION, wide, ("scope",), GRAPH_METRICS)


def oracle_graph(kind: str, nodes: list[GraphNode] | None = None, rules: BackgroundRules | None = None) -> list[Edge]:
    """PC's output with a perfect CI test over the kind's observed nodes (seconds for celebrities' 27 nodes)."""
    return oracle_edges(list(planted_dag(kind)), list(nodes or OBSERVED_NODES[kind]),
                        rules if rules is not None else default_rules(kind))


def estimated_edges(table: pd.DataFrame) -> list[Edge]:
    """The full-data estimate of an observed_causal_graph table."""
    shown = table[table["in_estimate"].astype(bool)]
    return [Edge(str(s), str(t), str(k)) for s, t, k in zip(shown["from_node"], shown["to_node"], shown["type"])]


def compare_graphs(estimate: list[Edge], oracle: list[Edge]) -> GraphComparison:
    """SHD, adjacency precision/recall and orientation precision of `estimate` against `oracle`."""
    found, true = {e.pair: e for e in estimate}, {e.pair: e for e in oracle}
    distance = structural_hamming_distance(estimate, oracle)
    shared = found.keys() & true.keys()
    directed = [pair for pair in shared if found[pair].type == DIRECTED]
    reasons = []
    if not found:
        reasons.append("adjacency_precision: the estimate has no edges")
    if not true:
        reasons.append("adjacency_recall, shd_per_oracle_edge: the oracle graph has no edges")
    if not directed:
        reasons.append("orientation_precision: no directed edge of the estimate lies on a true adjacency")
    values = {
        "shd": float(distance.total), "missing": float(distance.missing), "extra": float(distance.extra),
        "misoriented": float(distance.misoriented), "oracle_edges": float(len(true)),
        "estimated_edges": float(len(found)),
        "shd_per_oracle_edge": distance.total / len(true) if true else np.nan,
        "adjacency_precision": len(shared) / len(found) if found else np.nan,
        "adjacency_recall": len(shared) / len(true) if true else np.nan,
        "orientation_precision": (sum(_same_mark(found[p], true[p]) for p in directed) / len(directed) if directed
                                  else np.nan),
    }
    rows = []
    for pair in sorted(found.keys() | true.keys(), key=sorted):
        mine, theirs = found.get(pair), true.get(pair)
        verdict = ("missing" if mine is None else "extra" if theirs is None
                   else "match" if _same_mark(mine, theirs) else "misoriented")
        rows.append((" — ".join(sorted(pair)), str(theirs) if theirs else "", str(mine) if mine else "", verdict))
    return GraphComparison(pd.DataFrame(rows, columns=list(EDGE_COLUMNS)), values, "; ".join(reasons))


def _same_mark(a: Edge, b: Edge) -> bool:
    """What shd.py counts as the same: the same type, and for directed edges the same direction."""
    return a.type == b.type and (a.type != DIRECTED or (a.source, a.target) == (b.source, b.target))


def graph_comparison(table: pd.DataFrame, kind: str, nodes: list[GraphNode] | None = None,
                     rules: BackgroundRules | None = None) -> GraphComparison:
    """An observed_causal_graph table against the oracle of the kind's planted DAG."""
    return compare_graphs(estimated_edges(table), oracle_graph(kind, nodes, rules))
