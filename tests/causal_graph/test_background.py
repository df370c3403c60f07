"""Background knowledge as readable rules: groups expand to their nodes, typos stop the run, PC obeys the rules."""
import numpy as np
import pandas as pd
import pytest

from personax_platform.causal_graph import BackgroundRules, GraphNode, PCSettings, prepare, run_pc
from personax_platform.causal_graph.observed import OBSERVED_NODES, default_rules

NODES = [GraphNode("openness", "traits"), GraphNode("height", "biography"), GraphNode("birth_year", "biography"),
         GraphNode("Big_Nose", "face")]


def test_groups_expand_to_their_members_and_exogenous_nodes_get_no_causes():
    rules = BackgroundRules(exogenous=("birth_year",), forbidden=("traits -> biography",))
    forbidden = rules.forbidden_edges(NODES)
    assert {("openness", "height"), ("openness", "birth_year")} <= forbidden
    assert {(cause, "birth_year") for cause in ("openness", "height", "Big_Nose")} <= forbidden
    assert ("height", "openness") not in forbidden and ("openness", "Big_Nose") not in forbidden


@pytest.mark.parametrize("rules", [BackgroundRules(exogenous=("birth_yaer",)),
                                   BackgroundRules(forbidden=("trait -> biography",)),
                                   BackgroundRules(forbidden=("traits biography",))])
def test_a_rule_naming_nothing_in_the_graph_is_an_error_that_quotes_the_rule(rules):
    with pytest.raises(ValueError, match="rule|exogenous"):
        rules.forbidden_edges(NODES)


def test_the_default_rules_of_both_dataset_kinds_match_their_nodes():
    for kind, nodes in OBSERVED_NODES.items():
        forbidden = default_rules(kind).forbidden_edges(list(nodes))
        assert ("openness", "height_cm") in forbidden and ("height_cm", "openness") not in forbidden
        assert ("latitude", "birth_year") in forbidden


def test_pc_orients_by_the_rules_and_drops_an_edge_forbidden_both_ways():
    """Without knowledge x -- y stays undirected (no v-structure); 'y is exogenous' turns it into y -> x.
    Two exogenous nodes cannot be adjacent, even when the data says they are dependent."""
    rng = np.random.default_rng(3)
    y = rng.normal(size=2000)
    x = y + rng.normal(size=2000)
    w = y + rng.normal(size=2000)
    frame = pd.DataFrame({"x": x, "y": y, "w": w})
    nodes = [GraphNode(c, "g") for c in "xyw"]
    data = prepare(frame, nodes)
    plain = {str(e) for e in run_pc(data, BackgroundRules(), PCSettings(), 0).edges}
    assert plain == {"x -- y", "y -- w"}
    known = {str(e) for e in run_pc(data, BackgroundRules(exogenous=("y",)), PCSettings(), 0).edges}
    assert known == {"y -> x", "y -> w"}
    both = {str(e) for e in run_pc(data, BackgroundRules(exogenous=("y", "w")), PCSettings(), 0).edges}
    assert both == {"y -> x"}
