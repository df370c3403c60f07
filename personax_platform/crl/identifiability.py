"""The synthetic identifiability check: every method on one generated dataset, scored on the held-out split.

Scores per method, computed the same way for every method (matching over all learned latents, so a baseline is not
penalised for having no blocks): MCC (Pearson and Spearman) and R² against the true latents, per true block and over
all latents; MCC against the true exogenous noises; "mcc_equivalence", the MCC against the best of the true latents
and the equivalent latents below, block by block; for the methods that learn a graph the SHD, precision and recall
of the thresholded latent graph; the wall time of each method. Only held-out rows are scored; R²'s regressions are
fitted on the other rows.

Methods: "ours" (the config as given), "shared_encoder" (the same with the shared latents read from all inputs, as
the paper's design), "linear_mechanism" (the same with a linear latent SEM, the ablation of nonlinear mechanisms),
"official_replica" (CRLConfig.official_replica), "single_measurement", "pca", "ica",
"beta_vae" (baselines.py). "equivalent_latents" is not a method but a reference: latents computed from the truth
that generate exactly the same data (equivalence.py), scored like the methods. The data cannot tell them from the
true latents, so their MCC and SHD show how far apart two equally valid answers are (in the identifiable setting
they are the true latents themselves).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from personax_platform.crl import baselines
from personax_platform.crl.config import CRLConfig
from personax_platform.crl.equivalence import noise_absorbed_latents
from personax_platform.crl.layout import LatentLayout
from personax_platform.crl.metrics import (
    aligned_adjacency,
    block_scores,
    edge_scores,
    matched_correlations,
    r2_per_latent,
)
from personax_platform.crl.synthetic import SyntheticData
from personax_platform.crl.training import HELDOUT, train_crl

METHODS = ("ours", "shared_encoder", "linear_mechanism", "official_replica", "single_measurement", "pca", "ica",
           "beta_vae", "equivalent_latents")


def score_latents(data: SyntheticData, learned: np.ndarray, heldout: np.ndarray, blocks: Sequence[str]) -> dict:
    """{metric: {block: value}} for mcc_pearson, mcc_spearman, r2 and mcc_equivalence against the true latents, and
    mcc_exogenous against the true exogenous noises; held-out rows only (R² fitted on the other rows)."""
    fit = ~heldout
    equivalent = noise_absorbed_latents(data).latents
    against_truth = block_scores(matched_correlations(data.latents[heldout], learned[heldout]), blocks)
    against_equivalent = block_scores(matched_correlations(equivalent[heldout], learned[heldout]), blocks)
    return {
        "mcc_exogenous": block_scores(matched_correlations(data.exogenous[heldout], learned[heldout]), blocks),
        "mcc_pearson": against_truth,
        "mcc_spearman": block_scores(matched_correlations(data.latents[heldout], learned[heldout], "spearman"),
                                     blocks),
        "mcc_equivalence": best_per_block(against_truth, against_equivalent, blocks),
        "r2": block_scores(r2_per_latent(learned[fit], data.latents[fit], learned[heldout],
                                         data.latents[heldout]), blocks),
    }


def best_per_block(first: dict[str, float], second: dict[str, float], blocks: Sequence[str]) -> dict[str, float]:
    """Per block the better of two block scores, and "all" as their size-weighted mean (each block of the
    equivalent latents can replace the true block on its own, equivalence.py)."""
    best = {block: max(first[block], second[block]) for block in dict.fromkeys(blocks)}
    sizes = pd.Series(list(blocks)).value_counts()
    best["all"] = float(sum(best[block] * sizes[block] for block in sizes.index) / len(blocks))
    return best


def run_methods(data: SyntheticData, config: CRLConfig, methods: Sequence[str] = METHODS,
                beta_vae: baselines.BetaVAESettings = baselines.BetaVAESettings()) -> pd.DataFrame:
    """Long table: method, metric, block, value (metrics as in score_latents, plus "shd", "edge_precision",
    "edge_recall", "selected_epoch" and "seconds").

    BLAS runs on one thread (as torch does, config.threads): on a busy 2-core machine the kernel ridge fits were
    10 times slower with BLAS threads competing."""
    with threadpool_limits(1):
        return _run_methods(data, config, methods, beta_vae)


def _run_methods(data: SyntheticData, config: CRLConfig, methods: Sequence[str],
                 beta_vae: baselines.BetaVAESettings) -> pd.DataFrame:
    blocks = LatentLayout.from_config(data.setting.config()).block_of
    heldout = baselines.split_masks(len(data.latents), config)[HELDOUT]
    models: dict[str, Callable[[], CRLConfig]] = {
        "ours": lambda: config,
        "shared_encoder": lambda: config.with_(shared_from="all", decoders_see_shared=True),
        "linear_mechanism": lambda: config.with_(mechanism="linear"),
        "official_replica": config.official_replica,
    }
    runners: dict[str, Callable[[], np.ndarray]] = {
        "single_measurement": lambda: baselines.single_measurement(data.measurements, config),
        "pca": lambda: baselines.pca_latents(data.measurements, config),
        "ica": lambda: baselines.ica_latents(data.measurements, config),
        "beta_vae": lambda: baselines.beta_vae_latents(data.measurements, config, beta_vae),
    }
    rows = []
    for method in methods:
        start = time.perf_counter()
        extra = {}
        if method in models:
            result = train_crl(data.measurements, models[method]())
            learned = result.latent_matrix()
            if not np.array_equal(result.latents["split"].to_numpy() == HELDOUT, heldout):
                raise AssertionError(f"the held-out rows of {method} differ from the baselines'")
            aligned = aligned_adjacency(result.adjacency.to_numpy().T, learned[heldout], data.latents[heldout], blocks)
            extra = {**edge_scores(aligned, data.adjacency),
                     "selected_epoch": result.selected_epoch}
        elif method == "equivalent_latents":
            equivalent = noise_absorbed_latents(data)
            learned = equivalent.latents
            extra = edge_scores(equivalent.adjacency, data.adjacency)
        else:
            learned = runners[method]()
        seconds = time.perf_counter() - start
        for metric, by_block in score_latents(data, learned, heldout, blocks).items():
            rows += [(method, metric, block, value) for block, value in by_block.items()]
        rows += [(method, name, "all", float(value)) for name, value in {**extra, "seconds": seconds}.items()]
    return pd.DataFrame(rows, columns=["method", "metric", "block", "value"])
