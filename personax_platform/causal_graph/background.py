"""Background knowledge as configuration: which variables have no causes, and which causal directions are ruled out.

A rule names either a node or a group of nodes, so the defaults read like the assumptions they encode
("traits -> biography" is forbidden: a personality trait cannot change someone's height or birthplace).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from causallearn.graph.GraphNode import GraphNode as CLNode
from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge

from personax_platform.causal_graph.nodes import GraphNode, by_name


@dataclass(frozen=True)
class BackgroundRules:
    """`exogenous`: nodes or groups with no parents at all. `forbidden`: "A -> B" strings, each side a node or group;
    every edge from a member of A into a member of B is ruled out."""

    exogenous: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = field(default_factory=tuple)

    def forbidden_edges(self, nodes: list[GraphNode]) -> set[tuple[str, str]]:
        """Every ruled-out (cause, effect) pair among `nodes`; names in rules that match nothing are an error."""
        index = by_name(nodes)
        pairs: set[tuple[str, str]] = set()
        for target in self.exogenous:
            for effect in _members(target, nodes, "exogenous"):
                pairs |= {(cause, effect) for cause in index if cause != effect}
        for rule in self.forbidden:
            cause_side, effect_side = _split(rule)
            for cause in _members(cause_side, nodes, rule):
                pairs |= {(cause, effect) for effect in _members(effect_side, nodes, rule) if effect != cause}
        return pairs

    def to_causallearn(self, nodes: list[GraphNode]) -> BackgroundKnowledge:
        """causal-learn's object: nodes match by name (pc() names the graph's nodes after `node_names`)."""
        knowledge = BackgroundKnowledge()
        for cause, effect in sorted(self.forbidden_edges(nodes)):
            knowledge.add_forbidden_by_node(CLNode(cause), CLNode(effect))
        return knowledge


def _split(rule: str) -> tuple[str, str]:
    parts = [part.strip() for part in rule.split("->")]
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"forbidden rule {rule!r} must read 'cause -> effect' (a node or group on each side)")
    return parts[0], parts[1]


def _members(name: str, nodes: list[GraphNode], rule: str) -> list[str]:
    """The node called `name`, or every node of the group `name`; anything else is a typo worth stopping for."""
    exact = [n.name for n in nodes if n.name == name]
    group = [n.name for n in nodes if n.group == name]
    if not (exact or group):
        groups = sorted({n.group for n in nodes})
        raise ValueError(f"background rule {rule!r}: {name!r} is neither a node nor a group of this graph "
                         f"(groups: {groups}; nodes: {[n.name for n in nodes]})")
    return exact or group
