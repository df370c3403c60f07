"""Level II materialized on the shipped sample: the model trains on the athletes who have a face and every model's
description (and, when asked, their structured bio features as the shared block's own measurement), stores latents,
adjacency, losses and its state with the identifying assumption and whether the run meets it, and the latent graph
is drawn with post hoc readings and marks the edges the assumption cannot identify; the sample's celebrities (one
usable photo) are too few, which gives empty tables that say why."""
from __future__ import annotations

import io
import json

import dagster as dg
import numpy as np
import pandas as pd
import torch

from assets import embeddings
from assets.crl import CRL_LATENTS, crl
from assets.latent_causal_graph import latent_causal_graph
from assets.partitions import dataset_partitions
from personax_platform.config.datasets import load_config
from personax_platform.crl.assumption import ASSUMPTION
from personax_platform.crl.bio_features import structured_bio_features
from resources.embeddings import FaceEmbeddingResource, TextEncoderResource
from tests.pipeline.traits_support import BIOS_ASSETS, TRAIT_ASSETS, llm_resources, materialize_traits, read_table

UPSTREAM = BIOS_ASSETS + TRAIT_ASSETS + [embeddings.face_embeddings, embeddings.text_embeddings]
FAST = {"epochs": 20, "batch_size": 16, "min_people": 5}


def _embedded(warehouse_dirs, llm_setup, dataset: str) -> dict:
    """Everyone of the dataset's sample leagues rated by three scripted models and embedded (dlib faces, MiniLM)."""
    resources = {**llm_resources(warehouse_dirs, *llm_setup), "faces": FaceEmbeddingResource(workers=1),
                 "encoder": TextEncoderResource()}
    for league in load_config().datasets[dataset].leagues:
        assert materialize_traits(resources, league=league, max_people=0).success
        assert dg.materialize(UPSTREAM, partition_key=league, resources=resources,
                              selection=[embeddings.face_embeddings, embeddings.text_embeddings]).success
    return resources


def _run(resources: dict, dataset: str, crl_config: dict):
    config = {"ops": {"crl": {"config": crl_config},
                      "analysis__latent_causal_graph": {"config": {"ci_test": "fisherz", "resamples": 5}}}}
    return dg.materialize(UPSTREAM + [crl, latent_causal_graph], partition_key=dataset, resources=resources,
                          selection=[crl, latent_causal_graph], run_config=config)


def test_the_model_trains_on_complete_people_and_stores_latents_adjacency_losses_and_state(
        warehouse_dirs, llm_setup, server):
    result = _run(_embedded(warehouse_dirs, llm_setup, "athlepersona"), "athlepersona", FAST)
    assert result.success
    faces = read_table(warehouse_dirs, "face_embeddings", "embeddings")
    complete = set(faces.loc[faces["status"] == "ok", "person_id"])
    latents = read_table(warehouse_dirs, "crl_latents", "analysis")
    assert set(latents["person_id"]) == complete and set(latents["split"]) == {"train", "validation", "heldout"}
    assert latents.groupby("person_id").size().eq(2 + 5 + 5).all()  # the paper's athlete sizes
    adjacency = read_table(warehouse_dirs, "crl_adjacency", "analysis")
    assert (adjacency.loc[adjacency["child_block"] == "shared", "weight"] == 0).all()  # shared latents: no parents
    history = read_table(warehouse_dirs, "crl_training_history", "analysis")
    assert history["epoch"].max() == FAST["epochs"] - 1 or history["epoch"].max() == FAST["epochs"]
    (model,) = read_table(warehouse_dirs, "crl_model", "analysis").itertuples()
    assert json.loads(model.config)["epochs"] == FAST["epochs"]
    assert model.people_train + model.people_validation + model.people_heldout == len(complete)
    state = torch.load(io.BytesIO(model.state), weights_only=True)
    assert state and all(isinstance(v, torch.Tensor) for v in state.values())
    assert latents["config_hash"].nunique() == 1 and latents["config_hash"].iloc[0] == model.config_hash

    events = {e.asset_key.to_user_string(): e.materialization.metadata for e in
              result.get_asset_materialization_events()}
    assert events["analysis/crl_latents"]["loss_curves"].value.startswith("![loss curves](data:image/png;base64,")
    graph = events["analysis/latent_causal_graph"]
    assert all(label.startswith("post hoc:") for label in graph["suggested_labels_post_hoc"].value.values())
    assert graph["dot"].value.startswith('```dot\ndigraph "athlepersona_latent"')


def test_too_few_complete_people_leave_every_table_empty_and_say_why(warehouse_dirs, llm_setup, server):
    result = _run(_embedded(warehouse_dirs, llm_setup, "celebpersona"), "celebpersona", FAST)
    assert result.success
    assert read_table(warehouse_dirs, "crl_latents", "analysis").empty
    events = {e.asset_key.to_user_string(): e.materialization.metadata for e in
              result.get_asset_materialization_events()}
    assert events["analysis/crl_latents"]["status"].value.startswith("not trained:")
    assert events["analysis/latent_causal_graph"]["status"].value.startswith("not estimated:")


def test_with_the_shared_block_read_from_the_structured_bios_the_model_trains_on_them_and_reports_the_assumption(
        warehouse_dirs, llm_setup, server):
    result = _run(_embedded(warehouse_dirs, llm_setup, "athlepersona"), "athlepersona",
                  {**FAST, "shared_block_from": "structured_bios", "mechanisms": "nonlinear"})
    assert result.success
    bios = read_table(warehouse_dirs, "bios", "bios")
    features = structured_bio_features(bios, "athletes")
    with_features = {person for person, row in zip(features.ids, features.matrix) if not np.isnan(row).any()}
    faces = read_table(warehouse_dirs, "face_embeddings", "embeddings")
    latents = read_table(warehouse_dirs, "crl_latents", "analysis")
    assert set(latents["person_id"]) == set(faces.loc[faces["status"] == "ok", "person_id"]) & with_features
    (model,) = read_table(warehouse_dirs, "crl_model", "analysis").itertuples()
    config = json.loads(model.config)
    assert config["shared_from"] == "structured" and config["decoders_see_shared"] is False
    assert config["mechanism"] == "nonlinear"
    assert json.loads(model.input_dims)["structured"] == len(features.names)
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata for e in
                result.get_asset_materialization_events()}["analysis/crl_latents"]
    assert metadata["identifying_assumption"].value == ASSUMPTION
    assert metadata["mechanisms"].value == "nonlinear"
    assert metadata["assumption_met"].value is True  # two modalities, athlete block sizes, structured shared block
    assert metadata["assumption_check"].value.startswith("met (caveat:")  # far fewer people than measured
    assert metadata["structured_bio_features"].value == features.describe()
    assert 1 <= metadata["selected_epoch"].value <= FAST["epochs"]


def _planted_latents(people: int = 400) -> pd.DataFrame:
    """crl_latents rows of a chain s1 → img1 → img2 → txt1: two edges between blocks, one inside the image block."""
    rng = np.random.default_rng(0)
    s1 = rng.normal(size=people)
    img1 = s1 + 0.5 * rng.normal(size=people)
    img2 = img1 + 0.5 * rng.normal(size=people)
    txt1 = img2 + 0.5 * rng.normal(size=people)
    wide = pd.DataFrame({"person_id": [f"planted{i}" for i in range(people)], "split": "train",
                         "s1": s1, "img1": img1, "img2": img2, "txt1": txt1})
    long = wide.melt(id_vars=["person_id", "split"], var_name="latent", value_name="value")
    blocks = {"s1": "shared", "img1": "image", "img2": "image", "txt1": "text"}
    return long.assign(dataset="celebpersona", block=long["latent"].map(blocks), config_hash="planted")


def test_the_latent_graph_marks_edges_within_a_block_as_not_identified(warehouse_dirs, llm_setup, server):
    resources = llm_resources(warehouse_dirs, *llm_setup)
    assert materialize_traits(resources, league="celebrities", max_people=2).success

    @dg.asset(key=CRL_LATENTS, partitions_def=dataset_partitions)
    def planted_latents() -> pd.DataFrame:
        return _planted_latents()

    config = {"ops": {"analysis__latent_causal_graph": {"config": {"ci_test": "fisherz", "resamples": 0}}}}
    result = dg.materialize(BIOS_ASSETS + TRAIT_ASSETS + [planted_latents, latent_causal_graph],
                            partition_key="celebpersona", resources=resources, run_config=config,
                            selection=[planted_latents, latent_causal_graph])
    assert result.success
    edges = read_table(warehouse_dirs, "latent_causal_graph", "analysis")
    found = {frozenset((row.from_node, row.to_node)): row.identifiability for row in edges.itertuples()
             if row.in_estimate}
    assert found == {frozenset({"s1", "img1"}): "identified; orientation from order",
                     frozenset({"img1", "img2"}): "not identified (within block)",
                     frozenset({"img2", "txt1"}): "identified; orientation from order"}
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata for e in
                result.get_asset_materialization_events()}["analysis/latent_causal_graph"]
    assert metadata["edges_by_identifiability"].value == {"identified; orientation from order": 2,
                                                          "not identified (within block)": 1}
