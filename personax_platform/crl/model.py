"""The Level II network (docs/paper.md §4) and its loss.

Per measurement an MLP encoder gives a Gaussian posterior (mean, log-variance) over its modality's latent block; the
modality's posterior is the average over its measurements, so every measurement informs the latents that are
reported, and a tie term penalises how far each measurement's mean lies from that average. A shared encoder over all
inputs concatenated gives the shared block s. Each measurement is decoded from (s, its modality's latents).

Prior over the latents: a linear SEM z = A z + eps with A masked to the causal order (layout.py); the exogenous noises
eps = z - A z are mapped to an isotropic Gaussian by a RealNVP flow. Because A is strictly lower-triangular,
det(I - A) = 1 and log p(z) = log p_flow(eps). The "kl" term is E_q[log q(z|x) - log p(z)], one reparameterised
sample per person: the posterior entropy in it is what stops the flow's NLL from being lowered by shrinking every
latent towards zero (a deterministic encoder with an NLL alone has that degenerate minimum).

A flow over the whole noise vector can model any dependence between the noises — a coupling layer's shift is a
shear, exactly the inverse of a linear SEM — so the NLL alone never asks A to explain anything, and the L1 penalty
then drives A to zero (measured: an empty learned graph on every synthetic run). The "decorrelation" term, the
Gaussian KL of the batch moments of eps to N(0, I) (the alternative the official code left commented out), cannot be
absorbed by the flow: it makes the noises uncorrelated and of unit scale, so A has to carry the linear dependence
between latents, and the L1 sparsity (on exactly the adjacency's free entries) chooses the sparsest such A.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from personax_platform.crl.config import CRLConfig
from personax_platform.crl.flow import RealNVP
from personax_platform.crl.inputs import STRUCTURED
from personax_platform.crl.layout import SHARED, LatentLayout
from personax_platform.crl.networks import mlp

LOSS_TERMS = ("total", "recon", "kl", "decorrelation", "sparsity", "tie")


@dataclass
class Posterior:
    """Latent posterior per person: mean and log-variance over the whole latent vector, and every measurement's
    own mean for its modality block (key "modality/measurement")."""
    mean: torch.Tensor
    logvar: torch.Tensor
    per_measurement: dict[str, torch.Tensor]


class CRLModel(nn.Module):
    """Encoders, decoders, the masked latent adjacency and the noise flow; inputs are raw blocks (standardised
    inside with the training split's statistics, which are buffers of the state dict)."""

    def __init__(self, config: CRLConfig, dims: dict[str, int], modality_blocks: dict[str, list[str]],
                 generator: torch.Generator) -> None:
        super().__init__()
        self.config = config
        self.layout = LatentLayout.from_config(config)
        self.modality_blocks = modality_blocks
        self.dims = dims
        # torch module and buffer names cannot hold every measurement name (e.g. "llama-3.1"): block i of `dims` is
        # called b{i} inside the model (encoders.b0…, mean_b0…); CRLResult.input_dims keeps that order
        self.module_name = {key: f"b{i}" for i, key in enumerate(dims)}
        latent_size = dict(config.modalities)
        hidden, reverse = config.hidden, tuple(reversed(config.hidden))
        self.encoders = nn.ModuleDict({self.module_name[key]: mlp(dims[key], hidden, 2 * latent_size[modality])
                                       for modality, keys in modality_blocks.items() for key in keys})
        self.shared_encoder = mlp(sum(dims.values()), hidden, 2 * config.shared_dim)
        self.decoders = nn.ModuleDict({
            self.module_name[key]: mlp(config.shared_dim + latent_size[modality], reverse, dims[key])
            for modality, keys in modality_blocks.items() for key in keys})
        if STRUCTURED in dims:
            self.decoders[self.module_name[STRUCTURED]] = mlp(config.shared_dim, reverse, dims[STRUCTURED])
        for key, dim in dims.items():
            self.register_buffer(f"mean_{self.module_name[key]}", torch.zeros(dim))
            self.register_buffer(f"std_{self.module_name[key]}", torch.ones(dim))
        self.register_buffer("edge_mask", torch.tensor(self.layout.allowed_edges(), dtype=torch.float32))
        self.adjacency_free = nn.Parameter(torch.zeros(self.layout.dim, self.layout.dim))
        self.flow = RealNVP(self.layout.dim, config.flow_layers, config.flow_hidden, generator)

    # --- inputs -------------------------------------------------------------------------------------------------
    def set_standardisation(self, stats: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> None:
        for key, (mean, std) in stats.items():
            for buffer, value in zip(self._stats(key), (mean, std)):
                buffer.copy_(value)

    def standardise(self, blocks: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {key: (x - self._stats(key)[0]) / self._stats(key)[1] for key, x in blocks.items()}

    def _stats(self, key: str) -> tuple[torch.Tensor, torch.Tensor]:
        name = self.module_name[key]
        return getattr(self, f"mean_{name}"), getattr(self, f"std_{name}")

    # --- structure ----------------------------------------------------------------------------------------------
    def adjacency(self) -> torch.Tensor:
        """A[i, j] = weight of edge j → i; exactly zero outside the causal order."""
        return self.adjacency_free * self.edge_mask

    def sparsity(self) -> torch.Tensor:
        """L1 norm of the free entries (the masked ones are zero, so this is exactly their sum)."""
        return self.adjacency().abs().sum()

    def exogenous(self, z: torch.Tensor) -> torch.Tensor:
        """eps = (I - A) z, row-wise."""
        return z - z @ self.adjacency().T

    # --- forward ------------------------------------------------------------------------------------------------
    def encode(self, x: dict[str, torch.Tensor]) -> Posterior:
        """Posterior of standardised inputs x (keys as in `dims`)."""
        shared = self.shared_encoder(torch.cat([x[key] for key in self.dims], dim=1))
        means = [shared[:, :self.config.shared_dim]]
        logvars = [shared[:, self.config.shared_dim:]]
        per_measurement = {}
        for modality, keys in self.modality_blocks.items():
            outputs = [self.encoders[self.module_name[key]](x[key]).chunk(2, dim=1) for key in keys]
            per_measurement.update({key: mean for key, (mean, _) in zip(keys, outputs)})
            means.append(torch.stack([mean for mean, _ in outputs]).mean(dim=0))
            # pooled variance: the average of the measurements' variances
            logvars.append(torch.stack([logvar.exp() for _, logvar in outputs]).mean(dim=0).log())
        return Posterior(torch.cat(means, dim=1), torch.cat(logvars, dim=1), per_measurement)

    def tie(self, post: Posterior) -> torch.Tensor:
        """Mean over measurements of the squared distance between a measurement's own estimate of its modality block
        and the modality latent (the average of the estimates)."""
        distances = [((post.per_measurement[key] - post.mean[:, self.layout.block(modality)]) ** 2).sum(dim=1).mean()
                     for modality, keys in self.modality_blocks.items() for key in keys]
        return torch.stack(distances).mean()

    def decode(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        s = z[:, self.layout.block(SHARED)]
        out = {}
        for modality, keys in self.modality_blocks.items():
            inputs = torch.cat([s, z[:, self.layout.block(modality)]], dim=1)
            out.update({key: self.decoders[self.module_name[key]](inputs) for key in keys})
        if STRUCTURED in self.dims:
            out[STRUCTURED] = self.decoders[self.module_name[STRUCTURED]](s)
        return out

    def losses(self, raw: dict[str, torch.Tensor], generator: torch.Generator | None) -> dict[str, torch.Tensor]:
        """Weighted total and its terms (each averaged over persons). With a generator the latents are sampled from
        the posterior (training); without, the posterior mean is used (evaluation, deterministic)."""
        x = self.standardise(raw)
        post = self.encode(x)
        z = post.mean
        if generator is not None:
            z = z + (0.5 * post.logvar).exp() * torch.randn(z.shape, generator=generator, dtype=z.dtype)
        recon = torch.stack([((x_hat - x[key]) ** 2).mean() for key, x_hat in self.decode(z).items()]).sum()
        eps = self.exogenous(z)
        entropy = (0.5 * (post.logvar + math.log(2 * math.pi * math.e))).sum(dim=1)
        terms = {"recon": recon, "kl": (self.flow.nll(eps) - entropy).mean(), "decorrelation": gaussian_kl(eps),
                 "sparsity": self.sparsity(), "tie": self.tie(post)}
        c = self.config
        weights = {"recon": c.recon_weight, "kl": c.kl_weight, "decorrelation": c.decorrelation_weight,
                   "sparsity": c.sparsity_weight, "tie": c.tie_weight}
        return {"total": sum(weights[name] * value for name, value in terms.items()), **terms}


def gaussian_kl(eps: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, covariance of eps over the batch) || N(0, I)); a small ridge keeps tiny batches finite."""
    mean = eps.mean(dim=0)
    centred = eps - mean
    cov = centred.T @ centred / max(len(eps) - 1, 1) + 1e-4 * torch.eye(eps.shape[1])
    return 0.5 * (torch.trace(cov) + (mean ** 2).sum() - len(mean) - torch.logdet(cov))

