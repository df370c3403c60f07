"""The vectorised birth-date reading may settle a value only with the date `parse_birth_date` gives it; everything it
leaves (null) goes to `parse_birth_date` itself. Pinned over many formats and edge cases and over every distinct
birth date of the shipped sample and of the full generated cohort."""
from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import polars as pl
import pytest

from personax_platform.bios.dates import parse_birth_date
from personax_platform.bios.dates_fast import birth_dates_fast
from personax_platform.bios.errors import FieldError
from personax_platform.bios.landing import read_raw_bios
from personax_platform.config.datasets import load_config
from personax_platform.sample.generator import DEFAULT_SEED, generate

REPO = Path(__file__).resolve().parents[2]
FORMAT_SETS = [
    ["iso"], ["iso", "%B %d, %Y"], ["%m/%d/%Y", "iso"], ["%d/%m/%Y", "iso"], ["%d.%m.%Y", "iso"],
    ["%B %d, %Y", "iso"], ["%m/%d/%y"], ["%d/%m/%y", "%d/%m/%Y"], ["%d/%m/%Y", "%m/%d/%Y"], ["%b %d, %Y", "%B %d, %Y"],
    ["%Y%m%d", "iso"], ["%d%m%Y"], ["%Y-%m-%d"], ["%d %B %Y"], ["%d-%b-%y", "iso"], ["%Y/%m/%d", "%Y/%d/%m"],
]
EDGE_CASES = [
    "1990-01-02", "+1990-01-02T00:00:00Z", "1990-01-02T00:00:00", "1990-01-02T23:59:59Z", "1990-01-02T24:00:00",
    "1990-01-02T12:30:00+02:00", "1990-01-02 00:00", "19900102", "1990-1-2", "+1988-00-00T00:00:00Z", "0000-01-01",
    "1990-02-31", "1989-02-29", "1988-02-29", "1995-13-01", "2099-01-01", "++1990-01-02", " 1990-01-02 ",
    "\t1990-01-02\n", "1990-01-02\u2003", "١٩٩٠-٠١-٠٢", "1990-01-02x",
    "11/14/1988", "3/4/1990", "03/04/1990", "02/30/1995", "13/01/1990", "00/01/1990", "1/ 5/1990", "5/ 3/1990",
    "03/04/90", "03/04/68", "03/04/69", "03/04/00", "29/02/00", "31.02.1990", "1.2.1990", "01.02.1990", "12.12.2012",
    "June 22, 1991", "june 5, 1990", "JUNE 05, 1990", "Jun 5, 1990", "Sept 5, 1990", "May 5, 1990",
    "February 30, 1994", "June  5,  1990", "June 5 , 1990", "June 5,1990", "5 June 1990", "05-Jun-90", "5-jun-1990",
    "1990/02/01", "1990/13/01", "1990/01/13", "n/a", "NA", "-", "", "   ", "unknown", "1990", "Juni 5, 1990",
    "03/04/1990 ", "31021990", "3121990", "1121990",
]


def _python(value: str, formats: list[str]) -> dt.date | None | str:
    try:
        return parse_birth_date(value, formats)
    except FieldError:
        return "rejected"


def _check(values: list[str], formats: list[str]) -> int:
    """Asserts every settled value reads as Python reads it; returns how many were settled."""
    fast = birth_dates_fast(formats)
    assert fast is not None
    settled = fast(pl.Series(values, dtype=pl.String)).to_list()
    for value, date in zip(values, settled):
        if date is not None:
            assert date == _python(value, formats), (formats, value, date)
    return sum(date is not None for date in settled)


def _rendered(rng: random.Random, n: int) -> list[str]:
    """Dates (valid and impossible) written every which way, two-digit years and odd spacing included."""
    values = []
    for _ in range(n):
        year, month, day = rng.choice([rng.randint(1900, 2030), rng.randint(0, 99)]), rng.randint(0, 13), rng.randint(
            0, 32)
        name = dt.date(2000, min(max(month, 1), 12), 1).strftime(rng.choice(["%B", "%b"]))
        name = rng.choice([name, name.lower(), name.upper()])
        values.append(rng.choice([
            f"{year:04d}-{month:02d}-{day:02d}", f"+{year:04d}-{month:02d}-{day:02d}T00:00:00Z",
            f"{month}/{day}/{year}", f"{month:02d}/{day:02d}/{year:04d}", f"{day:02d}/{month:02d}/{year % 100:02d}",
            f"{day}.{month}.{year}", f"{name} {day}, {year}", f"{name} {day:02d}, {year:04d}", f"{day} {name} {year}",
            f"{year:04d}{month:02d}{day:02d}", f"{day:02d}{month:02d}{year:04d}", f" {year:04d}-{month:02d}-{day:02d}",
            f"{day:02d}-{name}-{year % 100:02d}", f"{year:04d}/{month:02d}/{day:02d}",
        ]))
    return values


@pytest.mark.parametrize("formats", FORMAT_SETS, ids=" | ".join)
def test_settled_edge_cases_read_as_python_reads_them(formats):
    _check(EDGE_CASES, formats)


@pytest.mark.parametrize("formats", FORMAT_SETS, ids=" | ".join)
def test_settled_random_dates_read_as_python_reads_them(formats):
    _check(_rendered(random.Random(" ".join(formats)), 3000), formats)


def test_a_column_of_mixed_formats_settles_each_value_by_itself():
    values = ["1990-01-02", "June 5, 1990", "03/04/1990", "5.6.1990", "1990-02-31", "n/a"]
    assert birth_dates_fast(["iso", "%B %d, %Y"])(pl.Series(values)).to_list() == [
        dt.date(1990, 1, 2), dt.date(1990, 6, 5), None, None, None, None]


def test_values_left_to_python_include_every_error_and_ambiguity():
    fast = birth_dates_fast(["%d/%m/%Y", "%m/%d/%Y"])
    assert fast(pl.Series(["03/04/1990", "13/04/1990", "04/13/1990", "03/03/1990"])).to_list() == [
        None, dt.date(1990, 4, 13), dt.date(1990, 4, 13), dt.date(1990, 3, 3)]
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    assert birth_dates_fast(["iso"])(pl.Series([future])).to_list() == [None]


def test_formats_it_cannot_read_exactly_have_no_fast_path():
    for formats in (["%d %H"], ["%Y-%j"], ["%m/%d"], ["%Y %Y"], ["%Y%"], []):
        assert birth_dates_fast(formats) is None
    assert birth_dates_fast(["iso"])(pl.Series([1, 2])).to_list() == [None, None]


def _birth_dates(landing: Path) -> dict[str, tuple[list[str], set[str]]]:
    """league -> (its date formats, every distinct text birth date in its landing files)."""
    config = load_config()
    found = {}
    for league, dataset in config.league_to_dataset.items():
        source = config.source(league)
        if not list(landing.glob(source.files)):
            continue
        raw = read_raw_bios(landing, source, dataset, league).filter(pl.col("record").is_not_null())
        field = source.fields["birth_date"]
        values = {json.loads(record).get(field) for record in raw["record"]}
        found[league] = (list(source.date_formats), {value for value in values if isinstance(value, str)})
    return found


@pytest.fixture(scope="module")
def full_cohort(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("full")
    generate(out, full=True, seed=DEFAULT_SEED)
    return out / "landing"


@pytest.mark.parametrize("which", ["sample", "full"])
def test_every_birth_date_of_the_sample_and_full_cohorts_reads_as_python_reads_it(which, request):
    landing = REPO / "sample_data" / "landing" if which == "sample" else request.getfixturevalue("full_cohort")
    for league, (formats, values) in _birth_dates(landing).items():
        values = sorted(values)
        settled = _check(values, formats)
        if which == "full":
            assert settled >= 0.9 * len(values), league  # the common formats are read by polars
