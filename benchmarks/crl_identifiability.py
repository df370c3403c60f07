"""Level II identifiability on synthetic data with known latents: our model against its baselines, 5 seeds.

The paper's synthetic check (docs/paper.md §4) re-done on a released generator (personax_platform/crl/synthetic.py):
athlete-sized latents (shared 2, image 5, text 5) with a random sparse DAG and Laplace noises, three image and
three text measurements of 64 features each through their own random leaky-ReLU mixings, 4,000 persons, 90/10
split. Per seed, the generator and every method use that seed. Methods: our model (train_crl), our model on the
first measurement per modality only, PCA and FastICA on all inputs concatenated, a β-VAE (β = 4). Every score is on
the held-out 10%: MCC (Hungarian matching, Pearson and Spearman) and kernel-ridge R² (fitted on the training 90%)
against the true latents, MCC against the true exogenous noises, SHD of our thresholded latent graph. A reference
row, equivalent_latents, scores latents built from the truth that generate exactly the same data (equivalence.py).

The model runs with the benchmark's training settings (printed with the results): smaller hidden layers than the
paper's 512-256-128 for 64-feature inputs, lr 1e-3, 120 epochs of minibatches of 256. Seeds run in parallel worker
processes, one torch and one BLAS thread each.

    .venv/bin/python -m benchmarks.crl_identifiability [--seeds 5] [--workers 2] [--large] [--csv scores.csv]
        [--mixing-own-block] [--no-within-modality-edges]

--large: celebrity-sized latents (shared 3, image 10, text 5), 128-feature image and 384-feature text measurements
(the face and MiniLM embedding sizes), 10,000 persons and the paper's hidden sizes. --mixing-own-block and
--no-within-modality-edges switch off the two sources of equivalent latents (synthetic.py, equivalence.py).
"""
from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import pandas as pd

from personax_platform.crl import SyntheticSetting, generate_synthetic, run_methods
from personax_platform.crl.baselines import BetaVAESettings
from personax_platform.crl.config import CRLConfig

DEFAULT = SyntheticSetting()
LARGE = SyntheticSetting(n=10_000, shared_dim=3, modalities=(("image", 10, 3, 128), ("text", 5, 3, 384)))
TRAINING = {"hidden": (128, 64), "lr": 1e-3, "epochs": 120, "batch_size": 256}
LARGE_TRAINING = {**TRAINING, "hidden": (512, 256, 128)}
BASELINES = ("single_measurement", "pca", "ica", "beta_vae")
REFERENCE = "equivalent_latents"  # computed from the truth, generates the same data (equivalence.py)
HEADLINE = ("mcc_pearson", "mcc_spearman", "r2", "mcc_exogenous")


def one_seed(setting: SyntheticSetting, training: dict, seed: int) -> pd.DataFrame:
    data = generate_synthetic(replace(setting, seed=seed))
    config: CRLConfig = data.setting.config(seed=seed, **training)
    scores = run_methods(data, config, beta_vae=BetaVAESettings(epochs=training["epochs"], lr=training["lr"]))
    return scores.assign(seed=seed)


def summary(scores: pd.DataFrame) -> str:
    """mean ± std over seeds of the headline metrics (all latents), per-block MCC and R², seconds, and ratios."""
    overall = scores[scores["block"] == "all"].pivot_table(index="method", columns="metric", values="value",
                                                             aggfunc=["mean", "std"], dropna=False)
    methods = ["ours", *BASELINES, REFERENCE]
    lines = [f"{'method':<20}" + "".join(f"{m:>18}" for m in HEADLINE) + f"{'seconds':>10}"]
    for method in methods:
        cells = "".join(f"{overall.loc[method, ('mean', m)]:>11.3f} ± {overall.loc[method, ('std', m)]:.3f}"
                        for m in HEADLINE)
        lines.append(f"{method:<20}{cells}{overall.loc[method, ('mean', 'seconds')]:>10.1f}")
    for method in ("ours", REFERENCE):
        shd = overall.loc[method, ("mean", "shd")], overall.loc[method, ("std", "shd")]
        lines.append(f"{method}: SHD of the thresholded latent graph {shd[0]:.1f} ± {shd[1]:.1f}")

    blocks = scores[(scores["block"] != "all") & scores["metric"].isin(["mcc_pearson", "r2"])]
    per_block = blocks.pivot_table(index="method", columns=["metric", "block"], values="value", aggfunc="mean")
    lines += ["", "per true block (mean over seeds)", per_block.loc[methods].round(3).to_string()]

    lines += ["", "ours / baseline (ratio of the means)"]
    for baseline in BASELINES:
        ratios = "  ".join(f"{m} {overall.loc['ours', ('mean', m)] / overall.loc[baseline, ('mean', m)]:.2f}"
                           for m in ("mcc_pearson", "r2"))
        lines.append(f"  vs {baseline:<20}{ratios}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--large", action="store_true")
    parser.add_argument("--mixing-own-block", action="store_true",
                        help="measurements see only their modality's latents, not the shared block")
    parser.add_argument("--no-within-modality-edges", action="store_true",
                        help="latent edges only between blocks")
    parser.add_argument("--csv", help="also write every score (method, metric, block, value, seed) to this file")
    args = parser.parse_args()
    setting, training = (LARGE, LARGE_TRAINING) if args.large else (DEFAULT, TRAINING)
    setting = replace(setting, mixing_sees_shared=not args.mixing_own_block,
                      within_modality_edges=not args.no_within_modality_edges)
    print(f"setting: {setting}\ntraining: {training}; seeds 0..{args.seeds - 1}, {args.workers} workers, "
          f"{os.cpu_count()} CPUs")
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        frames = list(pool.map(one_seed, [setting] * args.seeds, [training] * args.seeds, range(args.seeds)))
    scores = pd.concat(frames, ignore_index=True)
    if args.csv:
        scores.to_csv(args.csv, index=False)
    print(summary(scores))
    print(f"wall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
