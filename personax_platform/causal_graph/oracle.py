"""What PC returns with a perfect CI test: d-separation in a known DAG, hidden variables allowed.

This is the fair target for a recovered graph: PC cannot orient edges the data cannot orient (a Markov
equivalence class), background knowledge orients some more, and a hidden common cause leaves an edge between its
observed children. Comparing PC's output with the oracle's isolates the errors of finite data and of the CI test.
"""
from __future__ import annotations

import networkx as nx
import numpy as np
from causallearn.search.ConstraintBased.PC import pc

from personax_platform.causal_graph.background import BackgroundRules
from personax_platform.causal_graph.edges import Edge, edges_from_matrix
from personax_platform.causal_graph.nodes import GraphNode


def oracle_edges(dag: list[tuple[str, str]], observed: list[GraphNode], rules: BackgroundRules) -> list[Edge]:
    """PC's output over `observed` when every CI question is answered by d-separation in `dag` (cause, effect)."""
    names = [node.name for node in observed]
    hidden = sorted({v for edge in dag for v in edge} - set(names))
    index = {name: i for i, name in enumerate(names + hidden)}
    graph = nx.DiGraph()
    graph.add_nodes_from(index.values())
    graph.add_edges_from((index[cause], index[effect]) for cause, effect in dag)
    if not nx.is_directed_acyclic_graph(graph):
        raise ValueError("the planted graph has a cycle")
    placeholder = np.zeros((len(names) + 1, len(names)))  # d-separation reads no data
    result = pc(placeholder, 0.5, "d_separation", true_dag=graph, node_names=names, show_progress=False,
                background_knowledge=rules.to_causallearn(observed))
    return edges_from_matrix(result.G.graph, names)
