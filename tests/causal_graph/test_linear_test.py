"""The default CI test of PC: Fisher-z for single columns, a calibrated block test for categorical nodes."""
import numpy as np
import pandas as pd
from causallearn.utils.cit import CIT

from personax_platform.causal_graph import GraphNode, prepare
from personax_platform.causal_graph.linear_test import NAME


def _linear_test(frame: pd.DataFrame, nodes: list[GraphNode]):
    data = prepare(frame, nodes)
    return CIT(data.matrix, NAME, blocks=data.blocks)


def test_single_column_nodes_get_exactly_causal_learns_fisher_z():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5))
    x[:, 1] += 0.3 * x[:, 0]
    x[:, 3] += 0.2 * x[:, 1] - 0.2 * x[:, 2]
    frame = pd.DataFrame(x, columns=list("abcde"))
    ours = _linear_test(frame, [GraphNode(c, "g") for c in "abcde"])
    reference = CIT(x, "fisherz")
    for a, b, condition in [(0, 1, []), (0, 3, [1]), (1, 3, [0, 2]), (2, 4, [0, 1, 3]), (3, 4, [])]:
        assert np.isclose(ours(a, b, condition), reference(a, b, condition), rtol=1e-9, atol=1e-12)


def test_a_categorical_node_is_one_block_that_finds_a_non_monotone_category_effect():
    """Integer codes would hide an effect that goes up and down across categories; one-hot blocks do not."""
    rng = np.random.default_rng(1)
    job = rng.choice(list("abcd"), 600)
    effect = pd.Series(job).map({"a": 1.0, "b": -1.0, "c": -1.0, "d": 1.0}).to_numpy()
    frame = pd.DataFrame({"job": job, "trait": effect + rng.normal(size=600)})
    as_block = _linear_test(frame, [GraphNode("job", "bio", "categorical"), GraphNode("trait", "t")])
    coded = frame.assign(job=pd.factorize(frame["job"], sort=True)[0])
    as_code = CIT(coded.to_numpy(dtype=float), "fisherz")
    assert as_block(0, 1, []) < 1e-20
    assert as_code(0, 1, []) > 0.01


def test_the_block_test_rejects_about_alpha_of_true_null_hypotheses():
    rng = np.random.default_rng(2)
    rejections = []
    for _ in range(400):
        frame = pd.DataFrame({"job": rng.choice(list("abcde"), 150), "kind": rng.choice(list("xyz"), 150),
                              "z": rng.normal(size=150)})
        test = _linear_test(frame, [GraphNode("job", "b", "categorical"), GraphNode("kind", "b", "categorical"),
                                    GraphNode("z", "b")])
        rejections.append(test(0, 1, [2]) <= 0.05)
    rate = np.mean(rejections)
    assert abs(rate - 0.05) <= 2.5 * np.sqrt(0.05 * 0.95 / 400), rate


def test_a_node_the_conditioning_set_determines_is_independent_given_it_not_a_division_by_zero():
    rng = np.random.default_rng(3)
    z = rng.normal(size=200)
    frame = pd.DataFrame({"x": 2 * z + 1, "y": z + rng.normal(size=200), "z": z})
    test = _linear_test(frame, [GraphNode(c, "g") for c in "xyz"])
    with np.errstate(all="raise"):
        assert test(0, 1, [2]) == 1.0
    assert test(0, 1, []) < 1e-10
