"""Edge stability by resampling: frequencies that add up, strong edges near 1, reproducible for a seed, and
subsampling that keeps chance edges at the test's level where the classic bootstrap does not."""
import numpy as np
import pandas as pd
import pytest

from personax_platform.causal_graph import EDGE_COLUMNS, BackgroundRules, GraphNode, PCSettings, edge_stability
from personax_platform.causal_graph import prepare

NODES = [GraphNode(c, "g") for c in ("a", "b", "c", "d")]


def _data(n: int = 800):
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=n), rng.normal(size=n)
    c = a + b + rng.normal(size=n)
    return prepare(pd.DataFrame({"a": a, "b": b, "c": c, "d": rng.normal(size=n)}), NODES)


@pytest.mark.parametrize("resampling", ["subsample", "bootstrap"])
def test_strong_edges_appear_in_nearly_every_resample_with_their_orientation(resampling):
    result = edge_stability(_data(), BackgroundRules(), PCSettings(), resamples=20, seed=1, resampling=resampling)
    table = result.edges.set_index(["from_node", "to_node"])
    assert list(result.edges.columns) == list(EDGE_COLUMNS)
    for edge in (("a", "c"), ("b", "c")):
        row = table.loc[edge]
        assert row["in_estimate"] and row["type"] == "directed"
        assert row["frequency"] >= 0.9 and row["orientation_frequency"] >= 0.8
    shares = result.edges[["frequency_forward", "frequency_backward", "frequency_undirected",
                           "frequency_bidirected"]].sum(axis=1)
    assert np.allclose(shares, result.edges["frequency"]) and result.edges["frequency"].between(0, 1).all()


def test_the_same_seed_gives_the_same_table_and_another_seed_other_resamples():
    data = _data(200)
    first = edge_stability(data, BackgroundRules(), PCSettings(alpha=0.2), resamples=15, seed=3)
    again = edge_stability(data, BackgroundRules(), PCSettings(alpha=0.2), resamples=15, seed=3)
    other = edge_stability(data, BackgroundRules(), PCSettings(alpha=0.2), resamples=15, seed=4)
    pd.testing.assert_frame_equal(first.edges, again.edges)
    assert not first.edges.equals(other.edges)


def test_subsamples_keep_chance_edges_near_alpha_while_the_bootstrap_inflates_them():
    """Independent variables: a with-replacement draw repeats rows that the tests take as independent people."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(1000, 8)), columns=list("abcdefgh"))
    data = prepare(frame, [GraphNode(c, "g") for c in frame.columns])
    pairs = 8 * 7 / 2
    rate = {}
    for resampling in ("subsample", "bootstrap"):
        result = edge_stability(data, BackgroundRules(), PCSettings(), resamples=60, seed=1, resampling=resampling)
        rate[resampling] = result.edges["frequency"].sum() / pairs  # mean share of pairs adjacent per resample
    print("\nshare of independent pairs adjacent per resample:", {k: round(v, 3) for k, v in rate.items()})
    assert rate["subsample"] <= 0.09
    assert rate["bootstrap"] >= 2 * rate["subsample"]


def test_no_resamples_are_drawn_when_the_full_data_cannot_be_estimated():
    data = prepare(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0]}), NODES[:2])
    result = edge_stability(data, BackgroundRules(), PCSettings(), resamples=10, seed=0)
    assert not result.estimate.estimated and result.edges.empty


def test_unknown_resampling_and_bad_fractions_are_refused():
    with pytest.raises(ValueError, match="resampling"):
        edge_stability(_data(50), BackgroundRules(), PCSettings(), resamples=2, seed=0, resampling="jackknife")
    with pytest.raises(ValueError, match="fraction"):
        edge_stability(_data(50), BackgroundRules(), PCSettings(), resamples=2, seed=0, fraction=0)
