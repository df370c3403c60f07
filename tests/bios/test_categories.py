import math

import numpy as np
import pandas as pd
import pytest

from personax_platform.bios.categories import majority_vote, parse_face_attribute, parse_gender
from personax_platform.bios.errors import FieldError

MISSING = [None, math.nan, pd.NA, "", "   ", "n/a", "NA", "-", "--", "null", "None", "NONE"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("male", "male"), ("Male", "male"), ("MALE", "male"), (" male ", "male"),
        ("m", "male"), ("M", "male"), ("man", "male"), ("Man", "male"),
        ("female", "female"), ("Female", "female"), ("f", "female"), ("F", "female"),
        ("woman", "female"), ("Woman", "female"),
    ],
)
def test_gender_spellings_map_to_canonical_values(value, expected):
    assert parse_gender(value) == expected


@pytest.mark.parametrize("value", MISSING)
def test_missing_gender_is_none(value):
    assert parse_gender(value) is None


@pytest.mark.parametrize("value", ["non-binary", "trans woman", "unknown", "x", "Q6581097", "males", 1, True])
def test_unknown_gender_is_rejected_quoting_the_value(value):
    with pytest.raises(FieldError, match="unknown gender") as err:
        parse_gender(value)
    assert str(value) in err.value.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1), (-1, -1), (0, -1),
        (1.0, 1), (-1.0, -1), (0.0, -1),
        (np.int8(1), 1), (np.int64(-1), -1), (np.float64(0.0), -1),
        ("1", 1), ("+1", 1), ("-1", -1), ("0", -1), (" 1 ", 1),
        (True, 1), (False, -1), (np.True_, 1), (np.False_, -1),
        ("true", 1), ("False", -1),
    ],
)
def test_face_attribute_values_map_to_celeba_minus_one_or_one(value, expected):
    assert parse_face_attribute(value) == expected


@pytest.mark.parametrize("value", MISSING)
def test_missing_face_attribute_is_none(value):
    assert parse_face_attribute(value) is None


@pytest.mark.parametrize("value", [2, -2, 0.5, "2", "yes", "present", "1.5", "++1", math.inf])
def test_unreadable_face_attribute_is_rejected_quoting_the_value(value):
    with pytest.raises(FieldError, match="face attribute") as err:
        parse_face_attribute(value)
    assert str(value) in err.value.reason


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1], (1, False)),
        ([-1], (-1, False)),
        ([1, 1, -1], (1, False)),
        ([-1, -1, 1], (-1, False)),
        ([1, 1, 1, 1, -1, -1, -1], (1, False)),
        ((1, -1, 1), (1, False)),
    ],
)
def test_majority_vote_takes_the_majority(values, expected):
    assert majority_vote(values) == expected


@pytest.mark.parametrize("values", [[1, -1], [-1, 1], [1, 1, -1, -1], [-1, 1, -1, 1, 1, -1]])
def test_majority_vote_tie_resolves_to_absent_and_is_flagged(values):
    assert majority_vote(values) == (-1, True)


def test_majority_vote_of_no_images_is_none():
    assert majority_vote([]) == (None, False)


@pytest.mark.parametrize("values", [[0, 1], [1, 2], [1, None]])
def test_majority_vote_rejects_unparsed_values(values):
    with pytest.raises(ValueError):
        majority_vote(values)
