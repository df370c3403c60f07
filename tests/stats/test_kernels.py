import numpy as np
import pytest
from causallearn.utils.KCI.GaussianKernel import GaussianKernel
from scipy import stats
from scipy.spatial.distance import pdist

from personax_platform.stats import kernels as K
from personax_platform.stats.kernels import KernelCache, encode_categorical, encode_numeric, kernel_moments


def _dense_moments_by_definition(kx: np.ndarray, ky: np.ndarray) -> dict[str, float]:
    n = kx.shape[0]
    h = np.identity(n) - 1 / n
    kc, lc = h @ kx @ h, h @ ky @ h
    return {"cross": np.sum(kc * lc), "cross_sq": np.sum((kc * lc) ** 2), "trace_x": np.trace(kc),
            "frob_x": np.sum(kc**2), "frob_y": np.sum(lc**2), "offdiag_mean_x": (kx.sum() - n) / n / (n - 1)}


def test_median_width_equals_causal_learns_median_heuristic_on_the_standardised_values():
    values = np.round(np.random.default_rng(0).gamma(2.0, 3.0, size=700))  # skewed, many ties
    reference = GaussianKernel()
    reference.set_width_median(stats.zscore(values, ddof=1)[:, None])  # n <= 1000: no random subsample
    assert encode_numeric("v", values, seed=0).width == pytest.approx(1 / np.sqrt(reference.width), rel=1e-12)


@pytest.mark.parametrize("n", [301, 302])  # odd and even numbers of distance pairs
def test_median_width_from_distinct_values_equals_the_median_over_all_row_pairs(n):
    values = np.random.default_rng(n).integers(0, 9, size=n).astype(float)
    z = (values - values.mean()) / values.std(ddof=1)
    dists = pdist(z[:, None])
    assert encode_numeric("v", values, seed=0).width == pytest.approx(np.sqrt(2) * np.median(dists[dists > 0]))


def test_width_of_a_variable_with_many_distinct_values_comes_from_a_seeded_subsample():
    values = np.random.default_rng(1).normal(size=K.EXACT_MEDIAN_LEVELS + 500)
    first, again, other = (encode_numeric("v", values, seed=s).width for s in (7, 7, 8))
    z = (values - values.mean()) / values.std(ddof=1)
    exact = np.sqrt(2) * np.median(pdist(z[:, None]))
    assert first == again != other
    assert first == pytest.approx(exact, rel=0.05)


def test_missing_values_get_no_code_and_do_not_enter_the_standardisation():
    var = encode_numeric("v", np.array([1.0, np.nan, 3.0, 5.0]), seed=0)
    assert var.codes.tolist() == [0, -1, 1, 2]
    np.testing.assert_allclose(var.levels, [-1.0, 0.0, 1.0])
    cat = encode_categorical("c", np.array(["b", None, "a", np.nan, "b"], dtype=object))
    assert cat.codes.tolist() == [1, -1, 0, -1, 1]


@pytest.mark.parametrize("path", ["factor", "dense"])
def test_kernel_sums_over_a_pairs_rows_equal_the_definition_on_dense_centred_kernels(path):
    rng = np.random.default_rng(2)
    n = 240
    x = rng.integers(1, 4, size=n).astype(float)
    y = np.round(rng.normal(size=n), 1)
    c = rng.choice(["p", "q", "r"], size=n).astype(object)
    x[rng.uniform(size=n) < 0.1] = np.nan
    c[rng.uniform(size=n) < 0.1] = None
    ex, ey, ec = encode_numeric("x", x, 0), encode_numeric("y", y, 0), encode_categorical("c", c)
    for first, second in ((ex, ey), (ex, ec), (ec, ey)):
        rows = np.flatnonzero((first.codes >= 0) & (second.codes >= 0))
        got = kernel_moments(first, second, rows, KernelCache(), path=path)
        kx = K.kernel_block(first, first.levels[first.codes[rows]], first.levels[first.codes[rows]])
        ky = K.kernel_block(second, second.levels[second.codes[rows]], second.levels[second.codes[rows]])
        for name, value in _dense_moments_by_definition(kx, ky).items():
            assert getattr(got, name) == pytest.approx(value, rel=1e-9, abs=1e-9), (first.name, second.name, name)
        assert got.path == path


def test_auto_path_factorises_few_distinct_values_and_goes_dense_for_a_continuous_pair():
    rng = np.random.default_rng(4)
    n = 300
    score, month = encode_numeric("s", rng.integers(1, 4, n), 0), encode_numeric("m", rng.integers(1, 13, n), 0)
    a, b = encode_numeric("a", rng.normal(size=n), 0), encode_numeric("b", rng.normal(size=n), 0)
    rows = np.arange(n)
    assert kernel_moments(score, month, rows, KernelCache()).path == "factor"
    assert kernel_moments(a, b, rows, KernelCache()).path == "dense"


def test_a_variables_gram_is_built_once_and_reused_by_every_pair():
    rng = np.random.default_rng(5)
    cache = KernelCache()
    trait = encode_numeric("t", rng.integers(1, 4, 200), 0)
    features = [encode_numeric(f"f{i}", rng.integers(0, 20, 200), 0) for i in range(6)]
    for feature in features:
        kernel_moments(trait, feature, np.arange(200), cache, path="factor")
    assert cache.stats()["grams_built"] == 7
    assert cache.stats()["reused"] == 5


def test_cache_stays_within_its_budget_by_evicting_the_least_recently_used_gram():
    variables = [encode_numeric(f"v{i}", np.arange(100, dtype=float), 0) for i in range(3)]  # 100 x 100: 80 kB each
    cache = KernelCache(budget_bytes=2 * 80_000)
    for var in (variables[0], variables[1], variables[0], variables[2]):
        cache.gram(var)
    assert cache.nbytes <= cache.budget_bytes
    assert cache.stats()["evicted"] == 1
    cache.gram(variables[0])  # recently used: kept
    assert cache.stats()["reused"] == 2
    cache.gram(variables[1])  # evicted: rebuilt
    assert cache.stats()["grams_built"] == 4


def test_a_gram_larger_than_the_budget_is_used_but_not_kept():
    cache = KernelCache(budget_bytes=1000)
    gram = cache.gram(encode_numeric("v", np.arange(50, dtype=float), 0))
    assert gram.shape == (50, 50)
    assert cache.stats()["kept"] == 0
