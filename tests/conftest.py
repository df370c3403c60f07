"""Shared fixtures: every test gets its own warehouse under tmp_path; the shipped sample is the landing data."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from personax_platform import offline
from tests.warehouse.s3_server import AMBIENT_AWS_VARIABLES, S3Lake, moto_s3_server, new_lake

# The test session is an entry point like the definitions: offline switches first, before any test imports litellm.
offline.apply(os.environ)

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LANDING = REPO_ROOT / "sample_data" / "landing"
DATASETS_CONFIG = REPO_ROOT / "config" / "datasets.yaml"
# The longest test files (the demo; the UI automation end to end), minutes each. `make test` runs pytest on two
# workers, a file per worker at a time (`--dist loadfile`); collected first, these start at once on separate workers
# and overlap the rest instead of running alone at the end.
LONGEST_FILES = ("tests/test_demo.py", "tests/pipeline/test_ui_e2e.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return LONGEST_FILES.index(path) if path in LONGEST_FILES else len(LONGEST_FILES)

    items.sort(key=rank)  # stable: every other test keeps its collection order


@pytest.fixture
def warehouse_dirs(tmp_path: Path) -> dict[str, Path]:
    return {"lake_dir": tmp_path / "lake", "catalog_path": tmp_path / "warehouse.duckdb"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1, shared by the session's tests: each gets its own bucket."""
    with moto_s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_lake(s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> S3Lake:
    """A lake in a fresh bucket, its catalog under tmp_path, and this process's AWS_* variables pointing at it."""
    lake = new_lake(s3_endpoint, tmp_path / "warehouse.duckdb")
    for name in AMBIENT_AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in lake.environment().items():
        monkeypatch.setenv(name, value)
    return lake


@pytest.fixture
def project_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the project's commands in a subprocess against a private data dir and instance."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = dict(os.environ)
    env.update(
        PERSONAX_DATA_DIR=str(tmp_path / "data"),
        DAGSTER_HOME=str(home),
        PYTHONPATH=str(REPO_ROOT),
    )
    # Create the instance's SQLite storage once, as a long-lived instance would have it; processes that all
    # start on an empty DAGSTER_HOME at the same moment race on the schema migration.
    subprocess.run([sys.executable, "-c", "import dagster; dagster.DagsterInstance.get().dispose()"],
                   env=env, check=True, capture_output=True)
    return env


PYTHON = sys.executable
