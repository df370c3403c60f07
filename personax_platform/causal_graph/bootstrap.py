"""Edge stability: PC on bootstrap resamples (seeded), and how often each edge and each orientation appears.

Resample b draws n rows with replacement from a generator seeded with (seed, b), so one resample can be re-run on
its own. The full-data estimate is run too; the table lists every pair adjacent in it or in any resample.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from personax_platform.causal_graph.background import BackgroundRules
from personax_platform.causal_graph.data import GraphData
from personax_platform.causal_graph.edges import BIDIRECTED, DIRECTED, UNDIRECTED, Edge
from personax_platform.causal_graph.pc import GraphEstimate, PCSettings, run_pc

EDGE_COLUMNS = ("from_node", "to_node", "type", "in_estimate", "frequency", "orientation_frequency",
                "frequency_forward", "frequency_backward", "frequency_undirected", "frequency_bidirected")


@dataclass(frozen=True)
class StabilityResult:
    estimate: GraphEstimate
    edges: pd.DataFrame  # EDGE_COLUMNS, one row per pair
    resamples: int
    resamples_not_estimated: dict[int, str]


def edge_stability(data: GraphData, rules: BackgroundRules, settings: PCSettings, *, resamples: int,
                   seed: int) -> StabilityResult:
    estimate = run_pc(data, rules, settings, seed)
    counts: Counter[tuple[str, str, str]] = Counter()
    not_estimated: dict[int, str] = {}
    if estimate.estimated:
        for b in range(resamples):
            rows = np.random.default_rng([seed, b]).integers(0, data.n, data.n)
            draw = run_pc(data.resample(rows), rules, settings, seed + b + 1)
            if not draw.estimated:
                not_estimated[b] = draw.reason or ""
            counts.update((e.source, e.target, e.type) for e in draw.edges)
    table = _edge_table(estimate.edges, counts, resamples if estimate.estimated else 0, data.names)
    return StabilityResult(estimate, table, resamples, not_estimated)


def _edge_table(estimate: tuple[Edge, ...], counts: Counter, resamples: int, order: list[str]) -> pd.DataFrame:
    rank = {name: i for i, name in enumerate(order)}
    in_estimate = {edge.pair: edge for edge in estimate}
    pairs = set(in_estimate) | {frozenset((s, t)) for s, t, _ in counts}
    rows = []
    for pair in sorted(pairs, key=lambda p: sorted(rank[n] for n in p)):
        first, second = sorted(pair, key=rank.__getitem__)
        share = {
            "forward": counts[(first, second, DIRECTED)], "backward": counts[(second, first, DIRECTED)],
            "undirected": counts[(first, second, UNDIRECTED)], "bidirected": counts[(first, second, BIDIRECTED)],
        }
        share = {k: v / resamples if resamples else float("nan") for k, v in share.items()}
        edge = in_estimate.get(pair) or _most_frequent(first, second, share)
        reversed_ = edge.type == DIRECTED and edge.source == second
        orientation = {DIRECTED: share["backward" if reversed_ else "forward"], UNDIRECTED: share["undirected"],
                       BIDIRECTED: share["bidirected"]}[edge.type]
        rows.append((edge.source, edge.target, edge.type, pair in in_estimate, sum(share.values()), orientation,
                     share["backward" if reversed_ else "forward"], share["forward" if reversed_ else "backward"],
                     share["undirected"], share["bidirected"]))
    return pd.DataFrame(rows, columns=list(EDGE_COLUMNS))


def _most_frequent(first: str, second: str, share: dict[str, float]) -> Edge:
    kind = max(share, key=share.__getitem__)
    if kind == "backward":
        return Edge(second, first, DIRECTED)
    return Edge(first, second, {"forward": DIRECTED, "undirected": UNDIRECTED, "bidirected": BIDIRECTED}[kind])
