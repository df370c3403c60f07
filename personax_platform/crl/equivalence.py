"""Latents that generate exactly the same synthetic data as the true ones: the limit of the identifiability check.

In the default synthetic setting (synthetic.py) every measurement of modality m sees (s, z_m) through an invertible
mixing, and the latents follow a linear SEM z = A z + eps in the order shared → image → text. Replace each modality
block by what its earlier *modalities* contribute plus its own noise,

    z''_m = z_m - A_mm z_m - A_ms s   ( = sum over earlier modalities k of A_mk z_k + eps_m ),

and keep s. Then (s, z_m) is an affine invertible function of (s, z''_m) — z_m = (I - A_mm)^-1 (A_ms s + z''_m) —
so every mixing composed with that function turns z'' into exactly the observed data, and z'' is again a linear SEM
in the same causal order with the same independent noises (no edges inside a modality, none from s into the first
modality). Both vectors belong to the generator's model class; nothing in the data prefers the true one. A method
can match at most one of them closely, so their MCC is a reference for what the check can demand of any method.

When the mixings see z_m only (mixing_sees_shared=False) the term A_ms s cannot be absorbed and is kept; with
neither edges inside a modality nor shared mixings, z'' is z itself (this construction then finds no equivalent —
which is not a proof that none exists).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from personax_platform.crl.layout import SHARED, LatentLayout

if TYPE_CHECKING:  # synthetic.py asserts with this module that its identifiable setting has no equivalent
    from personax_platform.crl.synthetic import SyntheticData


@dataclass(frozen=True)
class EquivalentLatents:
    latents: np.ndarray  # (n, latent dim), unit variance, layout order
    adjacency: np.ndarray  # A''[i, j] = weight of edge j → i; latents = latents @ A''.T + exogenous
    exogenous: np.ndarray  # the true noises, rescaled with their latents


def noise_absorbed_latents(data: SyntheticData) -> EquivalentLatents:
    """The equivalent latents z'' above (rescaled to unit variance like the generator's) and their linear SEM."""
    layout = LatentLayout.from_config(data.setting.config())
    a = data.adjacency
    transform = np.eye(layout.dim)  # z'' = T z
    shared = layout.block(SHARED)
    for name, block in layout.blocks:
        if name != SHARED:
            transform[block, block] -= a[block, block]
            if data.setting.mixing_sees_shared:
                transform[block, shared] -= a[block, shared]
    # z'' - eps = (T - I + A) z = (T - I + A) T^-1 z''
    adjacency = (transform - np.eye(layout.dim) + a) @ np.linalg.inv(transform)
    latents = data.latents @ transform.T
    scale = latents.std(axis=0)
    return EquivalentLatents(latents / scale, adjacency * (1 / scale)[:, None] * scale[None, :],
                             data.exogenous / scale)
