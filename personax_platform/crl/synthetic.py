"""A seeded synthetic multimodal setting with known latents and a known latent DAG, for the identifiability check.

The paper's synthetic data (coloured MNIST / Fashion-MNIST) were not released (docs/paper.md §4), so this re-creates
the setting in the model's own terms:

- latents: a shared block s and one block per modality, in causal order s → image → text, linear with weights of
  magnitude in [w_min, w_max] and random sign; each latent rescaled to unit variance (so the causal order cannot be
  read off growing variances). Two graph families:
  - `graph="sparse_cross"` (IDENTIFIABLE below, the benchmark's default): edges between blocks only — every latent
    of the first modality → one latent of the second through a random matching, each shared latent → two latents
    of the first modality and one of the second (a different one per shared latent) — drawn until the certificate
    of certificate.py holds (the sparse cross-modal links that make every latent identifiable);
  - `graph="random"` (RANDOM_DAG, the earlier default): a random DAG at edge probability `edge_prob` that respects
    the order (shared latents are roots; edges within a modality go from earlier to later latents);
- mechanisms: linear by default; with `mechanism="nonlinear"` every edge j → i contributes A_ij g_ij(z_j) instead of
  A_ij z_j, g_ij(u) = u + gamma_ij sqrt(1 + u^2) standardised over the cohort, gamma_ij uniform in [1, 2] with a
  random sign: a bend that makes most edges non-monotone (the linear correlation of g_ij(z_j) with z_j is about
  0.6–0.8), so a linear SEM cannot explain the dependence;
- exogenous noises: independent, non-Gaussian by default (Laplace), so that they are distinguishable;
- observations: every measurement k of modality m sees (s, z_m) through its own random invertible MLP — square,
  orthogonal (perfectly conditioned) weight matrices with leaky-ReLU, rescaled to unit variance after each layer —
  then a random linear map up to the observed dimension, plus small Gaussian noise (obs_noise, relative);
- two switches turn off the two parts of the equivalent latents that equivalence.py builds (benchmarks/README.md
  measures each): `mixing_sees_shared=False` lets a measurement see z_m only (docs/paper.md §4 writes x_m = g_m(z_m)),
  and `within_modality_edges=False` keeps only edges between blocks; both are on by default;
- optionally (structured_dim > 0) one structured measurement of the shared block alone, through its own mixing:
  the synthetic counterpart of the structured bio features, and the only measurement of s when the mixings see
  their own block;
- optionally (view_noise > 0) each measurement sees the latents with its own independent Laplace error, as three
  LLMs would each misjudge a person's traits a little differently; off by default.

Everything random comes from one numpy Generator seeded with `seed`, except the bends of nonlinear mechanisms, which
come from their own generator (seeded with [seed, 1]) so that the linear settings' draws stay as they were.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from personax_platform.crl.certificate import absorbable_share, certificate_failures
from personax_platform.crl.config import CRLConfig
from personax_platform.crl.equivalence import noise_absorbed_latents
from personax_platform.crl.inputs import Measurements
from personax_platform.crl.layout import SHARED, LatentLayout

_NOISES = ("laplace", "gaussian", "uniform")
_GRAPHS = ("random", "sparse_cross")
_MECHANISMS = ("linear", "nonlinear")


@dataclass(frozen=True)
class SyntheticSetting:
    """Sizes and difficulty. `modalities`: (name, latent size, measurements, observed dim) in causal order."""
    n: int = 4000
    shared_dim: int = 2
    modalities: tuple[tuple[str, int, int, int], ...] = (("image", 5, 3, 64), ("text", 5, 3, 64))
    graph: str = "random"
    edge_prob: float = 0.3
    w_min: float = 0.5
    w_max: float = 1.5
    noise: str = "laplace"
    mechanism: str = "linear"
    mixing_layers: int = 3
    leaky_slope: float = 0.2
    obs_noise: float = 0.05
    view_noise: float = 0.0
    mixing_sees_shared: bool = True
    within_modality_edges: bool = True
    structured_dim: int = 0
    seed: int = 0

    def config(self, **changes: object) -> CRLConfig:
        """A model config whose latent layout matches this setting."""
        return CRLConfig(shared_dim=self.shared_dim, modalities=tuple((m, d) for m, d, _, _ in self.modalities),
                         **changes)


@dataclass(frozen=True)
class SyntheticData:
    measurements: Measurements
    latents: np.ndarray  # (n, latent dim), unit variance, in layout order
    adjacency: np.ndarray  # true weighted graph, A[i, j] = weight of edge j → i (the model's convention); for
    # nonlinear mechanisms the weight multiplies g_ij(z_j)
    exogenous: np.ndarray  # the noises eps = (I - A) latents
    names: list[str]
    setting: SyntheticSetting


# The setting where every latent is identifiable (docs/level2.md): cross-block edges only, mixings of their own block,
# a structured measurement of the shared block; and the earlier random-DAG setting, kept as a reported row.
IDENTIFIABLE = SyntheticSetting(n=10_000, graph="sparse_cross", mixing_sees_shared=False, within_modality_edges=False,
                                structured_dim=8)
RANDOM_DAG = SyntheticSetting()


def generate_synthetic(setting: SyntheticSetting = SyntheticSetting()) -> SyntheticData:
    """Latents from the setting's DAG, then every measurement through its own nonlinear mixing."""
    if setting.noise not in _NOISES:
        raise ValueError(f"noise must be one of {_NOISES}, got {setting.noise!r}")
    if setting.mechanism not in _MECHANISMS:
        raise ValueError(f"mechanism must be one of {_MECHANISMS}, got {setting.mechanism!r}")
    if setting.graph not in _GRAPHS:
        raise ValueError(f"graph must be one of {_GRAPHS}, got {setting.graph!r}")
    if setting.structured_dim and setting.structured_dim < setting.shared_dim:
        raise ValueError(f"the structured measurement needs at least as many features as shared latents "
                         f"({setting.shared_dim}), got {setting.structured_dim}")
    for name, size, measurements, obs_dim in setting.modalities:
        if obs_dim < setting.shared_dim + size or measurements < 1:
            raise ValueError(f"modality {name!r}: needs at least one measurement and at least as many observed "
                             f"features as the latents it sees ({setting.shared_dim + size}), got {obs_dim}")
    rng = np.random.default_rng(setting.seed)
    layout = LatentLayout.from_config(setting.config())
    dim = layout.dim
    if setting.graph == "sparse_cross":
        edges = sparse_cross_edges(layout, rng)
    else:
        allowed = layout.allowed_edges()
        if not setting.within_modality_edges:
            block_of = np.array(layout.block_of)
            allowed &= block_of[:, None] != block_of[None, :]
        edges = allowed & (rng.uniform(size=(dim, dim)) < setting.edge_prob)
    weights = rng.uniform(setting.w_min, setting.w_max, size=(dim, dim)) * rng.choice([-1.0, 1.0], size=(dim, dim))
    adjacency = np.where(edges, weights, 0.0)
    eps = _noise(rng, setting.noise, (setting.n, dim))
    # from a generator of their own, so that a linear and a nonlinear setting share graph, weights, noises and mixings
    bend_rng = np.random.default_rng([setting.seed, 1])
    bends = bend_rng.uniform(1.0, 2.0, size=(dim, dim)) * bend_rng.choice([-1.0, 1.0], size=(dim, dim))
    z = np.zeros_like(eps)
    for i in range(dim):  # layout order is a topological order
        parents = z if setting.mechanism == "linear" else _bent(z, bends[i])
        raw = parents @ adjacency[i] + eps[:, i]
        scale = raw.std()
        z[:, i] = raw / scale
        adjacency[i] /= scale
        eps[:, i] /= scale

    modalities = {}
    shared = z[:, layout.block("shared")]
    for name, _, measurements, obs_dim in setting.modalities:
        own = z[:, layout.block(name)]
        sources = np.concatenate([shared, own], axis=1) if setting.mixing_sees_shared else own
        modalities[name] = {}
        for k in range(measurements):
            # drawn even when view_noise is 0, so that the mixings do not depend on it
            seen = sources + setting.view_noise * _noise(rng, "laplace", sources.shape)
            modalities[name][f"m{k + 1}"] = _mix(rng, seen, obs_dim, setting)
    structured = _mix(rng, shared, setting.structured_dim, setting) if setting.structured_dim else None
    data = SyntheticData(Measurements(modalities, structured), z, adjacency, eps, layout.names, setting)
    if setting.graph == "sparse_cross" and not setting.mixing_sees_shared:
        moved = absorbable_share(z, noise_absorbed_latents(data).latents)
        if moved > 1e-9:
            raise AssertionError(f"equivalence.py found latents {moved:.3g} away that generate the same data")
    return data


def sparse_cross_edges(layout: LatentLayout, rng: np.random.Generator, tries: int = 1000) -> np.ndarray:
    """Boolean A-mask (A[i, j]: edge j → i) of the sparse cross-block family, redrawn until the certificate holds.

    First modality latent i → second modality latent π(i) for a random matching π (a latent of the larger block
    left unmatched gets two partners instead); each shared latent → two latents of the first modality and one of the
    second, a different one per shared latent. Needs exactly two modalities."""
    names = [name for name, _ in layout.blocks[1:]]
    if len(names) != 2:
        raise ValueError(f"the sparse_cross graph needs exactly two modalities, got {names}")
    first, second, shared = (np.arange(layout.dim)[layout.block(name)] for name in (*names, SHARED))
    if len(second) < len(shared):
        raise ValueError(f"the sparse_cross graph needs at least as many {names[1]} latents as shared ones")
    for _ in range(tries):
        edges = np.zeros((layout.dim, layout.dim), dtype=bool)
        matched = min(len(first), len(second))
        sources, targets = rng.permutation(first)[:matched], rng.permutation(second)[:matched]
        edges[targets, sources] = True
        for i in np.setdiff1d(first, sources):
            edges[rng.choice(second, 2, replace=False), i] = True
        for j in np.setdiff1d(second, targets):
            edges[j, rng.choice(first, 2, replace=False)] = True
        for s, text in zip(shared, rng.choice(second, len(shared), replace=False)):
            edges[rng.choice(first, 2, replace=False), s] = True
            edges[text, s] = True
        if not certificate_failures(edges, layout):
            return edges
    raise ValueError(f"no sparse_cross graph of layout {layout.names} met the certificate in {tries} draws")


def _bent(z: np.ndarray, bends: np.ndarray) -> np.ndarray:
    """g(u) = u + gamma sqrt(1 + u^2) per column (gamma = that column's bend), standardised over the rows."""
    g = z + bends * np.sqrt(1 + z ** 2)
    return (g - g.mean(axis=0)) / np.where(g.std(axis=0) > 0, g.std(axis=0), 1.0)


def _noise(rng: np.random.Generator, kind: str, shape: tuple[int, int]) -> np.ndarray:
    """Unit-variance independent noise of the given kind."""
    if kind == "laplace":
        return rng.laplace(scale=1 / np.sqrt(2), size=shape)
    if kind == "uniform":
        return rng.uniform(-np.sqrt(3), np.sqrt(3), size=shape)
    return rng.standard_normal(shape)


def _mix(rng: np.random.Generator, sources: np.ndarray, obs_dim: int, setting: SyntheticSetting) -> np.ndarray:
    """Invertible leaky-ReLU MLP on the sources, then a random linear map up to obs_dim, plus noise."""
    h = sources
    width = sources.shape[1]
    for _ in range(setting.mixing_layers):
        q, r = np.linalg.qr(rng.standard_normal((width, width)))
        h = h @ (q * np.sign(np.diag(r)))  # orthogonal: condition number 1
        h = h + rng.normal(scale=0.5, size=width)  # offsets so that the kinks fall inside the data
        h = np.where(h > 0, h, setting.leaky_slope * h)
        h = (h - h.mean(axis=0)) / h.std(axis=0)
    x = h @ rng.standard_normal((width, obs_dim)) / np.sqrt(width)
    x = x + setting.obs_noise * x.std(axis=0) * rng.standard_normal(x.shape)
    return x.astype(np.float32)
