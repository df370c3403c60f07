"""Level II of PersonaX (docs/paper.md §4): causal representation learning over per-person multimodal measurements.

`train_crl(Measurements, CRLConfig) -> CRLResult` learns a shared latent block and one block per modality (e.g. face
image, trait text) with a sparse latent graph in the causal order shared → image → text; the result holds every
person's latents (with their split), the learned adjacency, the loss history and the model state. `synthetic` and
`metrics` re-create the paper's identifiability check with known latents (benchmarks/crl_identifiability.py runs it);
`equivalence` builds other latents that generate the same synthetic data, the limit of what that check can demand;
`certificate` and `assumption` state when every latent is identifiable and whether a run can claim it
(docs/level2.md).
"""
from personax_platform.crl.config import ATHLETES, CELEBRITIES, PRESETS, CRLConfig, preset
from personax_platform.crl.equivalence import EquivalentLatents, noise_absorbed_latents
from personax_platform.crl.identifiability import METHODS, run_methods, score_latents
from personax_platform.crl.inputs import Measurements
from personax_platform.crl.layout import LatentLayout
from personax_platform.crl.metrics import edge_set, matched_correlations, mcc, r2_per_latent, shd
from personax_platform.crl.plots import loss_curves_png
from personax_platform.crl.result import CRLResult
from personax_platform.crl.synthetic import (
    IDENTIFIABLE,
    RANDOM_DAG,
    SyntheticData,
    SyntheticSetting,
    generate_synthetic,
)
from personax_platform.crl.training import HELDOUT, TRAIN, VALIDATION, train_crl

__all__ = [
    "ATHLETES", "CELEBRITIES", "HELDOUT", "IDENTIFIABLE", "METHODS", "PRESETS", "RANDOM_DAG", "TRAIN", "VALIDATION",
    "CRLConfig", "CRLResult", "EquivalentLatents", "LatentLayout", "Measurements", "SyntheticData", "SyntheticSetting",
    "edge_set", "generate_synthetic",
    "loss_curves_png", "matched_correlations", "mcc", "noise_absorbed_latents", "preset", "r2_per_latent",
    "run_methods", "score_latents", "shd", "train_crl",
]
