"""A writer killed with SIGKILL in the middle of uploading a partition to a real S3 API leaves no partial partition:
readers keep seeing the previous version whole, nothing else appears, and the next write goes through.

The writer is a separate Python process writing through the Lakehouse; a proxy on loopback between it and the server
forwards only part of the upload's body and holds the rest, so the kill lands mid-body every time."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlparse

from polars.testing import assert_frame_equal

from personax_platform.warehouse.lakehouse import Lakehouse
from tests.conftest import REPO_ROOT
from tests.warehouse.lake_writer import BLOBS, PARTITION, blobs
from tests.warehouse.s3_server import S3Lake
from tests.warehouse.stalling_proxy import StallingProxy

FORWARDED_BODY_BYTES = 1024 * 1024  # of a version 2 of 8 MiB
WRITER_START_S = 60  # the writer's imports, on a loaded machine


def _start_writer(lake: S3Lake, endpoint: str, version: int, mebibytes: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **lake.environment(endpoint), "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.warehouse.lake_writer", lake.url, str(lake.catalog_path),
                             str(version), str(mebibytes)], cwd=REPO_ROOT, env=env)


def test_a_writer_killed_mid_upload_leaves_the_previous_partition_whole(s3_lake):
    lake = Lakehouse(s3_lake.url, s3_lake.catalog_path)
    version_1 = blobs(1, mebibytes=1)
    lake.write_partition(BLOBS, PARTITION, version_1)
    objects_before = lake.store.list()

    server = urlparse(s3_lake.endpoint)
    with StallingProxy((server.hostname, server.port), body_bytes=FORWARDED_BODY_BYTES) as proxy:
        writer = _start_writer(s3_lake, proxy.endpoint, version=2, mebibytes=8)
        try:
            deadline = time.monotonic() + WRITER_START_S
            while not proxy.stalled.wait(0.05):
                assert writer.poll() is None, "the writer exited before its upload reached the proxy's hold"
                assert time.monotonic() < deadline, f"the writer never got {FORWARDED_BODY_BYTES} bytes out"
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        proxy.abort()  # the PUT's connection ends half-sent, as a dead client's does

    assert writer.returncode == -signal.SIGKILL
    assert proxy.content_length is not None and 0 < proxy.forwarded < proxy.content_length  # killed mid-body
    assert lake.store.list() == objects_before  # same objects, same e_tags: nothing partial appeared
    assert list(s3_lake.objects()) == [f"personax/{lake.partition_key(BLOBS, PARTITION)}"]  # nor elsewhere
    assert_frame_equal(lake.read_frame(BLOBS, [PARTITION]), version_1)  # parses: whole, valid Parquet

    version_3 = blobs(3, mebibytes=1)
    lake.write_partition(BLOBS, PARTITION, version_3)
    assert_frame_equal(lake.read_frame(BLOBS, [PARTITION]), version_3)
