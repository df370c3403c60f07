"""A DuckDB session that reads the lake where it lies: on an object store, through the `httpfs` extension shipped
on PyPI (`duckdb-extension-httpfs`, installed with the platform: DuckDB's own download needs the internet) and a
temporary secret.

The secret is created from the environment when a session opens (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL; for gs://, GCS_HMAC_KEY_ID and GCS_HMAC_SECRET). It is TEMPORARY:
it lives in the session's memory, never in the catalog file, and it is never logged.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import duckdb

from personax_platform.warehouse.store import LakeLocation


def httpfs_extension() -> Path:
    """The httpfs build for this DuckDB version, from the `duckdb-extension-httpfs` package."""
    try:
        import duckdb_extension_httpfs
    except ImportError:
        raise RuntimeError("reading a lake on an object store needs the duckdb-extension-httpfs package "
                           f"(version {duckdb.__version__}, like duckdb; see pyproject.toml)") from None
    path = Path(duckdb_extension_httpfs.__file__).parent / "extensions" / f"v{duckdb.__version__}" / \
        "httpfs.duckdb_extension"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: duckdb-extension-httpfs must have duckdb's version "
                           f"({duckdb.__version__})")
    return path


def prepare(con: duckdb.DuckDBPyConnection, location: LakeLocation) -> None:
    """Let `con` read `location`'s objects: nothing to do for a local folder."""
    if location.is_local:
        return
    con.execute(f"LOAD '{_quoted(httpfs_extension().as_posix())}'")
    con.execute(_secret_sql(location))


def _secret_sql(location: LakeLocation) -> str:
    bucket = urlparse(location.url).netloc
    scope = f"{location.scheme}://{bucket}/"  # DuckDB matches scopes as prefixes: without '/', s3://lake-2 too
    if location.scheme == "gs":
        options = {"TYPE": "gcs", "KEY_ID": os.environ.get("GCS_HMAC_KEY_ID"),
                   "SECRET": os.environ.get("GCS_HMAC_SECRET")}
    else:
        options = {"TYPE": "s3", "KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID"),
                   "SECRET": os.environ.get("AWS_SECRET_ACCESS_KEY"),
                   "SESSION_TOKEN": os.environ.get("AWS_SESSION_TOKEN"),
                   "REGION": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")}
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:  # an S3-compatible store (MinIO, R2, a test server): path-style URLs
            parsed = urlparse(endpoint)
            options |= {"ENDPOINT": parsed.netloc or parsed.path, "URL_STYLE": "path",
                        "USE_SSL": "true" if parsed.scheme != "http" else "false"}
    body = ", ".join(f"{name} {value}" if name in ("TYPE", "USE_SSL") else f"{name} '{_quoted(value)}'"
                     for name, value in options.items() if value)
    return f"CREATE OR REPLACE TEMPORARY SECRET personax_lake ({body}, SCOPE '{_quoted(scope)}')"


def _quoted(text: str) -> str:
    return text.replace("'", "''")
