"""Lake throughput: write and read full-size partitions on local disk and on a loopback object store, side by side.

Two partitions, the platform's real shapes: the celebrities' `bios.bios` partition of the seeded full-size cohort
(9,444 people) and the largest the platform writes, their `embeddings.text_embeddings` partition (9,444 people × 3
models × 384 float32, random unit vectors from a fixed seed; 1% of the rows without a description, as failed calls
leave them). Each goes to two lakes: a folder under a temporary directory, and `s3://bench/lake` on a moto S3 server
on 127.0.0.1, in a process of its own so that its CPU work does not share this process's GIL.

moto is a Python server that keeps objects in memory: the object store figures measure the platform's client path
(obstore, DuckDB's httpfs) and the S3 protocol's overhead on loopback, not a production store's bandwidth or latency.

Per partition and lake, in interleaved rounds after a warm-up round (best and median printed): `write_partition`
(Parquet encoding and the one-request put), `read_frame` (get and decode into polars), opening a DuckDB session
alone (`Lakehouse.connect`: the views created, no query; on the object store that includes loading httpfs and
listing the bucket), and `query`, a DuckDB aggregate over the table's view in a fresh session, as `Lakehouse.query`
opens one each time. The session is timed alone to tell its fixed cost from the reading. MB/s is the Parquet
object's size over the operation's seconds, whatever share of it the operation reads. The partitions read back and
the aggregates are compared between the two lakes; a difference fails the run.

    .venv/bin/python -m benchmarks.lake_throughput [--rounds 5]

Writes benchmarks/results/lake_throughput.json.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from benchmarks.support import MODEL_NAMES, REPO_ROOT, Stopwatch, full_cohort_bios, machine, write_result
from personax_platform.text_embeddings.minilm import MODEL_ID
from personax_platform.warehouse.lakehouse import Lakehouse, TableRef
from personax_platform.warehouse.tables import arrow_schema_for

LEAGUE = "celebrities"
BUCKET = "bench"
LAKES = ("local", "s3")
LABELS = {"local": "local disk", "s3": "s3 (moto)", "write": "write_partition", "read": "read_frame",
          "session": "open a DuckDB session (no query)", "query": "query: aggregate over the view"}
OPERATIONS = ("write", "read", "session", "query")
MOVES_DATA = ("write", "read", "query")  # a session only opens: its MB/s and rows/s would mean nothing
DIMENSION = 384
NO_DESCRIPTION_SHARE = 0.01
SEED = 20


@dataclass(frozen=True)
class Partition:
    ref: TableRef
    key: str
    frame: pl.DataFrame
    aggregate: str  # SQL over the table's view, touching the columns a reader of the table would

    @property
    def name(self) -> str:
        return f"{self.ref}[{self.key}]"


def bios_partition(workdir: Path) -> Partition:
    bios = full_cohort_bios(workdir)[LEAGUE]
    return Partition(TableRef("bios", "bios"), LEAGUE, bios,
                     "SELECT count(*), count(DISTINCT person_id), avg(height_cm), min(birth_date), max(birth_date), "
                     "sum(length(description)) FROM bios.bios")


def text_embeddings_partition(bios: pl.DataFrame) -> Partition:
    """One row per person × model for the partition's people, shaped as the text_embeddings asset writes them."""
    rng = np.random.default_rng(SEED)
    people = bios.select("person_id", "dataset", "league").sort("person_id")
    rows = people.join(pl.DataFrame({"model": list(MODEL_NAMES)}), how="cross")
    vectors = rng.standard_normal((len(rows), DIMENSION), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    no_description = rng.random(len(rows)) < NO_DESCRIPTION_SHARE
    embedding = pa.ListArray.from_arrays(np.arange(len(rows) + 1, dtype=np.int32) * DIMENSION, vectors.ravel(),
                                         mask=pa.array(no_description))
    frame = rows.with_columns(
        prompt_sha=pl.lit(hashlib.sha256(b"benchmark prompt").hexdigest()), encoder_id=pl.lit(MODEL_ID),
        space=pl.lit(MODEL_ID), dimension=pl.lit(DIMENSION, pl.Int32),
        status=pl.Series(np.where(no_description, "no_description", "ok")),
        embedding=pl.from_arrow(embedding), embedded_at=pl.lit(datetime(2026, 12, 6, tzinfo=timezone.utc)))
    ref = TableRef("embeddings", "text_embeddings")
    # The sum of squared norms reads every float: it equals the number of embedded rows. Not list_dot_product:
    # DuckDB 1.5 rejects it on a Parquet list column holding null lists, even where they are filtered out.
    return Partition(ref, LEAGUE, frame.select(arrow_schema_for(str(ref)).names),
                     "SELECT count(*), count(DISTINCT person_id), count(embedding), "
                     "sum(list_sum(list_transform(embedding, x -> x * x))) FROM embeddings.text_embeddings")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 server in its own process; yields its endpoint URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(port, proc)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_until_up(port: int, proc: subprocess.Popen, timeout_s: float = 30.0) -> None:
    """Until the server accepts connections: it listens only once its (slow) imports are done."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"moto server on port {port} did not listen within {timeout_s:.0f} s")


@contextmanager
def s3_environment(endpoint: str) -> Iterator[None]:
    """The variables obstore and DuckDB's secret read, pointing at the loopback server; restored afterwards."""
    settings = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true"}
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def lakes(workdir: Path, endpoint: str) -> dict[str, Lakehouse]:
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    return {"local": Lakehouse(workdir / "lake", workdir / "local.duckdb"),
            "s3": Lakehouse(f"s3://{BUCKET}/lake", workdir / "s3.duckdb")}


def operations(lake: Lakehouse, part: Partition) -> dict[str, Callable[[], object]]:
    return {"write": lambda: lake.write_partition(part.ref, part.key, part.frame),
            "read": lambda: lake.read_frame(part.ref, [part.key]),
            "session": lambda: lake.connect().close(),
            "query": lambda: lake.query(part.aggregate)}


def measure(lake_by_name: dict[str, Lakehouse], part: Partition, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Seconds per lake and operation; the lakes alternate within a round so that load from other work hits both."""
    seconds: dict[str, dict[str, list[float]]] = {name: {op: [] for op in OPERATIONS} for name in LAKES}
    for round_ in range(rounds + 1):
        for name in LAKES:
            for op, run in operations(lake_by_name[name], part).items():
                with Stopwatch() as watch:
                    run()
                if round_:  # round 0 warms up: imports, httpfs, the first connection
                    seconds[name][op].append(watch.seconds)
    return seconds


def compare(lake_by_name: dict[str, Lakehouse], part: Partition) -> dict[str, bool]:
    """The partition read back from each lake equals the other and what was written; the aggregates agree."""
    local, s3 = (lake_by_name[name] for name in LAKES)
    written = part.frame.to_arrow().cast(arrow_schema_for(str(part.ref)))
    read_local, read_s3 = (lake.read_arrow(part.ref, [part.key]) for lake in (local, s3))
    aggregates = [lake.query(part.aggregate) for lake in (local, s3)]
    return {"data": read_local.equals(read_s3) and read_local.equals(written),
            # DuckDB may sum floats in another order from one session to the next: equal to rounding.
            "aggregate": _frames_close(*aggregates)}


def _frames_close(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9)
    except AssertionError:
        return False
    return True


def summarise(part: Partition, lake: Lakehouse, seconds: dict[str, dict[str, list[float]]]) -> dict[str, object]:
    size = lake.store.info(lake.partition_key(part.ref, part.key)).size
    rows = len(part.frame)
    stats = {name: {op: {"best_s": min(times), "median_s": statistics.median(times)}
                    | ({"mb_per_s": size / 1e6 / min(times), "rows_per_s": rows / min(times)} if op in MOVES_DATA
                       else {})
                    for op, times in by_op.items()}
             for name, by_op in seconds.items()}
    ratios = {op: {"best": stats["s3"][op]["best_s"] / stats["local"][op]["best_s"],
                   "median": stats["s3"][op]["median_s"] / stats["local"][op]["median_s"]} for op in OPERATIONS}
    return {"rows": rows, "object_bytes": size, "lakes": stats, "s3_over_local_seconds": ratios}


def print_table(summaries: dict[str, dict], same: dict[str, dict[str, bool]]) -> None:
    print(f"{'partition / operation':<36}{'lake':<12}{'best s':>8}{'median s':>10}{'MB/s':>8}{'rows/s':>10}"
          f"{'s3/local':>10}")
    for name, summary in summaries.items():
        print(f"{name}: {summary['rows']} rows, Parquet object {summary['object_bytes'] / 1e6:.2f} MB")
        for op in OPERATIONS:
            for lake in LAKES:
                figures = summary["lakes"][lake][op]
                ratio = f"{summary['s3_over_local_seconds'][op]['best']:>10.2f}" if lake == "s3" else ""
                rates = (f"{figures['mb_per_s']:>8.1f}{figures['rows_per_s']:>10.0f}" if op in MOVES_DATA
                         else f"{'—':>8}{'—':>10}")
                print(f"  {LABELS[op] if lake == 'local' else '':<34}{LABELS[lake]:<12}{figures['best_s']:>8.3f}"
                      f"{figures['median_s']:>10.3f}{rates}{ratio}")
        print(f"  identical between the lakes: data {same[name]['data']}, aggregate {same[name]['aggregate']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work, moto_server() as endpoint, s3_environment(endpoint):
        workdir = Path(work)
        bios = bios_partition(workdir)
        parts = [bios, text_embeddings_partition(bios.frame)]
        lake_by_name = lakes(workdir, endpoint)
        summaries, same = {}, {}
        for part in parts:
            seconds = measure(lake_by_name, part, args.rounds)
            summaries[part.name] = summarise(part, lake_by_name["local"], seconds)
            same[part.name] = compare(lake_by_name, part)

    info = machine()
    print(f"lake throughput: local disk against s3://{BUCKET}/lake on a loopback moto server (own process), "
          f"{info['cpus']} CPUs, load {info['load_avg_1m']:.1f}; best and median of {args.rounds} interleaved rounds "
          f"after a warm-up")
    print("moto is a Python server keeping objects in memory: the s3 rows measure the platform's client path and the "
          "protocol's overhead, not a production store's bandwidth; MB/s = Parquet object size / seconds")
    print_table(summaries, same)
    identical = all(all(flags.values()) for flags in same.values())
    figures = {"rounds": args.rounds, "object_store": "moto S3 server on 127.0.0.1 (own process)",
               "partitions": {name: {"rows": s["rows"], "object_bytes": s["object_bytes"], "s3": s["lakes"]["s3"],
                                     "s3_over_local_seconds": s["s3_over_local_seconds"]}
                              for name, s in summaries.items()},
               "identical": same}
    baselines = {"local": {name: s["lakes"]["local"] for name, s in summaries.items()}}
    print(f"wrote {write_result('lake_throughput', figures, baselines).relative_to(REPO_ROOT)}")
    if not identical:
        raise SystemExit(f"the lakes' partitions or aggregates differ: {same}")


if __name__ == "__main__":
    main()
