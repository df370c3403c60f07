"""Configuration of the Level II model: latent sizes, network sizes, loss weights, training schedule, seed.

Defaults follow docs/paper.md §4 (hidden 512-256-128, Adam lr 3e-4, 90/10 split, loss weights recon 1, KL 1e-2,
sparsity 1e-3). Not from the paper: the decorrelation weight (model.py explains the term; it shares the KL's 1e-2),
the tie weight (the paper says only "small"), and minibatches of 256 for 300 epochs instead of 1,000 full-batch
epochs (about 4,500 Adam steps on an athlete-sized cohort rather than 1,000). The config is frozen and hashed, so a
stored result names exactly what produced it; the seed in the config is the only seed training uses (the official
scripts overrode it with hard-coded ones).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import asdict, dataclass, replace

_CHOICES = {"shared_from": ("all", "structured"), "edges": ("cross_block", "causal_order"),
            "noise_prior": ("factorised", "realnvp"), "sparsity_scope": ("free", "official_misaligned"),
            "refine_penalty": ("log", "l1"), "mechanism": ("linear", "nonlinear")}


@dataclass(frozen=True)
class CRLConfig:
    """Everything that determines a training run (together with the data).

    `modalities` lists (name, latent size) in causal order after the shared block: shared → first → second …
    """
    shared_dim: int = 2
    modalities: tuple[tuple[str, int], ...] = (("image", 5), ("text", 5))
    # the architecture (docs/level2.md): where the shared latents are read from ("all" inputs, or the "structured"
    # measurement alone), whether decoders see the shared block, which adjacency entries may be non-zero
    # ("cross_block" or the whole "causal_order"), the prior of the exogenous noises ("factorised": one 1-D Gaussian
    # mixture per noise; "realnvp": one joint flow), and the L1's scope ("free": exactly the entries that may be
    # non-zero; "official_misaligned": the official code's block, which misses the shared offset — replica only)
    shared_from: str = "all"
    decoders_see_shared: bool = True
    edges: str = "cross_block"
    noise_prior: str = "factorised"
    prior_components: int = 4
    flow_permutations: bool = True
    sparsity_scope: str = "free"
    # the latent mechanisms: "linear" (z = A z + eps) or "nonlinear" (a conditional shift flow per latent on its
    # parents, additive over them, with mechanism_knots hinge functions per edge; mechanism.py)
    mechanism: str = "linear"
    mechanism_knots: int = 6
    block_unmixing: bool = True  # a linear map per block between codes and latents that only the prior sees
    hidden: tuple[int, ...] = (512, 256, 128)
    flow_layers: int = 4
    flow_hidden: int = 64
    recon_weight: float = 1.0
    kl_weight: float = 1e-2
    sparsity_weight: float = 1e-3
    decorrelation_weight: float = 1e-2
    tie_weight: float = 1e-2
    lr: float = 3e-4
    epochs: int = 300
    batch_size: int = 256
    train_fraction: float = 0.9
    validation_fraction: float = 0.1  # of the training rows, held back to choose the epoch (never the test rows)
    refine_steps: int = 1000  # the closing stage on fixed codes (refinement.py); 0 switches it off
    refine_lr: float = 1e-2
    refine_starts: int = 8  # the refinement's starting points (the trained parameters and random block rotations)
    # the refinement's sparsity penalty on the free adjacency entries: "log", refine_log_weight · Σ δ·log(1 + |w|/δ)
    # with δ = refine_log_scale, close to counting edges (refinement.py says why), or "l1", training's own term
    refine_penalty: str = "log"
    refine_log_weight: float = 3e-3
    refine_log_scale: float = 0.05
    seed: int = 0
    threads: int = 1  # fixed so that results do not depend on the machine's core count

    def __post_init__(self) -> None:
        # lists (from JSON or YAML) become tuples, so that the config stays hashable and compares by value
        object.__setattr__(self, "modalities", tuple((str(name), int(size)) for name, size in self.modalities))
        object.__setattr__(self, "hidden", tuple(int(size) for size in self.hidden))
        if self.shared_dim < 1 or any(size < 1 for _, size in self.modalities):
            raise ValueError("latent sizes must be positive")
        names = [name for name, _ in self.modalities]
        if len(set(names)) != len(names) or not names:
            raise ValueError(f"modality names must be unique and non-empty, got {names}")
        if not 0 < self.train_fraction < 1:
            raise ValueError(f"train_fraction must lie in (0, 1), got {self.train_fraction}")
        if self.epochs < 1 or self.batch_size < 2 or self.threads < 1:
            raise ValueError("epochs must be >= 1, batch_size >= 2 and threads >= 1")
        if self.flow_layers < 1:
            raise ValueError("the flow needs at least one coupling layer")
        if self.refine_steps < 0 or self.refine_lr <= 0 or self.refine_starts < 1:
            raise ValueError("refine_steps must be >= 0, refine_lr > 0 and refine_starts >= 1")
        if self.mechanism_knots < 1:
            raise ValueError(f"mechanism_knots must be >= 1, got {self.mechanism_knots}")
        if self.refine_log_weight < 0 or self.refine_log_scale <= 0:
            raise ValueError("refine_log_weight must be >= 0 and refine_log_scale > 0")
        if not 0 <= self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must lie in [0, 1), got {self.validation_fraction}")
        for field, allowed in _CHOICES.items():
            if getattr(self, field) not in allowed:
                raise ValueError(f"{field} must be one of {allowed}, got {getattr(self, field)!r}")

    @property
    def latent_dim(self) -> int:
        return self.shared_dim + sum(size for _, size in self.modalities)

    def with_(self, **changes: object) -> CRLConfig:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def restricted_to(self, modalities: Collection[str]) -> CRLConfig:
        """A copy with only the named modalities' latent blocks, in this config's causal order: a dataset that lacks a
        modality (e.g. a cohort without photos) trains on the others. Raises for an unknown name or for none."""
        unknown = sorted(set(modalities) - {name for name, _ in self.modalities})
        if unknown:
            raise ValueError(f"modalities {unknown} are not in the config's {[n for n, _ in self.modalities]}")
        return replace(self, modalities=tuple(pair for pair in self.modalities if pair[0] in modalities))

    def official_replica(self) -> CRLConfig:
        """The official code's architecture as docs/paper.md §4 describes it, for comparison: a shared encoder over
        all inputs, decoders on (shared, own block), a linear SEM with edges anywhere in the causal order, one
        RealNVP over the noises with no permutation between its couplings, the L1 on the misaligned block, no
        decorrelation term."""
        return replace(self, shared_from="all", decoders_see_shared=True, edges="causal_order", mechanism="linear",
                       noise_prior="realnvp", flow_permutations=False, sparsity_scope="official_misaligned",
                       decorrelation_weight=0.0, block_unmixing=False, refine_penalty="l1")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["modalities"] = [list(pair) for pair in self.modalities]
        data["hidden"] = list(self.hidden)
        return data

    @property
    def hash(self) -> str:
        """Stable across processes and Python versions: sha256 of the sorted JSON of the hashed fields."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# The paper's latent sizes (docs/paper.md §4), by dataset kind.
ATHLETES = CRLConfig(shared_dim=2, modalities=(("image", 5), ("text", 5)))
CELEBRITIES = CRLConfig(shared_dim=3, modalities=(("image", 10), ("text", 5)))
PRESETS: dict[str, CRLConfig] = {"athletes": ATHLETES, "celebrities": CELEBRITIES}
# the kinds of the two real datasets, for callers that still name a dataset (its kind comes from datasets.yaml)
DATASET_KINDS: dict[str, str] = {"athlepersona": "athletes", "celebpersona": "celebrities"}


def preset_for_kind(kind: str, **changes: object) -> CRLConfig:
    """The config of a dataset kind ("athletes" or "celebrities"), optionally with fields changed."""
    if kind not in PRESETS:
        raise KeyError(f"no CRL preset for kind {kind!r}; known: {sorted(PRESETS)}")
    return PRESETS[kind].with_(**changes)


def preset(name: str, **changes: object) -> CRLConfig:
    """The config of a kind, or of a real dataset by name ("athlepersona", "celebpersona")."""
    if name not in PRESETS and name not in DATASET_KINDS:
        raise KeyError(f"no CRL preset for {name!r}; known: {sorted(PRESETS)} and datasets {sorted(DATASET_KINDS)}")
    return preset_for_kind(DATASET_KINDS.get(name, name), **changes)
