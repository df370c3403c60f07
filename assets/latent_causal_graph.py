"""Group `analysis`: the causal graph among the learned Level II latents of a dataset (PC, seeded resampling), drawn
like the paper's figures, with each latent's strongest correlations with the observed features and traits next to it
(the paper named latents that way; the labels here are suggestions, marked post hoc). Each edge says whether Level
II's identifying assumption can back it: one between two latents of the same block cannot be identified."""

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.analysis_defaults import DATASET_ANALYSIS
from assets.bios import BIOS
from assets.crl import CRL_LATENTS
from assets.frame_types import AGGREGATED_TRAITS_FRAME, BIOS_FRAME, CRL_LATENTS_FRAME
from assets.metadata import image_metadata, markdown_table, table_metadata
from assets.partitions import dataset_kind, league_to_dataset
from assets.traits import AGGREGATED_TRAITS
from personax_platform.causal_graph import PCSettings, edge_stability, graph_png, prepare, to_dot
from personax_platform.causal_graph.latent import latent_nodes, latent_rules
from personax_platform.causal_graph.observed import OBSERVED_NODES, observed_frame
from personax_platform.causal_graph.schema import LATENT_CAUSAL_GRAPH_EDGES
from personax_platform.crl.assumption import edge_identifiability
from personax_platform.stats.latent_correlations import indicator_columns, strongest_correlations, suggested_labels

LATENT_CAUSAL_GRAPH = dg.AssetKey(["analysis", "latent_causal_graph"])


class LatentGraphConfig(dg.Config):
    ci_test: str = Field("rcit", description="rcit (default, as the paper), kci or fisherz.")
    alpha: float = Field(0.05, gt=0, lt=1, description="Significance level of PC's conditional independence tests.")
    resamples: int = Field(20, ge=0, description="Half-subsamples for the edge and orientation frequencies.")
    seed: int = Field(0, description="Seeds the resamples, the kernel tests' row subset and RCIT.")
    kernel_max_rows: int = Field(1000, ge=20, description="Rows (seeded subset) that kci/rcit read per run.")
    top_correlations: int = Field(3, ge=1, description="Observed columns reported per latent.")


def latent_blocks(latents: pd.DataFrame) -> dict[str, list[str]]:
    """Block -> latent names, in the stored order (shared first)."""
    pairs = latents[["block", "latent"]].drop_duplicates()
    return {block: list(rows["latent"]) for block, rows in pairs.groupby("block", sort=False)}


@dg.asset(
    key=LATENT_CAUSAL_GRAPH,
    ins={"latents": dg.AssetIn(key=CRL_LATENTS),
         "people": dg.AssetIn(key=BIOS, partition_mapping=league_to_dataset),
         "aggregated": dg.AssetIn(key=AGGREGATED_TRAITS, partition_mapping=league_to_dataset)},
    kinds={"python", "parquet"},
    code_version="2",
    **DATASET_ANALYSIS,
    description=(
        "Level II: PC over the learned latents (RCIT by default) with the knowledge that shared latents have no "
        "parents among modality latents; one row per adjacent pair with type, resampling frequencies and "
        "`identifiability` (an edge within a latent block is not identified by the model's assumption). The UI "
        "shows the graph grouped shared / image / text and each latent's strongest correlations with the "
        "observed features and trait scores (labels are post hoc suggestions)."
    ),
)
def latent_causal_graph(context: dg.AssetExecutionContext, config: LatentGraphConfig, latents: CRL_LATENTS_FRAME,
                        people: BIOS_FRAME, aggregated: AGGREGATED_TRAITS_FRAME) -> dg.Output:
    dataset = context.partition_key
    blocks = latent_blocks(latents)
    nodes = latent_nodes(blocks)
    wide = latents.pivot(index="person_id", columns="latent", values="value")[[n.name for n in nodes]]
    data = prepare(wide.reset_index(drop=True), nodes)
    settings = PCSettings(config.ci_test, config.alpha, config.kernel_max_rows)
    result = edge_stability(data, latent_rules(blocks), settings, resamples=config.resamples, seed=config.seed)
    edges = result.edges.assign(dataset=dataset, ci_test=config.ci_test, alpha=config.alpha, n=data.n,
                                resampling="subsample", seed=config.seed,
                                resamples=config.resamples if result.estimate.estimated else 0)
    block_of = {latent: block for block, names in blocks.items() for latent in names}
    edges["identifiability"] = [edge_identifiability(block_of[source], block_of[target])  # symmetric in the blocks
                                for source, target in zip(edges["from_node"], edges["to_node"])]
    shown = edges[edges["in_estimate"]]

    observed_nodes = list(OBSERVED_NODES[dataset_kind(dataset)])
    observed = observed_frame(people, aggregated).set_index("person_id")[[n.name for n in observed_nodes]]
    observed = indicator_columns(observed, [n.name for n in observed_nodes if n.encoding == "categorical"])
    correlations = strongest_correlations(wide, observed.reindex(wide.index), top=config.top_correlations)
    labels = suggested_labels(correlations)
    metadata = {
        **table_metadata(edges, ["from_node", "to_node", "type", "in_estimate", "frequency", "identifiability"],
                         LATENT_CAUSAL_GRAPH_EDGES),
        "status": "estimated" if result.estimate.estimated else f"not estimated: {result.estimate.reason}",
        "edges_by_identifiability": dg.MetadataValue.json(  # of the edges in the estimate, those drawn
            {str(kind): int(count) for kind, count in shown["identifiability"].value_counts().sort_index().items()}),
        "people": data.n,
        "latent_correlations": dg.MetadataValue.md(
            markdown_table(correlations.round(3), rows=len(correlations)) if len(correlations)
            else "_no latent × column pair had enough rows_"),
        "suggested_labels_post_hoc": dg.MetadataValue.json(labels),
        "dot": dg.MetadataValue.md(f"```dot\n{to_dot(shown, nodes, f'{dataset}_latent')}```"),
    }
    if nodes:
        title = f"{dataset}: latent graph (PC, {config.ci_test}), n = {data.n}, {config.resamples} resamples"
        metadata["graph"] = image_metadata(graph_png(shown, nodes, title), "latent causal graph")
    return dg.Output(edges, metadata=metadata)
