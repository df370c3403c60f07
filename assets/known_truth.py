"""Group `analysis`: the known-truth validation. For a generated cohort rated by simulated raters, every analysis the
platform ran (scores, Level I, the observed graph, Level II) is compared with the structure the generator planted,
and held to bounds fixed in advance (personax_platform/known_truth/bounds.py). A failed bound fails the blocking
check, so the demo fails too."""
import dagster as dg
import pandas as pd

from assets.analysis_defaults import ANALYSIS_GROUP, ANALYSIS_OWNERS
from assets.crl import CRL_LATENTS
from assets.frame_types import AGGREGATED_TRAITS_FRAME, CRL_LATENTS_FRAME, TRAIT_SCORES_FRAME
from assets.independence_tests import INDEPENDENCE_TESTS
from assets.metadata import markdown_table, simulated_notice, table_metadata
from assets.observed_causal_graph import OBSERVED_CAUSAL_GRAPH
from assets.partitions import dataset_kind, dataset_to_known_truth, known_truth_partitions, league_to_known_truth
from assets.pools import ANALYSIS_POOL
from assets.traits import AGGREGATED_TRAITS, TRAIT_SCORES
from personax_platform.known_truth import render_report, validate
from resources.landing import LandingResource

KNOWN_TRUTH_VALIDATION = dg.AssetKey([ANALYSIS_GROUP, "known_truth_validation"])
KNOWN_TRUTH_REPORT = dg.AssetKey([ANALYSIS_GROUP, "known_truth_report"])
RECOVERY_CHECK = "recovers_planted_structure"


@dg.multi_asset(
    outs={
        "known_truth_validation": dg.AssetOut(
            key=KNOWN_TRUTH_VALIDATION, owners=ANALYSIS_OWNERS, kinds={"python", "parquet"}, code_version="1",
            automation_condition=dg.AutomationCondition.eager(),
            description="SIMULATED cohorts only: every recovery metric (scores vs planted tertiles, rater agreement, "
                        "Level I power and false-discovery proportion per test, the observed graph vs the oracle "
                        "graph, Level II latents vs planted traits) with its bound, fixed in advance, and pass/fail."),
        "known_truth_report": dg.AssetOut(
            key=KNOWN_TRUTH_REPORT, owners=ANALYSIS_OWNERS, kinds={"python", "parquet"}, code_version="1",
            automation_condition=dg.AutomationCondition.eager(),
            description="SIMULATED cohorts only: the one-page validation report (markdown): planted vs recovered "
                        "per analysis and the bounds table."),
    },
    ins={
        "scores": dg.AssetIn(key=TRAIT_SCORES, partition_mapping=league_to_known_truth),
        "aggregated": dg.AssetIn(key=AGGREGATED_TRAITS, partition_mapping=league_to_known_truth),
        "tests": dg.AssetIn(key=INDEPENDENCE_TESTS, partition_mapping=dataset_to_known_truth),
        "graph": dg.AssetIn(key=OBSERVED_CAUSAL_GRAPH, partition_mapping=dataset_to_known_truth),
        "latents": dg.AssetIn(key=CRL_LATENTS, partition_mapping=dataset_to_known_truth),
    },
    check_specs=[dg.AssetCheckSpec(RECOVERY_CHECK, asset=KNOWN_TRUTH_VALIDATION, blocking=True,
                                   description="Every recovery metric is within its bound, fixed in advance.")],
    group_name=ANALYSIS_GROUP,
    partitions_def=known_truth_partitions,
    pool=ANALYSIS_POOL,
    can_subset=False,
)
def known_truth_validation(context: dg.AssetExecutionContext, landing: LandingResource, scores: TRAIT_SCORES_FRAME,
                           aggregated: AGGREGATED_TRAITS_FRAME, tests: pd.DataFrame, graph: pd.DataFrame,
                           latents: CRL_LATENTS_FRAME):
    dataset = context.partition_key
    truth = pd.read_parquet(landing.cohort(dataset).truth_path)
    validation = validate(dataset, dataset_kind(dataset), truth, trait_scores=scores,
                          aggregated_traits=aggregated, independence_tests=tests, observed_graph=graph,
                          crl_latents=latents if len(latents) else None)
    evaluation = validation.evaluation.assign(dataset=dataset)
    report = render_report(validation)
    failed = evaluation[~evaluation["passed"]]
    notice = simulated_notice(dataset)
    yield dg.Output(evaluation, "known_truth_validation", metadata={
        **notice, **table_metadata(evaluation, ["section", "metric", "scope", "value", "bound", "passed"]),
        "people": validation.n_people, "bounds": len(evaluation), "failed_bounds": len(failed),
        "report": dg.MetadataValue.md(report)})
    yield dg.Output(pd.DataFrame([{"dataset": dataset, "passed": validation.passed, "report": report}]),
                    "known_truth_report", metadata={**notice, "report": dg.MetadataValue.md(report)})
    yield dg.AssetCheckResult(
        asset_key=KNOWN_TRUTH_VALIDATION, check_name=RECOVERY_CHECK, passed=validation.passed,
        description=(f"all {len(evaluation)} recovery bounds hold" if validation.passed else
                     f"{len(failed)} of {len(evaluation)} recovery bounds fail"),
        metadata={"failed": dg.MetadataValue.md(markdown_table(
            failed[["section", "metric", "scope", "value", "bound", "note"]], rows=20) if len(failed) else "none")})
