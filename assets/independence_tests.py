"""Group `analysis`: Level I, the five independence tests between each trait score and each biography or face
feature of a dataset (docs/paper.md §3), FDR-adjusted, with heatmaps in the UI."""
import dagster as dg
import pandas as pd
from pydantic import Field

from assets.analysis_defaults import DATASET_ANALYSIS
from assets.bios import BIOS
from assets.frame_types import AGGREGATED_TRAITS_FRAME, BIOS_FRAME, TRAIT_SCORES_FRAME
from assets.metadata import image_metadata, markdown_table, simulated_notice, table_metadata
from assets.partitions import dataset_kind, league_to_dataset
from assets.traits import AGGREGATED_TRAITS, TRAIT_SCORES
from personax_platform.stats import LEVEL1_FEATURES, run_level1, trait_variable
from personax_platform.stats.heatmap import pvalue_heatmap_png
from personax_platform.traits.constants import TRAITS

INDEPENDENCE_TESTS = dg.AssetKey(["analysis", "independence_tests"])
AGGREGATED = "aggregated"


class IndependenceTestsConfig(dg.Config):
    alpha: float = Field(0.05, gt=0, lt=1, description="Significance level for the FDR-adjusted p-values.")
    seed: int = Field(0, description="Seed of RCIT's random features (a seed per pair is derived from it).")


def trait_table(people: pd.DataFrame, scores: pd.DataFrame, aggregated: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """One row per person: the features, `aggregated:<trait>` and `<model>:<trait>` columns, and their Variables."""
    wide = people.set_index("person_id")
    agg = aggregated.pivot(index="person_id", columns="trait", values="score").add_prefix(f"{AGGREGATED}:")
    answered = scores[scores["status"] == "ok"]
    per_model = answered.pivot(index="person_id", columns="model", values=list(TRAITS))
    per_model.columns = [f"{model}:{trait}" for trait, model in per_model.columns]
    frame = wide.join(agg).join(per_model).reset_index()
    variables = [trait_variable(c) for c in agg.columns] + [trait_variable(c, per_model=True)
                                                           for c in per_model.columns]
    return frame, variables


@dg.asset(
    key=INDEPENDENCE_TESTS,
    ins={"people": dg.AssetIn(key=BIOS, partition_mapping=league_to_dataset),
         "scores": dg.AssetIn(key=TRAIT_SCORES, partition_mapping=league_to_dataset),
         "aggregated": dg.AssetIn(key=AGGREGATED_TRAITS, partition_mapping=league_to_dataset)},
    kinds={"python", "parquet"},
    code_version="1",
    **DATASET_ANALYSIS,
    description=(
        "Level I: KCI, RCIT, HSIC, chi-square and G-square between every trait score (aggregated and per model) "
        "and every feature of the dataset. One row per trait × model × feature × test with n, statistic, p, "
        "Benjamini-Hochberg adjusted p, significance, status and reason (undefined or failed tests are NaN, never "
        "p = 0), parameters, seed and library version."
    ),
)
def independence_tests(context: dg.AssetExecutionContext, config: IndependenceTestsConfig, people: BIOS_FRAME,
                       scores: TRAIT_SCORES_FRAME, aggregated: AGGREGATED_TRAITS_FRAME) -> dg.Output:
    dataset = context.partition_key
    frame, traits = trait_table(people, scores, aggregated)
    results = run_level1(frame, traits, LEVEL1_FEATURES[dataset_kind(dataset)], dataset=dataset, alpha=config.alpha,
                         seed=config.seed, progress=context.log.info)  # to the run's log, the UI's run view
    source = results["trait"].str.split(":", n=1, expand=True)
    results.insert(1, "model", source[0])
    results["trait"] = source[1]
    strongest = results[results["significant"]].nsmallest(10, "p_adjusted")
    aggregated_only = results[results["model"] == AGGREGATED]
    metadata = {
        **simulated_notice(dataset),
        **table_metadata(results, ["trait", "model", "feature", "test", "n", "p_value", "p_adjusted", "status"]),
        "tests_run": int((results["status"] == "ok").sum()),
        "undefined_or_failed": int(results["status"].isin(["undefined", "failed"]).sum()),
        "significant_after_fdr": int(results["significant"].sum()),
        "strongest_dependencies": dg.MetadataValue.md(markdown_table(
            strongest[["trait", "model", "feature", "test", "n", "p_adjusted"]], rows=10)
            if len(strongest) else "No dependency is significant after FDR correction."),
    }
    for test in sorted(aggregated_only["test"].unique()):
        metadata[f"heatmap_{test}"] = image_metadata(
            pvalue_heatmap_png(aggregated_only, test, f"{dataset}: {test} p-values (aggregated traits)"), test)
    return dg.Output(results, metadata=metadata)
