"""RealNVP normalizing flow that maps the exogenous noises to an isotropic Gaussian.

Affine coupling layers: the first half of the (permuted) vector conditions a scale and a shift of the second half.
Between couplings a fixed permutation reorders the dimensions, so every dimension is transformed and conditions
the others (the official code had none, so its first half passed through every layer unchanged). The permutations
are drawn from the generator it is given (seeded from the config) and stored as buffers with the state dict.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from personax_platform.crl.networks import mlp

_MAX_LOG_SCALE = 2.0  # tanh-bounded log-scales keep early training from exploding


class AffineCoupling(nn.Module):
    """y1 = x1, y2 = x2 * exp(s(x1)) + t(x1); log|det| = sum s(x1)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.split = dim // 2
        self.net = mlp(self.split, (hidden, hidden), 2 * (dim - self.split))
        # start as the identity: the last layer outputs zero scale and shift
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def _scale_shift(self, x1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw_scale, shift = self.net(x1).chunk(2, dim=1)
        return _MAX_LOG_SCALE * torch.tanh(raw_scale / _MAX_LOG_SCALE), shift

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x1, x2 = x[:, :self.split], x[:, self.split:]
        log_scale, shift = self._scale_shift(x1)
        return torch.cat([x1, x2 * torch.exp(log_scale) + shift], dim=1), log_scale.sum(dim=1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        y1, y2 = y[:, :self.split], y[:, self.split:]
        log_scale, shift = self._scale_shift(y1)
        return torch.cat([y1, (y2 - shift) * torch.exp(-log_scale)], dim=1)


class RealNVP(nn.Module):
    """coupling → permutation → coupling → … → coupling; maps data to the base space N(0, I)."""

    def __init__(self, dim: int, layers: int, hidden: int, generator: torch.Generator, permute: bool = True) -> None:
        """`permute=False` stacks the couplings without permutations (the official code's defect: the first half
        of the dimensions is never transformed); kept for the replica baseline."""
        super().__init__()
        if dim < 2:
            raise ValueError("a coupling flow needs at least two dimensions")
        self.couplings = nn.ModuleList(AffineCoupling(dim, hidden) for _ in range(layers))
        for i in range(layers - 1):
            perm = _mixing_permutation(dim, generator) if permute else torch.arange(dim)
            self.register_buffer(f"perm{i}", perm)

    def permutations(self) -> list[torch.Tensor]:
        return [getattr(self, f"perm{i}") for i in range(len(self.couplings) - 1)]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(base-space values, log|det Jacobian| per row)."""
        log_det = torch.zeros(x.shape[0], dtype=x.dtype)
        perms = self.permutations()
        for i, coupling in enumerate(self.couplings):
            x, step = coupling(x)
            log_det = log_det + step
            if i < len(perms):
                x = x[:, perms[i]]
        return x, log_det

    def inverse(self, u: torch.Tensor) -> torch.Tensor:
        perms = self.permutations()
        for i in reversed(range(len(self.couplings))):
            if i < len(perms):
                u = u[:, torch.argsort(perms[i])]
            u = self.couplings[i].inverse(u)
        return u

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood per row under the flow with an isotropic Gaussian base."""
        u, log_det = self(x)
        return 0.5 * (u ** 2).sum(dim=1) + 0.5 * x.shape[1] * math.log(2 * math.pi) - log_det


def _mixing_permutation(dim: int, generator: torch.Generator) -> torch.Tensor:
    """A random permutation that moves at least one dimension across the coupling split (a permutation that keeps
    the conditioning half as a set would leave the same dimensions untransformed in the next layer)."""
    half = dim // 2
    while True:
        perm = torch.randperm(dim, generator=generator)
        if set(perm[:half].tolist()) != set(range(half)):
            return perm


class FactorisedMixture(nn.Module):
    """An independent 1-D Gaussian mixture per dimension: a prior that cannot model any dependence between the
    noises, so the latent SEM has to explain it (a joint flow can absorb it instead; model.py)."""

    def __init__(self, dim: int, components: int) -> None:
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(dim, components))
        self.means = nn.Parameter(torch.linspace(-1.5, 1.5, components).repeat(dim, 1))
        self.log_scales = nn.Parameter(torch.full((dim, components), -0.5))

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood per row (the sum over dimensions)."""
        z = (x[:, :, None] - self.means) * torch.exp(-self.log_scales)
        log_component = -0.5 * z ** 2 - self.log_scales - 0.5 * math.log(2 * math.pi)
        log_weight = torch.log_softmax(self.logits, dim=1)
        return -torch.logsumexp(log_weight + log_component, dim=2).sum(dim=1)
