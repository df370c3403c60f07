"""Baselines for the identifiability check, each returning latents of the same size as the model's.

- single measurement: our model trained on the first measurement of every modality only (the official synthetic
  script's effective behaviour: measurements 2 and 3 never reached the evaluated latents);
- PCA and FastICA (scikit-learn) on all inputs concatenated, z-scored with training statistics;
- β-VAE (torch): one MLP encoder/decoder over all inputs concatenated, isotropic Gaussian prior, β = 4 on the KL
  with the reconstruction summed over features (Higgins et al.'s weighting); its posterior means are the latents.

Every baseline is fitted on the training rows only and returns latents for every row, so the same held-out metrics
apply to all methods.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA, FastICA
from torch import nn

from personax_platform.crl.config import CRLConfig
from personax_platform.crl.determinism import deterministic_torch
from personax_platform.crl.inputs import Measurements, prepare_inputs, standardisation
from personax_platform.crl.networks import mlp
from personax_platform.crl.training import TRAIN, split_rows, train_crl


def first_measurements(measurements: Measurements) -> Measurements:
    """The same persons with only the first measurement of every modality."""
    firsts = {modality: dict([next(iter(blocks.items()))]) for modality, blocks in measurements.modalities.items()}
    return Measurements(firsts, measurements.structured, measurements.ids)


def single_measurement(measurements: Measurements, config: CRLConfig) -> np.ndarray:
    """Latents of our model trained on the first measurement per modality (rows in input order)."""
    return train_crl(first_measurements(measurements), config).latent_matrix()


def concatenated_inputs(measurements: Measurements, config: CRLConfig) -> tuple[np.ndarray, np.ndarray]:
    """All blocks side by side, z-scored with the training split's statistics (the split train_crl draws for the
    same config), and the boolean training mask."""
    prepared = prepare_inputs(measurements, config)
    x = np.concatenate(list(prepared.blocks.values()), axis=1).astype(np.float64)
    train = training_mask(prepared.n, config)
    mean, std = standardisation(x[train])
    return (x - mean) / std, train


def split_masks(n: int, config: CRLConfig) -> dict[str, np.ndarray]:
    """Boolean masks of train_crl's train, validation and held-out rows for this config (the same seed draws the
    same split)."""
    with deterministic_torch(config.seed, config.threads):
        splits = split_rows(n, config.train_fraction, config.validation_fraction,
                            torch.Generator().manual_seed(config.seed))
    masks = {split: np.zeros(n, dtype=bool) for split in splits}
    for split, rows in splits.items():
        masks[split][rows] = True
    return masks


def training_mask(n: int, config: CRLConfig) -> np.ndarray:
    """The rows train_crl trains on (neither its validation nor its held-out rows)."""
    return split_masks(n, config)[TRAIN]


def pca_latents(measurements: Measurements, config: CRLConfig) -> np.ndarray:
    x, train = concatenated_inputs(measurements, config)
    return PCA(config.latent_dim, random_state=config.seed).fit(x[train]).transform(x)


def ica_latents(measurements: Measurements, config: CRLConfig) -> np.ndarray:
    x, train = concatenated_inputs(measurements, config)
    ica = FastICA(config.latent_dim, random_state=config.seed, max_iter=1000, whiten="unit-variance")
    return ica.fit(x[train]).transform(x)


@dataclass(frozen=True)
class BetaVAESettings:
    beta: float = 4.0
    epochs: int = 100
    lr: float = 1e-3


class _BetaVAE(nn.Module):
    def __init__(self, in_dim: int, latent_dim: int, hidden: tuple[int, ...], beta: float) -> None:
        super().__init__()
        self.beta = beta
        self.encoder = mlp(in_dim, hidden, 2 * latent_dim)
        self.decoder = mlp(latent_dim, tuple(reversed(hidden)), in_dim)

    def loss(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        z = mean + (0.5 * logvar).exp() * torch.randn(mean.shape, generator=generator)
        recon = ((self.decoder(z) - x) ** 2).sum(dim=1)
        kl = 0.5 * (mean ** 2 + logvar.exp() - 1 - logvar).sum(dim=1)
        return (recon + self.beta * kl).mean()


def beta_vae_latents(measurements: Measurements, config: CRLConfig,
                     settings: BetaVAESettings = BetaVAESettings()) -> np.ndarray:
    """Posterior means of a β-VAE with the model's hidden sizes and batch size, trained on the training rows."""
    x, train = concatenated_inputs(measurements, config)
    with deterministic_torch(config.seed, config.threads):
        generator = torch.Generator().manual_seed(config.seed)
        model = _BetaVAE(x.shape[1], config.latent_dim, config.hidden, settings.beta)
        optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
        data = torch.tensor(x[train], dtype=torch.float32)
        for _ in range(settings.epochs):
            order = torch.randperm(len(data), generator=generator)
            for rows in torch.tensor_split(order, max(1, len(data) // config.batch_size)):
                loss = model.loss(data[rows], generator)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        with torch.no_grad():
            return model.encoder(torch.tensor(x, dtype=torch.float32)).chunk(2, dim=1)[0].numpy().astype(np.float64)
