"""The oracle graph of a known DAG, structural Hamming distance, and the drawings."""
import pandas as pd

from personax_platform.causal_graph import BackgroundRules, Edge, GraphNode, graph_png, oracle_edges, to_dot
from personax_platform.causal_graph import structural_hamming_distance

NODES = [GraphNode("a", "biography"), GraphNode("b", "biography"), GraphNode("c", "traits"),
         GraphNode("d", "face")]


def test_the_oracle_orients_a_collider_and_keeps_an_edge_for_a_hidden_common_cause():
    dag = [("a", "c"), ("b", "c"), ("hidden", "b"), ("hidden", "d")]
    assert {str(e) for e in oracle_edges(dag, NODES, BackgroundRules())} == {"a -> c", "b -> c", "b -- d"}


def test_the_oracle_obeys_background_knowledge():
    dag = [("a", "b")]
    assert {str(e) for e in oracle_edges(dag, NODES, BackgroundRules(exogenous=("a",)))} == {"a -> b"}


def test_hamming_distance_counts_each_pair_once_by_kind_of_error():
    truth = [Edge("a", "c", "directed"), Edge("b", "c", "directed"), Edge("c", "d", "undirected")]
    found = [Edge("c", "a", "directed"), Edge("b", "c", "undirected"), Edge("a", "d", "directed")]
    distance = structural_hamming_distance(found, truth)
    assert (distance.missing, distance.extra, distance.misoriented) == (1, 1, 2)
    assert distance.total == 4 and distance.skeleton == 2
    assert structural_hamming_distance(truth, truth).total == 0


def test_dot_and_png_show_every_node_by_group_and_every_edge_with_its_frequency():
    edges = pd.DataFrame({"from_node": ["a", "c"], "to_node": ["c", "d"], "type": ["directed", "undirected"],
                          "frequency": [0.9, float("nan")]})
    dot = to_dot(edges, NODES, "observed")
    assert 'subgraph "cluster_traits"' in dot and '"a" -> "c" [dir=forward, label="0.90"]' in dot
    assert '"c" -> "d" [dir=none]' in dot
    assert graph_png(edges, NODES, "observed").startswith(b"\x89PNG")
