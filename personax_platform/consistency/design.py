"""What the study compares: the six prompt variants, the variant pairs of the paper's table, and the common scale.

L3 and L5 answers are compared on the 1–3 scale of the default prompt: level k of an L-level scale maps linearly to
1 + 2 (k − 1) / (L − 1), so L5's 1..5 become 1, 1.5, 2, 2.5, 3 (the same half steps as the cross-model median) and
L3 stays 1..3. Answers are parsed in the increasing orientation first (a Dec prompt's 1 = highest becomes L), and
0 ("insufficient information") is missing, never a low score.
"""
from __future__ import annotations

import math

VARIANTS: tuple[str, ...] = ("number-l3-inc", "number-l5-inc", "number-l3-dec", "number-l5-dec", "text-l3-inc",
                             "text-l5-inc")

# The variant pairs of the paper's discrepancy table, in its order.
PAPER_PAIRS: tuple[tuple[str, str], ...] = (
    ("number-l5-inc", "text-l5-inc"),
    ("number-l5-dec", "text-l5-inc"),
    ("number-l5-inc", "number-l5-dec"),
    ("number-l3-inc", "text-l3-inc"),
    ("number-l3-dec", "text-l3-inc"),
    ("number-l3-inc", "number-l3-dec"),
)


def common_scale(level: int | None, levels: int) -> float:
    """An increasing level of an L-level scale on the common 1–3 scale; NaN for 0 (insufficient) or no answer."""
    if level is None or level == 0 or (isinstance(level, float) and math.isnan(level)):
        return math.nan
    if not 1 <= level <= levels:
        raise ValueError(f"level {level} is outside the {levels}-level scale")
    return 1.0 + 2.0 * (level - 1) / (levels - 1)
