"""Group `traits`: canonical bios → LLM trait texts → parsed scores → per-person aggregated traits.

`trait_texts` carries a code version derived from the active prompt's sha and the model list, so the UI marks it
(and what depends on it) stale when either changes; only requests whose rendered text changed reach an LLM, because
every response is cached under the hash of its rendered request.
"""
import hashlib
import warnings

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.bios import BIOS
from assets.metadata import counts_table, markdown_table, simulated_notice, table_metadata
from assets.partitions import (
    dataset_kind, dataset_of, dataset_partitions, is_known_truth, league_partitions, league_to_dataset,
)
from assets.pools import llm_pool
from expectations.asset_checks import gx_asset_check
from personax_platform import settings
from personax_platform.config.datasets import REPO_ROOT, load_config
from personax_platform.known_truth.cohort import SIMULATED_NOTICE
from personax_platform.llm.embedded import DEMO_DISCLAIMER
from personax_platform.llm.models import load_models, models_path
from personax_platform.prompts import current_prompts_dir, load_prompt
from personax_platform.traits import schema
from personax_platform.traits.aggregate import agreement, aggregate_scores
from personax_platform.traits.constants import TRAITS
from personax_platform.traits.freshness import inference_gaps
from personax_platform.traits.inference import (
    build_requests,
    long_scores,
    merge_prompt_versions,
    scores_table,
    texts_table,
)
from resources.llm import LLMResource
from resources.warehouse import WarehouseResource, table_ref

GROUP = "traits"
OWNERS = ["team:ml-research"]
TRAIT_TEXTS = dg.AssetKey([GROUP, "trait_texts"])
TRAIT_SCORES = dg.AssetKey([GROUP, "trait_scores"])
AGGREGATED_TRAITS = dg.AssetKey([GROUP, "aggregated_traits"])
TRAIT_AGREEMENT = dg.AssetKey([GROUP, "trait_agreement"])


def _inference_code_version() -> str:
    """Changes when the active prompt's content or the model list changes: the trigger for re-inference."""
    prompt = load_prompt(settings.prompt_id(), current_prompts_dir())
    config = load_config()
    models = [m.model_dump(exclude={"api_key_env", "rpm", "tpm", "max_concurrency", "timeout_s", "max_retries"})
              for m in load_models(models_path())]
    # The known-truth cohorts' simulated raters are part of the model list too.
    raters = [REPO_ROOT / config.datasets[d].known_truth.raters for d in config.known_truth_datasets]
    models += [m.model_dump(include={"name", "model", "temperature", "max_tokens", "seed", "extra"})
               for path in raters for m in load_models(path)]
    return hashlib.sha256(f"{prompt.sha}|{models}".encode()).hexdigest()[:16]


# Re-infer when bios change (eager) or when the prompt or model list changes (the code version); the
# default automation sensor evaluates this, and the daily re-check schedule backs it up.
REINFER_WHEN_INPUTS_CHANGE = dg.AutomationCondition.eager() | (
    dg.AutomationCondition.code_version_changed()
    & ~dg.AutomationCondition.any_deps_missing()
    & ~dg.AutomationCondition.in_progress()
)


class TraitTextsConfig(dg.Config):
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
    code_version=_inference_code_version(),
    automation_condition=REINFER_WHEN_INPUTS_CHANGE,
    owners=OWNERS,
    kinds={"litellm", "python", "parquet"},
    pool=llm_pool(),
    description=(
        "One row per person × model × prompt version: the model's Big Five behaviour-trait description, its raw "
        "answer and provenance (model version, prompt id/sha, request hash, tokens, cost, latency, cache hit, run). "
        "Failed calls stay visible with their reason and are retried by the next run; earlier prompt versions' rows "
        "are kept. The default embedded model (SmolLM2-135M) is a working demo: its ratings are NOT valid trait "
        "estimates."
    ),
)
def trait_texts(context: dg.AssetExecutionContext, config: TraitTextsConfig, llm: LLMResource,
                warehouse: WarehouseResource, people: pd.DataFrame) -> dg.Output:
    dataset = dataset_of(context.partition_key)
    prompt, models = llm.prompt(), llm.models(dataset)
    chosen = _chosen_people(people, config)
    # Progress lines go to the run's log: the UI's run view shows them while the calls run (hours on big leagues).
    results = llm.complete(build_requests(chosen, prompt, models, dataset_kind(dataset)), run_id=context.run.run_id,
                           progress=context.log.info)
    current = texts_table(results, prompt)
    lake = warehouse.lakehouse()
    ref, league = table_ref(TRAIT_TEXTS), context.partition_key
    previous = lake.read_partitions(ref, [league]) if league in lake.partitions(ref) else None
    table = merge_prompt_versions(previous, current, prompt.sha)
    return dg.Output(table, metadata=_inference_metadata(current, llm, dataset))


def _chosen_people(people: pd.DataFrame, config: TraitTextsConfig) -> pd.DataFrame:
    if not config.max_people:
        return people
    order = ["person_id"] if not config.photos_first else ["no_photo", "person_id"]
    return people.assign(no_photo=people["image_ref"].isna()).sort_values(order).head(config.max_people)[
        people.columns]


def _inference_metadata(current: pd.DataFrame, llm: LLMResource, dataset: str) -> dict:
    failed = current[current["status"] != "ok"]
    fresh = current[~current["cache_hit"]]
    latency = fresh["latency_s"].dropna()
    metadata = {
        **table_metadata(current, ["person_id", "model", "status", "description", "cache_hit", "latency_s"],
                         schema.TRAIT_TEXTS),
        "requests": len(current),
        "cache_hits": int(current["cache_hit"].sum()),
        "new_calls": len(fresh),
        "failures": len(failed),
        "failures_by_reason": dg.MetadataValue.md(
            counts_table(failed["failure_reason"].str.slice(0, 80).value_counts(), "reason")),
        "input_tokens": int(fresh["input_tokens"].fillna(0).sum()),
        "output_tokens": int(fresh["output_tokens"].fillna(0).sum()),
        "cost_usd": float(fresh["cost_usd"].sum()),
        "latency_p50_s": float(latency.quantile(0.5)) if len(latency) else float("nan"),
        "latency_p95_s": float(latency.quantile(0.95)) if len(latency) else float("nan"),
        "sample_descriptions": dg.MetadataValue.md(
            markdown_table(current.loc[current["status"] == "ok", ["model", "description"]], rows=3)),
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
def trait_scores(context: dg.AssetExecutionContext, llm: LLMResource, texts: pd.DataFrame) -> dg.Output:
    scores = scores_table(texts, llm.prompt())
    return dg.Output(scores, metadata={
        **simulated_notice(dataset_of(context.partition_key)),
        **table_metadata(scores, None, schema.TRAIT_SCORES),
        "status": dg.MetadataValue.md(counts_table(scores["status"].value_counts(), "status")),
        "insufficient_information_rate": _zero_rate(long_scores(scores)),
        "parse_failure_rate": float((scores["status"] == "parse_failed").mean()) if len(scores) else float("nan"),
        "score_distribution": dg.MetadataValue.md(_distribution(long_scores(scores))),
    })


def _zero_rate(answered: pd.DataFrame) -> float:
    """The paper's hesitation rate: share of parsed trait scores that are 0 (insufficient information)."""
    return float((answered["score"] == 0).mean()) if len(answered) else float("nan")


def _distribution(answered: pd.DataFrame) -> str:
    """Trait × score counts, as the UI's score histogram (0 = insufficient information)."""
    if answered.empty:
        return "No parsed scores."
    counts = pd.crosstab(answered["trait"], answered["score"]).reindex(list(TRAITS), fill_value=0)
    counts.columns = [f"score {c}" for c in counts.columns]
    return markdown_table(counts.reset_index(), rows=len(counts))


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
def aggregated_traits(context: dg.AssetExecutionContext, scores: pd.DataFrame) -> dg.Output:
    long = long_scores(scores)
    people = scores[["person_id", "dataset", "league", "prompt_sha"]].drop_duplicates("person_id")
    aggregated = aggregate_scores(long).merge(people, on="person_id", how="left")[schema.AGGREGATED_TRAITS.names]
    return dg.Output(aggregated, metadata={
        **simulated_notice(dataset_of(context.partition_key)),
        **table_metadata(aggregated, None, schema.AGGREGATED_TRAITS),
        "agreement": dg.MetadataValue.md(markdown_table(agreement(long), rows=10)),
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
def trait_agreement(context: dg.AssetExecutionContext, scores: pd.DataFrame) -> dg.Output:
    table = agreement(long_scores(scores))
    table.insert(0, "dataset", context.partition_key)
    table["models"] = ",".join(sorted(scores["model"].unique()))
    table["prompt_sha"] = ",".join(sorted(scores["prompt_sha"].unique()))
    return dg.Output(table, metadata={
        **simulated_notice(context.partition_key),
        **table_metadata(table),
        "agreement": dg.MetadataValue.md(markdown_table(table.drop(columns=["dataset", "prompt_sha"]), rows=10)),
        "pooled_krippendorff_alpha": float(table["krippendorff_alpha"].iloc[-1]),
    })


def _suite_parameters() -> dict:
    """Read when a check runs, so changed thresholds apply to re-run checks without a code reload."""
    return {"traits_statuses": ["ok", "llm_failed", "parse_failed"], "text_statuses": ["ok", "failed"],
            "min_ok_share": 1.0 - settings.max_failure_rate(),
            "min_informative_share": 1.0 - settings.max_insufficient_rate()}


trait_texts_check = gx_asset_check(TRAIT_TEXTS, blocking=False, parameters=_suite_parameters,
                                   partitions_def=league_partitions)
trait_scores_check = gx_asset_check(TRAIT_SCORES, blocking=True, parameters=_suite_parameters,
                                    partitions_def=league_partitions)
trait_scores_hesitation_check = gx_asset_check(TRAIT_SCORES, suite="hesitation", blocking=False,
                                               parameters=_suite_parameters, partitions_def=league_partitions)
aggregated_traits_check = gx_asset_check(AGGREGATED_TRAITS, blocking=True, parameters=_suite_parameters,
                                         partitions_def=league_partitions)


# Partitioned asset checks are a Dagster preview feature (pinned version; tests pin the behaviour).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.PreviewWarning)

    @dg.asset_check(
        asset=TRAIT_TEXTS, partitions_def=league_partitions, blocking=False,
        additional_ins={"people": dg.AssetIn(key=BIOS)},
        description="Backstop for Dagster's staleness gaps on partitioned assets: fails when a person × configured "
                    "model has answers from earlier prompt versions only. Also reports never-rated and failed pairs.")
    def trait_texts_prompt_is_current(llm: LLMResource, trait_texts: pd.DataFrame,
                                      people: pd.DataFrame) -> dg.AssetCheckResult:
        prompt = llm.prompt()
        models = llm.models(people["dataset"].iloc[0]) if len(people) else []
        gaps = inference_gaps(trait_texts, people["person_id"], prompt.sha, [m.name for m in models])
        return dg.AssetCheckResult(
            passed=not gaps.stale,
            metadata={"active_prompt_sha": prompt.sha, "stale_pairs": gaps.stale, "never_rated_pairs": gaps.unrated,
                      "failed_pairs": gaps.failed},
            description=(f"{gaps.describe()}: the prompt {prompt.id} changed ({prompt.sha[:12]}), re-materialize this "
                         "partition" if gaps.stale else gaps.describe()),
        )
