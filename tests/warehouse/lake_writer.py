"""A separate process that writes one partition of a lake, for tests that kill a writer mid-upload:
`python -m tests.warehouse.lake_writer LAKE_URL CATALOG_PATH VERSION MEBIBYTES`. The lake's credentials and endpoint
come from the environment, as in a run."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl

from personax_platform.warehouse.lakehouse import Lakehouse, TableRef

BLOBS = TableRef("demo", "blobs")  # no registered schema: the frame's own columns are stored
PARTITION = "p1"
BLOB_BYTES = 64 * 1024


def blobs(version: int, mebibytes: int) -> pl.DataFrame:
    """`mebibytes` of random bytes (Parquet cannot shrink them), every row tagged with `version`."""
    rows = mebibytes * 1024 * 1024 // BLOB_BYTES
    rng = np.random.default_rng(version)
    return pl.DataFrame({"version": [version] * rows,
                         "blob": [rng.bytes(BLOB_BYTES) for _ in range(rows)]})


if __name__ == "__main__":
    lake_url, catalog_path, version, mebibytes = sys.argv[1:]
    Lakehouse(lake_url, Path(catalog_path)).write_partition(BLOBS, PARTITION, blobs(int(version), int(mebibytes)))
