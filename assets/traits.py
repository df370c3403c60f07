"""Group `traits`: canonical bios → LLM trait texts → parsed scores → per-person aggregated traits.

`trait_texts` carries a code version derived from the active prompt's sha and the model list, so the UI marks it
(and what depends on it) stale when either changes; only requests whose rendered text changed reach an LLM, because
every response is cached under the hash of its rendered request.
"""
import warnings
from collections.abc import Iterator

import dagster as dg
import polars as pl
from pydantic import Field

from assets.batch_metadata import batches_metadata
from assets.bios import BIOS
from assets.llm_budget import LLMBudgetConfig, enforce_budget, preview_metadata
from assets.metadata import counts_table, markdown_table, simulated_notice, table_metadata, value_counts
from assets.partitions import (
    dataset_kind,
    dataset_of,
    dataset_partitions,
    is_known_truth,
    league_partitions,
    league_to_dataset,
)
from assets.pools import LLM_POOL
from expectations.asset_checks import gx_asset_check
from personax_platform.known_truth.cohort import SIMULATED_NOTICE
from personax_platform.llm.embedded import DEMO_DISCLAIMER
from personax_platform.llm.models import ModelConfig
from personax_platform.llm.request import LLMRequest
from personax_platform.prompts import PromptTemplate
from personax_platform.traits import schema
from personax_platform.traits.aggregate import agreement
from personax_platform.traits.constants import TRAITS
from personax_platform.traits.freshness import inference_gaps
from personax_platform.traits.inference import (
    aggregated_table,
    build_requests,
    long_scores,
    merge_prompt_versions,
    scores_table,
    texts_table,
)
from resources.llm import LLMResource
from resources.settings import SETTINGS
from resources.warehouse import WarehouseResource, table_ref

GROUP = "traits"
OWNERS = ["team:ml-research"]
TRAIT_TEXTS = dg.AssetKey([GROUP, "trait_texts"])
TRAIT_SCORES = dg.AssetKey([GROUP, "trait_scores"])
AGGREGATED_TRAITS = dg.AssetKey([GROUP, "aggregated_traits"])
TRAIT_AGREEMENT = dg.AssetKey([GROUP, "trait_agreement"])


# Re-infer when bios change (eager) or when the prompt or model list changes (the code version); the
# default automation sensor evaluates this, and the daily re-check schedule backs it up.
REINFER_WHEN_INPUTS_CHANGE = dg.AutomationCondition.eager() | (
    dg.AutomationCondition.code_version_changed()
    & ~dg.AutomationCondition.any_deps_missing()
    & ~dg.AutomationCondition.in_progress()
)


class TraitTextsConfig(LLMBudgetConfig):
    max_people: int = Field(
        default=0, ge=0,
        description="0 = every person of the league; N > 0 = the first N people by person id (quick demo runs).",
    )
    photos_first: bool = Field(
        default=False,
        description="With max_people: take people with a profile photo first (the demo does, so that Level II "
                    "has people with both a face and descriptions).",
    )


@dg.asset(
    key=TRAIT_TEXTS,
    ins={"people": dg.AssetIn(key=BIOS)},
    group_name=GROUP,
    partitions_def=league_partitions,
    # The same settings built the llm resource (definitions.py); the asset records the resource's own version.
    code_version=SETTINGS.inference_version(),
    automation_condition=REINFER_WHEN_INPUTS_CHANGE,
    owners=OWNERS,
    kinds={"litellm", "python", "parquet"},
    pool=LLM_POOL,
    # A run whose batch-mode requests are still at the provider materializes nothing (and its checks and
    # downstream assets skip): the llm_batches sensor asks for the partition again once the batches are done.
    output_required=False,
    description=(
        "One row per person × model × prompt version: the model's Big Five behaviour-trait description, its raw "
        "answer and provenance (model version, prompt id/sha, request hash, tokens, cost, latency, cache hit, run). "
        "Failed calls stay visible with their reason and are retried by the next run; earlier prompt versions' rows "
        "are kept. Models with `mode: batch` are submitted to the provider's batch API: that run only submits, and "
        "the llm_batches sensor re-materializes the partition when the batches are done. The default embedded "
        "model (SmolLM2-135M) is a working demo: its ratings are NOT valid trait estimates."
    ),
)
def trait_texts(context: dg.AssetExecutionContext, config: TraitTextsConfig, llm: LLMResource,
                warehouse: WarehouseResource, people: pl.DataFrame) -> Iterator[dg.Output]:
    dataset, league = dataset_of(context.partition_key), context.partition_key
    prompt, models = llm.prompt(), llm.models(dataset)
    requests = trait_texts_requests(people, config, prompt, models, dataset)
    preview = llm.preview(requests)
    enforce_budget(context, preview, config.max_cost_usd)
    # Progress lines go to the run's log: the UI's run view shows them while the calls run (hours on big leagues).
    completion = llm.complete_by_mode(requests, run_id=context.run.run_id, scope=league, progress=context.log.info)
    if not completion.complete:
        context.log_event(dg.AssetObservation(asset_key=TRAIT_TEXTS, partition=league,
                                              metadata=batches_metadata(completion.waiting)))
        context.log.info(f"{league}: {completion.pending:,} requests wait in {len(completion.waiting)} provider "
                         "batches; nothing is materialized until they are done, then the llm_batches sensor "
                         "re-materializes this partition")
        return
    current = texts_table(completion.results, prompt)
    lake = warehouse.lakehouse()
    ref = table_ref(TRAIT_TEXTS)
    previous = lake.read_frame(ref, [league]) if league in lake.partitions(ref) else None
    table = merge_prompt_versions(previous, current, prompt.sha)
    yield dg.Output(table, metadata={**_inference_metadata(current, llm, dataset), **_version_metadata(context, llm),
                                     **preview_metadata(preview)})


def trait_texts_requests(people: pl.DataFrame, config: TraitTextsConfig, prompt: PromptTemplate,
                         models: list[ModelConfig], dataset: str) -> list[LLMRequest]:
    """What a run with `config` asks for a league's `people` (the run preview check asks the same)."""
    return build_requests(_chosen_people(people, config), prompt, models, dataset_kind(dataset))


def _version_metadata(context: dg.AssetExecutionContext, llm: LLMResource) -> dict:
    """What this run asked, next to the code version the UI compares: they differ only when the llm resource was
    overridden (a test, the launchpad), and then the asset's staleness does not describe this run."""
    asked, declared = llm.inference_version(), context.assets_def.code_versions_by_key[context.asset_key]
    if asked != declared:
        context.log.warning(f"the llm resource asks inference version {asked}, the asset's code version is "
                            f"{declared} (the settings'): staleness in the UI does not describe this run")
    return {"inference_version": asked}


def _chosen_people(people: pl.DataFrame, config: TraitTextsConfig) -> pl.DataFrame:
    if not config.max_people:
        return people
    order = [pl.col("image_ref").is_null(), "person_id"] if config.photos_first else ["person_id"]
    return people.sort(order).head(config.max_people)


def _inference_metadata(current: pl.DataFrame, llm: LLMResource, dataset: str) -> dict:
    failed = current.filter(pl.col("status") != "ok")
    fresh = current.filter(~pl.col("cache_hit"))
    latency = fresh["latency_s"].drop_nulls()
    metadata = {
        **table_metadata(current, ["person_id", "model", "status", "description", "cache_hit", "latency_s"],
                         schema.TRAIT_TEXTS),
        "requests": len(current),
        "cache_hits": int(current["cache_hit"].sum()),
        "new_calls": len(fresh),
        "failures": len(failed),
        "failures_by_reason": dg.MetadataValue.md(
            counts_table(value_counts(failed["failure_reason"].str.slice(0, 80)), "reason")),
        "input_tokens": int(fresh["input_tokens"].fill_null(0).sum()),
        "cached_input_tokens": int(fresh["cached_input_tokens"].fill_null(0).sum()),
        "output_tokens": int(fresh["output_tokens"].fill_null(0).sum()),
        "cost_usd": float(fresh["cost_usd"].sum()),
        "latency_p50_s": float(latency.quantile(0.5, "linear")) if len(latency) else float("nan"),
        "latency_p95_s": float(latency.quantile(0.95, "linear")) if len(latency) else float("nan"),
        "sample_descriptions": dg.MetadataValue.md(
            markdown_table(current.filter(pl.col("status") == "ok").select("model", "description"), rows=3)),
    }
    if is_known_truth(dataset):
        metadata["notice"] = SIMULATED_NOTICE
    elif llm.uses_embedded_model(dataset):
        metadata["notice"] = DEMO_DISCLAIMER
    return metadata


@dg.asset(
    key=TRAIT_SCORES,
    automation_condition=dg.AutomationCondition.eager(),
    ins={"texts": dg.AssetIn(key=TRAIT_TEXTS)},
    group_name=GROUP,
    partitions_def=league_partitions,
    owners=OWNERS,
    kinds={"python", "parquet"},
    code_version="1",
    description=(
        "The active prompt's answers parsed into five integer scores per person × model on the prompt's scale, "
        "increasing (0 = insufficient information). Unparseable answers and failed calls are rows with a status "
        "and reason, never guessed scores."
    ),
)
def trait_scores(context: dg.AssetExecutionContext, llm: LLMResource, texts: pl.DataFrame) -> dg.Output:
    scores = scores_table(texts, llm.prompt())
    answered = long_scores(scores)
    return dg.Output(scores, metadata={
        **simulated_notice(dataset_of(context.partition_key)),
        **table_metadata(scores, None, schema.TRAIT_SCORES),
        "status": dg.MetadataValue.md(counts_table(value_counts(scores["status"]), "status")),
        "insufficient_information_rate": _zero_rate(answered),
        "parse_failure_rate": float((scores["status"] == "parse_failed").mean()) if len(scores) else float("nan"),
        "score_distribution": dg.MetadataValue.md(_distribution(answered)),
    })


def _zero_rate(answered: pl.DataFrame) -> float:
    """The paper's hesitation rate: share of parsed trait scores that are 0 (insufficient information)."""
    return float((answered["score"] == 0).mean()) if len(answered) else float("nan")


def _distribution(answered: pl.DataFrame) -> str:
    """Trait × score counts, as the UI's score histogram (0 = insufficient information)."""
    if answered.is_empty():
        return "No parsed scores."
    counts = (answered.group_by("trait", "score").len().sort("score")
              .pivot(on="score", index="trait", values="len")
              .rename(lambda c: c if c == "trait" else f"score {c}"))
    counts = pl.DataFrame({"trait": TRAITS}).join(counts, on="trait", how="left", maintain_order="left").fill_null(0)
    return markdown_table(counts, rows=len(counts))


@dg.asset(
    key=AGGREGATED_TRAITS,
    automation_condition=dg.AutomationCondition.eager(),
    ins={"scores": dg.AssetIn(key=TRAIT_SCORES)},
    group_name=GROUP,
    partitions_def=league_partitions,
    owners=OWNERS,
    kinds={"python", "parquet"},
    code_version="1",
    description=(
        "Per person and trait: the median of the non-zero model scores (1, 1.5, …, 3; missing when every model said "
        "0) and how many models contributed. Inter-model agreement (exact, Spearman, ordinal Krippendorff's alpha) "
        "is in the metadata."
    ),
)
def aggregated_traits(context: dg.AssetExecutionContext, scores: pl.DataFrame) -> dg.Output:
    aggregated = aggregated_table(scores)
    return dg.Output(aggregated, metadata={
        **simulated_notice(dataset_of(context.partition_key)),
        **table_metadata(aggregated, None, schema.AGGREGATED_TRAITS),
        "agreement": dg.MetadataValue.md(markdown_table(agreement(long_scores(scores)), rows=10)),
    })


@dg.asset(
    key=TRAIT_AGREEMENT,
    ins={"scores": dg.AssetIn(key=TRAIT_SCORES, partition_mapping=league_to_dataset)},
    automation_condition=dg.AutomationCondition.eager(),
    group_name=GROUP,
    partitions_def=dataset_partitions,
    owners=OWNERS,
    kinds={"python", "parquet"},
    code_version="1",
    description=(
        "Inter-model agreement per dataset and trait, over every league of the dataset: exact agreement, mean "
        "Spearman over model pairs and ordinal Krippendorff's alpha, with 0 (insufficient information) as missing. "
        "NaN with a reason where a statistic is undefined (e.g. a single configured model)."
    ),
)
def trait_agreement(context: dg.AssetExecutionContext, scores: pl.DataFrame) -> dg.Output:
    table = agreement(long_scores(scores)).select(
        pl.lit(context.partition_key).alias("dataset"),
        pl.all(),
        models=pl.lit(",".join(sorted(scores["model"].unique()))),
        prompt_sha=pl.lit(",".join(sorted(scores["prompt_sha"].unique()))),
    )
    pooled_alpha = table["krippendorff_alpha"][-1]
    return dg.Output(table, metadata={
        **simulated_notice(context.partition_key),
        **table_metadata(table, None, schema.TRAIT_AGREEMENT),
        "agreement": dg.MetadataValue.md(markdown_table(table.drop("dataset", "prompt_sha"), rows=10)),
        "pooled_krippendorff_alpha": float("nan") if pooled_alpha is None else pooled_alpha,
    })


def _suite_parameters(resources: object) -> dict:
    """The thresholds come from the llm resource the check runs with (definitions.py sets them from the settings)."""
    llm: LLMResource = resources.llm
    return {"traits_statuses": ["ok", "llm_failed", "parse_failed"], "text_statuses": ["ok", "failed"],
            "min_ok_share": 1.0 - llm.max_failure_rate, "min_informative_share": 1.0 - llm.max_insufficient_rate}


_THRESHOLDS = {"parameters": _suite_parameters, "required_resource_keys": {"llm"}, "partitions_def": league_partitions}
trait_texts_check = gx_asset_check(TRAIT_TEXTS, blocking=False, **_THRESHOLDS)
trait_scores_check = gx_asset_check(TRAIT_SCORES, blocking=True, **_THRESHOLDS)
trait_scores_hesitation_check = gx_asset_check(TRAIT_SCORES, suite="hesitation", blocking=False, **_THRESHOLDS)
aggregated_traits_check = gx_asset_check(AGGREGATED_TRAITS, blocking=True, **_THRESHOLDS)


# Partitioned asset checks are a Dagster preview feature (pinned version; tests pin the behaviour).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)

    @dg.asset_check(
        asset=TRAIT_TEXTS, partitions_def=league_partitions, blocking=False,
        additional_ins={"people": dg.AssetIn(key=BIOS)},
        description="Backstop for Dagster's staleness gaps on partitioned assets: fails when a person × configured "
                    "model has answers from earlier prompt versions only. Also reports never-rated and failed pairs.")
    def trait_texts_prompt_is_current(llm: LLMResource, trait_texts: pl.DataFrame,
                                      people: pl.DataFrame) -> dg.AssetCheckResult:
        prompt = llm.prompt()
        models = llm.models(people["dataset"][0]) if len(people) else []
        gaps = inference_gaps(trait_texts, people["person_id"], prompt.sha, [m.name for m in models])
        return dg.AssetCheckResult(
            passed=not gaps.stale,
            metadata={"active_prompt_sha": prompt.sha, "stale_pairs": gaps.stale, "never_rated_pairs": gaps.unrated,
                      "failed_pairs": gaps.failed},
            description=(f"{gaps.describe()}: the prompt {prompt.id} changed ({prompt.sha[:12]}), re-materialize this "
                         "partition" if gaps.stale else gaps.describe()),
        )
