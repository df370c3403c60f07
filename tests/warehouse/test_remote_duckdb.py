"""A DuckDB session reads a lake on an object store through a TEMPORARY secret built from the environment: held in
the session's memory only, scoped to the lake's bucket, path-style and without TLS for an http endpoint.

The SQL holds the credentials by nature, so only its structure is checked here; tests/pipeline/test_lake_credentials.py
shows that they are never written or logged."""
from __future__ import annotations

import duckdb
import pytest

from personax_platform.warehouse import remote_duckdb
from personax_platform.warehouse.store import LakeLocation
from tests.warehouse.s3_server import AMBIENT_AWS_VARIABLES

LAKE = LakeLocation.parse("s3://lake/personax")


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Only the variables a test sets: key, secret and region, no endpoint (AWS itself)."""
    for name in (*AMBIENT_AWS_VARIABLES, "AWS_ENDPOINT_URL", "GCS_HMAC_KEY_ID", "GCS_HMAC_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    return monkeypatch


def _secrets(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT name, type, persistent, storage, scope FROM duckdb_secrets()").fetchall()


def test_the_secret_is_temporary_and_scoped_to_the_lake_bucket():
    sql = remote_duckdb._secret_sql(LAKE)
    assert sql.startswith("CREATE OR REPLACE TEMPORARY SECRET personax_lake (TYPE s3, ")
    assert sql.endswith(", SCOPE 's3://lake/')")
    with duckdb.connect() as con:
        remote_duckdb.prepare(con, LAKE)
        assert _secrets(con) == [("personax_lake", "s3", False, "memory", ["s3://lake/"])]
        assert con.execute("FROM which_secret('s3://lake/personax/bios/bios/nba.parquet', 's3')").fetchall()
        assert not con.execute("FROM which_secret('s3://lake-archive/x.parquet', 's3')").fetchall()


def test_an_http_endpoint_gets_path_style_urls_without_tls(aws_environment):
    aws_environment.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    sql = remote_duckdb._secret_sql(LAKE)
    assert "ENDPOINT '127.0.0.1:9000'" in sql and "URL_STYLE 'path'" in sql and "USE_SSL false" in sql


def test_an_https_endpoint_gets_path_style_urls_over_tls(aws_environment):
    aws_environment.setenv("AWS_ENDPOINT_URL", "https://minio.example.org")
    sql = remote_duckdb._secret_sql(LAKE)
    assert "ENDPOINT 'minio.example.org'" in sql and "URL_STYLE 'path'" in sql and "USE_SSL true" in sql


def test_without_an_endpoint_duckdb_addresses_aws_itself():
    sql = remote_duckdb._secret_sql(LAKE)
    assert "ENDPOINT" not in sql and "URL_STYLE" not in sql and "USE_SSL" not in sql
    assert "REGION 'eu-west-1'" in sql and "SESSION_TOKEN" not in sql  # unset variables are left out


def test_a_quote_in_a_credential_cannot_break_out_of_the_statement(aws_environment):
    aws_environment.setenv("AWS_ACCESS_KEY_ID", "key'); DROP TABLE x; --")
    with duckdb.connect() as con:
        remote_duckdb.prepare(con, LAKE)
        assert _secrets(con) == [("personax_lake", "s3", False, "memory", ["s3://lake/"])]


def test_a_gcs_lake_gets_an_hmac_secret_scoped_to_its_bucket(aws_environment):
    aws_environment.setenv("GCS_HMAC_KEY_ID", "hmac-id")
    aws_environment.setenv("GCS_HMAC_SECRET", "hmac-secret")
    sql = remote_duckdb._secret_sql(LakeLocation.parse("gs://lake/personax"))
    assert "TYPE gcs" in sql and sql.endswith(", SCOPE 'gs://lake/')") and "AWS" not in sql


def test_a_local_lake_needs_no_secret(tmp_path):
    with duckdb.connect() as con:
        remote_duckdb.prepare(con, LakeLocation.parse(tmp_path))
        assert _secrets(con) == []
