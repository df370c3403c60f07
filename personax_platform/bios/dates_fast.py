"""A vectorised reading of birth dates that settles the common values exactly as `dates.parse_birth_date` would.

A league writes thousands of distinct birth dates, and `parse_birth_date` tries every configured format on each with
`strptime`/`fromisoformat`. Here each format is read column-wise by polars, but a value is settled only when the
outcome of every format is certain; anything else (and every error, whose message Python writes) is left to
`parse_birth_date`. Certainty comes from reading only printable ASCII, where polars' regex engine and Python's agree:
- a strptime format with only %d %m %Y %y %B %b %% is matched with the very regex `_strptime` builds for it (same
  alternatives, same leftmost-first choice, case-insensitive), so a full match is strptime's success and anything
  else its failure; the matched numbers then make the date, or fail as strptime does on an impossible one;
- "iso" is settled for [+]YYYY-MM-DD with an optional THH:MM:SS[Z] (a date, or a failure for an impossible one),
  and as a failure for text that does not start with four digits, which every ISO date does.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Sequence

import polars as pl

from personax_platform.bios.dates import ISO
from personax_platform.bios.missing import WHITESPACE, missing_text

# `_strptime.TimeRE`'s regexes for the directives read here.
_DIRECTIVES = {
    "d": r"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])",
    "m": r"(?P<m>1[0-2]|0[1-9]|[1-9])",
    "y": r"(?P<y>\d\d)",
    "Y": r"(?P<Y>\d\d\d\d)",
}
_PRINTABLE_ASCII = r"^[ -~]+$"
_ISO = r"^\+?(?P<Y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:Z)?)?$"
_ISO_START = r"^\+?\d{4}"

# A format's reading of the stripped text: (certain, date) expressions; date is null where the format fails.
_Reader = Callable[[pl.Expr], tuple[pl.Expr, pl.Expr]]


def birth_dates_fast(formats: Sequence[str]) -> Callable[[pl.Series], pl.Series] | None:
    """For text values: the date `parse_birth_date(value, formats)` returns, null where it is left to that function.
    None when a format has a directive not read here."""
    readers = [_iso if fmt == ISO else _strptime_reader(fmt) for fmt in formats]
    if not readers or None in readers:
        return None

    def fast(values: pl.Series) -> pl.Series:
        if values.dtype != pl.String:
            return pl.Series(values.name, [None] * len(values), dtype=pl.Date)
        text = pl.col("value").str.strip_chars(WHITESPACE)
        readings = [reader(text) for reader in readers]
        dates = [date for _, date in readings]
        agreed = pl.min_horizontal(dates)  # the formats that read the value all read this date (max == min)
        settled = (text.str.contains(_PRINTABLE_ASCII) & ~missing_text(text)
                   & pl.all_horizontal(certain for certain, _ in readings)
                   & (pl.max_horizontal(dates) == agreed) & (agreed <= dt.date.today()))
        return values.to_frame("value").select(pl.when(settled).then(agreed).alias(values.name)).to_series()

    return fast


def _iso(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    parts = text.str.extract_groups(_ISO)
    date = _date(parts.struct.field("Y"), parts.struct.field("m"), parts.struct.field("d"))
    return text.str.contains(_ISO) | ~text.str.contains(_ISO_START), date


def _strptime_reader(fmt: str) -> _Reader | None:
    """The reading of a strptime format, when it has only directives read here, each once, and a year."""
    month_names = [name.lower() for name in calendar.month_name[1:]]
    month_abbreviations = [name.lower() for name in calendar.month_abbr[1:]]
    if not all(name.isascii() for name in month_names + month_abbreviations):
        return None
    directives = {**_DIRECTIVES, "B": _names(month_names, "B"), "b": _names(month_abbreviations, "b")}
    found = re.findall(r"%(.)", fmt.replace("%%", ""))
    if (fmt.replace("%%", "").endswith("%") or len(set(found)) != len(found) or not set(found) <= set(directives)
            or not {"Y", "y"} & set(found)):
        return None
    pattern = "(?i)^" + _pattern(fmt, directives)

    def read(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        parts = text.str.extract_groups(pattern)
        whole = text.str.extract(pattern, 0)

        def group(name: str) -> pl.Expr:
            return parts.struct.field(name).str.strip_chars(" ")

        if "Y" in found:
            year = group("Y")
        else:  # strptime's two-digit years: 69-99 are 1969-1999, 00-68 are 2000-2068
            short = group("y").cast(pl.Int32)
            year = (short + pl.when(short <= 68).then(2000).otherwise(1900)).cast(pl.String)
        if "m" in found:
            month = group("m")
        elif "B" in found or "b" in found:
            names = month_names if "B" in found else month_abbreviations
            month = group("B" if "B" in found else "b").str.to_lowercase().replace_strict(
                {name: str(number) for number, name in enumerate(names, start=1)}, default=None)
        else:
            month = pl.lit("1")
        day = group("d") if "d" in found else pl.lit("1")
        return pl.lit(True), pl.when(whole == text).then(_date(year, month, day))

    return read


def _pattern(fmt: str, directives: dict[str, str]) -> str:
    """`_strptime.TimeRE.pattern`: regex characters escaped, whitespace runs as \\s+, directives replaced."""
    fmt = re.sub(r"\s+", r"\\s+", re.sub(r"([\\.^$*+?\(\){}\[\]|])", r"\\\1", fmt))
    processed = ""
    while "%" in fmt:
        at = fmt.index("%") + 1
        processed += fmt[:at - 1] + ("%" if fmt[at] == "%" else directives[fmt[at]])
        fmt = fmt[at + 1:]
    return processed + fmt


def _names(names: list[str], directive: str) -> str:
    """`_strptime.TimeRE.__seqToRE`: the longest names first, so none matches a prefix of another."""
    ordered = sorted(names, key=len, reverse=True)
    return f"(?P<{directive}>{'|'.join(map(re.escape, ordered))})"


def _date(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """The date of the numbers (text), null when there is none: year 0 or an impossible day, as Python has it."""
    numbers = [part.cast(pl.Int32, strict=False) for part in (year, month, day)]
    text = pl.format("{}-{}-{}", *[number.cast(pl.String).str.zfill(width)
                                   for number, width in zip(numbers, (4, 2, 2))])
    return pl.when(numbers[0] >= 1).then(text.str.to_date("%Y-%m-%d", strict=False))
