"""What was planted, in the terms the analyses are judged by: the generator's DAG for a dataset kind (hidden variables
included, sample/planted_graph.py) and, for every trait x feature pair, whether the two are truly dependent.

A trait and a feature are truly dependent iff they are d-connected given the empty set, i.e. iff they share an
ancestor (either may be the other's ancestor) in the planted DAG: that is exactly what an unconditional independence
test can detect. A per-model score stands for its trait's planted node (a score is a function of the trait plus
rater noise that is independent of every feature). A pair is `direct` when the DAG has an edge between the two.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import networkx as nx
import pandas as pd

from personax_platform.bios.schema import FACE_ATTRIBUTES
from personax_platform.sample.planted_graph import PLANTED_DAG
from personax_platform.traits.constants import TRAITS

# The generator names its structures after the real dataset a kind mirrors.
KIND_DATASET = {"athletes": "athlepersona", "celebrities": "celebpersona"}
# Level I features that no planted edge reaches (generator.py): the calendar fields are drawn uniformly within the
# birth year, and face attributes absent from a kind's DAG have no parents (Big_Lips, Narrow_Eyes; athletes have
# none). Anything else missing from the DAG is an error, not silently "independent".
UNREACHED_FEATURES = frozenset({"birth_month", "birth_day", "day_of_year", "day_sin", "day_cos", *FACE_ATTRIBUTES})
PAIR_COLUMNS = ("trait", "feature", "dependent", "direct")


def planted_dag(kind: str) -> tuple[tuple[str, str], ...]:
    """(cause, effect) edges of the kind's planted structure, hidden variables included."""
    if kind not in KIND_DATASET:
        raise KeyError(f"unknown dataset kind {kind!r}; expected one of {sorted(KIND_DATASET)}")
    return PLANTED_DAG[KIND_DATASET[kind]]


@cache
def _graph(kind: str) -> nx.DiGraph:
    return nx.DiGraph(planted_dag(kind))


def _ancestry(kind: str, node: str) -> set[str]:
    """The node and its ancestors; a trait or unreached feature outside the DAG is a node of its own."""
    graph = _graph(kind)
    if node in graph:
        return nx.ancestors(graph, node) | {node}
    if node in TRAITS or node in UNREACHED_FEATURES:
        return {node}
    raise ValueError(f"'{node}' is neither a node of the planted {kind} DAG nor a known unreached feature")


def planted_pairs(kind: str, traits: Iterable[str], features: Iterable[str]) -> pd.DataFrame:
    """PAIR_COLUMNS for every trait x feature: truly dependent (d-connected given nothing) and directly linked."""
    graph = _graph(kind)
    rows = [(trait, feature, bool(_ancestry(kind, trait) & _ancestry(kind, feature)),
             graph.has_edge(trait, feature) or graph.has_edge(feature, trait))
            for trait in dict.fromkeys(traits) for feature in dict.fromkeys(features)]
    return pd.DataFrame(rows, columns=list(PAIR_COLUMNS))
