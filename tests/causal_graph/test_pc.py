"""PC as configured: data preparation says what it left out and why, the CI tests find what they should,
and a seed fixes every random choice."""
import numpy as np
import pandas as pd
import pytest

from personax_platform.causal_graph import BackgroundRules, GraphNode, PCSettings, prepare, run_pc

NONE = BackgroundRules()


def _collider(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": a + b + rng.normal(size=n)})


def test_a_collider_is_found_and_oriented_from_data_alone():
    data = prepare(_collider(1500), [GraphNode(c, "g") for c in "abc"])
    assert {str(e) for e in run_pc(data, NONE, PCSettings(), 0).edges} == {"a -> c", "b -> c"}


def test_empty_and_constant_columns_are_left_out_with_the_reason_and_incomplete_rows_dropped():
    frame = _collider(100).assign(empty=np.nan, constant=7.0)
    frame.loc[:9, "a"] = np.nan
    nodes = [GraphNode(c, "g") for c in ("a", "b", "c", "empty", "constant")]
    data = prepare(frame, nodes)
    assert data.names == ["a", "b", "c"] and data.n == 90 and data.rows_total == 100
    assert "empty" in data.excluded["empty"] and "single value" in data.excluded["constant"]


def test_a_node_missing_from_the_data_is_named_in_the_error():
    with pytest.raises(KeyError, match="height_cm"):
        prepare(_collider(50), [GraphNode("a", "g"), GraphNode("height_cm", "g")])


def test_too_few_complete_rows_give_no_graph_and_say_why():
    data = prepare(_collider(12), [GraphNode(c, "g") for c in "abc"])
    estimate = run_pc(data, NONE, PCSettings(), 0)
    assert not estimate.estimated and estimate.edges == () and "too few complete rows: 12" in estimate.reason


def test_unknown_ci_tests_and_bad_alpha_are_refused():
    with pytest.raises(ValueError, match="unknown CI test"):
        PCSettings(ci_test="pearson")
    with pytest.raises(ValueError, match="alpha"):
        PCSettings(alpha=1.5)


def _nonlinear(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    half = rng.uniform(0, 2, n // 2)
    x = np.concatenate([half, -half])  # symmetric: x and x^2 are exactly uncorrelated
    return pd.DataFrame({"x": x, "y": x**2 + 0.3 * rng.normal(size=n), "noise": rng.normal(size=n)})


@pytest.mark.parametrize("ci_test", ["kci", "rcit"])
def test_kernel_tests_find_a_dependence_that_fisher_z_cannot_see(ci_test):
    data = prepare(_nonlinear(300), [GraphNode(c, "g") for c in ("x", "y", "noise")])
    assert run_pc(data, NONE, PCSettings(), 0).edges == ()
    found = run_pc(data, NONE, PCSettings(ci_test=ci_test), 0)
    assert {e.pair for e in found.edges} == {frozenset(("x", "y"))}


def test_kernel_tests_read_a_seeded_subset_of_at_most_kernel_max_rows():
    data = prepare(_nonlinear(400), [GraphNode(c, "g") for c in ("x", "y", "noise")])
    settings = PCSettings(ci_test="rcit", kernel_max_rows=150)
    first, again = run_pc(data, NONE, settings, 7), run_pc(data, NONE, settings, 7)
    assert first.n == 150 and first == again
    assert np.random.get_state()[1][0] == np.random.get_state()[1][0]  # the global generator is left usable
