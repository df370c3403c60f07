"""The one place that wires the platform: assets, checks, jobs and resources. `workspace.yaml` loads this module."""
import dagster as dg

from assets import bios, traits
from assets.partitions import dataset_partitions, league_partitions
from personax_platform import settings
from personax_platform.config.datasets import config_path
from personax_platform.llm.models import models_path
from personax_platform.prompts import current_prompts_dir
from resources.landing import LandingResource
from resources.llm import LLMResource
from resources.warehouse import WarehouseIOManager, WarehouseResource

bios_job = dg.define_asset_job(
    "bios_job",
    selection=dg.AssetSelection.assets(bios.raw_bios, bios.bios),
    partitions_def=league_partitions,
    description="Landing files of one league → raw_bios → bios + rejected_bios, validated by GX.",
)
traits_job = dg.define_asset_job(
    "traits_job",
    selection=dg.AssetSelection.assets(traits.trait_texts, traits.trait_scores, traits.aggregated_traits),
    partitions_def=league_partitions,
    description="One league's bios → LLM trait texts (cached) → parsed scores → aggregated traits.",
)
cohort_summary_job = dg.define_asset_job(
    "cohort_summary_job",
    selection=dg.AssetSelection.assets(bios.cohort_summary),
    partitions_def=dataset_partitions,
    description="Per-dataset profile of the canonical bios of all its leagues.",
)

warehouse = WarehouseResource(lake_dir=str(settings.lake_dir()), catalog_path=str(settings.warehouse_path()))

defs = dg.Definitions(
    assets=[bios.raw_bios, bios.bios, bios.cohort_summary,
            traits.trait_texts, traits.trait_scores, traits.aggregated_traits],
    asset_checks=[bios.raw_bios_check, bios.bios_check, traits.trait_texts_check, traits.trait_scores_check,
                  traits.trait_scores_hesitation_check, traits.aggregated_traits_check,
                  traits.trait_texts_prompt_is_current],
    jobs=[bios_job, traits_job, cohort_summary_job],
    resources={
        "io_manager": WarehouseIOManager(warehouse=warehouse),
        "warehouse": warehouse,
        "landing": LandingResource(landing_dir=str(settings.landing_dir()), datasets_config=str(config_path())),
        "llm": LLMResource(models_config=str(models_path()), prompts_dir=str(current_prompts_dir()),
                           prompt_id=settings.prompt_id(), cache_path=str(settings.llm_cache_path())),
    },
)
