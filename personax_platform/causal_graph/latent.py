"""The latent graph of Level II (docs/paper.md §4): nodes are the learned latents, grouped shared / image / text,
and the background knowledge is the model's own assumption that shared latents have no parents among modality
latents."""
from __future__ import annotations

from personax_platform.causal_graph.background import BackgroundRules
from personax_platform.causal_graph.nodes import GraphNode

SHARED = "shared"


def latent_nodes(blocks: dict[str, list[str]]) -> list[GraphNode]:
    """One node per latent, its group the block it belongs to (e.g. {"shared": ["s1"], "image": ["img1", ...]})."""
    return [GraphNode(name, group) for group, names in blocks.items() for name in names]


def latent_rules(blocks: dict[str, list[str]]) -> BackgroundRules:
    """No modality latent causes a shared latent; nothing else is assumed."""
    modalities = [group for group in blocks if group != SHARED and blocks[group]]
    if SHARED not in blocks or not blocks[SHARED]:
        return BackgroundRules()
    return BackgroundRules(forbidden=tuple(f"{modality} -> {SHARED}" for modality in modalities))
