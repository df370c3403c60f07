"""Height and weight parsers: one source writes "6' 2\"", another 74, another "1,88 m"; the canonical table wants cm/kg.

A unit written in the value wins over the league's configured unit, because a scraper that usually writes bare
numbers sometimes spells the unit out, and then the spelled-out unit is the truth. Plausibility (a 300 cm athlete)
is not judged here but by the blocking check on `bios.bios` (docs/canonical_schema.md).
"""
import math
import numbers
import re

from personax_platform.bios.errors import FieldError
from personax_platform.bios.missing import is_missing

HEIGHT_UNITS: frozenset[str] = frozenset({"cm", "m", "in", "ft_in", "auto"})
WEIGHT_UNITS: frozenset[str] = frozenset({"kg", "lb", "auto"})

_CM_PER: dict[str, float] = {"cm": 1.0, "m": 100.0, "in": 2.54}
_KG_PER: dict[str, float] = {"kg": 1.0, "lb": 0.45359237}

_NUMBER = r"-?\d+(?:[.,]\d+)?"  # a decimal comma is a decimal point ("1,88 m"); bios never carry thousands
_FEET_INCHES = re.compile(
    rf"(?P<feet>\d+)\s*(?:'|ft\.?|feet|foot)\s*(?:(?P<inches>{_NUMBER})\s*(?:\"|in\.?|inch|inches)?)?"
)
_DASHED_FEET_INCHES = re.compile(rf"(?P<feet>\d+)\s*-\s*(?P<inches>{_NUMBER})")  # the NBA/NFL "6-2"
_HEIGHT = re.compile(rf"(?P<number>{_NUMBER})\s*(?P<unit>cm|m|in\.?|inch|inches|\")?")
_WEIGHT = re.compile(rf"(?P<number>{_NUMBER})\s*(?P<unit>kgs?|kilos?|kilograms?|lbs?|pounds?)?\.?")

# Typographic primes and quotes as scraped from web pages, mapped to the ASCII feet/inches marks.
_QUOTES = str.maketrans({"′": "'", "’": "'", "‘": "'", "´": "'", "″": '"', "”": '"', "“": '"'})


def parse_height_cm(value: object, unit: str) -> float | None:
    """Height in cm, rounded to 0.1; `unit` (cm, m, in, ft_in, auto) applies only when the value names none.

    auto reads a bare number by magnitude, since adult heights in the three units do not overlap:
    below 3 is metres, 10 to under 100 is inches, 100 and above is cm; 3 to under 10 (decimal feet?) is rejected.
    """
    if unit not in HEIGHT_UNITS:
        raise ValueError(f"height unit must be one of {sorted(HEIGHT_UNITS)}, not {unit!r}")
    if is_missing(value):
        return None
    if isinstance(value, str):
        number, unit = _read_height_text(value, unit)
    else:
        number = _real(value, "height")
    if number <= 0:
        raise FieldError(f"height '{value}' is not positive")
    if unit == "auto":
        unit = _height_unit_by_magnitude(number, value)
    if unit == "ft_in":
        raise FieldError(f"cannot read height '{value}' as feet-inches")
    return round(number * _CM_PER[unit], 1)


def parse_weight_kg(value: object, unit: str) -> float | None:
    """Weight in kg, rounded to 0.1; `unit` (kg, lb, auto) applies only when the value names none.

    auto accepts only values that carry their unit: adult weights overlap in kg and lb (68 to 150), so a bare
    number's unit cannot be told from its size.
    """
    if unit not in WEIGHT_UNITS:
        raise ValueError(f"weight unit must be one of {sorted(WEIGHT_UNITS)}, not {unit!r}")
    if is_missing(value):
        return None
    if isinstance(value, str):
        match = _WEIGHT.fullmatch(value.strip().casefold())
        if match is None:
            raise FieldError(f"cannot read weight '{value}' as a number of kg or lb")
        number = _to_float(match["number"])
        if match["unit"]:
            unit = "lb" if match["unit"].startswith(("lb", "pound")) else "kg"
    else:
        number = _real(value, "weight")
    if number <= 0:
        raise FieldError(f"weight '{value}' is not positive")
    if unit == "auto":
        raise FieldError(f"weight '{value}' has no unit, and kg and lb cannot be told apart by size")
    return round(number * _KG_PER[unit], 1)


def _read_height_text(text: str, unit: str) -> tuple[float, str]:
    """The number and the unit it is in: feet-inches come back as inches, a written unit replaces `unit`."""
    cleaned = text.strip().casefold().translate(_QUOTES).replace("''", '"')
    feet_inches = _FEET_INCHES.fullmatch(cleaned) or _DASHED_FEET_INCHES.fullmatch(cleaned)
    if feet_inches:
        inches = _to_float(feet_inches["inches"] or "0")
        if not 0 <= inches < 12:
            raise FieldError(f"height '{text}' has {feet_inches['inches']} inches; feet-inches need 0 to under 12")
        return int(feet_inches["feet"]) * 12 + inches, "in"
    match = _HEIGHT.fullmatch(cleaned)
    if match is None:
        raise FieldError(f"cannot read height '{text}' as a number of cm, m, in or feet-inches")
    written = match["unit"]
    if written:
        unit = written if written in ("cm", "m") else "in"
    return _to_float(match["number"]), unit


def _height_unit_by_magnitude(number: float, value: object) -> str:
    if number < 3:
        return "m"
    if number < 10:
        raise FieldError(f"cannot tell the unit of height '{value}': too tall for metres, too short for inches")
    return "in" if number < 100 else "cm"


def _real(value: object, field: str) -> float:
    """A finite number from a non-string value (int, float, numpy scalar); bools are flags, not measurements."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise FieldError(f"cannot read {field} '{value}' as a number")
    return float(value)


def _to_float(text: str) -> float:
    return float(text.replace(",", "."))
