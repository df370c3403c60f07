"""The deployment's instance file is valid Dagster configuration, agrees with the local one, and has a limit for
every pool the shipped configurations produce. (It runs for real on PostgreSQL in test_postgres_instance.py.)"""
from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config

from assets.pools import ANALYSIS_POOL, llm_pool
from deploy.apply_pools import load_pool_limits
from personax_platform.llm.models import load_models
from tests.conftest import REPO_ROOT

DEPLOYED = REPO_ROOT / "deploy" / "dagster.yaml"
LOCAL = REPO_ROOT / "dagster_home" / "dagster.yaml"
SHIPPED_MODEL_FILES = ["config/models.yaml", "config/models.paper.example.yaml", "deploy/models.compose-llm.yaml",
                       "deploy/scaling/models.router.yaml"]


def instance_config(path: Path) -> dict:
    config, _ = dagster_instance_config(str(path.parent), path.name)
    return dict(config)


def test_the_deployed_instance_file_is_valid_dagster_configuration():
    config = instance_config(DEPLOYED)
    assert set(config["storage"]) == {"postgres"}
    assert config["concurrency"]["pools"]["default_limit"] == 1
    assert config["run_retries"]["enabled"] and not config["telemetry"]["enabled"]


def test_a_config_error_in_an_instance_file_fails(tmp_path):
    (tmp_path / "dagster.yaml").write_text(DEPLOYED.read_text().replace("max_concurrent_runs", "max_runs"))
    with pytest.raises(DagsterInvalidConfigError):
        instance_config(tmp_path / "dagster.yaml")


def test_the_local_instance_differs_from_the_deployed_one_only_in_storage():
    deployed, local = instance_config(DEPLOYED), instance_config(LOCAL)
    deployed.pop("storage")
    assert "storage" not in local, "the local instance keeps Dagster's default SQLite storage under DAGSTER_HOME"
    assert local == deployed


@pytest.mark.parametrize("models_file", SHIPPED_MODEL_FILES)
def test_every_shipped_models_file_has_its_pool_limit(models_file):
    assert llm_pool(load_models(REPO_ROOT / models_file)) in load_pool_limits()


def test_the_analysis_pool_has_its_limit():
    assert ANALYSIS_POOL in load_pool_limits()
