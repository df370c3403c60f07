"""The Level II network (docs/paper.md §4, docs/level2.md) and its loss.

Per measurement an MLP encoder gives a Gaussian posterior (mean, log-variance) over its modality's latent block; the
modality's posterior is the average over its measurements, so every measurement informs the latents that are
reported, and a tie term penalises how far each measurement's mean lies from that average. The shared block s comes
from a shared encoder over either the structured measurement of s alone (`shared_from="structured"`, what the
identifying assumption needs) or every input concatenated ("all", the paper's design). Each measurement is decoded
from its own modality's block (plus s when `decoders_see_shared`, the paper's design).

Prior over the latents: a linear SEM z = A z + eps with A masked to the cross-block entries of the causal order
shared → image → text (`edges="cross_block"`: edges inside a block cannot be identified, docs/level2.md) or to the
whole order ("causal_order"); the L1 penalty covers exactly the free entries. Because A is strictly
lower-triangular, det(I - A) = 1 and log p(z) = log p(eps). For nonlinear mechanisms (`mechanism="nonlinear"`) each
latent's noise is instead its value less a sum of nonlinear functions of its parents (a conditional shift flow,
mechanism.py; the Jacobian is again unit triangular), and the penalty covers each edge's function. The noises eps
get a factorised prior, one 1-D Gaussian mixture each ("factorised"), or one joint RealNVP ("realnvp", the
paper's). A joint flow can model any dependence between the noises — a coupling layer's shift is a shear, exactly
the inverse of a linear SEM — so it lets A explain nothing (measured: an empty learned graph on every synthetic
run); a factorised prior cannot absorb dependence, so A has to carry it. The "decorrelation" term, the Gaussian KL
of the batch moments of eps to N(0, I), asks for uncorrelated unit-scale noises on top.

Between the encoders' codes and the latents sits one linear map per block (`block_unmixing`): decoders read the
codes, so only the prior chooses the basis inside each block, which is exactly what the sparsity of the cross-block
edges identifies; refinement.py optimises these maps, A and the prior to convergence after training. The "kl" term
is E_q[log q(codes|x) - log p(codes)], one reparameterised sample per person; the posterior entropy in it (plus the
maps' log-determinants) stops the prior's NLL from being lowered by shrinking every latent towards zero.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from personax_platform.crl.config import CRLConfig
from personax_platform.crl.flow import FactorisedMixture, RealNVP
from personax_platform.crl.inputs import STRUCTURED
from personax_platform.crl.layout import SHARED, LatentLayout
from personax_platform.crl.mechanism import AdditiveConditionalFlow, Mechanisms
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
        if config.shared_from == STRUCTURED and STRUCTURED not in dims:
            raise ValueError("shared_from='structured' needs a structured measurement of the shared block")
        self.shared_inputs = [STRUCTURED] if config.shared_from == STRUCTURED else list(dims)
        self.shared_encoder = mlp(sum(dims[key] for key in self.shared_inputs), hidden, 2 * config.shared_dim)
        seen_shared = config.shared_dim if config.decoders_see_shared else 0
        self.decoders = nn.ModuleDict({
            self.module_name[key]: mlp(seen_shared + latent_size[modality], reverse, dims[key])
            for modality, keys in modality_blocks.items() for key in keys})
        if STRUCTURED in dims:
            self.decoders[self.module_name[STRUCTURED]] = mlp(config.shared_dim, reverse, dims[STRUCTURED])
        for key, dim in dims.items():
            self.register_buffer(f"mean_{self.module_name[key]}", torch.zeros(dim))
            self.register_buffer(f"std_{self.module_name[key]}", torch.ones(dim))
        edges = self.layout.cross_block_edges() if config.edges == "cross_block" else self.layout.allowed_edges()
        penalised = edges if config.sparsity_scope == "free" else self.layout.official_sparsity_block()
        self.register_buffer("edge_mask", torch.tensor(edges, dtype=torch.float32))
        self.register_buffer("sparsity_mask", torch.tensor(penalised, dtype=torch.float32))
        self.adjacency_free = nn.Parameter(torch.zeros(self.layout.dim, self.layout.dim))
        # nonlinear mechanisms: a conditional flow per latent on its parents, on top of the linear part A
        self.mechanism = (AdditiveConditionalFlow(edges, config.mechanism_knots) if config.mechanism == "nonlinear"
                          else None)
        # one invertible linear map per block between the encoders' codes and the latents (see `latents`)
        self.unmixing = nn.ParameterDict({name: nn.Parameter(torch.eye(part.stop - part.start))
                                          for name, part in self.layout.blocks}) if config.block_unmixing else None
        self.prior: FactorisedMixture | RealNVP = (
            FactorisedMixture(self.layout.dim, config.prior_components) if config.noise_prior == "factorised"
            else RealNVP(self.layout.dim, config.flow_layers, config.flow_hidden, generator, config.flow_permutations))

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

    def mechanisms(self, z: torch.Tensor) -> Mechanisms:
        """The mechanisms on latents z: eps = (I - A) z for linear ones, with edge strengths |A_ij|; the conditional
        flows otherwise (mechanism.py). Strengths are zero outside the penalised entries."""
        adjacency = self.adjacency()
        if self.mechanism is None:
            return Mechanisms(z - z @ adjacency.T, (self.adjacency_free * self.sparsity_mask).abs(), adjacency)
        mechanisms = self.mechanism(z, adjacency)
        mechanisms.strengths = mechanisms.strengths * self.sparsity_mask
        return mechanisms

    # --- forward ------------------------------------------------------------------------------------------------
    def encode(self, x: dict[str, torch.Tensor]) -> Posterior:
        """Posterior of standardised inputs x (keys as in `dims`)."""
        shared = self.shared_encoder(torch.cat([x[key] for key in self.shared_inputs], dim=1))
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

    def latents(self, codes: torch.Tensor) -> torch.Tensor:
        """The latents of the encoders' codes: each block times its unmixing matrix. Decoders read the codes, so
        the reconstruction cannot depend on these matrices and only the prior (independent noises, a sparse
        adjacency) chooses them: a basis change inside a block costs the reconstruction nothing, while through the
        networks it would have to be learned by encoder and decoder at once."""
        if self.unmixing is None:
            return codes
        return torch.cat([codes[:, part] @ self.unmixing[name].T for name, part in self.layout.blocks], dim=1)

    def log_det_unmixing(self) -> torch.Tensor:
        """log |det| of the block-diagonal unmixing (the change of variables from codes to latents)."""
        if self.unmixing is None:
            return torch.zeros(())
        return sum(torch.linalg.slogdet(matrix)[1] for matrix in self.unmixing.values())

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
            own = z[:, self.layout.block(modality)]
            inputs = torch.cat([s, own], dim=1) if self.config.decoders_see_shared else own
            out.update({key: self.decoders[self.module_name[key]](inputs) for key in keys})
        if STRUCTURED in self.dims:
            out[STRUCTURED] = self.decoders[self.module_name[STRUCTURED]](s)
        return out

    def losses(self, raw: dict[str, torch.Tensor], generator: torch.Generator | None) -> dict[str, torch.Tensor]:
        """Weighted total and its terms (each averaged over persons). With a generator the latents are sampled from
        the posterior (training); without, the posterior mean is used (evaluation, deterministic)."""
        x = self.standardise(raw)
        post = self.encode(x)
        codes = post.mean
        if generator is not None:
            codes = codes + (0.5 * post.logvar).exp() * torch.randn(codes.shape, generator=generator, dtype=codes.dtype)
        recon = torch.stack([((x_hat - x[key]) ** 2).mean() for key, x_hat in self.decode(codes).items()]).sum()
        mechanisms = self.mechanisms(self.latents(codes))
        eps = mechanisms.noise
        entropy = (0.5 * (post.logvar + math.log(2 * math.pi * math.e))).sum(dim=1) + self.log_det_unmixing()
        terms = {"recon": recon, "kl": (self.prior.nll(eps) - entropy).mean(),
                 "decorrelation": gaussian_kl(eps), "sparsity": mechanisms.strengths.sum(), "tie": self.tie(post)}
        c = self.config
        weights = {"recon": c.recon_weight, "kl": c.kl_weight, "decorrelation": c.decorrelation_weight,
                   "sparsity": c.sparsity_weight, "tie": c.tie_weight}
        return {"total": sum(weights[name] * value for name, value in terms.items()), **terms}


def log_penalty(strengths: torch.Tensor, scale: float) -> torch.Tensor:
    """Σ δ·log(1 + w/δ) over edge strengths w: the slope of the L1 at zero, nearly flat for w ≫ δ."""
    return (scale * torch.log1p(strengths / scale)).sum()


def gaussian_kl(eps: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, covariance of eps over the batch) || N(0, I)); a small ridge keeps tiny batches finite."""
    mean = eps.mean(dim=0)
    centred = eps - mean
    cov = centred.T @ centred / max(len(eps) - 1, 1) + 1e-4 * torch.eye(eps.shape[1])
    return 0.5 * (torch.trace(cov) + (mean ** 2).sum() - len(mean) - torch.logdet(cov))

