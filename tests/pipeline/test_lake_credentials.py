"""The object store's credentials stay in the process environment: after runs (a failing one too) on a lake in a bucket,
with a real on-disk Dagster instance, neither the bucket's objects, the DuckDB catalog file, the instance's files
(run and event log storage, compute logs) nor anything printed or logged contains them.

The credentials are canaries unique to the test (the s3_lake fixture's), so a plain search finds any copy."""
from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets import traits
from tests.pipeline.resources import on_object_store
from tests.pipeline.traits_support import BIOS_ASSETS, llm_resources, materialize_traits
from tests.warehouse.s3_server import S3Lake


def _files_under(folder: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def _readable(objects: dict[str, bytes]) -> dict[str, bytes]:
    """The objects as stored, and their Parquet rows and metadata decoded: compression could hide a copy."""
    decoded = {f"{key} (decoded)": repr((table.to_pylist(), table.schema.metadata)).encode()
               for key, table in ((key, pq.read_table(pa.BufferReader(data))) for key, data in objects.items())}
    return objects | decoded


def _holding(places: dict[str, bytes], text: str) -> list[str]:
    return [place for place, content in places.items() if text.encode() in content]


def test_the_store_credentials_are_never_written_or_logged(warehouse_dirs, s3_lake: S3Lake, llm_setup, server,
                                                           tmp_path, monkeypatch, capfd,
                                                           caplog: pytest.LogCaptureFixture):
    # What libraries keep in the home directory (DuckDB's persistent secrets, caches) is searched too.
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    caplog.set_level(logging.DEBUG)
    resources = on_object_store(llm_resources(warehouse_dirs, *llm_setup), s3_lake.url, s3_lake.catalog_path)
    (tmp_path / "instance").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "instance")) as instance:
        assert materialize_traits(resources, league="pga", max_people=2, instance=instance).success
        # A run that fails on the lake (its input partition was never written) logs the error it got.
        assert not dg.materialize([*BIOS_ASSETS, traits.trait_texts], selection=[traits.TRAIT_TEXTS],
                                  partition_key="nba", resources=resources, instance=instance,
                                  raise_on_error=False).success
        assert len(resources["warehouse"].query("SELECT * FROM bios.bios")) > 0
    out, err = capfd.readouterr()
    places = {"stdout": out.encode(), "stderr": err.encode(), "log records": caplog.text.encode(),
              **_files_under(tmp_path), **_readable(s3_lake.objects())}

    # The search reaches what was written: the lake's address is in the catalog, the event logs, the compute logs
    # and the console output (the failed run's error names the missing object).
    naming_the_bucket = _holding(places, s3_lake.bucket)
    assert str(s3_lake.catalog_path) in naming_the_bucket and "stderr" in naming_the_bucket
    for kind in ("/history/runs/", "/compute_logs/"):
        assert any(kind in place for place in naming_the_bucket), f"no {kind} file names the bucket"
    for canary in (s3_lake.access_key_id, s3_lake.secret_access_key):
        assert _holding(places, canary) == []
