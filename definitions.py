"""The one place that wires the platform: assets, checks, jobs, automation and resources. `workspace.yaml` loads
this module.

Configuration enters here: the offline switches are applied to this process before anything imports litellm or GX,
and the resources are built from the one settings object (resources/settings.py) that the partitions, pools and the
`trait_texts` code version also derive from.
"""
import os

from personax_platform import offline

offline.apply(os.environ)

import dagster as dg

from assets import bios, embeddings, traits
from assets.crl import crl
from assets.independence_tests import independence_tests
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
from assets.known_truth import known_truth_validation
from assets.latent_causal_graph import latent_causal_graph
from assets.observed_causal_graph import observed_causal_graph
from assets.prompt_consistency import prompt_consistency
from assets.release import persona_release
from assets.release_import import release_import
from assets.schedules import traits_daily_recheck
from assets.llm_batches import llm_batches_sensor
from assets.sensors import landing_files_sensor
from assets.trait_texts_preview import trait_texts_run_preview
from orchestration import dagster_fixes
from resources.embeddings import FaceEmbeddingResource, TextEncoderResource
from resources.landing import LandingResource
from resources.llm import LLMResource
from resources.release import ReleaseResource
from resources.settings import SETTINGS
from resources.warehouse import WarehouseIOManager, WarehouseResource

# Before any run executes: a run waiting for a pool slot sleeps instead of spinning a core.
dagster_fixes.apply()

warehouse = WarehouseResource(lake_dir=str(SETTINGS.lake_dir), catalog_path=str(SETTINGS.warehouse_path))

defs = dg.Definitions(
    assets=[bios.raw_bios, bios.bios, bios.cohort_summary,
            traits.trait_texts, traits.trait_scores, traits.aggregated_traits, traits.trait_agreement,
            embeddings.face_embeddings, embeddings.text_embeddings, persona_release, release_import,
            prompt_consistency, independence_tests, observed_causal_graph, crl, latent_causal_graph,
            known_truth_validation],
    asset_checks=[bios.raw_bios_check, bios.bios_check, traits.trait_texts_check, traits.trait_scores_check,
                  traits.trait_scores_hesitation_check, traits.aggregated_traits_check,
                  traits.trait_texts_prompt_is_current, trait_texts_run_preview, embeddings.face_embeddings_check,
                  embeddings.text_embeddings_check],
    jobs=[bios_job, traits_job, embeddings_job, dataset_reports_job, level2_job, release_job, prompt_consistency_job,
          known_truth_job],
    schedules=[traits_daily_recheck],
    # Declarative automation runs by default (Dagster creates the sensor stopped unless told otherwise). It launches
    # plain runs, not backfills, so a request for several leagues starts them at once instead of waiting for the
    # backfill daemon's loop.
    sensors=[dg.AutomationConditionSensorDefinition(
        "default_automation_condition_sensor", target=dg.AssetSelection.all(), emit_backfills=False,
        default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=30), landing_files_sensor,
        llm_batches_sensor],
    # One process per run: a step process of its own re-imports dagster, litellm and torch (measured: a bios+traits
    # run took about 6 min with a process per step on the loaded 2-core machine, 15 s in process). Partitions still
    # run in parallel as separate runs, within the run queue's limits (dagster_home/dagster.yaml).
    executor=dg.in_process_executor,
    resources={
        "io_manager": WarehouseIOManager(warehouse=warehouse),
        "warehouse": warehouse,
        "landing": LandingResource(landing_dir=str(SETTINGS.landing_dir), datasets_config=str(SETTINGS.datasets_config),
                                   data_dir=str(SETTINGS.data_dir)),
        "llm": LLMResource(models_config=str(SETTINGS.models_config), prompts_dir=str(SETTINGS.prompts_dir),
                           prompt_id=SETTINGS.prompt_id, cache_path=str(SETTINGS.llm_cache_path),
                           datasets_config=str(SETTINGS.datasets_config), data_dir=str(SETTINGS.data_dir),
                           embedded_threads=SETTINGS.embedded_threads, max_failure_rate=SETTINGS.max_failure_rate,
                           max_insufficient_rate=SETTINGS.max_insufficient_rate),
        "faces": FaceEmbeddingResource(),
        "encoder": TextEncoderResource(),
        "release": ReleaseResource(release_dir=str(SETTINGS.release_dir),
                                   secret_file=str(SETTINGS.release_secret_file),
                                   hub_repo_template=SETTINGS.hub_repo_template),
    },
)
