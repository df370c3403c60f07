"""Each test against its reference: causal-learn itself, or the literal HSIC gamma test."""
import numpy as np
import pytest
from causallearn.utils.cit import CIT
from causallearn.utils.KCI.KCI import KCI_UInd
from scipy import stats

from personax_platform.stats import tests as T
from personax_platform.stats.kernels import KernelCache, encode_categorical, encode_numeric, kernel_moments
from tests.stats import delta_kernel, gaussian_kernel, reference_hsic, reference_kci

N = 400


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    x = np.round(rng.normal(size=N), 1)
    return {
        "x": x,
        "nonlinear": np.cos(2 * x) + 0.8 * rng.normal(size=N),
        "noise": rng.normal(size=N),
        "score": rng.integers(1, 4, size=N).astype(float),
        "category": rng.choice(["actor", "singer", "writer", "model"], size=N),
    }


@pytest.mark.parametrize("path", ["factor", "dense"])
@pytest.mark.parametrize("other", ["nonlinear", "noise"])
def test_kci_equals_causal_learns_kci_with_the_same_widths(data, path, other):
    ex, ey = encode_numeric("x", data["x"], 0), encode_numeric(other, data[other], 0)
    ours = T.kci(kernel_moments(ex, ey, np.arange(N), KernelCache(), path=path))
    p, statistic = KCI_UInd(est_width="manual", kwidthx=ex.width, kwidthy=ey.width).compute_pvalue(
        data["x"][:, None], data[other][:, None])
    assert ours.statistic == pytest.approx(statistic, rel=1e-10)
    assert ours.p_value == pytest.approx(p, abs=1e-12)


@pytest.mark.parametrize("path", ["factor", "dense"])
def test_kci_with_a_category_equals_causal_learns_kci_on_the_delta_kernel(data, path):
    ex, ec = encode_numeric("score", data["score"], 0), encode_categorical("category", data["category"])
    ours = T.kci(kernel_moments(ex, ec, np.arange(N), KernelCache(), path=path))
    statistic, p = reference_kci(gaussian_kernel(data["score"], ex.width), delta_kernel(data["category"]))
    assert ours.statistic == pytest.approx(statistic, rel=1e-10)
    assert ours.p_value == pytest.approx(p, abs=1e-12)


@pytest.mark.parametrize("path", ["factor", "dense"])
@pytest.mark.parametrize("other", ["nonlinear", "noise", "category"])
def test_hsic_equals_the_gamma_test_written_with_explicit_centring_matrices(data, path, other):
    ex = encode_numeric("x", data["x"], 0)
    if other == "category":
        ey, ky = encode_categorical(other, data[other]), delta_kernel(data[other])
    else:
        ey = encode_numeric(other, data[other], 0)
        ky = gaussian_kernel(data[other], ey.width)
    ours = T.hsic(kernel_moments(ex, ey, np.arange(N), KernelCache(), path=path))
    statistic, p = reference_hsic(gaussian_kernel(data["x"], ex.width), ky)
    assert ours.statistic == pytest.approx(statistic, rel=1e-10)
    assert ours.p_value == pytest.approx(p, rel=1e-8, abs=1e-14)


def test_kernel_tests_report_tiny_p_values_instead_of_rounding_them_to_zero(data):
    ex = encode_numeric("x", data["x"], 0)
    ey = encode_numeric("y", data["x"] ** 2, 0)
    moments = kernel_moments(ex, ey, np.arange(N), KernelCache())
    assert 0 < T.kci(moments).p_value < 1e-16
    assert 0 < T.hsic(moments).p_value < 1e-16


def test_rcit_equals_causal_learns_cit_with_the_same_seed_and_restores_the_global_generator(data):
    x, y = data["x"][:, None], data["nonlinear"][:, None]
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    ours = T.rcit(x, y, seed=99)
    assert (np.random.get_state()[1] == before).all()
    np.random.seed(99)
    assert ours.p_value == CIT(np.column_stack([x, y]), "rcit")(0, 1)
    assert ours.parameters["rng_seed"] == 99
    assert T.rcit(x, y, seed=99).p_value == ours.p_value


@pytest.mark.parametrize(("test", "method", "g_test"), [(T.chi_square, "chisq", None),
                                                        (T.g_square, "gsq", "log-likelihood")])
def test_chi_square_and_g_square_equal_causal_learn_and_report_the_statistic(data, test, method, g_test):
    codes = encode_categorical("category", data["category"]).codes
    score = encode_numeric("score", data["score"], 0).codes
    ours = test(score, codes)
    assert ours.p_value == CIT(np.column_stack([data["score"], codes]).astype(float), method)(0, 1)
    table = np.array([[np.sum((score == s) & (codes == c)) for c in range(4)] for s in range(3)])
    reference = stats.chi2_contingency(table, correction=False, lambda_=g_test)
    assert ours.statistic == pytest.approx(reference.statistic)
    assert ours.p_value == pytest.approx(reference.pvalue, abs=1e-12)
    assert ours.parameters["dof"] == 6


def test_contingency_table_leaves_out_values_absent_from_the_pairs_rows():
    ours = T.chi_square(np.array([0, 0, 2, 2, 5, 5]), np.array([1, 3, 1, 3, 1, 3]))
    assert ours.parameters["table_shape"] == [3, 2] and ours.parameters["dof"] == 2
