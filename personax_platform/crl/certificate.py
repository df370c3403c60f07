"""The certificate that a latent graph meets the sparsity conditions for component-wise identifiability.

Our reading of Sun et al. (ICLR 2025, "Causal Representation Learning from Multimodal Biomedical Observations",
Conditions 4.1 and 4.3, Theorem 4.4; docs/level2.md states the assumptions in full): when every modality is a
mixing of its own latent block only, each block is recovered up to an invertible map of the block; what singles out
the individual latents inside a block is that any other basis of the block would need more edges *between* blocks.
Edges inside a block, or from the shared block that a mixing also sees, can be absorbed and fix nothing
(equivalence.py builds such alternatives). The checks, on the boolean edge mask (A[i, j]: edge j → i):

1. no edge inside a block;
2. every block's links to the other blocks have full rank (the block × outside-latents support matrix, filled with
   generic weights, has rank = block size): each block leaves a full footprint outside itself;
3. no latent's cross-block neighbourhood (parents and children outside its block) is contained in, or equal to,
   that of another latent of the same block: otherwise mixing the two would not add an edge.

`certificate_failures` lists what fails (empty: the certificate holds); the generator redraws until it is empty, and
then asserts that equivalence.py's construction finds no alternative either (`absorbable_share`).
"""
from __future__ import annotations

import numpy as np

from personax_platform.crl.layout import LatentLayout


def cross_block_neighbourhoods(edges: np.ndarray, layout: LatentLayout) -> list[frozenset[int]]:
    """For every latent, the latents outside its block that are its parents or children."""
    block_of = np.array(layout.block_of)
    linked = edges | edges.T
    return [frozenset(np.flatnonzero(linked[i] & (block_of != block_of[i])).tolist()) for i in range(layout.dim)]


def certificate_failures(edges: np.ndarray, layout: LatentLayout) -> list[str]:
    """Why the graph does not meet the sparsity conditions; empty when it does."""
    edges = np.asarray(edges, dtype=bool)
    names, block_of = layout.names, np.array(layout.block_of)
    failures = [f"edge {names[j]} → {names[i]} lies inside block {block_of[i]}"
                for i, j in zip(*np.nonzero(edges & (block_of[:, None] == block_of[None, :])))]
    linked = edges | edges.T
    generic = np.random.default_rng(0).uniform(0.5, 1.5, size=edges.shape)  # a fixed generic weighting
    neighbourhoods = cross_block_neighbourhoods(edges, layout)
    for block, part in layout.blocks:
        outside = block_of != block
        support = (linked[part][:, outside] * generic[part][:, outside])
        rank = np.linalg.matrix_rank(support) if support.size else 0
        if rank < part.stop - part.start:
            failures.append(f"block {block}'s links to other blocks have rank {rank} < {part.stop - part.start}")
        for i in range(part.start, part.stop):
            for j in range(part.start, part.stop):
                contained = neighbourhoods[i] <= neighbourhoods[j]
                if i != j and contained and (i < j or neighbourhoods[i] != neighbourhoods[j]):  # equal: once
                    failures.append(f"{names[i]}'s cross-block neighbourhood {_named(neighbourhoods[i], names)} lies "
                                    f"within {names[j]}'s {_named(neighbourhoods[j], names)}")
    return failures


def _named(latents: frozenset[int], names: list[str]) -> str:
    return "{" + ", ".join(names[i] for i in sorted(latents)) + "}"


def absorbable_share(true_latents: np.ndarray, equivalent_latents: np.ndarray) -> float:
    """How far equivalence.py's construction moved the latents (max |z'' - z| over unit-variance latents): 0 means
    it found no alternative."""
    return float(np.abs(equivalent_latents - true_latents).max())
