"""Where each latent block sits in the latent vector, what its latents are called, and which edges may exist.

Order: the shared block s first, then each modality in the config's causal order (shared → image → text). An edge
j → i (A[i, j], row = child) is allowed only when j comes before i in that order and i is not shared: shared latents
have no parents; an image latent may have parents among shared and earlier image latents; a text latent among
shared, image and earlier text latents. The mask is therefore strictly lower-triangular with the shared rows zero —
built from the same slices that name the latents, so the sparsity penalty and the names cannot drift apart (the
official code computed its sparsity block from the modality size alone and missed the shared offset).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from personax_platform.crl.config import CRLConfig

SHARED = "shared"
_PREFIX = {SHARED: "s", "image": "img", "text": "txt"}  # latent name prefixes; other modalities use their own name


@dataclass(frozen=True)
class LatentLayout:
    """Block names in order, with their slices into the latent vector."""
    blocks: tuple[tuple[str, slice], ...]

    @classmethod
    def from_config(cls, config: CRLConfig) -> LatentLayout:
        blocks, start = [], 0
        for name, size in ((SHARED, config.shared_dim), *config.modalities):
            blocks.append((name, slice(start, start + size)))
            start += size
        return cls(tuple(blocks))

    @property
    def dim(self) -> int:
        return self.blocks[-1][1].stop

    def block(self, name: str) -> slice:
        return dict(self.blocks)[name]

    @property
    def names(self) -> list[str]:
        """Latent names: s1, s2, img1, …, txt1, … (1-based within each block)."""
        return [f"{_PREFIX.get(block, block)}{i + 1}"
                for block, part in self.blocks for i in range(part.stop - part.start)]

    @property
    def block_of(self) -> list[str]:
        """The block name of every latent, in latent order."""
        return [block for block, part in self.blocks for _ in range(part.start, part.stop)]

    def allowed_edges(self) -> np.ndarray:
        """Boolean (dim, dim) mask; True at [i, j] where the edge j → i respects the causal order."""
        mask = np.tril(np.ones((self.dim, self.dim), dtype=bool), k=-1)
        mask[self.block(SHARED)] = False
        return mask

    def cross_block_edges(self) -> np.ndarray:
        """The allowed edges that join two different blocks (the only ones that carry identifying information)."""
        block_of = np.array(self.block_of)
        return self.allowed_edges() & (block_of[:, None] != block_of[None, :])

    def official_sparsity_block(self) -> np.ndarray:
        """The entries the official code's L1 covered: the text × image block computed from the modality sizes
        alone, i.e. shifted up and left by the shared block's size (docs/paper.md §4, "defects")."""
        (_, shared), (_, first), (_, second) = self.blocks
        offset = shared.stop
        mask = np.zeros((self.dim, self.dim), dtype=bool)
        mask[second.start - offset:second.stop - offset, first.start - offset:first.stop - offset] = True
        return mask
