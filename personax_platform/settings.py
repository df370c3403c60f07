"""Where the platform reads and writes, overridable by environment variables (documented in the README)."""
import os
from pathlib import Path

from personax_platform.config.datasets import REPO_ROOT


def data_dir() -> Path:
    return Path(os.environ.get("PERSONAX_DATA_DIR", REPO_ROOT / "data"))


def landing_dir() -> Path:
    """Landing files; the shipped sample of fictional people by default."""
    return Path(os.environ.get("PERSONAX_LANDING_DIR", REPO_ROOT / "sample_data" / "landing"))


def lake_dir() -> Path:
    return Path(os.environ.get("PERSONAX_LAKE_DIR", data_dir() / "lake"))


def warehouse_path() -> Path:
    return Path(os.environ.get("PERSONAX_WAREHOUSE", data_dir() / "warehouse.duckdb"))


def llm_cache_path() -> Path:
    """The LLM response cache (SQLite, crash-safe); kept outside the lake because it outlives any table."""
    return Path(os.environ.get("PERSONAX_LLM_CACHE", data_dir() / "llm_cache.sqlite"))


def prompt_id() -> str:
    """The active trait prompt (a file in config/prompts/)."""
    return os.environ.get("PERSONAX_PROMPT_ID", "number-l3-inc")


def max_failure_rate() -> float:
    """Share of a partition's LLM requests that may fail (call or parse) before its trait checks fail."""
    return _rate("PERSONAX_MAX_FAILURE_RATE", 0.2)


def max_insufficient_rate() -> float:
    """Share of parsed scores per trait that may be 0 ("insufficient information") before the scores check fails."""
    return _rate("PERSONAX_MAX_INSUFFICIENT_RATE", 0.5)


def _rate(variable: str, default: float) -> float:
    raw = os.environ.get(variable)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r} is not a number; expected a share between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{variable}={raw!r} is outside [0, 1]")
    return value


def release_dir() -> Path:
    """Where release folders are written (one per dataset), before any publishing."""
    return Path(os.environ.get("PERSONAX_RELEASE_DIR", data_dir() / "release"))


def release_secret_file() -> Path:
    """The generated release secret, used when PERSONAX_RELEASE_SECRET is not set; keep it private and backed up."""
    return Path(os.environ.get("PERSONAX_RELEASE_SECRET_FILE", data_dir() / "release_secret"))


def hub_repo_template() -> str:
    """Hub dataset repo per dataset, e.g. 'my-lab/personax-{dataset}'; empty: releases are not published."""
    return os.environ.get("PERSONAX_HF_REPO", "")
