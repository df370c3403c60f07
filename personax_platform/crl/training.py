"""Train the Level II model: split, standardise with training statistics, Adam on minibatches, record losses.

Reproducible on CPU: the config's seed seeds torch (weights, sampling) and one torch.Generator that draws the
train/held-out split, the flow's permutations, every epoch's shuffle and the posterior samples, all inside
`deterministic_torch` (fixed threads, deterministic algorithms). Same data and config → bit-identical losses and
latents. The held-out loss of each epoch uses posterior means (no sampling), the training loss is the average of the
epoch's minibatch losses.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import torch

from personax_platform.crl.config import ATHLETES, CRLConfig
from personax_platform.crl.determinism import deterministic_torch
from personax_platform.crl.inputs import Measurements, PreparedInputs, prepare_inputs, standardisation
from personax_platform.crl.model import LOSS_TERMS, CRLModel
from personax_platform.crl.result import CRLResult
from personax_platform.progress import Progress, Report

TRAIN, HELDOUT = "train", "heldout"


def train_crl(measurements: Measurements, config: CRLConfig = ATHLETES, progress: Report | None = None) -> CRLResult:
    """Fit the model to the measurements; latents of every person (both splits) come back in the result.
    `progress` gets lines on the epochs with their losses (reading them changes nothing in the training)."""
    prepared = prepare_inputs(measurements, config)
    with deterministic_torch(config.seed, config.threads):
        generator = torch.Generator().manual_seed(config.seed)
        train_rows, heldout_rows = split_rows(prepared.n, config.train_fraction, generator)
        blocks = {key: torch.from_numpy(array) for key, array in prepared.blocks.items()}
        model = CRLModel(config, prepared.dims, prepared.modality_blocks, generator)
        model.set_standardisation({key: tuple(torch.from_numpy(v) for v in standardisation(array[train_rows]))
                                   for key, array in prepared.blocks.items()})
        history = _fit(model, blocks, train_rows, heldout_rows, generator, progress)
        model.eval()
        with torch.no_grad():
            latents = model.encode(model.standardise(blocks)).mean.numpy().astype(np.float64)
            adjacency = model.adjacency().numpy().astype(np.float64)
        buffer = io.BytesIO()
        torch.save(model.state_dict(), buffer)
    return _result(config, prepared, model, latents, adjacency, history, train_rows, buffer.getvalue())


def split_rows(n: int, train_fraction: float, generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random train/held-out split (at least 2 training rows and 1 held-out row), each sorted."""
    heldout = min(max(1, round(n * (1 - train_fraction))), n - 2)
    order = torch.randperm(n, generator=generator).numpy()
    return np.sort(order[heldout:]), np.sort(order[:heldout])


def _fit(model: CRLModel, blocks: dict[str, torch.Tensor], train_rows: np.ndarray, heldout_rows: np.ndarray,
         generator: torch.Generator, progress: Report | None) -> pd.DataFrame:
    config = model.config
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    train = {key: x[train_rows] for key, x in blocks.items()}
    heldout = {key: x[heldout_rows] for key, x in blocks.items()}
    n = len(train_rows)
    records = []
    epochs = Progress(config.epochs, "CRL training epochs", progress)
    for epoch in range(1, config.epochs + 1):
        model.train()
        sums = dict.fromkeys(LOSS_TERMS, 0.0)
        # n // batch_size near-equal minibatches: none smaller than batch_size (a batch of one has no covariance)
        for rows in torch.tensor_split(torch.randperm(n, generator=generator), max(1, n // config.batch_size)):
            losses = model.losses({key: x[rows] for key, x in train.items()}, generator)
            optimizer.zero_grad()
            losses["total"].backward()
            optimizer.step()
            for term in LOSS_TERMS:
                sums[term] += losses[term].item() * len(rows)
        records.append({"epoch": epoch, "split": TRAIN, **{term: sums[term] / n for term in LOSS_TERMS}})
        model.eval()
        with torch.no_grad():
            losses = model.losses(heldout, None)
        records.append({"epoch": epoch, "split": HELDOUT, **{term: losses[term].item() for term in LOSS_TERMS}})
        epochs.advance(note=_losses(records[-2:]))
    epochs.finish(note=_losses(records[-2:]))
    return pd.DataFrame.from_records(records)


def _losses(epoch: list[dict]) -> str:
    """The total losses of an epoch's two records (train, held-out), as its progress line ends."""
    train, heldout = (record["total"] for record in epoch)
    return f"loss train {train:.4g}, held-out {heldout:.4g}"


def _result(config: CRLConfig, prepared: PreparedInputs, model: CRLModel, latents: np.ndarray,
            adjacency: np.ndarray, history: pd.DataFrame, train_rows: np.ndarray, state: bytes) -> CRLResult:
    names = model.layout.names
    split = np.full(prepared.n, HELDOUT, dtype=object)
    split[train_rows] = TRAIN
    frame = pd.concat([pd.DataFrame({"person_id": prepared.ids, "split": split}),
                       pd.DataFrame(latents, columns=names)], axis=1)
    # internal convention A[child, parent]; exported with rows = parent, columns = child
    graph = pd.DataFrame(adjacency.T, index=pd.Index(names, name="parent"), columns=pd.Index(names, name="child"))
    return CRLResult(config, frame, graph, history, state, prepared.dims, prepared.modality_blocks, prepared.dropped)
