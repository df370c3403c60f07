"""Which identifying assumption a Level II run relies on, and whether its data can meet it (docs/level2.md).

The model's latents are identified one by one only under the sparse cross-modal links assumption (certificate.py):
every modality a mixing of its own block, a measurement of the shared block of its own, edges between blocks only,
each block with a full-rank footprint on the others. A run can fail that before training for reasons a reader should
see next to its latents: a modality missing (no cross-modal links), a block with more latents than the other blocks
together (its footprint cannot have full rank), the shared latents read from every input, or too few people for what
the benchmark measured.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from personax_platform.crl.config import CRLConfig
from personax_platform.crl.layout import SHARED

ASSUMPTION = ("sparse cross-modal links (Sun et al., ICLR 2025, Conditions 4.1 and 4.3): each modality a mixing of "
              "its own latent block, the shared block measured on its own, latent edges between blocks only, each "
              "block with a full-rank footprint on the others")
MEASURED_PEOPLE = 10_000  # the size benchmarks/crl_identifiability.py measures recovery at


@dataclass(frozen=True)
class AssumptionCheck:
    """`met`: the data and the config can meet the assumption (then each latent is identified up to permutation and
    scaling); `failures`: why not; `caveats`: what holds but was not measured (e.g. fewer people)."""
    met: bool
    failures: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)

    def describe(self) -> str:
        head = "met" if self.met else "not met: " + "; ".join(self.failures)
        return head + ("" if not self.caveats else " (caveat: " + "; ".join(self.caveats) + ")")


def check_assumption(config: CRLConfig, people: int) -> AssumptionCheck:
    """What a run with this config (already restricted to the modalities the data has) on `people` complete people
    can claim."""
    failures, caveats = [], []
    sizes = {SHARED: config.shared_dim, **dict(config.modalities)}
    if len(config.modalities) < 2:
        present = ", ".join(name for name, _ in config.modalities) or "none"
        failures.append(f"only {len(config.modalities)} modality ({present}): the assumption needs links between two "
                        "modalities")
    if config.edges != "cross_block":
        failures.append("the adjacency allows edges inside blocks, which the sparsity argument cannot identify")
    if config.shared_from != "structured" or config.decoders_see_shared:
        failures.append("the shared latents are read from every input and seen by every decoder, so they are "
                        "identified only as a block (set structured bio features as their measurement)")
    for block, size in sizes.items():
        others = sum(sizes.values()) - size
        if size > others:
            failures.append(f"block {block} has {size} latents but the other blocks only {others}: its footprint on "
                            "them cannot have full rank")
    if people < MEASURED_PEOPLE:
        caveats.append(f"{people} people, fewer than the {MEASURED_PEOPLE:,} at which the benchmark measured recovery")
    return AssumptionCheck(not failures, failures, caveats)


def edge_identifiability(parent_block: str, child_block: str) -> str:
    """How an edge between latents of these blocks is backed: "within block" edges are not identified (the
    assumption rules them out and the model has none: one found in the latents is estimation error or a violated
    assumption); edges between blocks are identified by the sparsity, their direction given by the assumed causal
    order shared → image → text."""
    return "not identified (within block)" if parent_block == child_block else "identified; orientation from order"
