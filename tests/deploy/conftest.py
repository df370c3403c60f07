"""The deployment's Dagster instance (deploy/dagster.yaml) on a real PostgreSQL: CI's server or a throwaway one."""
from __future__ import annotations

import secrets
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from tests.conftest import REPO_ROOT
from tests.deploy import compose, throwaway_postgres
from tests.deploy.throwaway_postgres import Server

DEPLOY_INSTANCE_FILE = REPO_ROOT / "deploy" / "dagster.yaml"


@pytest.fixture(scope="session")
def compose_config() -> compose.Compose:
    """docker-compose.yml resolved once (docker-compose takes a second or two to start)."""
    loaded = compose.load()
    if loaded.validated_by is None:
        warnings.warn("docker-compose is not installed: docker-compose.yml was interpolated by tests/deploy/compose.py"
                      " and checked structurally, not validated against the Compose schema", stacklevel=1)
    return loaded


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """The server .ci/run started (PERSONAX_TEST_POSTGRES_*), else one of our own from Debian's binaries."""
    started_by_ci = Server.from_env()
    if started_by_ci is not None:
        yield started_by_ci
        return
    if throwaway_postgres.bindir() is None:
        pytest.skip("no PostgreSQL: PERSONAX_TEST_POSTGRES_HOST is unset (.ci/run sets it) and no server binaries "
                    "were found (/usr/lib/postgresql/*/bin or PERSONAX_PG_BINDIR; Debian package `postgresql`)")
    # Not under pytest's tmp dir: that is private to root, and the server runs as `postgres` when we are root.
    base = Path(tempfile.mkdtemp(prefix="personax-pg-"))
    try:
        yield throwaway_postgres.start(base)
    finally:
        throwaway_postgres.stop(base)
        shutil.rmtree(base, ignore_errors=True)


def connect(server: Server, db: str):
    return psycopg2.connect(host=server.host, port=server.port, user=server.user, password=server.password,
                            dbname=db)


@pytest.fixture(scope="module")
def deploy_db(postgres_server: Server) -> Iterator[str]:
    """A fresh database per test module, so that what the tests find in it is exactly what they did."""
    name = f"personax_test_{secrets.token_hex(4)}"
    admin = connect(postgres_server, postgres_server.db)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture(scope="module")
def deploy_instance(postgres_server: Server, deploy_db: str,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[dg.DagsterInstance]:
    """A DagsterInstance loaded the way the deployment loads it: DAGSTER_HOME holding deploy/dagster.yaml itself
    (a symlink, not a copy), connection settings from the environment as docker-compose passes them."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").symlink_to(DEPLOY_INSTANCE_FILE)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "DAGSTER_HOME": str(home),
            "DAGSTER_POSTGRES_HOST": postgres_server.host, "DAGSTER_POSTGRES_PORT": str(postgres_server.port),
            "POSTGRES_USER": postgres_server.user, "POSTGRES_PASSWORD": postgres_server.password,
            "POSTGRES_DB": deploy_db,
        }.items():
            patch.setenv(name, value)
        with dg.DagsterInstance.get() as instance:
            yield instance
