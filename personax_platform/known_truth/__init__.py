"""Known-truth validation: generated cohorts of fictional people with planted traits, rated by simulated raters, run
through the real pipeline, and every analysis compared with what was planted (no Dagster here).

`cohort` puts a cohort on disk. `validate(dataset, kind, truth, trait_scores=..., aggregated_traits=...,
independence_tests=..., observed_graph=..., crl_latents=...)` compares each analysis table with the truth:
trait scores and rater agreement (`scores`), Level I power and false-discovery proportion (`level1`, truth from
`planted`), the observed graph against the oracle graph (`graph`), and the held-out text latents (`level2`); then
holds every metric to the bounds fixed in `bounds`. `render_report` writes the one-page markdown report.

The names below load on first use: the comparisons pull in causal-learn and torch, which code that only needs
`cohort` (the bios step of a known-truth league) should not pay for.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "bounds": ("ASSUMED_PEOPLE", "BOUNDS", "EVALUATION_COLUMNS", "Bound", "evaluate"),
    "graph": ("GraphComparison", "compare_graphs", "estimated_edges", "graph_comparison", "oracle_graph"),
    "level1": ("LEVEL1_COLUMNS", "judged_pairs", "level1_metrics", "level1_table"),
    "level2": ("CAVEAT", "Level2Comparison", "level2_comparison"),
    "metrics": ("AGGREGATED", "METRIC_COLUMNS"),
    "planted": ("planted_dag", "planted_pairs"),
    "report": ("TITLE", "render_report"),
    "scores": ("SCORE_COLUMNS", "rater_agreement", "score_metrics", "score_table"),
    "validation": ("Validation", "validate"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = [
    "AGGREGATED", "ASSUMED_PEOPLE", "BOUNDS", "CAVEAT", "EVALUATION_COLUMNS", "LEVEL1_COLUMNS", "METRIC_COLUMNS",
    "SCORE_COLUMNS", "TITLE", "Bound", "GraphComparison", "Level2Comparison", "Validation", "compare_graphs",
    "estimated_edges", "evaluate", "graph_comparison", "judged_pairs", "level1_metrics", "level1_table",
    "level2_comparison", "oracle_graph", "planted_dag", "planted_pairs", "rater_agreement", "render_report",
    "score_metrics", "score_table", "validate",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
