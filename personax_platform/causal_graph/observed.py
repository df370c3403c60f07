"""The observed-variable graph of each dataset: which columns are nodes, and the default background knowledge.

Birth day of year and its sine/cosine are left out: they are functions of birth month and day, and a node that is
a deterministic function of others breaks the faithfulness PC relies on (every test given it would say
"independent"). Latitude and longitude stay: both are there in the data and no other node determines them.
"""
from __future__ import annotations

import pandas as pd

from personax_platform.bios.schema import FACE_ATTRIBUTES
from personax_platform.causal_graph.background import BackgroundRules
from personax_platform.causal_graph.nodes import GraphNode
from personax_platform.traits.constants import TRAITS

TRAIT, BIOGRAPHY, FACE = "traits", "biography", "face"
BIRTH_DATE = ("birth_year", "birth_month", "birth_day")

_TRAIT_NODES = tuple(GraphNode(trait, TRAIT) for trait in TRAITS)
_ATHLETE_BIO = (*(GraphNode(name, BIOGRAPHY) for name in BIRTH_DATE), GraphNode("league", BIOGRAPHY, "categorical"),
                *(GraphNode(name, BIOGRAPHY) for name in ("latitude", "longitude", "height_cm", "weight_kg")))
_CELEBRITY_BIO = (*(GraphNode(name, BIOGRAPHY) for name in (*BIRTH_DATE, "latitude", "longitude", "height_cm",
                                                            "weight_kg")),
                  GraphNode("occupation", BIOGRAPHY, "categorical"), GraphNode("gender", BIOGRAPHY, "categorical"))
OBSERVED_NODES: dict[str, tuple[GraphNode, ...]] = {  # per dataset kind
    "athletes": _TRAIT_NODES + _ATHLETE_BIO,
    "celebrities": _TRAIT_NODES + _CELEBRITY_BIO + tuple(GraphNode(a, FACE) for a in FACE_ATTRIBUTES),
}
# The assumptions: nothing causes birth date, gender or league; traits cannot cause biographical facts;
# face attributes cannot cause birth date (implied by the first rule, kept explicit for readers).
DEFAULT_EXOGENOUS: dict[str, tuple[str, ...]] = {
    "athletes": (*BIRTH_DATE, "league"),
    "celebrities": (*BIRTH_DATE, "gender"),
}
DEFAULT_FORBIDDEN: dict[str, tuple[str, ...]] = {
    "athletes": (f"{TRAIT} -> {BIOGRAPHY}",),
    "celebrities": (f"{TRAIT} -> {BIOGRAPHY}", *(f"{FACE} -> {name}" for name in BIRTH_DATE)),
}


def default_rules(kind: str) -> BackgroundRules:
    return BackgroundRules(DEFAULT_EXOGENOUS[kind], DEFAULT_FORBIDDEN[kind])


def observed_frame(people: pd.DataFrame, aggregated: pd.DataFrame) -> pd.DataFrame:
    """One row per person: the bio columns and one column per trait (the median score; NaN = insufficient)."""
    scores = aggregated.pivot(index="person_id", columns="trait", values="score")
    return people.set_index("person_id").drop(columns=scores.columns, errors="ignore").join(scores).reset_index()
