"""Every known-truth comparison of one dataset in one call: the section tables, their metrics and the bound verdicts.

Each analysis table is optional: a missing one leaves its section empty, and its bounds then fail as "not computed"
(a validation that skipped an analysis must not pass).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from personax_platform.causal_graph import BackgroundRules, GraphNode
from personax_platform.known_truth.bounds import evaluate
from personax_platform.known_truth.graph import GraphComparison, graph_comparison
from personax_platform.known_truth.level1 import judged_pairs, level1_metrics, level1_table
from personax_platform.known_truth.level2 import Level2Comparison, level2_comparison
from personax_platform.known_truth.metrics import METRIC_COLUMNS
from personax_platform.known_truth.scores import rater_agreement, score_metrics, score_table


@dataclass(frozen=True)
class Validation:
    """One dataset's comparison with its planted truth; `evaluation` holds the bound verdicts (bounds.py)."""

    dataset: str
    kind: str
    n_people: int
    scores: pd.DataFrame | None
    agreement: pd.DataFrame | None
    level1: pd.DataFrame | None
    level1_pairs: pd.DataFrame | None
    graph: GraphComparison | None
    level2: Level2Comparison | None
    metrics: pd.DataFrame
    evaluation: pd.DataFrame

    @property
    def passed(self) -> bool:
        return bool(len(self.evaluation)) and bool(self.evaluation["passed"].all())


def validate(dataset: str, kind: str, truth: pd.DataFrame, *, trait_scores: pd.DataFrame | None = None,
             aggregated_traits: pd.DataFrame | None = None, independence_tests: pd.DataFrame | None = None,
             observed_graph: pd.DataFrame | None = None, crl_latents: pd.DataFrame | None = None,
             graph_nodes: list[GraphNode] | None = None, graph_rules: BackgroundRules | None = None) -> Validation:
    """Compare the given analysis tables of `dataset` (a cohort of `kind`) with `truth` (truth.parquet).

    `graph_nodes`/`graph_rules`: the observed graph's nodes and background knowledge when the asset was not run
    with the defaults of the kind.
    """
    parts = [pd.DataFrame(columns=list(METRIC_COLUMNS))]
    scores = agreement = level1 = pairs = None
    if trait_scores is not None and aggregated_traits is not None:
        scores, agreement = score_table(trait_scores, aggregated_traits, truth), rater_agreement(trait_scores)
        parts.append(score_metrics(scores, agreement))
    if independence_tests is not None:
        level1, pairs = level1_table(independence_tests, kind), judged_pairs(independence_tests, kind)
        parts.append(level1_metrics(level1))
    graph = None if observed_graph is None else graph_comparison(observed_graph, kind, graph_nodes, graph_rules)
    level2 = None if crl_latents is None else level2_comparison(crl_latents, truth)
    parts += [section.metrics() for section in (graph, level2) if section is not None]
    metrics = pd.concat([part for part in parts if len(part)] or parts, ignore_index=True)
    n_people = int(truth["person_id"].nunique())
    return Validation(dataset, kind, n_people, scores, agreement, level1, pairs, graph, level2, metrics,
                      evaluate(metrics, kind, n_people))
