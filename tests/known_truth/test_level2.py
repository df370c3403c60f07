"""Held-out text latents against the planted traits: MCC and linear R² (fitted on everyone not held out)."""
import numpy as np
import pandas as pd

from personax_platform.known_truth import level2_comparison
from personax_platform.traits.constants import TRAITS

N, HELDOUT = 400, 80


def _truth(rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"person_id": [f"p{i}" for i in range(N)], **{t: rng.normal(size=N) for t in TRAITS}})


def _latents_table(truth: pd.DataFrame, text: np.ndarray, shared: np.ndarray) -> pd.DataFrame:
    """crl_latents rows: one per person x latent, the last HELDOUT people held out."""
    split = np.where(np.arange(N) < N - HELDOUT, "train", "heldout")
    wide = pd.DataFrame({"person_id": truth["person_id"], "split": split,
                         **{f"txt{j + 1}": text[:, j] for j in range(text.shape[1])},
                         **{f"s{j + 1}": shared[:, j] for j in range(shared.shape[1])}})
    long = wide.melt(id_vars=["person_id", "split"], var_name="latent", value_name="value")
    return long.assign(block=np.where(long["latent"].str.startswith("txt"), "text", "shared"))


def test_latents_that_are_a_permutation_and_rescaling_of_the_traits_score_mcc_and_r2_of_one():
    rng = np.random.default_rng(0)
    truth = _truth(rng)
    traits = truth[list(TRAITS)].to_numpy()
    text = traits[:, [3, 0, 4, 1, 2]] * np.array([2.0, -0.5, 3.0, 1.0, -7.0]) + 1e-3 * rng.normal(size=(N, 5))
    comparison = level2_comparison(_latents_table(truth, text, rng.normal(size=(N, 2))), truth)
    assert comparison.values["mcc"] > 0.999 and comparison.values["mean_r2"] > 0.999
    assert comparison.values["n_heldout"] == HELDOUT and comparison.reason == ""
    assert comparison.matches.set_index("trait")["latent"].to_dict() == {
        "openness": "txt2", "conscientiousness": "txt4", "extraversion": "txt5", "agreeableness": "txt1",
        "neuroticism": "txt3"}
    assert "no photos" in comparison.caveat


def test_latents_unrelated_to_the_traits_score_low():
    rng = np.random.default_rng(1)
    truth = _truth(rng)
    comparison = level2_comparison(_latents_table(truth, rng.normal(size=(N, 5)), rng.normal(size=(N, 2))), truth)
    assert comparison.values["mcc"] < 0.3 and comparison.values["mean_r2"] < 0.1


def test_without_held_out_people_or_text_latents_the_metrics_are_nan_with_the_reason():
    rng = np.random.default_rng(2)
    truth = _truth(rng)
    latents = _latents_table(truth, rng.normal(size=(N, 5)), rng.normal(size=(N, 2)))
    comparison = level2_comparison(latents.assign(split="train"), truth)
    metrics = comparison.metrics()
    assert metrics["value"].isna().all() and metrics["reason"].str.contains("held-out").all()
    shared_only = level2_comparison(latents[latents["block"] == "shared"], truth)
    assert np.isnan(shared_only.values["mcc"]) and "no text-block latent" in shared_only.reason


def test_the_regressions_are_fitted_on_the_validation_people_too_and_scored_on_the_held_out_ones_only():
    rng = np.random.default_rng(3)
    truth = _truth(rng)
    text = truth[list(TRAITS)].to_numpy() + 1e-3 * rng.normal(size=(N, 5))
    latents = _latents_table(truth, text, rng.normal(size=(N, 2)))
    validation_only = latents.assign(split=latents["split"].replace({"train": "validation"}))
    comparison = level2_comparison(validation_only, truth)
    assert comparison.values["n_train"] == N - HELDOUT and comparison.values["n_heldout"] == HELDOUT
    assert comparison.values["mean_r2"] > 0.999 and comparison.reason == ""
