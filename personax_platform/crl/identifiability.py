"""The synthetic identifiability check: every method on one generated dataset, scored on the held-out split.

Scores per method, computed the same way for every method (matching over all learned latents, so a baseline is not
penalised for having no blocks): MCC (Pearson and Spearman) and R² against the true latents, per true block and over
all latents; MCC against the true exogenous noises; for our model and the reference below the SHD of the thresholded
latent graph; the wall time of each method.

"equivalent_latents" is not a method but a reference: latents computed from the truth that generate exactly the same
data (equivalence.py), scored like the methods. The data cannot tell them from the true latents, so their MCC and
SHD show how far apart two equally valid answers are.
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
    block_scores, edge_set, matched_correlations, r2_per_latent, shd,
)
from personax_platform.crl.synthetic import SyntheticData
from personax_platform.crl.training import TRAIN, train_crl

METHODS = ("ours", "single_measurement", "pca", "ica", "beta_vae", "equivalent_latents")


def score_latents(data: SyntheticData, learned: np.ndarray, train: np.ndarray, blocks: Sequence[str]) -> dict:
    """{metric: {block: value}} for mcc_pearson, mcc_spearman and r2 against the true latents, and
    mcc_exogenous against the true exogenous noises; held-out rows only (R² fitted on train)."""
    heldout = ~train
    return {
        "mcc_exogenous": block_scores(matched_correlations(data.exogenous[heldout], learned[heldout]), blocks),
        "mcc_pearson": block_scores(matched_correlations(data.latents[heldout], learned[heldout]), blocks),
        "mcc_spearman": block_scores(matched_correlations(data.latents[heldout], learned[heldout], "spearman"),
                                     blocks),
        "r2": block_scores(r2_per_latent(learned[train], data.latents[train], learned[heldout],
                                         data.latents[heldout]), blocks),
    }


def run_methods(data: SyntheticData, config: CRLConfig, methods: Sequence[str] = METHODS,
                beta_vae: baselines.BetaVAESettings = baselines.BetaVAESettings()) -> pd.DataFrame:
    """Long table: method, metric, block, value (metrics as in score_latents, plus "shd" and "seconds").

    BLAS runs on one thread (as torch does, config.threads): on a busy 2-core machine the kernel ridge fits were
    10 times slower with BLAS threads competing."""
    with threadpool_limits(1):
        return _run_methods(data, config, methods, beta_vae)


def _run_methods(data: SyntheticData, config: CRLConfig, methods: Sequence[str],
                 beta_vae: baselines.BetaVAESettings) -> pd.DataFrame:
    blocks = LatentLayout.from_config(data.setting.config()).block_of
    train = baselines.training_mask(len(data.latents), config)
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
        if method == "ours":
            result = train_crl(data.measurements, config)
            learned = result.latent_matrix()
            if not np.array_equal(result.latents["split"].to_numpy() == TRAIN, train):
                raise AssertionError("the baselines' split differs from train_crl's")
            extra["shd"] = shd(edge_set(result.adjacency.to_numpy().T), edge_set(data.adjacency))
        elif method == "equivalent_latents":
            equivalent = noise_absorbed_latents(data)
            learned = equivalent.latents
            extra["shd"] = shd(edge_set(equivalent.adjacency), edge_set(data.adjacency))
        else:
            learned = runners[method]()
        seconds = time.perf_counter() - start
        for metric, by_block in score_latents(data, learned, train, blocks).items():
            rows += [(method, metric, block, value) for block, value in by_block.items()]
        rows += [(method, name, "all", float(value)) for name, value in {**extra, "seconds": seconds}.items()]
    return pd.DataFrame(rows, columns=["method", "metric", "block", "value"])
