"""The observed-variable causal graph asset: materialized from the real traits assets into the warehouse with its
drawing and DOT text, obeying the background knowledge, and recovering the planted graph of a generated cohort."""
from __future__ import annotations

import dagster as dg
import pandas as pd

from assets.observed_causal_graph import ObservedGraphConfig, observed_causal_graph
from personax_platform.causal_graph import Edge, oracle_edges, structural_hamming_distance
from personax_platform.causal_graph.observed import OBSERVED_NODES, default_rules
from personax_platform.sample.generator import generate_cohort
from personax_platform.sample.planted_graph import PLANTED_DAG
from personax_platform.traits.constants import TRAITS
from tests.pipeline.traits_support import (
    BIOS_ASSETS,
    TRAIT_ASSETS,
    llm_resources,
    materialize_dataset_traits,
    read_table,
)

BIRTH_DATE = {"birth_year", "birth_month", "birth_day"}


def test_the_graph_lands_in_the_warehouse_with_its_drawing_and_obeys_the_background_knowledge(
        warehouse_dirs, llm_setup, server):
    resources = llm_resources(warehouse_dirs, *llm_setup)
    materialize_dataset_traits(resources, "athlepersona", max_people=5)
    config = {"ops": {"analysis__observed_causal_graph": {"config": {"resamples": 10, "alpha": 0.3}}}}
    result = dg.materialize(BIOS_ASSETS + TRAIT_ASSETS + [observed_causal_graph], partition_key="athlepersona",
                            selection=[observed_causal_graph], resources=resources, run_config=config)
    assert result.success
    table = read_table(warehouse_dirs, "observed_causal_graph", "analysis")
    assert (table["dataset"] == "athlepersona").all() and (table["resamples"] == 10).all()
    assert table["frequency"].between(0, 1).all() and table["n"].gt(0).all()
    directed = table[table["type"] == "directed"]
    assert not directed["to_node"].isin(BIRTH_DATE | {"league"}).any()  # nothing causes birth date or league
    assert not (directed["from_node"].isin(TRAITS) & ~directed["to_node"].isin(TRAITS)).any()
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["graph"].value.startswith("![observed causal graph](data:image/png;base64,")
    assert metadata["dot"].value.startswith('```dot\ndigraph "athlepersona_observed"')
    assert metadata["status"].value == "estimated"


def test_a_dataset_with_too_few_complete_rows_gets_an_empty_graph_that_says_why(warehouse_dirs, llm_setup, server):
    resources = llm_resources(warehouse_dirs, *llm_setup)
    materialize_dataset_traits(resources, "celebpersona", max_people=5)
    result = dg.materialize(BIOS_ASSETS + TRAIT_ASSETS + [observed_causal_graph], partition_key="celebpersona",
                            selection=[observed_causal_graph], resources=resources)
    assert result.success
    assert read_table(warehouse_dirs, "observed_causal_graph", "analysis").empty
    (event,) = result.get_asset_materialization_events()
    status = event.materialization.metadata["status"].value
    assert status.startswith("not estimated: too few complete rows"), status


def _generated(dataset: str, **size) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A generated cohort as the asset's inputs: bios, and aggregated traits equal to the reference scores."""
    people, _ = generate_cohort(dataset, **size)
    people["person_id"] = [f"p{i}" for i in range(len(people))]
    aggregated = people.melt(id_vars="person_id", value_vars=[f"{t}_score" for t in TRAITS], var_name="trait",
                             value_name="score")
    aggregated["trait"] = aggregated["trait"].str.removesuffix("_score")
    return people.drop(columns=list(TRAITS)), aggregated


def test_on_a_generated_cohort_the_asset_recovers_the_planted_graph_with_stable_planted_edges():
    people, aggregated = _generated("athlepersona", per_league=300)
    context = dg.build_asset_context(partition_key="athlepersona")
    output = observed_causal_graph(context=context, config=ObservedGraphConfig(resamples=20), people=people,
                                   aggregated=aggregated)
    edges = output.value
    found = [Edge(r.from_node, r.to_node, r.type) for r in edges[edges["in_estimate"]].itertuples()]
    nodes = list(OBSERVED_NODES["athletes"])
    truth = oracle_edges(list(PLANTED_DAG["athlepersona"]), nodes, default_rules("athletes"))
    distance = structural_hamming_distance(found, truth)
    print(f"\nathletes via the asset: SHD {distance.total} of {len(truth)} planted edges; edges found {len(found)}")
    assert distance.total <= 6
    planted = edges[[frozenset((r.from_node, r.to_node)) in {e.pair for e in truth} for r in edges.itertuples()]]
    assert planted.loc[planted["in_estimate"], "frequency"].median() >= 0.9
