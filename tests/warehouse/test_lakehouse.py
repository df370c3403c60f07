"""The lake + catalog storage: partition replacement, typed schemas, and a catalog that never blocks a write."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from personax_platform.bios import schema
from personax_platform.warehouse import Lakehouse, TableRef
from tests.helpers import holding_catalog

PEOPLE = TableRef("demo", "people")


def _lake(dirs) -> Lakehouse:
    return Lakehouse(dirs["lake_dir"], dirs["catalog_path"], lock_wait_s=0.5)


def test_rewriting_a_partition_replaces_exactly_its_rows(warehouse_dirs):
    lake = _lake(warehouse_dirs)
    lake.write_partition(PEOPLE, "nba", pd.DataFrame({"league": ["nba"] * 3, "x": [1, 2, 3]}))
    lake.write_partition(PEOPLE, "nfl", pd.DataFrame({"league": ["nfl"] * 2, "x": [4, 5]}))
    lake.write_partition(PEOPLE, "nba", pd.DataFrame({"league": ["nba"], "x": [9]}))
    counts = lake.query("SELECT league, count(*) AS n, sum(x) AS s FROM demo.people GROUP BY 1 ORDER BY 1")
    assert counts.to_dict("records") == [{"league": "nba", "n": 1, "s": 9}, {"league": "nfl", "n": 2, "s": 9}]


def test_writing_the_same_partition_twice_is_idempotent(warehouse_dirs):
    lake = _lake(warehouse_dirs)
    frame = pd.DataFrame({"league": ["nba"] * 3, "x": [1, 2, 3]})
    lake.write_partition(PEOPLE, "nba", frame)
    lake.write_partition(PEOPLE, "nba", frame)
    pd.testing.assert_frame_equal(lake.read_partitions(PEOPLE, ["nba"]), lake.read_partitions(PEOPLE, ["nba"]))
    assert len(lake.read_partitions(PEOPLE, ["nba"])) == 3


def test_catalog_file_exposes_tables_as_schema_dot_table_views(warehouse_dirs):
    lake = _lake(warehouse_dirs)
    lake.write_partition(PEOPLE, "nba", pd.DataFrame({"league": ["nba"], "x": [1]}))
    assert lake.sync_catalog().synced
    with duckdb.connect(str(warehouse_dirs["catalog_path"]), read_only=True) as con:
        assert con.execute("SELECT x FROM demo.people").fetchall() == [(1,)]


def test_writes_succeed_while_another_process_holds_the_catalog_and_views_catch_up_later(warehouse_dirs):
    lake = _lake(warehouse_dirs)
    lake.write_partition(PEOPLE, "nba", pd.DataFrame({"league": ["nba"], "x": [1]}))
    lake.sync_catalog()
    with holding_catalog(warehouse_dirs["catalog_path"]):  # read-write: the worst case for DuckDB's file lock
        lake.write_partition(PEOPLE, "nfl", pd.DataFrame({"league": ["nfl"], "x": [2]}))
        outcome = lake.sync_catalog()
        assert not outcome.synced and "held by another process" in outcome.error
        assert len(lake.query("SELECT * FROM demo.people")) == 2  # in-memory SQL needs no lock
    assert lake.sync_catalog().synced
    with duckdb.connect(str(warehouse_dirs["catalog_path"]), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM demo.people").fetchone() == (2,)


def test_registered_table_types_hold_even_for_all_null_columns(warehouse_dirs):
    lake = _lake(warehouse_dirs)
    ref = TableRef("bios", "rejected_bios")
    empty = pd.DataFrame(columns=schema.REJECTED_BIOS.names)
    lake.write_partition(ref, "nba", empty)
    assert lake.read_partitions(ref, ["nba"]).empty
    described = lake.query("DESCRIBE bios.rejected_bios").set_index("column_name")["column_type"]
    assert described["source_line"] == "BIGINT" and described["rejected_at"] == "TIMESTAMP WITH TIME ZONE"


def test_a_frame_with_columns_off_contract_is_refused_with_their_names(warehouse_dirs):
    lake = _lake(warehouse_dirs)
    frame = pd.DataFrame(columns=[*schema.REJECTED_BIOS.names, "surprise"])
    with pytest.raises(ValueError, match=r"extra \['surprise'\]"):
        lake.write_partition(TableRef("bios", "rejected_bios"), "nba", frame)


def test_reading_a_partition_that_was_never_written_names_it(warehouse_dirs):
    with pytest.raises(FileNotFoundError, match="nhl.parquet"):
        _lake(warehouse_dirs).read_partitions(PEOPLE, ["nhl"])


def test_partition_keys_that_could_escape_the_table_folder_are_refused(warehouse_dirs):
    with pytest.raises(ValueError, match="cannot be used as a file name"):
        _lake(warehouse_dirs).partition_key(PEOPLE, "../../etc")


def test_a_polars_frame_is_stored_with_the_registered_schema_whatever_its_column_order(warehouse_dirs):
    import polars as pl

    lake = _lake(warehouse_dirs)
    frame = pl.from_arrow(schema.BIOS.empty_table())
    lake.write_partition(TableRef("bios", "bios"), "nba", frame.select(list(reversed(frame.columns))))
    assert lake.read_arrow(TableRef("bios", "bios"), ["nba"]).schema.equals(schema.BIOS)


def test_a_polars_frame_missing_a_registered_column_is_refused_naming_it(warehouse_dirs):
    import polars as pl

    frame = pl.from_arrow(schema.BIOS.empty_table()).drop("person_id")
    with pytest.raises(ValueError, match=r"bios\.bios: .*missing \['person_id'\]"):
        _lake(warehouse_dirs).write_partition(TableRef("bios", "bios"), "nba", frame)
