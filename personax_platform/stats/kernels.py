"""Kernels of one variable, built once and shared by every pair the variable enters, and the per-pair kernel sums
that KCI and HSIC need.

Kernel. Numeric variables (continuous, or ordinal discrete such as scores and months) get a Gaussian kernel
k(a, b) = exp(-(a - b)^2 / (2 w^2)) on the variable's standardised values (mean 0, sd 1 with ddof=1, over all rows
where it is present), with w from the median heuristic: w = sqrt(2) * median |z_i - z_j| over pairs with z_i != z_j,
causal-learn's `set_width_median` convention. (causal-learn 0.1.4.8's KCI_UInd estimates that median on the raw
values but applies the width to z-scores, so its "median" option is not scale-invariant; comparisons pass our width
as its manual `kwidthx`/`kwidthy`.) Width and standardisation are properties of the variable, not of a
pair, which is what lets one kernel serve every pair (causal-learn re-estimates both per pair, on the pair's rows).
Categorical variables (league, occupation, gender) get the delta kernel k(a, b) = [a == b]: a Gaussian on
category indices would make the test depend on an arbitrary ordering of the categories.

Memory plan. An n x n float64 kernel at n = 9,444 is 0.71 GB (0.36 GB in float32); caching one per variable for
Level I (42 celebrity variables) would need 30 GB. Instead each variable is stored as a code per row plus its
distinct values, and the kernel as its u x u Gram matrix over the distinct values: K[i, j] = G[code_i, code_j].
That is exact, not an approximation. Every Level I variable has few distinct values (scores <= 5, months 12,
days 31, day of year 366, its sin/cos ~690 with leap years, birth years ~80, whole cm/kg ~100, coordinates one per
country): all 42 Grams of the full-size generated celebrity cohort take 8.7 MB. For a pair, the rows with both values present give a u1 x u2 table of counts N,
and every kernel sum is a small matrix expression in N and the two Grams (see `_factor_moments`): no n x n
matrix is ever formed, and the per-pair cost no longer grows with n^2. Centring is per pair (it depends on which
rows are present) and costs O(u^2).
A variable with many distinct values (a truly continuous measurement, u close to n) would make the Gram itself
n x n; the pair then takes the dense path instead, which evaluates the kernel in row blocks of at most
DENSE_BLOCK_BYTES and keeps nothing (O(n^2) time, O(block) memory; 1.8 s and ~260 MB peak per pair at n = 9,444
on 2 cores, where causal-learn's KCI alone takes ~4 s and 3.7 GB). The Grams that are kept live in a
`KernelCache` with a byte budget (least-recently-used eviction); a Gram larger than the whole budget is used once
and not kept.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

MAX_FACTOR_LEVELS = 4096  # largest Gram the factorised path builds: 4096^2 float64 = 128 MiB
FACTOR_COST_RATIO = 4.0  # factorised path when u1*u2*(u1+u2) <= ratio * m^2 (the dense path's cost, up to a factor)
EXACT_MEDIAN_LEVELS = 2048  # up to this many distinct values the median heuristic is exact (2.1 M pairs of values)
MEDIAN_SUBSAMPLE = 1000  # otherwise it uses this many seeded rows, as causal-learn does
DEFAULT_BUDGET_BYTES = 512 * 2**20
DENSE_BLOCK_BYTES = 32 * 2**20

Path = Literal["auto", "factor", "dense"]


@dataclass(frozen=True, eq=False)
class EncodedVariable:
    """One variable over all rows of a dataset: a code per row (-1 = missing) into its distinct values."""

    name: str
    codes: np.ndarray  # int64 per row, -1 where missing
    levels: np.ndarray  # float64 distinct standardised values, or 0..k-1 for categories
    raw_levels: np.ndarray  # the distinct values as given (RCIT standardises them itself), or 0..k-1
    categorical: bool
    width: float  # Gaussian width on the standardised scale; NaN for categorical or constant variables

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    @property
    def kernel_name(self) -> str:
        return "delta" if self.categorical else "gaussian"


def encode_numeric(name: str, values: np.ndarray, seed: int) -> EncodedVariable:
    """Standardise a numeric column (NaN = missing) and code it by distinct value; estimate its kernel width."""
    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    raw_levels, inverse = np.unique(values[present], return_inverse=True)
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[present] = inverse
    mean = values[present].mean() if present.any() else 0.0
    sd = values[present].std(ddof=1) if present.sum() > 1 else np.nan
    if not np.isfinite(sd) or sd == 0:
        sd = 1.0
    levels = (raw_levels - mean) / sd
    width = np.nan
    if len(levels) > 1:
        counts = np.bincount(inverse, minlength=len(levels))
        if len(levels) > EXACT_MEDIAN_LEVELS:
            rows = np.random.default_rng(seed).choice(len(inverse), size=MEDIAN_SUBSAMPLE, replace=False)
            counts = np.bincount(inverse[rows], minlength=len(levels))
        width = median_heuristic(levels, counts)
    return EncodedVariable(name, codes, levels, raw_levels, categorical=False, width=width)


def encode_categorical(name: str, values: np.ndarray) -> EncodedVariable:
    """Code a categorical column (None/NaN/NA = missing) by category, in sorted order of the category labels."""
    values = np.asarray(values, dtype=object)
    present = ~pd.isna(values)
    labels, inverse = np.unique(values[present].astype(str), return_inverse=True)
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[present] = inverse
    indices = np.arange(len(labels), dtype=float)
    return EncodedVariable(name, codes, indices, indices, categorical=True, width=np.nan)


def median_heuristic(levels: np.ndarray, counts: np.ndarray) -> float:
    """sqrt(2) * the median of |z_i - z_j| over row pairs with different values, from distinct values and counts.

    Equal to causal-learn's `np.median(dists[dists > 0])` over all rows (each unordered pair counted once or twice
    gives the same median), without forming the n^2 distances.
    """
    keep = counts > 0
    levels, counts = levels[keep], counts[keep].astype(np.int64)
    if len(levels) < 2:
        return np.nan
    i, j = np.triu_indices(len(levels), k=1)
    dist = np.abs(levels[i] - levels[j])
    order = np.argsort(dist, kind="stable")
    dist, cum = dist[order], np.cumsum((counts[i] * counts[j])[order])
    total = cum[-1]
    lower = dist[np.searchsorted(cum, (total - 1) // 2, side="right")]
    upper = dist[np.searchsorted(cum, total // 2, side="right")]
    return float(np.sqrt(2.0) * (lower + upper) / 2)


def kernel_block(var: EncodedVariable, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Kernel values between level values `a` (rows) and `b` (columns), in causal-learn's arithmetic."""
    if var.categorical:
        return (a[:, None] == b[None, :]).astype(float)
    theta = 1.0 / var.width**2
    return np.exp(-0.5 * (a[:, None] - b[None, :]) ** 2 * theta)


class KernelCache:
    """Gram matrices over each variable's distinct values, computed once and kept within a byte budget (LRU)."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget_bytes = int(budget_bytes)
        self._grams: OrderedDict[str, tuple[EncodedVariable, np.ndarray]] = OrderedDict()
        self.hits = self.misses = self.evictions = 0

    def gram(self, var: EncodedVariable) -> np.ndarray:
        entry = self._grams.get(var.name)
        if entry is not None and entry[0] is var:
            self.hits += 1
            self._grams.move_to_end(var.name)
            return entry[1]
        self.misses += 1
        gram = kernel_block(var, var.levels, var.levels)
        gram.flags.writeable = False
        if gram.nbytes <= self.budget_bytes:
            self._grams[var.name] = (var, gram)
            self._grams.move_to_end(var.name)
            while self.nbytes > self.budget_bytes:
                self._grams.popitem(last=False)
                self.evictions += 1
        return gram

    @property
    def nbytes(self) -> int:
        return sum(gram.nbytes for _, gram in self._grams.values())

    def stats(self) -> dict[str, int]:
        return {"grams_built": self.misses, "reused": self.hits, "evicted": self.evictions,
                "kept": len(self._grams), "bytes": self.nbytes}


@dataclass(frozen=True)
class KernelMoments:
    """Sums over one pair's rows of the centred kernels Kc = HKH, Lc = HLH (H = I - 11'/m) used by KCI and HSIC."""

    m: int
    cross: float  # sum(Kc * Lc)
    cross_sq: float  # sum((Kc * Lc)^2)
    cross_sq_diag: float  # sum(diag(Kc * Lc)^2)
    trace_x: float  # trace(Kc)
    trace_y: float
    frob_x: float  # sum(Kc^2)
    frob_y: float
    offdiag_mean_x: float  # mean of the off-diagonal entries of the uncentred K
    offdiag_mean_y: float
    path: str


def kernel_moments(x: EncodedVariable, y: EncodedVariable, rows: np.ndarray, cache: KernelCache,
                   path: Path = "auto") -> KernelMoments:
    """Kernel sums of x and y over `rows` (indices where both are present), by the cheaper exact path."""
    if path == "auto":
        m, u1, u2 = len(rows), x.n_levels, y.n_levels
        small = max(u1, u2) <= MAX_FACTOR_LEVELS
        path = "factor" if small and u1 * u2 * (u1 + u2) <= FACTOR_COST_RATIO * m * m else "dense"
    return _factor_moments(x, y, rows, cache) if path == "factor" else _dense_moments(x, y, rows)


def _centre(gram: np.ndarray, counts: np.ndarray, m: int) -> tuple[np.ndarray, float]:
    """HKH at the level of distinct values: row sums of K over the pair's rows depend only on a row's value."""
    row_sums = gram @ counts
    total = float(counts @ row_sums)
    return gram - row_sums[:, None] / m - row_sums[None, :] / m + total / m**2, total


def _factor_moments(x: EncodedVariable, y: EncodedVariable, rows: np.ndarray, cache: KernelCache) -> KernelMoments:
    u1, u2, m = x.n_levels, y.n_levels, len(rows)
    table = np.bincount(x.codes[rows] * u2 + y.codes[rows], minlength=u1 * u2).reshape(u1, u2).astype(float)
    nx, ny = table.sum(axis=1), table.sum(axis=0)
    kc, total_x = _centre(cache.gram(x), nx, m)
    lc, total_y = _centre(cache.gram(y), ny, m)
    dx, dy = np.diag(kc), np.diag(lc)
    # sum_ij Kc_ij Lc_ij = sum over cells (a,c), (b,d) of N_ac N_bd Kc[a,b] Lc[c,d] = sum(Kc * (N Lc N'))
    return KernelMoments(
        m=m,
        cross=float(np.sum(kc * (table @ lc @ table.T))),
        cross_sq=float(np.sum(kc**2 * (table @ lc**2 @ table.T))),
        cross_sq_diag=float(np.sum(table * np.outer(dx**2, dy**2))),
        trace_x=float(nx @ dx), trace_y=float(ny @ dy),
        frob_x=float(nx @ kc**2 @ nx), frob_y=float(ny @ lc**2 @ ny),
        offdiag_mean_x=(total_x - m) / (m * (m - 1)), offdiag_mean_y=(total_y - m) / (m * (m - 1)),
        path="factor",
    )


def _dense_moments(x: EncodedVariable, y: EncodedVariable, rows: np.ndarray) -> KernelMoments:
    """Two passes over row blocks (row sums, then centred products); both kernels have a unit diagonal."""
    a, b, m = x.levels[x.codes[rows]], y.levels[y.codes[rows]], len(rows)
    step = max(1, DENSE_BLOCK_BYTES // (8 * m * 5))
    blocks = [slice(start, start + step) for start in range(0, m, step)]
    rx, ry = np.empty(m), np.empty(m)
    for s in blocks:
        rx[s] = kernel_block(x, a[s], a).sum(axis=1)
        ry[s] = kernel_block(y, b[s], b).sum(axis=1)
    total_x, total_y = rx.sum(), ry.sum()
    cross = cross_sq = frob_x = frob_y = 0.0
    for s in blocks:
        kc = kernel_block(x, a[s], a) - rx[s, None] / m - rx[None, :] / m + total_x / m**2
        lc = kernel_block(y, b[s], b) - ry[s, None] / m - ry[None, :] / m + total_y / m**2
        prod = kc * lc
        cross += prod.sum()
        cross_sq += (prod * prod).sum()
        frob_x += (kc * kc).sum()
        frob_y += (lc * lc).sum()
    dx, dy = 1 - 2 * rx / m + total_x / m**2, 1 - 2 * ry / m + total_y / m**2
    return KernelMoments(
        m=m, cross=float(cross), cross_sq=float(cross_sq), cross_sq_diag=float(np.sum((dx * dy) ** 2)),
        trace_x=float(dx.sum()), trace_y=float(dy.sum()), frob_x=float(frob_x), frob_y=float(frob_y),
        offdiag_mean_x=(total_x - m) / (m * (m - 1)), offdiag_mean_y=(total_y - m) / (m * (m - 1)),
        path="dense",
    )
