"""The five Level I independence tests of docs/paper.md §3 for one pair of variables.

KCI and HSIC share the per-pair kernel sums of `kernels.kernel_moments`; they differ in how the null distribution
is approximated by a gamma distribution. KCI is causal-learn's `KCI_UInd` (statistic sum(Kc * Lc), gamma with mean
tr(Kc) tr(Lc) / m and variance 2 sum(Kc^2) sum(Lc^2) / m^2), evaluated on the cached kernels; it equals causal-learn
to rounding. HSIC is Gretton et al.'s gamma test (NIPS 2007 / hsicTestGamma: statistic sum(Kc * Lc) / m, moments
from the off-diagonal kernel means and the entries of Kc * Lc), on the same data-driven kernels — the official
notebook used a fixed width on unscaled data. Both report the upper tail with `gamma.sf` (causal-learn writes
1 - cdf, which rounds p-values below 1e-16 to 0).
RCIT (unconditional, i.e. causal-learn's RIT with random Fourier features), chi-square and G-square call
causal-learn directly. RCIT draws from NumPy's legacy global generator; it is seeded per pair and the generator's
previous state is restored afterwards.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version

import numpy as np
from causallearn.utils.cit import CIT
from causallearn.utils.RCIT.RCIT import RIT
from scipy import stats

from personax_platform.stats.kernels import KernelMoments

CAUSAL_LEARN_VERSION = version("causal-learn")
KCI, RCIT, HSIC, CHISQ, GSQ = "kci", "rcit", "hsic", "chisq", "gsq"
TESTS: tuple[str, ...] = (KCI, RCIT, HSIC, CHISQ, GSQ)
CONTINGENCY_TESTS = (CHISQ, GSQ)  # defined only for two discrete variables
RCIT_APPROX = "lpd4"  # causal-learn's default null approximation (Lindsay-Pilla-Basak)
LIBRARY = {
    KCI: f"causal-learn=={CAUSAL_LEARN_VERSION} KCI_UInd formulas on cached kernels (personax_platform.stats)",
    HSIC: f"personax_platform.stats HSIC gamma test (scipy=={version('scipy')})",
    RCIT: f"causal-learn=={CAUSAL_LEARN_VERSION} RIT",
    CHISQ: f"causal-learn=={CAUSAL_LEARN_VERSION} CIT chisq",
    GSQ: f"causal-learn=={CAUSAL_LEARN_VERSION} CIT gsq",
}


@dataclass(frozen=True)
class TestOutcome:
    """What one test returns: a statistic, its p-value and the settings needed to reproduce it."""

    __test__ = False  # not a pytest class, despite the name

    statistic: float
    p_value: float
    parameters: dict = field(default_factory=dict)


def kci(moments: KernelMoments) -> TestOutcome:
    """Unconditional KCI with causal-learn's gamma approximation."""
    m = moments.m
    mean = moments.trace_x * moments.trace_y / m
    var = 2 * moments.frob_x * moments.frob_y / m**2
    shape, scale = mean**2 / var, var / mean
    p = stats.gamma.sf(moments.cross, shape, scale=scale)
    return TestOutcome(moments.cross, float(p), {"approx": "gamma", "gamma_shape": shape, "gamma_scale": scale,
                                                  "path": moments.path})


def hsic(moments: KernelMoments) -> TestOutcome:
    """HSIC with Gretton's gamma approximation (needs m > 5: the variance estimate has (m-4)(m-5) in it)."""
    m = moments.m
    statistic = moments.cross / m
    var = (moments.cross_sq - moments.cross_sq_diag) / 36 / (m * (m - 1))
    var *= 72 * (m - 4) * (m - 5) / (m * (m - 1) * (m - 2) * (m - 3))
    mx, my = moments.offdiag_mean_x, moments.offdiag_mean_y
    mean = (1 + mx * my - mx - my) / m
    shape, scale = mean**2 / var, var * m / mean
    p = stats.gamma.sf(statistic, shape, scale=scale)
    return TestOutcome(statistic, float(p), {"approx": "gamma", "gamma_shape": shape, "gamma_scale": scale,
                                             "path": moments.path})


@contextmanager
def legacy_seed(seed: int) -> Iterator[None]:
    """Seed np.random's global generator (causal-learn's RIT uses it) and put its previous state back."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def rcit(x: np.ndarray, y: np.ndarray, seed: int) -> TestOutcome:
    """causal-learn's unconditional RCIT (RIT); x and y are (m, d) arrays, d > 1 for one-hot categories."""
    with legacy_seed(seed):
        p, statistic = RIT(approx=RCIT_APPROX).compute_pvalue(x, y)
    return TestOutcome(float(statistic), float(p), {"approx": RCIT_APPROX, "num_features": 5, "rng_seed": seed})


def chi_square(x_codes: np.ndarray, y_codes: np.ndarray) -> TestOutcome:
    return _contingency(CHISQ, x_codes, y_codes)


def g_square(x_codes: np.ndarray, y_codes: np.ndarray) -> TestOutcome:
    return _contingency(GSQ, x_codes, y_codes)


def _contingency(method: str, x_codes: np.ndarray, y_codes: np.ndarray) -> TestOutcome:
    """p from causal-learn's CIT; the statistic (which causal-learn does not return) from the same table.

    Codes are non-negative integers (EncodedVariable.codes); values absent from these rows get no table row/column.
    """
    p = CIT(np.column_stack([x_codes, y_codes]).astype(float), method)(0, 1)
    xi, yi = _compact(x_codes), _compact(y_codes)
    rows, cols = xi.max() + 1, yi.max() + 1
    observed = np.bincount(xi * cols + yi, minlength=rows * cols).reshape(rows, cols).astype(float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / len(xi)
    if method == GSQ:
        seen = observed > 0
        statistic = 2 * np.sum(observed[seen] * np.log(observed[seen] / expected[seen]))
    else:
        statistic = np.sum((observed - expected) ** 2 / expected)
    return TestOutcome(float(statistic), float(p), {
        "dof": int((rows - 1) * (cols - 1)), "table_shape": [int(rows), int(cols)],
        "share_of_cells_expected_below_5": float(np.mean(expected < 5)),
    })


def _compact(codes: np.ndarray) -> np.ndarray:
    """Codes renumbered 0..k-1 over the values present, without sorting (np.unique sorts: 3x slower here)."""
    present = np.bincount(codes) > 0
    return (np.cumsum(present) - 1)[codes]
