"""Group `analysis`: the prompt-design consistency study (docs/paper.md §2), per dataset.

A seeded stratified sample of the dataset's people is rated K times by every configured model under each of the six
prompt variants; the study reports how much the repeated scores move (mean SD), how often models hesitate or fail,
how far variants disagree on the same people, and the most stable variant. Every repeat is its own cached request,
so re-running the study after a crash or with one more variant only sends what is new.
"""
import dagster as dg
import pandas as pd
from pydantic import Field

from assets.bios import BIOS
from assets.frame_types import BIOS_FRAME
from assets.llm_budget import LLMBudgetConfig, enforce_budget, preview_metadata
from assets.metadata import image_metadata, markdown_table, simulated_notice, table_metadata
from assets.partitions import dataset_kind, dataset_partitions, league_to_dataset
from assets.pools import LLM_POOL
from personax_platform.consistency.design import VARIANTS
from personax_platform.consistency.metrics import discrepancy, stability, study_scores, variant_ranking
from personax_platform.consistency.plots import radar_png, sd_boxplot_png
from personax_platform.consistency.requests import study_requests
from personax_platform.consistency.sample import stratified_sample
from personax_platform.llm.embedded import DEMO_DISCLAIMER
from personax_platform.llm.preview import RunPreview
from resources.llm import LLMResource

GROUP = "analysis"
OWNERS = ["team:ml-research"]
PROMPT_CONSISTENCY = dg.AssetKey([GROUP, "prompt_consistency"])
PROMPT_DISCREPANCY = dg.AssetKey([GROUP, "prompt_discrepancy"])
PROMPT_CONSISTENCY_SCORES = dg.AssetKey([GROUP, "prompt_consistency_scores"])
# What the sample is stratified by, per dataset.
STRATUM = {"athletes": "league", "celebrities": "occupation"}  # per dataset kind


class PromptConsistencyConfig(LLMBudgetConfig):
    sample_size: int = Field(20, ge=1, description="People per dataset, stratified by league (athletes) or "
                                                   "occupation (celebrities).")
    repeats: int = Field(5, ge=2, description="Answers per person × model × variant (K).")
    variants: list[str] = Field(default_factory=lambda: list(VARIANTS), min_length=1,
                                description="Prompt variants (files in config/prompts/).")
    seed: int = Field(0, description="Seed of the sample; recorded with the results.")
    temperature: float | None = Field(
        None, ge=0, description="Overrides every model's temperature; None keeps the configured one. At "
                                "temperature 0 a deterministic model repeats itself exactly (SD 0).")


@dg.multi_asset(
    outs={
        "prompt_consistency": dg.AssetOut(
            key=PROMPT_CONSISTENCY, kinds={"litellm", "python", "parquet"}, owners=OWNERS, code_version="1",
            description="Per dataset × model × prompt variant × trait: mean SD of repeated scores on the common "
                        "1–3 scale, insufficient-information, failure and parse-failure rates."),
        "prompt_discrepancy": dg.AssetOut(
            key=PROMPT_DISCREPANCY, kinds={"python", "parquet"}, owners=OWNERS, code_version="1",
            description="Per dataset × model × variant pair of the paper's table: mean absolute difference of the "
                        "same people's scores on the common scale."),
        "prompt_consistency_scores": dg.AssetOut(
            key=PROMPT_CONSISTENCY_SCORES, kinds={"python", "parquet"}, owners=OWNERS, code_version="1",
            description="Every parsed study answer: person × model × variant × repeat × trait, level and common-"
                        "scale value, status (no answer text)."),
    },
    ins={"people": dg.AssetIn(key=BIOS, partition_mapping=league_to_dataset)},
    partitions_def=dataset_partitions,
    group_name=GROUP,
    pool=LLM_POOL,
)
def prompt_consistency(context: dg.AssetExecutionContext, config: PromptConsistencyConfig, llm: LLMResource,
                       people: BIOS_FRAME):
    dataset = context.partition_key
    sample = stratified_sample(people, config.sample_size, STRATUM[dataset_kind(dataset)], config.seed)
    prompts = {variant: llm.load_prompt(variant) for variant in config.variants}
    models = [m if config.temperature is None else m.model_copy(update={"temperature": config.temperature})
              for m in llm.models(dataset)]
    requests = study_requests(sample, prompts, models, config.repeats, dataset_kind(dataset))
    context.log.info(f"{dataset}: {len(sample)} people")
    preview = llm.preview(requests)
    enforce_budget(context, preview, config.max_cost_usd)

    results = []
    for variant, prompt in prompts.items():  # each variant's answers are validated by its own parser
        results += llm.complete([r for r in requests if r.metadata["variant"] == variant], context.run.run_id,
                                prompt=prompt, progress=lambda line, v=variant: context.log.info(f"{v}: {line}"))
    scores = study_scores(results, prompts)
    stable, pairs = stability(scores), discrepancy(scores)
    ranking = variant_ranking(stable)
    yield dg.Output(stable, output_name="prompt_consistency",
                    metadata=_study_metadata(dataset, config, sample, results, preview, stable, ranking, llm))
    yield dg.Output(pairs, output_name="prompt_discrepancy", metadata={
        **table_metadata(pairs),
        "discrepancy": dg.MetadataValue.md(markdown_table(pairs.drop(columns="dataset"), rows=len(pairs))),
        "mean_discrepancy_by_model": dg.MetadataValue.md(markdown_table(
            pairs.groupby("model", as_index=False)["mean_abs_diff"].mean(), rows=len(models))),
    })
    yield dg.Output(scores, output_name="prompt_consistency_scores", metadata=table_metadata(
        scores, ["person_id", "model", "variant", "repeat", "trait", "level", "common", "status"]))


def _study_metadata(dataset: str, config: PromptConsistencyConfig, sample: pd.DataFrame, results: list,
                    preview: RunPreview, stable: pd.DataFrame, ranking: pd.DataFrame, llm: LLMResource) -> dict:
    fresh = [r for r in results if not r.cache_hit]
    recommended = ranking["variant"].iloc[0] if ranking["mean_sd"].notna().any() else None
    metadata = {
        **table_metadata(stable),
        "recommended_variant": recommended or "none: no variant has two non-zero repeats for anyone",
        "variant_ranking": dg.MetadataValue.md(markdown_table(ranking, rows=len(ranking))),
        "sd_boxplot": image_metadata(sd_boxplot_png(stable, f"{dataset}: mean SD per trait"), "SD box plots"),
        "sd_radar": image_metadata(radar_png(stable, f"{dataset}: mean SD by trait"), "SD radar plots"),
        "people": len(sample),
        "sample_seed": config.seed,
        "repeats": config.repeats,
        "requests": len(results),
        "cache_hits": len(results) - len(fresh),
        "new_calls": len(fresh),
        "failures": sum(r.status != "ok" for r in results),
        "cost_usd": float(sum(r.cost_usd for r in fresh)),
        **preview_metadata(preview),
    }
    metadata.update(simulated_notice(dataset) or
                    ({"notice": DEMO_DISCLAIMER} if llm.uses_embedded_model(dataset) else {}))
    return metadata
