"""Categorical fields: gender, and CelebA's per-image face attributes aggregated per identity."""
import numbers
from collections.abc import Sequence

import numpy as np

from personax_platform.bios.errors import FieldError
from personax_platform.bios.missing import is_missing

_GENDERS: dict[str, str] = {
    "male": "male", "m": "male", "man": "male",
    "female": "female", "f": "female", "woman": "female",
}

# CelebA writes -1/1; some exports write 0/1 or booleans, where 0/False is CelebA's -1 ("absent").
_FACE_FLAGS: dict[str, int] = {"1": 1, "+1": 1, "true": 1, "-1": -1, "0": -1, "false": -1}


def parse_gender(value: object) -> str | None:
    """Canonical "male" or "female"; anything else is rejected, not coerced, so new categories surface in review."""
    if is_missing(value):
        return None
    gender = _GENDERS.get(str(value).strip().casefold())
    if gender is None:
        raise FieldError(f"unknown gender '{value}': expected male/m/man or female/f/woman")
    return gender


def parse_face_attribute(value: object) -> int | None:
    """A face attribute as CelebA's -1 (absent) or 1 (present)."""
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):  # pandas hands out numpy booleans from a bool column
        return 1 if value else -1
    if isinstance(value, numbers.Real) and value in (-1, 0, 1):
        return 1 if value == 1 else -1
    if isinstance(value, str) and value.strip().casefold() in _FACE_FLAGS:
        return _FACE_FLAGS[value.strip().casefold()]
    raise FieldError(f"cannot read face attribute '{value}' as -1/1 (or 0/1, true/false)")


def majority_vote(values: Sequence[int]) -> tuple[int | None, bool]:
    """The majority of an identity's per-image -1/1 values, and whether it was a tie (resolved to -1, "absent").

    Ties go to -1, CelebA's "absent": an attribute counts as present only when most images show it.
    """
    if any(v not in (-1, 1) for v in values):
        raise ValueError(f"majority_vote takes -1/1 values, got {list(values)}")
    if not values:
        return None, False
    total = sum(values)
    return (1 if total > 0 else -1), total == 0
