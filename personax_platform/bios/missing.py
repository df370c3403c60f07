"""What every field parser treats as "no value": scrapers write placeholders instead of leaving a cell empty."""
import pandas as pd

# Compared case-insensitively after stripping; "" covers whitespace-only cells.
MISSING_TOKENS: frozenset[str] = frozenset({"", "n/a", "na", "-", "--", "null", "none"})


def is_missing(value: object) -> bool:
    """True for None, NaN/NaT/pd.NA and the placeholder strings in MISSING_TOKENS."""
    if isinstance(value, str):
        return value.strip().casefold() in MISSING_TOKENS
    # Parquet and pandas hand over NaN, NaT or pd.NA where a cell was empty; is_scalar keeps lists out of isna.
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))
