"""PC (causal-learn) over prepared data, with the CI test and background knowledge as configuration.

CI tests: "fisherz" is the linear test of linear_test.py (fast; categorical nodes as one-hot blocks); "kci" and
"rcit" are causal-learn's kernel tests for nonlinear dependence, on category codes (a Gaussian kernel on distinct
points still tells any two distributions apart). Kernel tests cost O(n^2)–O(n^3) per test, so they read a seeded
random subset of at most `kernel_max_rows` rows. RCIT draws from NumPy's global generator: it is seeded for the run
and its previous state restored afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from causallearn.search.ConstraintBased.PC import pc

from personax_platform.causal_graph import linear_test
from personax_platform.causal_graph.background import BackgroundRules
from personax_platform.causal_graph.data import GraphData
from personax_platform.causal_graph.edges import Edge, edges_from_matrix

CITest = Literal["fisherz", "kci", "rcit"]
CI_TESTS: tuple[str, ...] = ("fisherz", "kci", "rcit")
MIN_ROWS = 20  # fewer complete rows than this and no CI test means anything


@dataclass(frozen=True)
class PCSettings:
    ci_test: CITest = "fisherz"
    alpha: float = 0.05
    kernel_max_rows: int = 1000
    max_conditioning: int | None = None  # largest conditioning set PC tries (None: no limit)

    def __post_init__(self) -> None:
        if self.ci_test not in CI_TESTS:
            raise ValueError(f"unknown CI test {self.ci_test!r}; expected one of {list(CI_TESTS)}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must lie in (0, 1), got {self.alpha}")


@dataclass(frozen=True)
class GraphEstimate:
    """The edges PC returned, or no edges and the reason it could not run."""

    edges: tuple[Edge, ...]
    nodes: tuple[str, ...]
    n: int
    reason: str | None = None

    @property
    def estimated(self) -> bool:
        return self.reason is None


def run_pc(data: GraphData, rules: BackgroundRules, settings: PCSettings, seed: int) -> GraphEstimate:
    """One PC run on `data`; fewer than MIN_ROWS rows or two nodes gives an empty estimate with the reason."""
    if data.n < MIN_ROWS:
        return GraphEstimate((), tuple(data.names), data.n, f"too few complete rows: {data.n} (at least {MIN_ROWS})")
    if len(data.nodes) < 2:
        return GraphEstimate((), tuple(data.names), data.n, f"fewer than two usable nodes: {data.names}")
    matrix, blocks = data.matrix, data.blocks
    if settings.ci_test != "fisherz" and data.n > settings.kernel_max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(data.n, settings.kernel_max_rows, replace=False))
        matrix = matrix[rows]
    test_options = {"blocks": blocks} if settings.ci_test == "fisherz" else {}
    method = linear_test.NAME if settings.ci_test == "fisherz" else settings.ci_test
    saved = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        graph = pc(matrix, settings.alpha, method, background_knowledge=rules.to_causallearn(list(data.nodes)),
                   node_names=data.names, show_progress=False, max_k=settings.max_conditioning, **test_options)
    finally:
        np.random.set_state(saved)
    return GraphEstimate(tuple(edges_from_matrix(graph.G.graph, data.names)), tuple(data.names), len(matrix))
