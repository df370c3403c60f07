"""The pipeline with its lake in a bucket of a real S3 API (moto's server on loopback, reached over HTTP by obstore and
DuckDB's httpfs): the real bios and traits assets store one object per partition, read back what they stored,
re-materializing replaces exactly one object, and the DuckDB catalog file's views read the bucket."""
from __future__ import annotations

import dagster as dg
import duckdb
import polars as pl
from polars.testing import assert_frame_equal

from assets import bios, traits
from assets.partitions import league_partitions
from personax_platform.traits.constants import TRAITS
from personax_platform.warehouse import remote_duckdb
from personax_platform.warehouse.lakehouse import Lakehouse
from resources.warehouse import WarehouseIOManager, table_ref
from tests.pipeline.resources import on_object_store, pipeline_resources
from tests.pipeline.traits_support import BIOS_ASSETS, MODELS, llm_resources, materialize_traits, scripted_scores
from tests.warehouse.s3_server import S3Lake

LEAGUES = ("nba", "nhl")
BIOS_TABLES = (bios.RAW_BIOS, bios.BIOS, bios.REJECTED_BIOS)
TRAIT_TABLES = (traits.TRAIT_TEXTS, traits.TRAIT_SCORES, traits.AGGREGATED_TRAITS)


def _bios_on_s3(warehouse_dirs, lake: S3Lake) -> dict:
    return on_object_store(pipeline_resources(warehouse_dirs), lake.url, lake.catalog_path)


def _loaded_by_io_manager(resources: dict, key: dg.AssetKey, league: str) -> pl.DataFrame:
    """What a downstream asset whose input is annotated `pl.DataFrame` receives."""
    io_manager: WarehouseIOManager = resources["io_manager"]
    context = dg.build_input_context(asset_key=key, partition_key=league, asset_partitions_def=league_partitions,
                                     dagster_type=dg.PythonObjectDagsterType(pl.DataFrame))
    return io_manager.load_input(context)


def _lake(lake: S3Lake) -> Lakehouse:
    return Lakehouse(lake.url, lake.catalog_path)


def test_each_bios_partition_is_one_object_in_the_bucket_and_loads_back_as_materialized(warehouse_dirs, s3_lake):
    resources = _bios_on_s3(warehouse_dirs, s3_lake)
    results = {league: dg.materialize(BIOS_ASSETS, partition_key=league, resources=resources) for league in LEAGUES}

    assert set(s3_lake.objects()) == {f"personax/{key.to_user_string()}/{league}.parquet"
                                      for key in BIOS_TABLES for league in LEAGUES}
    for league, result in results.items():
        for key in BIOS_TABLES:
            assert_frame_equal(_loaded_by_io_manager(resources, key, league), result.asset_value(key))


def test_rematerializing_a_partition_replaces_exactly_its_object(warehouse_dirs, s3_lake):
    resources = _bios_on_s3(warehouse_dirs, s3_lake)
    for league in LEAGUES:
        assert dg.materialize(BIOS_ASSETS, partition_key=league, resources=resources).success
    store = _lake(s3_lake).store
    before = {info.key: info.e_tag for info in store.list()}

    assert dg.materialize([bios.raw_bios], partition_key="nba", resources=resources).success  # new loaded_at

    after = {info.key: info.e_tag for info in store.list()}
    assert after.keys() == before.keys()
    assert {key for key in after if after[key] != before[key]} == {"bios/raw_bios/nba.parquet"}
    assert all(store.info(key).e_tag == e_tag for key, e_tag in after.items())  # info agrees with the listing


def test_traits_are_inferred_from_bios_read_back_from_the_bucket(warehouse_dirs, s3_lake, llm_setup, server):
    resources = on_object_store(llm_resources(warehouse_dirs, *llm_setup), s3_lake.url, s3_lake.catalog_path)
    assert materialize_traits(resources, league="pga", max_people=3).success

    assert set(s3_lake.objects()) == {f"personax/{key.to_user_string()}/pga.parquet"
                                      for key in BIOS_TABLES + TRAIT_TABLES}
    lake = _lake(s3_lake)
    names = dict(lake.read_frame(table_ref(bios.BIOS), ["pga"]).select("person_id", "name").iter_rows())
    scores = lake.read_frame(table_ref(traits.TRAIT_SCORES), ["pga"])
    assert len(scores) == 3 * len(MODELS)
    for row in scores.iter_rows(named=True):  # the texts trait_scores parsed came back from the bucket whole
        assert {trait: row[trait] for trait in TRAITS} == scripted_scores(names[row["person_id"]], row["model"])


def test_the_catalog_file_views_read_the_bucket_from_a_fresh_duckdb_session(warehouse_dirs, s3_lake):
    resources = _bios_on_s3(warehouse_dirs, s3_lake)
    for league in LEAGUES:
        assert dg.materialize(BIOS_ASSETS, partition_key=league, resources=resources).success
    lake = _lake(s3_lake)

    with duckdb.connect(str(s3_lake.catalog_path)) as con:
        remote_duckdb.prepare(con, lake.location)  # the one step a session needs: httpfs and this session's secret
        for key in BIOS_TABLES:
            counts = dict(con.execute(f"SELECT league, count(*) FROM {table_ref(key)} GROUP BY league").fetchall())
            assert counts == {league: len(lake.read_frame(table_ref(key), [league])) for league in LEAGUES}
