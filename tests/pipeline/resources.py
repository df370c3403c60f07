"""Resources for materializing the real assets against a private warehouse."""
from __future__ import annotations

from pathlib import Path

from resources.landing import LandingResource
from resources.warehouse import WarehouseIOManager, WarehouseResource
from tests.conftest import DATASETS_CONFIG, SAMPLE_LANDING


def pipeline_resources(dirs: dict[str, Path], landing: Path = SAMPLE_LANDING, config: Path = DATASETS_CONFIG) -> dict:
    warehouse = WarehouseResource(lake_dir=str(dirs["lake_dir"]), catalog_path=str(dirs["catalog_path"]))
    return {
        "io_manager": WarehouseIOManager(warehouse=warehouse),
        "warehouse": warehouse,
        "landing": LandingResource(landing_dir=str(landing), datasets_config=str(config),
                                   data_dir=str(dirs["lake_dir"].parent)),
    }


def on_object_store(resources: dict, lake_url: str, catalog_path: Path) -> dict:
    """`resources` with the warehouse (and so the IO manager) storing the lake at `lake_url`: s3://bucket/prefix."""
    warehouse = WarehouseResource(lake_dir=lake_url, catalog_path=str(catalog_path))
    return {**resources, "io_manager": WarehouseIOManager(warehouse=warehouse), "warehouse": warehouse}
