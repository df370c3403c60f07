"""Group `analysis`: Level II (docs/paper.md §4). `crl` trains the multimodal, multi-measurement causal representation
model of one dataset on its face and text embeddings (those of the modalities the dataset has: a cohort without
photos trains on text only), optionally with the structured bio features as the shared block's own measurement, and
stores the latents of every person, the learned latent adjacency, the loss history and the model itself, with the
identifying assumption the run relies on and whether its data can meet it; `latent_causal_graph` runs PC over the
learned latents."""

import json
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timezone
from typing import Literal

import dagster as dg
import pandas as pd
from pydantic import Field

from assets.analysis_defaults import ANALYSIS_GROUP, ANALYSIS_OWNERS
from assets.bios import BIOS
from assets.embeddings import FACE_EMBEDDINGS, TEXT_EMBEDDINGS
from assets.frame_types import BIOS_FRAME, FACE_EMBEDDINGS_FRAME, TEXT_EMBEDDINGS_FRAME
from assets.metadata import image_metadata, markdown_table, simulated_notice, table_metadata
from assets.partitions import dataset_kind, dataset_partitions, league_to_dataset
from assets.pools import ANALYSIS_POOL
from personax_platform.crl import CRLConfig, CRLResult, LatentLayout, loss_curves_png, schema, train_crl
from personax_platform.crl.assumption import ASSUMPTION, check_assumption
from personax_platform.crl.bio_features import BioFeatures, structured_bio_features
from personax_platform.crl.config import preset_for_kind
from personax_platform.crl.from_embeddings import complete_people, measurements_from_embeddings
from personax_platform.crl.training import HELDOUT, TRAIN, VALIDATION

CRL_LATENTS = dg.AssetKey([ANALYSIS_GROUP, "crl_latents"])
CRL_ADJACENCY = dg.AssetKey([ANALYSIS_GROUP, "crl_adjacency"])
CRL_HISTORY = dg.AssetKey([ANALYSIS_GROUP, "crl_training_history"])
CRL_MODEL = dg.AssetKey([ANALYSIS_GROUP, "crl_model"])
STRUCTURED_BIOS, ALL_INPUTS = "structured_bios", "all_inputs"


class CRLTrainingConfig(dg.Config):
    epochs: int = Field(300, ge=1, description="Training epochs.")
    seed: int = Field(0, description="The only seed training uses (weights, split, shuffles, flow permutations).")
    lr: float = Field(3e-4, gt=0, description="Adam learning rate (the paper's 3e-4).")
    batch_size: int = Field(256, ge=2, description="Minibatch size.")
    kl_weight: float = Field(1e-2, ge=0, description="Weight of the flow's noise-independence term (paper: 1e-2).")
    sparsity_weight: float = Field(1e-3, ge=0, description="L1 weight on the latent adjacency (paper: 1e-3).")
    decorrelation_weight: float = Field(1e-2, ge=0, description="Weight pushing the recovered noises' moments to "
                                                                "N(0, I) (keeps the adjacency from collapsing).")
    tie_weight: float = Field(1e-2, ge=0, description="Weight pulling one modality's measurements' latents "
                                                      "together.")
    latent_sizes: dict[str, int] | None = Field(
        None, description="Latent block sizes, e.g. {shared: 2, image: 5, text: 5}; default: the paper's for the "
                          "dataset's kind (athletes 2/5/5, celebrities 3/10/5); the block of a modality "
                          "that no person has is dropped.")
    mechanisms: Literal["linear", "nonlinear"] = Field(
        "linear", description="The latent mechanisms: linear (z = A z + eps) or nonlinear (per latent, a conditional "
                              "shift flow on its parents, a sum of one smooth function per parent; docs/level2.md).")
    min_people: int = Field(20, ge=3, description="Train only when this many people have every measurement.")
    shared_block_from: Literal["structured_bios", "all_inputs"] = Field(
        ALL_INPUTS, description="Where the shared latents are read from: all_inputs (the paper's design: every "
                                "embedding, and every decoder sees them) or structured_bios (the bios' structured "
                                "features alone, which decoders do not see: what the identifying assumption needs; "
                                "people without those features are dropped).")


def model_config(kind: str, config: CRLTrainingConfig, modalities: Collection[str] = ()) -> CRLConfig:
    """The kind's preset with the run's settings, restricted to `modalities` when given (those the data has)."""
    changes: dict = dict(epochs=config.epochs, seed=config.seed, lr=config.lr, batch_size=config.batch_size,
                         kl_weight=config.kl_weight, sparsity_weight=config.sparsity_weight,
                         decorrelation_weight=config.decorrelation_weight, tie_weight=config.tie_weight,
                         mechanism=config.mechanisms)
    if config.shared_block_from == STRUCTURED_BIOS:
        changes.update(shared_from="structured", decoders_see_shared=False)
    base = preset_for_kind(kind)
    if config.latent_sizes:
        sizes = dict(config.latent_sizes)
        changes["shared_dim"] = sizes.pop("shared", base.shared_dim)
        known = dict(base.modalities)
        unknown = sorted(set(sizes) - set(known))
        if unknown:
            raise ValueError(f"latent_sizes names unknown blocks {unknown}; blocks are shared, {sorted(known)}")
        changes["modalities"] = tuple((name, sizes.get(name, size)) for name, size in base.modalities)
    settings = base.with_(**changes)
    return settings.restricted_to(modalities) if modalities else settings


def _outputs(result: CRLResult | None, dataset: str) -> tuple[pd.DataFrame, ...]:
    """The four tables (typed and empty when nothing was trained)."""
    tables = (schema.CRL_LATENTS, schema.CRL_ADJACENCY, schema.CRL_TRAINING_HISTORY, schema.CRL_MODEL)
    if result is None:
        return tuple(contract.empty_table().to_pandas() for contract in tables)
    digest = result.config_hash
    block_of = dict(zip(result.latent_names, LatentLayout.from_config(result.config).block_of))
    latents = result.latents.melt(id_vars=["person_id", "split"], var_name="latent", value_name="value")
    latents = latents.assign(dataset=dataset, block=latents["latent"].map(block_of), config_hash=digest)
    adjacency = result.adjacency.rename_axis(index="parent", columns="child").stack().rename("weight").reset_index()
    adjacency = adjacency.assign(dataset=dataset, parent_block=adjacency["parent"].map(block_of),
                                 child_block=adjacency["child"].map(block_of), config_hash=digest)
    history = result.history.assign(dataset=dataset, config_hash=digest)
    splits = result.latents["split"].value_counts()
    model = pd.DataFrame([{
        "dataset": dataset, "config_hash": digest, "config": json.dumps(result.config.to_dict(), sort_keys=True),
        "input_dims": json.dumps(result.input_dims, sort_keys=True), "people_train": int(splits.get(TRAIN, 0)),
        "people_validation": int(splits.get(VALIDATION, 0)), "people_heldout": int(splits.get(HELDOUT, 0)),
        "people_dropped": len(result.dropped), "state": result.state, "trained_at": datetime.now(timezone.utc)}])
    return tuple(frame[contract.names] for frame, contract in zip((latents, adjacency, history, model), tables))


def _inputs_note(modalities: str, features: BioFeatures | None) -> str:
    return modalities if features is None else f"{modalities}; structured bios ({features.describe()})"


@dg.multi_asset(
    outs={
        "crl_latents": dg.AssetOut(
            key=CRL_LATENTS, owners=ANALYSIS_OWNERS, kinds={"pytorch", "parquet"}, code_version="2",
            description="Level II latents of every person with every measurement: one row per person × latent "
                        "(shared s*, image img*, text txt*), its split (train: fitted on; validation: chose the "
                        "epoch kept; heldout: read by nothing in training) and the config hash. The metadata names "
                        "the identifying assumption and whether this run's data and config can meet it."),
        "crl_adjacency": dg.AssetOut(
            key=CRL_ADJACENCY, owners=ANALYSIS_OWNERS, kinds={"pytorch", "parquet"}, code_version="2",
            description="The learned latent adjacency (linear SEM weights, parent → child) under the causal order "
                        "shared → image → text, with the config hash."),
        "crl_training_history": dg.AssetOut(
            key=CRL_HISTORY, owners=ANALYSIS_OWNERS, kinds={"pytorch", "parquet"}, code_version="2",
            description="Every loss term per epoch on the train, validation and held-out splits."),
        "crl_model": dg.AssetOut(
            key=CRL_MODEL, owners=ANALYSIS_OWNERS, kinds={"pytorch", "parquet"}, code_version="2",
            description="The trained model: config (JSON) and hash, input dimensions, people per split (train, "
                        "validation, heldout) and dropped, and the state dict (torch.save bytes) to encode new "
                        "people."),
    },
    ins={"faces": dg.AssetIn(key=FACE_EMBEDDINGS, partition_mapping=league_to_dataset),
         "texts": dg.AssetIn(key=TEXT_EMBEDDINGS, partition_mapping=league_to_dataset),
         "bios": dg.AssetIn(key=BIOS, partition_mapping=league_to_dataset)},
    group_name=ANALYSIS_GROUP,
    partitions_def=dataset_partitions,
    pool=ANALYSIS_POOL,
    can_subset=False,
)
def crl(context: dg.AssetExecutionContext, config: CRLTrainingConfig, faces: FACE_EMBEDDINGS_FRAME,
        texts: TEXT_EMBEDDINGS_FRAME, bios: BIOS_FRAME):
    """Train on the modalities some person has (a modality nobody has drops out with its latent block), on the
    people who have every measurement of those: a face embedding and a description embedding from every model, and
    with `shared_block_from: structured_bios` every structured bio feature."""
    dataset = context.partition_key
    kind = dataset_kind(dataset)
    inputs = measurements_from_embeddings(faces, texts)
    settings = model_config(kind, config, inputs.modalities)
    measurements, features = inputs.measurements, None
    if config.shared_block_from == STRUCTURED_BIOS:
        features = structured_bio_features(bios, kind)
        measurements = replace(measurements, structured=features.aligned(measurements.ids))
    ready = complete_people(measurements)
    check = check_assumption(settings, ready)
    result = (train_crl(measurements, settings, progress=context.log.info)  # epochs in the UI's run view
              if ready >= config.min_people else None)
    latents, adjacency, history, model = _outputs(result, dataset)
    status = ("trained" if result is not None else
              f"not trained: {ready} people have every measurement ({_inputs_note(inputs.describe(), features)}), "
              f"at least {config.min_people} needed")
    common = {**simulated_notice(dataset), "status": status, "modalities": inputs.describe(),
              "shared_block_from": config.shared_block_from, "mechanisms": settings.mechanism,
              "config_hash": settings.hash,
              "people_with_every_measurement": ready,
              "identifying_assumption": ASSUMPTION, "assumption_check": check.describe(),
              "assumption_met": check.met}
    if features is not None:
        common["structured_bio_features"] = features.describe()
    if result is not None:
        common["selected_epoch"] = result.selected_epoch
    latent_metadata = {**table_metadata(latents, ["person_id", "split", "latent", "value"], schema.CRL_LATENTS),
                       **common,
                       "config": dg.MetadataValue.json(settings.to_dict())}
    if result is not None:
        final = result.history[result.history["epoch"] == result.history["epoch"].max()]
        latent_metadata["loss_curves"] = image_metadata(loss_curves_png(result.history), "loss curves")
        latent_metadata["final_losses"] = dg.MetadataValue.md(markdown_table(final))
        latent_metadata["people_dropped"] = len(result.dropped)
    yield dg.Output(latents, "crl_latents", metadata=latent_metadata)
    yield dg.Output(adjacency, "crl_adjacency", metadata={**table_metadata(adjacency), **common})
    yield dg.Output(history, "crl_training_history", metadata={**table_metadata(history), **common})
    yield dg.Output(model, "crl_model", metadata={"dagster/row_count": len(model), **common})
