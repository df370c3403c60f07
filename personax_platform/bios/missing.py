"""What every field parser treats as "no value": scrapers write placeholders instead of leaving a cell empty."""
import pandas as pd
import polars as pl

# Compared case-insensitively after stripping; "" covers whitespace-only cells.
MISSING_TOKENS: frozenset[str] = frozenset({"", "n/a", "na", "-", "--", "null", "none"})
# What str.strip() strips, spelled out for polars, whose own notion of whitespace differs in a few control characters
# (Unicode has no whitespace above U+3000).
WHITESPACE = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())


def is_missing(value: object) -> bool:
    """True for None, NaN/NaT/pd.NA and the placeholder strings in MISSING_TOKENS."""
    if isinstance(value, str):
        return value.strip().casefold() in MISSING_TOKENS
    # Parquet and pandas hand over NaN, NaT or pd.NA where a cell was empty; is_scalar keeps lists out of isna.
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def missing_text(column: pl.Expr) -> pl.Expr:
    """`is_missing` for a string column: null or a placeholder (the tokens are ASCII, so lowercase is casefold)."""
    return column.is_null() | column.str.strip_chars(WHITESPACE).str.to_lowercase().is_in(list(MISSING_TOKENS))
