"""Level II materialized on the shipped sample: the model trains on the athletes who have a face and every model's
description, stores latents, adjacency, losses and its state, and the latent graph is drawn with post hoc readings;
the sample's celebrities (one usable photo) are too few, which gives empty tables that say why."""
from __future__ import annotations

import io
import json

import dagster as dg
import pytest
import torch

from assets import embeddings
from assets.crl import crl
from assets.latent_causal_graph import latent_causal_graph
from personax_platform.config.datasets import load_config
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
    assert set(latents["person_id"]) == complete and set(latents["split"]) == {"train", "heldout"}
    assert latents.groupby("person_id").size().eq(2 + 5 + 5).all()  # the paper's athlete sizes
    adjacency = read_table(warehouse_dirs, "crl_adjacency", "analysis")
    assert (adjacency.loc[adjacency["child_block"] == "shared", "weight"] == 0).all()  # shared latents: no parents
    history = read_table(warehouse_dirs, "crl_training_history", "analysis")
    assert history["epoch"].max() == FAST["epochs"] - 1 or history["epoch"].max() == FAST["epochs"]
    (model,) = read_table(warehouse_dirs, "crl_model", "analysis").itertuples()
    assert json.loads(model.config)["epochs"] == FAST["epochs"] and model.people_train + model.people_heldout == \
        len(complete)
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
