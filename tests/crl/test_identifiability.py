"""A short version of benchmarks/crl_identifiability.py: on a small synthetic setting the model's held-out latents
must recover the true ones clearly better than PCA does (margins measured, see the comments, with slack)."""
import numpy as np

from personax_platform.crl import SyntheticSetting, generate_synthetic, run_methods
from personax_platform.crl.baselines import BetaVAESettings, beta_vae_latents, ica_latents, single_measurement

SMALL = SyntheticSetting(n=1500, modalities=(("image", 5, 3, 32), ("text", 5, 3, 32)))


def test_latents_are_identified_well_above_the_pca_baseline_on_held_out_persons():
    data = generate_synthetic(SMALL)
    config = SMALL.config(hidden=(64, 32), epochs=60, lr=1e-3)
    scores = run_methods(data, config, methods=("ours", "pca"))
    overall = scores[scores["block"] == "all"].pivot(index="method", columns="metric", values="value")
    # measured (seed 0, 2-core CPU): MCC ours 0.630 vs PCA 0.431 (seeds 1-3 at 40 epochs: margins 0.16-0.19);
    # R² ours 0.920 vs PCA 0.912 — this short run is far from converged, the full benchmark separates R² more
    assert overall.loc["ours", "mcc_pearson"] > overall.loc["pca", "mcc_pearson"] + 0.1
    assert overall.loc["ours", "r2"] > overall.loc["pca", "r2"] - 0.01
    assert overall.loc["ours", "r2"] > 0.88
    assert 0 <= overall.loc["ours", "shd"] <= 12 * 11 / 2


def test_baselines_return_one_latent_vector_of_the_models_size_per_person(tiny_data, tiny_config):
    config = tiny_config.with_(epochs=2)
    for latents in (single_measurement(tiny_data.measurements, config), ica_latents(tiny_data.measurements, config),
                    beta_vae_latents(tiny_data.measurements, config, BetaVAESettings(epochs=2))):
        assert latents.shape == (300, 12) and np.isfinite(latents).all()
