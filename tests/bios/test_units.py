import math

import numpy as np
import pandas as pd
import pytest

from personax_platform.bios.errors import FieldError
from personax_platform.bios.units import parse_height_cm, parse_weight_kg

MISSING = [
    None, math.nan, np.nan, np.float32("nan"), pd.NA, "", "   ", "\t",
    "n/a", "N/A", "na", "NA", "-", "--", "null", "NULL", "None", " none ",
]


@pytest.mark.parametrize("value", MISSING)
@pytest.mark.parametrize("unit", ["cm", "ft_in", "auto"])
def test_height_missing_values_are_none(value, unit):
    assert parse_height_cm(value, unit) is None


@pytest.mark.parametrize("value", MISSING)
@pytest.mark.parametrize("unit", ["kg", "lb", "auto"])
def test_weight_missing_values_are_none(value, unit):
    assert parse_weight_kg(value, unit) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6-2", 188.0),  # NBA / NFL roster style
        ("6 - 2", 188.0),
        ("6' 2\"", 188.0),
        ("6'2", 188.0),
        ("6'2\"", 188.0),
        ("6′2″", 188.0),  # typographic primes from web pages
        ("6’2”", 188.0),  # curly quotes
        ("6'2''", 188.0),  # two apostrophes for inches
        ("6 ft 2 in", 188.0),
        ("6ft 2in", 188.0),
        ("6 feet 2 inches", 188.0),
        ("6'", 182.9),
        ("6 ft", 182.9),
        ("5-11", 180.3),
        ("5' 11.5\"", 181.6),
        ("7-0", 213.4),
        ("6-0", 182.9),
        (" 6-2 ", 188.0),
    ],
)
def test_feet_inches_are_converted_to_cm(value, expected):
    assert parse_height_cm(value, "ft_in") == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("74", "in", 188.0),
        (74, "in", 188.0),
        (74.0, "in", 188.0),
        (np.int64(74), "in", 188.0),
        ("74 in", "in", 188.0),
        ("74in", "in", 188.0),
        ('74"', "in", 188.0),
        ("188", "cm", 188.0),
        (188, "cm", 188.0),
        (188.0, "cm", 188.0),
        (np.float64(188.4), "cm", 188.4),
        ("188 cm", "cm", 188.0),
        ("188cm", "cm", 188.0),
        ("188 CM", "cm", 188.0),
        ("188,5", "cm", 188.5),
        ("1.88", "m", 188.0),
        ("1,88", "m", 188.0),
        ("1,88 m", "m", 188.0),
        ("1.88m", "m", 188.0),
        (1.88, "m", 188.0),
        ("1.855", "m", 185.5),
    ],
)
def test_height_in_configured_unit_is_converted_to_cm(value, unit, expected):
    assert parse_height_cm(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "configured", "expected"),
    [
        ("1,88 m", "cm", 188.0),
        ("1.88 m", "in", 188.0),
        ("188 cm", "m", 188.0),
        ("188 cm", "ft_in", 188.0),
        ("74 in", "cm", 188.0),
        ('74"', "m", 188.0),
        ("6-2", "cm", 188.0),
        ("6'2\"", "m", 188.0),
        ("6 ft 2 in", "in", 188.0),
    ],
)
def test_unit_written_in_height_value_wins_over_configured_unit(value, configured, expected):
    assert parse_height_cm(value, configured) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.88", 188.0),  # below 3: metres
        (2.1, 210.0),
        ("0,5", 50.0),
        ("74", 188.0),  # 10 to under 100: inches
        (60, 152.4),
        ("99", 251.5),
        ("100", 100.0),  # 100 and above: cm
        (188, 188.0),
        ("205.5", 205.5),
        ("6-2", 188.0),  # a pattern still wins
    ],
)
def test_auto_height_unit_is_inferred_from_magnitude(value, expected):
    assert parse_height_cm(value, "auto") == expected


@pytest.mark.parametrize("value", ["5.9", 6, "3", "9.99"])
def test_auto_height_between_3_and_10_is_rejected_as_unitless(value):
    with pytest.raises(FieldError, match="cannot tell the unit") as err:
        parse_height_cm(value, "auto")
    assert str(value) in err.value.reason


@pytest.mark.parametrize("value", ["74", 74, "188", "6.2", "1.88"])
def test_bare_number_under_ft_in_is_rejected(value):
    with pytest.raises(FieldError, match="as feet-inches") as err:
        parse_height_cm(value, "ft_in")
    assert f"'{value}'" in err.value.reason


@pytest.mark.parametrize("value", ["6-12", "6'12\"", "5 ft 13 in", "6-14", "5' 12.5\""])
def test_feet_inches_with_12_or_more_inches_are_rejected(value):
    with pytest.raises(FieldError, match="under 12") as err:
        parse_height_cm(value, "ft_in")
    assert value in err.value.reason


@pytest.mark.parametrize(
    ("value", "unit"),
    [("0", "cm"), (0, "in"), ("-188", "cm"), (-1.88, "m"), ("0-0", "ft_in"), ("-74 in", "cm"), (0.0, "auto")],
)
def test_zero_or_negative_height_is_rejected(value, unit):
    with pytest.raises(FieldError, match="not positive") as err:
        parse_height_cm(value, unit)
    assert str(value) in err.value.reason


@pytest.mark.parametrize(
    "value",
    ["tall", "6 ft 2 in 3", "188 cms tall", "1.88.2", "6/2", "188 mm", "1 88", "six-two", True, [188], math.inf],
)
@pytest.mark.parametrize("unit", ["cm", "ft_in", "auto"])
def test_unreadable_height_is_rejected_quoting_the_value(value, unit):
    with pytest.raises(FieldError) as err:
        parse_height_cm(value, unit)
    assert str(value) in err.value.reason


def test_unknown_height_unit_is_a_configuration_error():
    with pytest.raises(ValueError, match="'feet'"):
        parse_height_cm("188", "feet")


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("220", "lb", 99.8),
        (220, "lb", 99.8),
        (220.0, "lb", 99.8),
        (np.int64(220), "lb", 99.8),
        ("185.5", "lb", 84.1),
        ("85", "kg", 85.0),
        (85, "kg", 85.0),
        ("85.5", "kg", 85.5),
        ("85,5", "kg", 85.5),
        ("85.04", "kg", 85.0),
        ("85.06", "kg", 85.1),
    ],
)
def test_weight_in_configured_unit_is_converted_to_kg(value, unit, expected):
    assert parse_weight_kg(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("220 lbs", 99.8),
        ("220 lb", 99.8),
        ("220lbs", 99.8),
        ("220 LBS.", 99.8),
        ("220 pounds", 99.8),
        ("85 kg", 85.0),
        ("85kg", 85.0),
        ("85 KG", 85.0),
        ("85,5 kg", 85.5),
        ("85.5 kgs", 85.5),
        ("85 kilograms", 85.0),
    ],
)
@pytest.mark.parametrize("configured", ["kg", "lb", "auto"])
def test_unit_written_in_weight_value_wins_over_configured_unit(value, configured, expected):
    assert parse_weight_kg(value, configured) == expected


@pytest.mark.parametrize("value", ["85", 85, "220", 220.0])
def test_auto_weight_without_written_unit_is_rejected(value):
    with pytest.raises(FieldError, match="no unit") as err:
        parse_weight_kg(value, "auto")
    assert f"'{value}'" in err.value.reason


@pytest.mark.parametrize(("value", "unit"), [("0", "kg"), (0, "lb"), ("-85 kg", "kg"), (-220, "lb")])
def test_zero_or_negative_weight_is_rejected(value, unit):
    with pytest.raises(FieldError, match="not positive") as err:
        parse_weight_kg(value, unit)
    assert str(value) in err.value.reason


@pytest.mark.parametrize("value", ["heavy", "85 stone", "85 kg 3", "85.5.5", "85/90", "1 85", False, math.inf])
def test_unreadable_weight_is_rejected_quoting_the_value(value):
    with pytest.raises(FieldError) as err:
        parse_weight_kg(value, "kg")
    assert str(value) in err.value.reason


def test_unknown_weight_unit_is_a_configuration_error():
    with pytest.raises(ValueError, match="'stone'"):
        parse_weight_kg("85", "stone")
