"""Multilayer perceptrons for the per-measurement encoders and decoders and the shared encoder (ELU, as the paper)."""
from __future__ import annotations

from collections.abc import Sequence

from torch import nn


def mlp(in_dim: int, hidden: Sequence[int], out_dim: int) -> nn.Sequential:
    """Linear → ELU for every hidden size, then a linear output layer."""
    layers: list[nn.Module] = []
    width = in_dim
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ELU()]
        width = size
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)
