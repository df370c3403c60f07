"""The one place that wires the platform: assets, checks, jobs, automation and resources. `workspace.yaml` loads
this module."""
import dagster as dg

from assets import bios, embeddings, traits
from assets.jobs import (
    bios_job,
    dataset_reports_job,
    embeddings_job,
    known_truth_job,
    level2_job,
    prompt_consistency_job,
    release_job,
    traits_job,
)
from assets.crl import crl
from assets.independence_tests import independence_tests
from assets.known_truth import known_truth_validation
from assets.latent_causal_graph import latent_causal_graph
from assets.observed_causal_graph import observed_causal_graph
from assets.prompt_consistency import prompt_consistency
from assets.release import persona_release
from assets.release_import import release_import
from assets.schedules import traits_daily_recheck
from assets.sensors import landing_files_sensor
from orchestration import dagster_fixes
from personax_platform import settings
from personax_platform.config.datasets import config_path
from personax_platform.llm.models import models_path
from personax_platform.prompts import current_prompts_dir
from resources.embeddings import FaceEmbeddingResource, TextEncoderResource
from resources.landing import LandingResource
from resources.llm import LLMResource
from resources.release import ReleaseResource
from resources.warehouse import WarehouseIOManager, WarehouseResource

# Before any run executes: a run waiting for a pool slot sleeps instead of spinning a core.
dagster_fixes.apply()

warehouse = WarehouseResource(lake_dir=str(settings.lake_dir()), catalog_path=str(settings.warehouse_path()))

defs = dg.Definitions(
    assets=[bios.raw_bios, bios.bios, bios.cohort_summary,
            traits.trait_texts, traits.trait_scores, traits.aggregated_traits, traits.trait_agreement,
            embeddings.face_embeddings, embeddings.text_embeddings, persona_release, release_import,
            prompt_consistency, independence_tests, observed_causal_graph, crl, latent_causal_graph,
            known_truth_validation],
    asset_checks=[bios.raw_bios_check, bios.bios_check, traits.trait_texts_check, traits.trait_scores_check,
                  traits.trait_scores_hesitation_check, traits.aggregated_traits_check,
                  traits.trait_texts_prompt_is_current, embeddings.face_embeddings_check,
                  embeddings.text_embeddings_check],
    jobs=[bios_job, traits_job, embeddings_job, dataset_reports_job, level2_job, release_job, prompt_consistency_job,
          known_truth_job],
    schedules=[traits_daily_recheck],
    # Declarative automation runs by default (Dagster creates the sensor stopped unless told otherwise). It launches
    # plain runs, not backfills, so a request for several leagues starts them at once instead of waiting for the
    # backfill daemon's loop.
    sensors=[dg.AutomationConditionSensorDefinition(
        "default_automation_condition_sensor", target=dg.AssetSelection.all(), emit_backfills=False,
        default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=30), landing_files_sensor],
    # One process per run: a step process of its own re-imports dagster, litellm and torch (measured: a bios+traits
    # run took about 6 min with a process per step on the loaded 2-core machine, 15 s in process). Partitions still
    # run in parallel as separate runs, within the run queue's limits (dagster_home/dagster.yaml).
    executor=dg.in_process_executor,
    resources={
        "io_manager": WarehouseIOManager(warehouse=warehouse),
        "warehouse": warehouse,
        "landing": LandingResource(landing_dir=str(settings.landing_dir()), datasets_config=str(config_path()),
                                   data_dir=str(settings.data_dir())),
        "llm": LLMResource(models_config=str(models_path()), prompts_dir=str(current_prompts_dir()),
                           prompt_id=settings.prompt_id(), cache_path=str(settings.llm_cache_path()),
                           datasets_config=str(config_path()), data_dir=str(settings.data_dir())),
        "faces": FaceEmbeddingResource(),
        "encoder": TextEncoderResource(),
        "release": ReleaseResource(release_dir=str(settings.release_dir()),
                                   secret_file=str(settings.release_secret_file()),
                                   hub_repo_template=settings.hub_repo_template()),
    },
)
