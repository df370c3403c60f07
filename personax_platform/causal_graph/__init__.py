"""Causal graphs by PC (causal-learn): data preparation, a block Fisher-z test, background knowledge as rules,
resampling edge stability, the oracle graph of a known DAG, structural Hamming distance and drawings.

Used for the observed-variable graph (Level I, `observed.py`) and for graphs among learned latents (Level II).
"""
from personax_platform.causal_graph.background import BackgroundRules
from personax_platform.causal_graph.stability import EDGE_COLUMNS, RESAMPLING, StabilityResult, edge_stability
from personax_platform.causal_graph.data import GraphData, prepare
from personax_platform.causal_graph.edges import Edge
from personax_platform.causal_graph.nodes import GraphNode
from personax_platform.causal_graph.oracle import oracle_edges
from personax_platform.causal_graph.pc import CI_TESTS, GraphEstimate, PCSettings, run_pc
from personax_platform.causal_graph.render import graph_png, to_dot
from personax_platform.causal_graph.shd import HammingDistance, structural_hamming_distance

__all__ = [
    "CI_TESTS", "EDGE_COLUMNS", "RESAMPLING", "BackgroundRules", "Edge", "GraphData", "GraphEstimate", "GraphNode",
    "HammingDistance", "PCSettings", "StabilityResult", "edge_stability", "graph_png", "oracle_edges", "prepare",
    "run_pc", "structural_hamming_distance", "to_dot",
]
