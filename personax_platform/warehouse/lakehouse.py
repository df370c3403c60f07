"""Partitioned tables stored as one Parquet file per partition, catalogued as views in a DuckDB file.

Why not write straight into the DuckDB file: DuckDB lets one process hold the file at a time, so a data engineer's open
connection (even read-only) or a second partition run would make every write fail. Here runs never open the catalog
to write data: each partition is written as its own Parquet object (one atomic put, so a reader or a crash never sees
half a partition) and re-materialising a partition replaces exactly that object. The objects live in a local folder
or in a bucket (store.py); the DuckDB catalog's views read them where they lie. The DuckDB file only holds
`CREATE VIEW` statements, refreshed opportunistically; if an engineer holds it, the refresh is skipped and retried by
the next write or by `python -m personax_platform.warehouse sync`.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from personax_platform.arrow_pandas import to_pandas
from personax_platform.warehouse import remote_duckdb
from personax_platform.warehouse.store import LakeLocation, LakeStore
from personax_platform.warehouse.tables import arrow_schema_for

UNPARTITIONED = "__all__"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class TableRef:
    schema: str
    table: str

    def __post_init__(self) -> None:
        for part in (self.schema, self.table):
            if not re.fullmatch(r"[a-z][a-z0-9_]*", part):
                raise ValueError(f"table name part '{part}' must be lower snake_case")

    def __str__(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass(frozen=True)
class CatalogSync:
    """Outcome of refreshing the DuckDB views; `error` says why it was skipped."""

    synced: bool
    error: str | None = None


class Lakehouse:
    """`lake`: a folder, or `s3://bucket/prefix` (`gs://` too) of an object store."""

    def __init__(self, lake: str | Path, catalog_path: Path, lock_wait_s: float = 5.0) -> None:
        self.location = LakeLocation.parse(lake)
        self.store = LakeStore(self.location)
        self.catalog_path = Path(catalog_path).resolve()
        self.lock_wait_s = lock_wait_s

    # -- objects -----------------------------------------------------------------------------------------------
    def partition_key(self, ref: TableRef, partition: str | None) -> str:
        key = UNPARTITIONED if partition is None else partition
        if not _SAFE_NAME.fullmatch(key):
            raise ValueError(f"partition key '{key}' of {ref} cannot be used as a file name")
        return f"{ref.schema}/{ref.table}/{key}.parquet"

    def partition_url(self, ref: TableRef, partition: str | None) -> str:
        return self.location.url_of(self.partition_key(ref, partition))

    def write_partition(self, ref: TableRef, partition: str | None, df: pl.DataFrame | pd.DataFrame) -> str:
        """Atomically replace one partition of a table with `df` (typed by the table's registered schema); returns
        where it lies."""
        key = self.partition_key(ref, partition)
        sink = pa.BufferOutputStream()
        pq.write_table(_to_arrow(ref, df), sink)
        self.store.put(key, sink.getvalue().to_pybytes())
        return self.location.url_of(key)

    def read_arrow(self, ref: TableRef, partitions: Sequence[str | None]) -> pa.Table:
        tables, missing = [], []
        for key in (self.partition_key(ref, p) for p in partitions):
            try:
                tables.append(pq.read_table(pa.BufferReader(pa.py_buffer(self.store.get(key)))))
            except FileNotFoundError:
                missing.append(self.location.url_of(key))
        if missing:
            raise FileNotFoundError(f"{ref}: partition file(s) not materialized yet: {missing}")
        return _concat(tables)

    def read_frame(self, ref: TableRef, partitions: Sequence[str | None]) -> pl.DataFrame:
        """The partitions as one polars frame: the domain library's frame engine."""
        return pl.from_arrow(self.read_arrow(ref, partitions))

    def read_partitions(self, ref: TableRef, partitions: Sequence[str | None]) -> pd.DataFrame:
        """The partitions as pandas, for the libraries that need it (causal-learn, scikit-learn, GX, matplotlib)."""
        return to_pandas(self.read_arrow(ref, partitions))

    def partitions(self, ref: TableRef) -> list[str]:
        prefix = f"{ref.schema}/{ref.table}/"
        return sorted(key.removeprefix(prefix).removesuffix(".parquet") for key in self._parquet_keys(prefix)
                      if "/" not in key.removeprefix(prefix))

    def tables(self) -> list[TableRef]:
        names = sorted({tuple(key.split("/")[:2]) for key in self._parquet_keys("") if key.count("/") == 2})
        return [TableRef(schema, table) for schema, table in names]

    def _parquet_keys(self, prefix: str) -> list[str]:
        # Only whole objects named *.parquet: a local store's staging files (`x.parquet#1`) are not partitions.
        return [info.key for info in self.store.list(prefix) if info.key.endswith(".parquet")]

    # -- SQL ---------------------------------------------------------------------------------------------------
    def view_sql(self, ref: TableRef) -> str:
        glob = self.location.url_of(f"{ref.schema}/{ref.table}/*.parquet").replace("'", "''")
        return (
            f"CREATE OR REPLACE VIEW {ref.schema}.{ref.table} AS "
            f"SELECT * FROM read_parquet('{glob}', union_by_name = true)"
        )

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB session with every table as a view: never touches the catalog file's lock."""
        con = duckdb.connect()
        remote_duckdb.prepare(con, self.location)
        self._create_views(con, self.tables())
        return con

    def query(self, sql: str, params: Iterable | None = None) -> pd.DataFrame:
        with self.connect() as con:
            return con.execute(sql, params).df()

    def sync_catalog(self) -> CatalogSync:
        """Refresh the views in the DuckDB catalog file; skipped (not failed) while someone else holds the file, or
        when DuckDB cannot read the lake where it lies (e.g. a pod that has only a role, no keys, for the bucket):
        the data is already safe in the lake, and a later sync with access catches up."""
        self.catalog_path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_wait_s
        while True:
            try:
                con = duckdb.connect(str(self.catalog_path))
                break
            except duckdb.IOException as exc:
                if time.monotonic() >= deadline:
                    return CatalogSync(False, f"catalog {self.catalog_path} is held by another process: {exc}")
                time.sleep(0.2)
        with con:
            try:
                remote_duckdb.prepare(con, self.location)  # a temporary secret: never stored in the catalog file
                self._create_views(con, self.tables())
            except (duckdb.Error, RuntimeError) as exc:  # RuntimeError: the httpfs package is missing
                return CatalogSync(False, f"views over {self.location} not refreshed: {exc}")
        return CatalogSync(True)

    def _create_views(self, con: duckdb.DuckDBPyConnection, refs: Iterable[TableRef]) -> None:
        for ref in refs:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ref.schema}")
            con.execute(self.view_sql(ref))


def _to_arrow(ref: TableRef, df: pl.DataFrame | pd.DataFrame) -> pa.Table:
    schema = arrow_schema_for(str(ref))
    if schema is not None:
        extra = sorted(set(df.columns) - set(schema.names))
        missing = sorted(set(schema.names) - set(df.columns))
        if extra or missing:
            raise ValueError(f"{ref}: columns differ from the registered schema (extra {extra}, missing {missing})")
    if isinstance(df, pl.DataFrame):
        table = df.to_arrow() if schema is None else df.select(schema.names).to_arrow()
        # polars writes large_string/large_list; the registered schema decides the lake's types either way.
        return table if schema is None else table.cast(schema)
    if schema is None:
        return pa.Table.from_pandas(df, preserve_index=False)
    return pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False)


def _concat(tables: list[pa.Table]) -> pa.Table:
    if not tables:
        raise ValueError("no partitions requested")
    return pa.concat_tables(tables, promote_options="default")

