"""The observed graph against the oracle: SHD, adjacency precision/recall and orientation precision."""
import numpy as np
import pandas as pd
import pytest

from personax_platform.causal_graph import Edge
from personax_platform.known_truth import compare_graphs, estimated_edges, graph_comparison, oracle_graph

ORACLE = [Edge("a", "b", "directed"), Edge("c", "b", "directed"), Edge("c", "d", "undirected")]


def test_an_estimate_equal_to_the_oracle_has_shd_zero_and_perfect_scores():
    comparison = compare_graphs(list(ORACLE), ORACLE)
    values = comparison.values
    assert values["shd"] == 0 and values["shd_per_oracle_edge"] == 0
    assert values["adjacency_precision"] == values["adjacency_recall"] == values["orientation_precision"] == 1
    assert set(comparison.edges["verdict"]) == {"match"} and comparison.reason == ""


def test_missing_extra_and_misoriented_edges_are_told_apart():
    estimate = [Edge("b", "a", "directed"), Edge("c", "d", "directed"), Edge("a", "d", "undirected")]
    comparison = compare_graphs(estimate, ORACLE)
    values = comparison.values
    assert (values["missing"], values["extra"], values["misoriented"], values["shd"]) == (1, 1, 2, 4)
    assert values["adjacency_precision"] == pytest.approx(2 / 3) and values["adjacency_recall"] == pytest.approx(2 / 3)
    # b -> a is reversed; c -> d orients what the oracle leaves undirected: neither is supported
    assert values["orientation_precision"] == 0
    verdicts = comparison.edges.set_index("pair")["verdict"].to_dict()
    assert verdicts == {"a — b": "misoriented", "a — d": "extra", "b — c": "missing", "c — d": "misoriented"}


def test_an_empty_estimate_has_no_precision_and_the_metrics_say_why():
    comparison = compare_graphs([], ORACLE)
    assert comparison.values["adjacency_recall"] == 0 and comparison.values["shd"] == 3
    metrics = comparison.metrics().set_index("metric")
    for metric in ("adjacency_precision", "orientation_precision"):
        assert np.isnan(metrics.loc[metric, "value"]) and metric in metrics.loc[metric, "reason"]


def test_the_asset_table_equal_to_the_athletes_oracle_scores_shd_zero():
    oracle = oracle_graph("athletes")
    table = pd.DataFrame(
        [(e.source, e.target, e.type, True, 1.0) for e in oracle]
        + [("birth_month", "openness", "directed", False, 0.03)],  # seen in a resample only: not the estimate
        columns=["from_node", "to_node", "type", "in_estimate", "frequency"])
    assert len(estimated_edges(table)) == len(oracle)
    comparison = graph_comparison(table, "athletes")
    assert comparison.values["shd"] == 0 and comparison.values["oracle_edges"] == len(oracle) > 0
