"""Per-latent conditional flows on the parents: the latent mechanisms when they are nonlinear (config.mechanism).

With `mechanism="linear"` the latents follow z = A z + eps. With "nonlinear" every latent gets a conditional shift
flow on its parents, eps_i = z_i - mu_i(pa_i), under the factorised noise prior (one 1-D mixture per noise): the
density of z_i given its parents is that prior shifted by mu_i, an additive noise model. mu_i is additive over the
parents (a causal additive model, Bühlmann, Peters & Ernest 2014): mu_i = sum over parents j of f_ij(z_j),
f_ij(u) = A_ij u + sum_k W_ijk phi_k(u), with `knots` smooth hinges phi_k(u) = softplus(2 (u - c_k)) / 2 at knots
c_k evenly spaced over [-2, 2] (the latents' noises are near unit scale): with the linear term they span smooth
piecewise-linear functions, monotone or not. Additive parents keep every edge readable as one function of one latent.

Sparsity: an edge is one group, penalised by the size of its function over the data, sd f_ij(z_j) / sd z_j (the
empirical function norm of sparse additive models, Ravikumar et al. 2009). For a linear edge this is exactly |A_ij|,
the linear model's L1 term. A penalty on the weights' norm instead makes an edge cheaper the more correlated the
basis is (an effect spread evenly over K + 1 correlated features has a weight norm sqrt(K + 1) times smaller);
measured on linear data, it learned three times the true number of edges.

Not included, measured: a heteroscedastic scale (eps_i = (z_i - mu_i) exp(-log_sigma_i(pa_i)), an affine flow). On
the small identifiable setting it lowered edge precision from 0.67 to 0.53 on nonlinear data and from 0.61 to 0.35
on linear data, and the MCC with it: a scale that depends on the parents can absorb part of a wrong rotation.

mu_i reads only parents, which come earlier in the causal order, so the Jacobian d eps / d z is unit triangular
(log |det| = 0), as for the linear SEM. Everything is one matrix product over (latent, basis function) features.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

_KNOT_RANGE = 2.0
_RIDGE = 1e-12  # keeps square roots differentiable at zero (every edge starts there)


@dataclass
class Mechanisms:
    """The latents' mechanisms evaluated on a batch of latents."""
    noise: torch.Tensor  # eps, (n, dim)
    strengths: torch.Tensor  # (dim, dim): each edge's size, the sparsity penalty's argument
    effects: torch.Tensor  # (dim, dim): each edge's signed size in A's units, for reporting


class AdditiveConditionalFlow(nn.Module):
    """The nonlinear part of every allowed edge's mechanism; the linear part stays in the model's adjacency A."""

    def __init__(self, edges: np.ndarray, knots: int) -> None:
        """`edges`: boolean (dim, dim), True at [i, j] where the edge j → i may exist; `knots` >= 1 (CRLConfig
        validates it)."""
        super().__init__()
        dim = edges.shape[0]
        self.register_buffer("edge_mask", torch.tensor(edges, dtype=torch.float32)[:, :, None])
        self.register_buffer("knots", torch.linspace(-_KNOT_RANGE, _KNOT_RANGE, knots))
        self.hinge_weights = nn.Parameter(torch.zeros(dim, dim, knots))  # zero: the model starts as a linear SEM

    def features(self, z: torch.Tensor) -> torch.Tensor:
        """(u, phi_1(u), …, phi_K(u)) for every latent u: (n, dim, K + 1)."""
        hinges = nn.functional.softplus(2 * (z[:, :, None] - self.knots)) / 2
        return torch.cat([z[:, :, None], hinges], dim=2)

    def forward(self, z: torch.Tensor, linear_adjacency: torch.Tensor) -> Mechanisms:
        """The mechanisms on latents z (n, dim); `linear_adjacency` is A, already masked."""
        features = self.features(z)
        weights = torch.cat([linear_adjacency[:, :, None], self.hinge_weights], dim=2) * self.edge_mask
        noise = z - features.flatten(1) @ weights.flatten(1).T
        # per parent j the features' covariance C_j; the edge's function f_ij has variance w_ij C_j w_ij
        centred = features - features.mean(dim=0)
        covariance = torch.einsum("njk,njl->jkl", centred, centred) / max(len(z) - 1, 1)
        variance = torch.einsum("ijk,jkl,ijl->ij", weights, covariance, weights)
        strengths = torch.sqrt(variance / covariance[:, 0, 0].clamp_min(1e-12) + _RIDGE) - _RIDGE ** 0.5
        # an edge's sign: that of its function's covariance with the parent (feature 0 is the parent itself)
        trend = torch.einsum("ijk,jk->ij", weights, covariance[:, :, 0])
        return Mechanisms(noise, strengths, torch.where(trend < 0, -strengths, strengths))
