"""Asset jobs: the units people launch from the UI (Jobs tab), the demo runs, and schedules target."""
import dagster as dg

from assets import bios, embeddings, traits
from assets.crl import crl
from assets.independence_tests import independence_tests
from assets.known_truth import known_truth_validation
from assets.latent_causal_graph import latent_causal_graph
from assets.observed_causal_graph import observed_causal_graph
from assets.partitions import dataset_partitions, known_truth_partitions, league_partitions
from assets.prompt_consistency import prompt_consistency
from assets.release import persona_release

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
dataset_reports_job = dg.define_asset_job(
    "dataset_reports_job",
    selection=dg.AssetSelection.assets(bios.cohort_summary, traits.trait_agreement, independence_tests,
                                       observed_causal_graph),
    partitions_def=dataset_partitions,
    description="Per dataset, over all its leagues: the cohort profile, the inter-model trait agreement, the "
                "Level I independence tests and the observed-variable causal graph.",
)
prompt_consistency_job = dg.define_asset_job(
    "prompt_consistency_job",
    selection=dg.AssetSelection.assets(prompt_consistency),
    partitions_def=dataset_partitions,
    description="The prompt-design consistency study of one dataset: six prompt variants × K repeats per model on a "
                "stratified sample (refuses to start above its cost budget).",
)
embeddings_job = dg.define_asset_job(
    "embeddings_job",
    selection=dg.AssetSelection.assets(embeddings.face_embeddings, embeddings.text_embeddings),
    partitions_def=league_partitions,
    description="One league's bio photos → face embeddings; its trait descriptions → text embeddings.",
)
level2_job = dg.define_asset_job(
    "level2_job",
    selection=dg.AssetSelection.assets(crl, latent_causal_graph),
    partitions_def=dataset_partitions,
    description="Level II of one dataset: the causal representation model trained on its face and text embeddings "
                "(latents, adjacency, losses, model state), then PC over the learned latents.",
)
release_job = dg.define_asset_job(
    "release_job",
    selection=dg.AssetSelection.assets(persona_release),
    partitions_def=dataset_partitions,
    description="The dataset's privacy-first release folder (published when PERSONAX_HF_REPO is set).",
)
known_truth_job = dg.define_asset_job(
    "known_truth_job",
    selection=dg.AssetSelection.assets(known_truth_validation),
    partitions_def=known_truth_partitions,
    description="SIMULATED cohorts only: compare every analysis of a known-truth cohort with its planted structure, "
                "against bounds fixed in advance; the one-page validation report.",
)
