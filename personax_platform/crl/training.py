"""Train the Level II model: split, standardise with training statistics, Adam on minibatches, record losses.

Three splits: the held-out (test) rows, which nothing in training or model selection reads; a validation share of the
remaining rows, whose loss chooses the epoch whose weights are kept (the official code chose the epoch on the test
metric); and the training rows proper. Reproducible on CPU: the config's seed seeds torch (weights, sampling) and one
torch.Generator that draws the splits, the flow's permutations, every epoch's shuffle and the posterior samples, all
inside `deterministic_torch` (fixed threads, deterministic algorithms). Same data and config → bit-identical losses
and latents. The validation and held-out losses of each epoch use posterior means (no sampling), the training loss is
the average of the epoch's minibatch losses.
"""
from __future__ import annotations

import copy
import io

import numpy as np
import pandas as pd
import torch

from personax_platform.crl.config import ATHLETES, CRLConfig
from personax_platform.crl.determinism import deterministic_torch
from personax_platform.crl.inputs import Measurements, PreparedInputs, prepare_inputs, standardisation
from personax_platform.crl.model import LOSS_TERMS, CRLModel
from personax_platform.crl.refinement import refine_prior
from personax_platform.crl.result import CRLResult
from personax_platform.progress import Progress, Report

TRAIN, VALIDATION, HELDOUT = "train", "validation", "heldout"


def train_crl(measurements: Measurements, config: CRLConfig = ATHLETES, progress: Report | None = None) -> CRLResult:
    """Fit the model to the measurements; latents of every person (both splits) come back in the result.
    `progress` gets lines on the epochs with their losses (reading them changes nothing in the training)."""
    prepared = prepare_inputs(measurements, config)
    with deterministic_torch(config.seed, config.threads):
        generator = torch.Generator().manual_seed(config.seed)
        splits = split_rows(prepared.n, config.train_fraction, config.validation_fraction, generator)
        train_rows = splits[TRAIN]
        blocks = {key: torch.from_numpy(array) for key, array in prepared.blocks.items()}
        model = CRLModel(config, prepared.dims, prepared.modality_blocks, generator)
        model.set_standardisation({key: tuple(torch.from_numpy(v) for v in standardisation(array[train_rows]))
                                   for key, array in prepared.blocks.items()})
        history, selected_epoch = _fit(model, blocks, splits, generator, progress)
        model.eval()
        with torch.no_grad():
            codes = model.encode(model.standardise(blocks)).mean
        if config.refine_steps:
            refine_prior(model, codes[splits[TRAIN]], codes[splits[VALIDATION]])
        with torch.no_grad():
            latents = model.latents(codes)
            adjacency = model.mechanisms(latents[splits[TRAIN]]).effects.numpy().astype(np.float64)
            latents = latents.numpy().astype(np.float64)
        buffer = io.BytesIO()
        torch.save(model.state_dict(), buffer)
    return _result(config, prepared, model, latents, adjacency, history, splits, selected_epoch, buffer.getvalue())


def split_rows(n: int, train_fraction: float, validation_fraction: float,
               generator: torch.Generator) -> dict[str, np.ndarray]:
    """Random rows of each split, sorted: held-out (1 - train_fraction of n, at least 1), validation
    (validation_fraction of the rest, at least 1 when the fraction is positive) and train (at least 2)."""
    heldout = min(max(1, round(n * (1 - train_fraction))), n - 2)
    validation = min(max(1, round((n - heldout) * validation_fraction)), n - heldout - 2) if validation_fraction else 0
    order = torch.randperm(n, generator=generator).numpy()
    return {HELDOUT: np.sort(order[:heldout]), VALIDATION: np.sort(order[heldout:heldout + validation]),
            TRAIN: np.sort(order[heldout + validation:])}


def _fit(model: CRLModel, blocks: dict[str, torch.Tensor], splits: dict[str, np.ndarray],
         generator: torch.Generator, progress: Report | None) -> tuple[pd.DataFrame, int]:
    """Train for config.epochs; keep the weights of the epoch with the lowest validation loss (the last epoch when
    there is no validation split). Returns the history and the kept epoch."""
    config = model.config
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    train = {key: x[splits[TRAIN]] for key, x in blocks.items()}
    evaluated = {split: {key: x[splits[split]] for key, x in blocks.items()}
                 for split in (VALIDATION, HELDOUT) if len(splits[split])}
    n = len(splits[TRAIN])
    best_loss, best_epoch, best_state = np.inf, config.epochs, None
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
            totals = {}
            for split, x in evaluated.items():  # the held-out loss is recorded for the curves, never used
                losses = model.losses(x, None)
                records.append({"epoch": epoch, "split": split, **{t: losses[t].item() for t in LOSS_TERMS}})
                totals[split] = records[-1]["total"]
        if VALIDATION in totals and totals[VALIDATION] < best_loss:
            best_loss, best_epoch, best_state = totals[VALIDATION], epoch, copy.deepcopy(model.state_dict())
        epochs.advance(note=_losses(records[-1 - len(evaluated):]))
    epochs.finish(note=_losses(records[-1 - len(evaluated):]) + f"; kept epoch {best_epoch} (lowest validation loss)")
    if best_state is not None:
        model.load_state_dict(best_state)
    return pd.DataFrame.from_records(records), best_epoch


def _losses(epoch: list[dict]) -> str:
    """The total losses of an epoch's records (train, then validation and held-out), as its progress line ends."""
    return "loss " + ", ".join(f"{record['split']} {record['total']:.4g}" for record in epoch)


def _result(config: CRLConfig, prepared: PreparedInputs, model: CRLModel, latents: np.ndarray,
            adjacency: np.ndarray, history: pd.DataFrame, splits: dict[str, np.ndarray], selected_epoch: int,
            state: bytes) -> CRLResult:
    names = model.layout.names
    split = np.empty(prepared.n, dtype=object)
    for name, rows in splits.items():
        split[rows] = name
    frame = pd.concat([pd.DataFrame({"person_id": prepared.ids, "split": split}),
                       pd.DataFrame(latents, columns=names)], axis=1)
    # internal convention A[child, parent]; exported with rows = parent, columns = child
    graph = pd.DataFrame(adjacency.T, index=pd.Index(names, name="parent"), columns=pd.Index(names, name="child"))
    return CRLResult(config, frame, graph, history, state, prepared.dims, prepared.modality_blocks, prepared.dropped,
                     selected_epoch)
