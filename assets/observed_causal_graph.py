"""Group `analysis`: Level I's observed-variable causal graph: PC over the aggregated traits and the biography (and,
for celebrities, face) features of a dataset, with background knowledge and bootstrap edge stability."""
import dagster as dg
from pydantic import Field

from assets.analysis_defaults import DATASET_ANALYSIS
from assets.bios import BIOS
from assets.frame_types import AGGREGATED_TRAITS_FRAME, BIOS_FRAME
from assets.metadata import image_metadata, markdown_table, simulated_notice, table_metadata
from assets.partitions import dataset_kind, league_to_dataset
from assets.traits import AGGREGATED_TRAITS
from personax_platform.causal_graph import BackgroundRules, PCSettings, edge_stability, graph_png, prepare, to_dot
from personax_platform.causal_graph.observed import (
    DEFAULT_EXOGENOUS,
    DEFAULT_FORBIDDEN,
    OBSERVED_NODES,
    observed_frame,
)

OBSERVED_CAUSAL_GRAPH = dg.AssetKey(["analysis", "observed_causal_graph"])


class ObservedGraphConfig(dg.Config):
    ci_test: str = Field("fisherz", description="fisherz (linear, fast), kci or rcit (kernel tests, nonlinear).")
    alpha: float = Field(0.05, gt=0, lt=1, description="Significance level of PC's conditional independence tests.")
    resamples: int = Field(100, ge=0, description="Resamples for the edge and orientation frequencies.")
    resampling: str = Field("subsample", description="subsample (without replacement; default) or bootstrap "
                                                     "(with replacement: repeated rows inflate chance edges).")
    subsample_fraction: float = Field(0.5, gt=0, le=1, description="Share of the rows in each subsample.")
    seed: int = Field(0, description="Seeds the resamples, the kernel tests' row subset and RCIT.")
    kernel_max_rows: int = Field(1000, ge=20, description="Rows (seeded subset) that kci/rcit read per run.")
    max_conditioning: int | None = Field(None, ge=0, description="Largest conditioning set PC tries (None: all).")
    exogenous: list[str] | None = Field(
        None, description="Nodes or groups with no causes. Default: birth date, plus league (athletes) or gender.")
    forbidden: list[str] | None = Field(
        None, description="'cause -> effect' rules over nodes or groups (traits, biography, face). Default: "
                          "traits -> biography, and face -> birth date for celebrities.")


@dg.asset(
    key=OBSERVED_CAUSAL_GRAPH,
    ins={"people": dg.AssetIn(key=BIOS, partition_mapping=league_to_dataset),
         "aggregated": dg.AssetIn(key=AGGREGATED_TRAITS, partition_mapping=league_to_dataset)},
    kinds={"python", "parquet"},
    code_version="1",
    **DATASET_ANALYSIS,
    description=(
        "Level I: the causal graph among the aggregated traits and the observed features (PC from causal-learn; "
        "CI test, alpha and background knowledge are configuration). One row per adjacent pair: from, to, type "
        "(directed/undirected/bidirected), whether the full-data estimate has it, and how often it and each "
        "orientation appear over seeded resamples (half-subsamples by default). The UI shows the drawing (nodes "
        "coloured by modality) and the DOT text."
    ),
)
def observed_causal_graph(context: dg.AssetExecutionContext, config: ObservedGraphConfig, people: BIOS_FRAME,
                          aggregated: AGGREGATED_TRAITS_FRAME) -> dg.Output:
    dataset = context.partition_key
    kind = dataset_kind(dataset)
    nodes = list(OBSERVED_NODES[kind])
    rules = BackgroundRules(tuple(config.exogenous if config.exogenous is not None else DEFAULT_EXOGENOUS[kind]),
                            tuple(config.forbidden if config.forbidden is not None else DEFAULT_FORBIDDEN[kind]))
    settings = PCSettings(config.ci_test, config.alpha, config.kernel_max_rows, config.max_conditioning)
    data = prepare(observed_frame(people, aggregated), nodes)
    result = edge_stability(data, rules, settings, resamples=config.resamples, seed=config.seed,
                            resampling=config.resampling, fraction=config.subsample_fraction)
    estimate = result.estimate
    edges = result.edges.assign(dataset=dataset, ci_test=config.ci_test, alpha=config.alpha, n=data.n,
                                resampling=config.resampling, resamples=config.resamples if estimate.estimated else 0,
                                seed=config.seed)
    shown = edges[edges["in_estimate"]]
    drawn = [node for node in nodes if node.name in data.names]
    title = (f"{dataset}: PC ({config.ci_test}, alpha {config.alpha}), n = {data.n}, "
             f"{config.resamples} {config.resampling} resamples")
    metadata = {
        **simulated_notice(dataset),
        **table_metadata(edges, ["from_node", "to_node", "type", "in_estimate", "frequency",
                                 "orientation_frequency"]),
        "status": "estimated" if estimate.estimated else f"not estimated: {estimate.reason}",
        "rows_complete": data.n,
        "rows_total": data.rows_total,
        "nodes": len(data.names),
        "excluded_nodes": dg.MetadataValue.json(data.excluded),
        "edges_in_estimate": dg.MetadataValue.json(shown["type"].value_counts().to_dict()),
        "resamples_not_estimated": len(result.resamples_not_estimated),
        "background_knowledge": dg.MetadataValue.json({"exogenous": list(rules.exogenous),
                                                       "forbidden": list(rules.forbidden)}),
        "unstable_edges": dg.MetadataValue.md(markdown_table(
            shown[shown["frequency"] < 0.5][["from_node", "to_node", "type", "frequency"]], rows=15)),
        "dot": dg.MetadataValue.md(f"```dot\n{to_dot(shown, drawn, f'{dataset}_observed')}```"),
    }
    if drawn:
        metadata["graph"] = image_metadata(graph_png(shown, drawn, title), "observed causal graph")
    return dg.Output(edges, metadata=metadata)
