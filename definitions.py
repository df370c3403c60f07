"""The one place that wires the platform: assets, checks, jobs and resources. `workspace.yaml` loads this module."""
import dagster as dg

from assets import bios
from assets.partitions import dataset_partitions, league_partitions
from personax_platform import settings
from personax_platform.config.datasets import config_path
from resources.landing import LandingResource
from resources.warehouse import WarehouseIOManager, WarehouseResource

bios_job = dg.define_asset_job(
    "bios_job",
    selection=dg.AssetSelection.assets(bios.raw_bios, bios.bios),
    partitions_def=league_partitions,
    description="Landing files of one league → raw_bios → bios + rejected_bios, validated by GX.",
)
cohort_summary_job = dg.define_asset_job(
    "cohort_summary_job",
    selection=dg.AssetSelection.assets(bios.cohort_summary),
    partitions_def=dataset_partitions,
    description="Per-dataset profile of the canonical bios of all its leagues.",
)

warehouse = WarehouseResource(lake_dir=str(settings.lake_dir()), catalog_path=str(settings.warehouse_path()))

defs = dg.Definitions(
    assets=[bios.raw_bios, bios.bios, bios.cohort_summary],
    asset_checks=[bios.raw_bios_check, bios.bios_check],
    jobs=[bios_job, cohort_summary_job],
    resources={
        "io_manager": WarehouseIOManager(warehouse=warehouse),
        "warehouse": warehouse,
        "landing": LandingResource(landing_dir=str(settings.landing_dir()), datasets_config=str(config_path())),
    },
)
