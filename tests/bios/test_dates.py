import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from personax_platform.bios.dates import calendar_features, parse_birth_date
from personax_platform.bios.errors import FieldError

MARCH_14 = dt.date(1988, 3, 14)


@pytest.mark.parametrize(
    "value", [None, math.nan, np.nan, pd.NaT, pd.NA, "", "  ", "n/a", "NA", "-", "--", "null", "None", "NONE"]
)
def test_missing_birth_date_is_none(value):
    assert parse_birth_date(value, ["iso", "%d/%m/%Y"]) is None


@pytest.mark.parametrize(
    ("value", "formats"),
    [
        ("1988-03-14", ["iso"]),
        (" 1988-03-14 ", ["iso"]),
        ("1988-03-14T00:00:00", ["iso"]),
        ("1988-03-14T00:00:00Z", ["iso"]),
        ("+1988-03-14T00:00:00Z", ["iso"]),  # Wikidata
        ("1988-03-14 00:00:00", ["iso"]),  # str() of a pandas Timestamp
        ("1988-03-14T23:30:00-05:00", ["iso"]),  # the date as written, not shifted to UTC
        ("14.3.1988", ["%d.%m.%Y"]),
        ("14.03.1988", ["%d.%m.%Y", "iso"]),
        ("March 14, 1988", ["%B %d, %Y"]),
        ("March 14, 1988", ["iso", "%B %d, %Y"]),
        ("Mar 14, 1988", ["%b %d, %Y"]),
        ("03/14/1988", ["%m/%d/%Y"]),
        ("03/14/1988", ["%m/%d/%Y", "iso"]),
        ("14/03/1988", ["%d/%m/%Y"]),
        ("14/03/1988", ["%d/%m/%Y", "%m/%d/%Y"]),  # only one format can read it
        ("1988-03-14", ["%d/%m/%Y", "iso"]),
        ("1988-03-14", ["iso", "%Y-%m-%d"]),  # two formats agreeing is not ambiguous
        ("19880314", ["iso"]),  # ISO 8601 basic format
    ],
)
def test_birth_date_text_is_parsed_with_configured_formats(value, formats):
    assert parse_birth_date(value, formats) == MARCH_14


@pytest.mark.parametrize(
    "value",
    [
        MARCH_14,
        dt.datetime(1988, 3, 14),
        dt.datetime(1988, 3, 14, 22, 15, tzinfo=dt.timezone.utc),
        pd.Timestamp("1988-03-14"),
        pd.Timestamp("1988-03-14T00:00:00Z"),
    ],
)
def test_date_objects_are_taken_as_they_are(value):
    parsed = parse_birth_date(value, ["%d/%m/%Y"])
    assert parsed == MARCH_14
    assert type(parsed) is dt.date


@pytest.mark.parametrize(
    ("value", "formats"),
    [
        ("03/04/1990", ["%d/%m/%Y", "%m/%d/%Y"]),
        ("01/12/2000", ["%m/%d/%Y", "%d/%m/%Y"]),
        ("5.6.1985", ["%d.%m.%Y", "%m.%d.%Y"]),
    ],
)
def test_formats_reading_different_dates_are_rejected_as_ambiguous(value, formats):
    with pytest.raises(FieldError, match="ambiguous") as err:
        parse_birth_date(value, formats)
    assert value in err.value.reason
    assert all(fmt in err.value.reason for fmt in formats)


@pytest.mark.parametrize(
    ("value", "formats"),
    [
        ("14/03/1988", ["%m/%d/%Y"]),
        ("1988-03-14", ["%d.%m.%Y"]),
        ("March 14 1988", ["%B %d, %Y"]),
        ("14 Mars 1988", ["%d %B %Y", "iso"]),
        ("1988-02-30", ["iso"]),  # no such day
        ("+1988-00-00T00:00:00Z", ["iso"]),  # Wikidata year-only precision
        ("1988", ["iso", "%d/%m/%Y"]),
        ("unknown", ["iso"]),
        ("31/31/1988", ["%d/%m/%Y", "%m/%d/%Y"]),
        (1988, ["iso"]),
    ],
)
def test_unreadable_birth_date_is_rejected_listing_formats_tried(value, formats):
    with pytest.raises(FieldError, match="cannot read birth date") as err:
        parse_birth_date(value, formats)
    assert str(value) in err.value.reason
    assert all(fmt in err.value.reason for fmt in formats)


@pytest.mark.parametrize(
    "value",
    [
        "2999-01-01",
        dt.date.today() + dt.timedelta(days=1),
        pd.Timestamp(dt.date.today() + dt.timedelta(days=400)),
    ],
)
def test_future_birth_date_is_rejected(value):
    with pytest.raises(FieldError, match="in the future") as err:
        parse_birth_date(value, ["iso"])
    assert str(value) in err.value.reason


def test_today_is_not_in_the_future():
    assert parse_birth_date(dt.date.today().isoformat(), ["iso"]) == dt.date.today()


def test_no_formats_is_a_configuration_error():
    with pytest.raises(ValueError):
        parse_birth_date("1988-03-14", [])


@pytest.mark.parametrize(
    ("d", "year", "month", "day", "day_of_year"),
    [
        (dt.date(1988, 3, 14), 1988, 3, 14, 74),  # leap year: Feb has 29 days
        (dt.date(1989, 3, 14), 1989, 3, 14, 73),
        (dt.date(1990, 1, 1), 1990, 1, 1, 1),
        (dt.date(1990, 12, 31), 1990, 12, 31, 365),
        (dt.date(2000, 12, 31), 2000, 12, 31, 366),
        (dt.date(1900, 12, 31), 1900, 12, 31, 365),  # not a leap year
    ],
)
def test_calendar_features_split_the_date(d, year, month, day, day_of_year):
    features = calendar_features(d)
    assert (features["birth_year"], features["birth_month"], features["birth_day"]) == (year, month, day)
    assert features["day_of_year"] == day_of_year


@pytest.mark.parametrize(
    ("d", "angle"),
    [
        (dt.date(1990, 1, 1), 0.0),
        (dt.date(1990, 7, 2), 2 * math.pi * 182 / 365),
        (dt.date(1992, 7, 2), 2 * math.pi * 183 / 366),
        (dt.date(1990, 12, 31), 2 * math.pi * 364 / 365),
        (dt.date(1992, 12, 31), 2 * math.pi * 365 / 366),
    ],
)
def test_day_of_year_is_encoded_on_the_unit_circle_per_year_length(d, angle):
    features = calendar_features(d)
    assert features["day_sin"] == pytest.approx(math.sin(angle))
    assert features["day_cos"] == pytest.approx(math.cos(angle))


def test_year_end_and_start_are_neighbours_on_the_circle():
    end, start = calendar_features(dt.date(1990, 12, 31)), calendar_features(dt.date(1991, 1, 1))
    distance = math.hypot(end["day_sin"] - start["day_sin"], end["day_cos"] - start["day_cos"])
    assert distance == pytest.approx(2 * math.sin(math.pi / 365))


def test_calendar_features_have_exactly_the_schema_keys():
    assert set(calendar_features(MARCH_14)) == {
        "birth_year", "birth_month", "birth_day", "day_of_year", "day_sin", "day_cos",
    }
