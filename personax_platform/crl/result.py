"""What a training run returns: latents of every person, the learned latent graph, the loss history, the config
and its hash, and the model's state as bytes (enough to rebuild the model and encode new persons)."""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from personax_platform.crl.config import CRLConfig
from personax_platform.crl.metrics import EDGE_THRESHOLD


@dataclass(frozen=True)
class CRLResult:
    """`latents`: person_id, split ("train" / "validation" / "heldout"), then one column per latent (s1…, img1…,
    txt1…), the posterior means. `adjacency`: weights of the learned linear SEM between latents, rows = parent,
    columns = child (entry [p, c] is the edge p → c). `history`: one row per epoch and split with every loss term.
    `dropped`: persons left out for missing values, with the blocks that were missing. `input_dims` lists the input
    blocks ("modality/measurement", "structured") in model order: block i is b{i} in the state dict."""
    config: CRLConfig
    latents: pd.DataFrame
    adjacency: pd.DataFrame
    history: pd.DataFrame
    state: bytes
    input_dims: dict[str, int]
    modality_blocks: dict[str, list[str]]
    dropped: pd.DataFrame
    selected_epoch: int  # the epoch whose weights were kept (lowest validation loss)

    @property
    def config_hash(self) -> str:
        return self.config.hash

    @property
    def latent_names(self) -> list[str]:
        return list(self.adjacency.columns)

    def latent_matrix(self, split: str | None = None) -> np.ndarray:
        """Latents as an array, optionally of one split only."""
        rows = self.latents if split is None else self.latents[self.latents["split"] == split]
        return rows[self.latent_names].to_numpy()

    def edges(self, threshold: float = EDGE_THRESHOLD) -> pd.DataFrame:
        """The thresholded graph as rows parent, child, weight (|weight| > threshold; see metrics.py)."""
        long = self.adjacency.rename_axis(index="parent", columns="child").stack().rename("weight").reset_index()
        return long[long["weight"].abs() > threshold].reset_index(drop=True)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return torch.load(io.BytesIO(self.state), weights_only=True)
