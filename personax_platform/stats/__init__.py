"""Level I analysis (docs/paper.md §3): pairwise independence tests between traits and features, without Dagster.

`run_level1` runs KCI, RCIT, HSIC, chi-square and G-square for every trait x feature pair of one dataset and adds
Benjamini–Hochberg adjusted p-values; kernels are built once per variable (kernels.py explains the memory plan).
"""
from personax_platform.stats.fdr import benjamini_hochberg
from personax_platform.stats.kernels import KernelCache
from personax_platform.stats.runner import (
    ATHLETE_FEATURES, CELEBRITY_FEATURES, LEVEL1_FEATURES, RESULT_COLUMNS, Variable, run_level1, trait_variable,
)
from personax_platform.stats.tests import TESTS

__all__ = [
    "ATHLETE_FEATURES", "CELEBRITY_FEATURES", "LEVEL1_FEATURES", "RESULT_COLUMNS", "TESTS", "KernelCache", "Variable",
    "benjamini_hochberg", "run_level1", "trait_variable",
]
