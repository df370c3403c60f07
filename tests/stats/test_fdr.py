import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from personax_platform.stats.fdr import benjamini_hochberg


def test_bh_matches_a_hand_computation():
    # sorted: 0.005 (rank 1), 0.01 (2), 0.03 (3), 0.04 (4), 0.5 (5); m * p / rank = .025 .025 .05 .05 .5
    adjusted = benjamini_hochberg([0.01, 0.04, 0.03, 0.005, 0.5])
    np.testing.assert_allclose(adjusted, [0.025, 0.05, 0.05, 0.025, 0.5])


def test_bh_takes_the_minimum_over_larger_ranks_so_adjusted_p_is_monotone():
    # m * p / rank = .03 .03 .025: the step-up makes all three .025
    np.testing.assert_allclose(benjamini_hochberg([0.01, 0.02, 0.025]), [0.025, 0.025, 0.025])


def test_bh_leaves_nan_out_of_the_count_and_keeps_it_nan():
    adjusted = benjamini_hochberg([0.01, np.nan, 0.04, np.nan])
    np.testing.assert_allclose(adjusted, [0.02, np.nan, 0.04, np.nan])  # m = 2, not 4


def test_bh_of_nothing_defined_is_all_nan_and_of_nothing_is_empty():
    assert np.isnan(benjamini_hochberg([np.nan, np.nan])).all()
    assert benjamini_hochberg([]).shape == (0,)


def test_bh_agrees_with_statsmodels_on_random_p_values():
    p = np.random.default_rng(3).uniform(size=200) ** 3
    np.testing.assert_allclose(benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1], rtol=1e-12)


def test_bh_rejects_values_that_are_not_p_values():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        benjamini_hochberg([0.2, 1.5])
