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
