"""The warehouse as Dagster resources: SQL access, and the IO manager that stores every table asset.

Asset key `[schema, table]` maps to warehouse table `schema.table`; the partition key names the Parquet file, so
re-materialising a partition replaces exactly that partition's rows and concurrent partition runs never collide
(personax_platform/warehouse/lakehouse.py explains why the stock DuckDB IO manager is not used).
"""

from pathlib import Path

import dagster as dg
import pandas as pd
import polars as pl
from pydantic import Field

from personax_platform.warehouse import Lakehouse, TableRef


def table_ref(asset_key: dg.AssetKey) -> TableRef:
    if len(asset_key.path) != 2:
        raise ValueError(f"asset key {asset_key.to_user_string()} must be [schema, table] to be stored")
    return TableRef(*asset_key.path)


class WarehouseResource(dg.ConfigurableResource):
    """Where the lake and the DuckDB catalog live; SQL through an in-memory DuckDB that never locks the catalog."""

    lake_dir: str = Field(description="A folder, or an object store's s3://bucket/prefix (gs:// too); "
                                      "PERSONAX_LAKE_DIR sets it")
    catalog_path: str

    def lakehouse(self) -> Lakehouse:
        return Lakehouse(self.lake_dir, Path(self.catalog_path))

    def query(self, sql: str) -> pd.DataFrame:
        return self.lakehouse().query(sql)


class WarehouseIOManager(dg.ConfigurableIOManager):
    """Stores polars (or pandas) DataFrames in the lake and keeps the DuckDB catalog's views fresh.

    An input is loaded as the frame its annotation asks for: polars for `pl.DataFrame`, pandas for a pandas or
    dagster-pandas type (the hand-offs to causal-learn, scikit-learn and torch code) and for unannotated inputs.
    """

    warehouse: dg.ResourceDependency[WarehouseResource]

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame | pd.DataFrame) -> None:
        if not isinstance(obj, pl.DataFrame | pd.DataFrame):
            raise TypeError(f"{context.asset_key.to_user_string()}: expected a polars or pandas DataFrame, "
                            f"got {type(obj)}")
        ref = table_ref(context.asset_key)
        partition = context.asset_partition_key if context.has_asset_partitions else None
        lake = self.warehouse.lakehouse()
        url = lake.write_partition(ref, partition, obj)
        sync = lake.sync_catalog()
        if not sync.synced:
            context.log.warning(f"{sync.error}; data is safe in {url}, views refresh on the next write")
        context.add_output_metadata({
            "warehouse_table": str(ref),
            "partition_file": dg.MetadataValue.path(url) if lake.location.is_local else dg.MetadataValue.url(url),
            "catalog": dg.MetadataValue.path(str(lake.catalog_path)),
            "catalog_views_refreshed": sync.synced,
        })

    def load_input(self, context: dg.InputContext) -> pl.DataFrame | pd.DataFrame:
        ref = table_ref(context.asset_key)
        partitions = list(context.asset_partition_keys) if context.has_asset_partitions else [None]
        lake = self.warehouse.lakehouse()
        if _wants_polars(context):
            return lake.read_frame(ref, partitions)
        return lake.read_partitions(ref, partitions)


def _wants_polars(context: dg.InputContext) -> bool:
    dagster_type = context.dagster_type
    return dagster_type is not None and dagster_type.typing_type is pl.DataFrame
