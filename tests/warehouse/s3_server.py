"""A real S3 API on loopback for tests: moto's S3 server, which the platform's own clients (obstore for objects,
DuckDB's httpfs for the catalog's views) reach over HTTP exactly as they would reach a bucket of a cloud store."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.client import BaseClient
from moto.server import ThreadedMotoServer

# What the platform's clients would otherwise pick up from a developer's machine (profiles, tokens, a region):
# a test's credentials are exactly the ones it sets.
AMBIENT_AWS_VARIABLES = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
                         "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                         "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE")


@dataclass(frozen=True)
class S3Lake:
    """A fresh bucket on the loopback server, the lake's URL in it, and the credentials the test runs with (unique
    per test, so that any trace of them elsewhere is found by a plain search)."""

    endpoint: str
    bucket: str
    url: str
    catalog_path: Path
    access_key_id: str
    secret_access_key: str

    def environment(self, endpoint: str | None = None) -> dict[str, str]:
        """The variables obstore and remote_duckdb read; `endpoint` routes a client elsewhere (a proxy)."""
        return {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
                "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint or self.endpoint, "AWS_ALLOW_HTTP": "true"}

    def objects(self) -> dict[str, bytes]:
        """Every object in the bucket by its full key, read by a client other than the platform's."""
        s3 = _client(self)
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return {key: s3.get_object(Bucket=self.bucket, Key=key)["Body"].read() for key in keys}


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """A running server's endpoint URL. Its per-request access log is silenced: hundreds of lines per test."""
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug_log.setLevel(level)


def new_lake(endpoint: str, catalog_path: Path) -> S3Lake:
    """A new bucket with a lake under the `personax` prefix, and fresh credentials (moto accepts any)."""
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    lake = S3Lake(endpoint=endpoint, bucket=bucket, url=f"s3://{bucket}/personax", catalog_path=catalog_path,
                  access_key_id=f"AKIACANARY{uuid.uuid4().hex[:10].upper()}",
                  secret_access_key=f"canary-secret-{uuid.uuid4().hex}")
    _client(lake).create_bucket(Bucket=lake.bucket)
    return lake


def _client(lake: S3Lake) -> BaseClient:
    return boto3.client("s3", endpoint_url=lake.endpoint, region_name="us-east-1",
                        aws_access_key_id=lake.access_key_id, aws_secret_access_key=lake.secret_access_key)
