"""Birth-date parser and the calendar features the paper's birthday analyses use."""
import calendar
import datetime as dt
import math
from collections.abc import Sequence

from personax_platform.bios.errors import FieldError
from personax_platform.bios.missing import is_missing

ISO = "iso"


def parse_birth_date(value: object, formats: Sequence[str]) -> dt.date | None:
    """The birth date in `value`, trying every format (strptime strings, or "iso") so none is silently preferred.

    Formats that read the value as different dates ("03/04/1990" under %d/%m/%Y and %m/%d/%Y) make it ambiguous;
    that is an error rather than a first-match guess, because a swapped day and month still looks valid downstream.
    Date and datetime objects (pandas Timestamps included) are taken as they are.
    """
    if not formats:
        raise ValueError("at least one date format is needed")
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):  # before dt.date: a datetime is a date too, but compares unequal to one
        parsed = value.date()
    elif isinstance(value, dt.date):
        parsed = value
    else:
        parsed = _parse_text(str(value).strip(), formats)
    if parsed > dt.date.today():
        raise FieldError(f"birth date '{value}' is in the future")
    return parsed


def calendar_features(d: dt.date) -> dict[str, int | float]:
    """Year, month, day, day of year, and the day of year as a point on the unit circle (31 Dec is next to 1 Jan)."""
    day_of_year = d.timetuple().tm_yday
    days_in_year = 366 if calendar.isleap(d.year) else 365
    angle = 2 * math.pi * (day_of_year - 1) / days_in_year
    return {
        "birth_year": d.year,
        "birth_month": d.month,
        "birth_day": d.day,
        "day_of_year": day_of_year,
        "day_sin": math.sin(angle),
        "day_cos": math.cos(angle),
    }


def _parse_text(text: str, formats: Sequence[str]) -> dt.date:
    readings: dict[str, dt.date] = {}
    for fmt in formats:
        try:
            readings[fmt] = _parse_iso(text) if fmt == ISO else dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if not readings:
        raise FieldError(f"cannot read birth date '{text}' with any of the formats {list(formats)}")
    if len(set(readings.values())) > 1:
        options = ", ".join(f"{fmt} gives {date.isoformat()}" for fmt, date in readings.items())
        raise FieldError(f"birth date '{text}' is ambiguous: {options}")
    return next(iter(readings.values()))


def _parse_iso(text: str) -> dt.date:
    """An ISO 8601 date or timestamp; Wikidata's leading "+" is dropped and a timestamp's date is kept as written.

    The offset is ignored rather than converted: a birth date is a calendar date, not an instant, and Wikidata
    writes dates as midnight UTC. Wikidata's year-only precision ("+1988-00-00T00:00:00Z") has no day and fails.
    """
    return dt.datetime.fromisoformat(text.removeprefix("+")).date()
