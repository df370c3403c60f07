"""Reference computations the stats tests compare against: per pair, from scratch, on dense n x n kernels.

They are deliberately the slow, obvious versions: causal-learn's own KCI_UInd code, and Gretton's HSIC gamma test
written with explicit centring matrices as in the widely copied hsic_gam.py.
"""
from __future__ import annotations

import numpy as np
from causallearn.utils.KCI.GaussianKernel import GaussianKernel
from causallearn.utils.KCI.KCI import KCI_UInd
from scipy import stats


def gaussian_kernel(values: np.ndarray, width: float) -> np.ndarray:
    """causal-learn's Gaussian kernel on the values standardised over these rows (as KCI_UInd does per pair)."""
    z = stats.zscore(np.asarray(values, dtype=float), ddof=1)[:, None]
    return GaussianKernel(width).kernel(z)


def delta_kernel(codes: np.ndarray) -> np.ndarray:
    codes = np.asarray(codes)
    return (codes[:, None] == codes[None, :]).astype(float)


def reference_kci(kx: np.ndarray, ky: np.ndarray) -> tuple[float, float]:
    """(statistic, p) of causal-learn's unconditional KCI on given kernel matrices."""
    kci = KCI_UInd()
    statistic, kxc, kyc = kci.HSIC_V_statistic(kx, ky)
    shape, scale = kci.get_kappa(kxc, kyc)
    return float(statistic), float(1 - stats.gamma.cdf(statistic, shape, 0, scale))


def reference_hsic(kx: np.ndarray, ky: np.ndarray) -> tuple[float, float]:
    """(statistic, p) of the HSIC gamma test, literally: Kc = H K H with H = I - 11'/n."""
    n = kx.shape[0]
    h = np.identity(n) - np.ones((n, n)) / n
    kc, lc = h @ kx @ h, h @ ky @ h
    statistic = np.sum(kc.T * lc) / n
    var = (kc * lc / 6) ** 2
    var = (np.sum(var) - np.trace(var)) / n / (n - 1)
    var = var * 72 * (n - 4) * (n - 5) / n / (n - 1) / (n - 2) / (n - 3)
    kx0, ky0 = kx - np.diag(np.diag(kx)), ky - np.diag(np.diag(ky))
    mu_x, mu_y = kx0.sum() / n / (n - 1), ky0.sum() / n / (n - 1)
    mean = (1 + mu_x * mu_y - mu_x - mu_y) / n
    shape, scale = mean**2 / var, var * n / mean
    return float(statistic), float(stats.gamma.sf(statistic, shape, scale=scale))
