"""The common scale that makes L3 and L5 answers comparable, and the variants the study compares."""
from __future__ import annotations

import math

import pytest

from personax_platform.consistency.design import PAPER_PAIRS, VARIANTS, common_scale
from personax_platform.prompts import PROMPTS_DIR, list_prompts


def test_l5_levels_map_to_the_half_steps_of_the_three_level_scale():
    assert [common_scale(k, 5) for k in range(1, 6)] == [1.0, 1.5, 2.0, 2.5, 3.0]
    assert [common_scale(k, 3) for k in range(1, 4)] == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("missing", [0, None, math.nan])
def test_insufficient_information_and_no_answer_are_missing_not_low(missing):
    assert math.isnan(common_scale(missing, 5))


def test_a_level_outside_its_scale_is_rejected():
    with pytest.raises(ValueError, match="outside the 3-level scale"):
        common_scale(4, 3)


def test_every_variant_and_every_paper_pair_has_a_prompt_file():
    shipped = set(list_prompts(PROMPTS_DIR))
    assert set(VARIANTS) <= shipped
    assert {v for pair in PAPER_PAIRS for v in pair} <= set(VARIANTS) and len(PAPER_PAIRS) == 6
