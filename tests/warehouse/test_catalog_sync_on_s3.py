"""The catalog refresh after a write never fails the write: when DuckDB cannot read the bucket (a pod with a role but
no keys, a store that is down), the refresh is skipped with the reason and the partition stays safe in the lake."""
from __future__ import annotations

import polars as pl

from personax_platform.warehouse import Lakehouse, TableRef

PEOPLE = TableRef("demo", "people")


def test_a_catalog_refresh_that_cannot_read_the_bucket_is_skipped_not_failed(s3_lake, monkeypatch):
    lake = Lakehouse(s3_lake.url, s3_lake.catalog_path)
    lake.write_partition(PEOPLE, "nba", pl.DataFrame({"x": [1, 2]}))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # DuckDB's secret now points where nothing listens
    sync = lake.sync_catalog()
    assert not sync.synced and sync.error.startswith(f"views over {s3_lake.url} not refreshed:")
    assert lake.read_frame(PEOPLE, ["nba"])["x"].to_list() == [1, 2]  # the lake itself is untouched
