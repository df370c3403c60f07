"""Benjamini–Hochberg false-discovery-rate adjustment that leaves undefined tests out.

The official notebooks applied no multiple-testing correction (docs/paper.md §3). A test that could not be computed has
p = NaN; it must neither count towards the number of hypotheses m (that would make every other adjusted p larger)
nor be turned into a number, so NaN stays NaN.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def benjamini_hochberg(p_values: ArrayLike) -> np.ndarray:
    """BH-adjusted p-values (step-up, monotone) in the input order; NaN inputs stay NaN.

    adjusted p_(i) = min over j >= i of m * p_(j) / j, with p sorted ascending and m the number of non-NaN inputs
    (never above 1: the j = m term is the largest p itself).
    Rejecting where adjusted p <= alpha controls the FDR at alpha for independent or positively dependent tests.
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"p_values must be one-dimensional, got shape {p.shape}")
    defined = ~np.isnan(p)
    if ((p[defined] < 0) | (p[defined] > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    adjusted = np.full(p.shape, np.nan)
    m = int(defined.sum())
    if m == 0:
        return adjusted
    order = np.argsort(p[defined], kind="stable")
    ranked = p[defined][order] * m / np.arange(1, m + 1)
    monotone = np.minimum.accumulate(ranked[::-1])[::-1]
    values = np.empty(m)
    values[order] = monotone
    adjusted[defined] = values
    return adjusted
