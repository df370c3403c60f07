"""The synthetic setting has observationally equivalent latents: the data pin down an equivalence class, not the
true latents one by one (personax_platform/crl/equivalence.py)."""
import numpy as np

from personax_platform.crl import LatentLayout, SyntheticSetting, generate_synthetic, mcc, noise_absorbed_latents
from personax_platform.crl.layout import SHARED


def _least_squares_residual(target: np.ndarray, inputs: np.ndarray) -> float:
    """Largest absolute residual of an affine least-squares fit of target on inputs."""
    design = np.column_stack([inputs, np.ones(len(inputs))])
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    return float(np.abs(target - design @ coef).max())


def test_every_mixings_sources_are_an_exact_affine_function_of_the_equivalent_latents_of_its_blocks():
    data = generate_synthetic(SyntheticSetting(n=1000, seed=3))
    alt = noise_absorbed_latents(data).latents
    layout = LatentLayout.from_config(data.setting.config())
    shared = layout.block(SHARED)
    for name, block in layout.blocks[1:]:
        sources = np.column_stack([data.latents[:, shared], data.latents[:, block]])  # what its mixings see
        assert _least_squares_residual(sources, np.column_stack([alt[:, shared], alt[:, block]])) < 1e-8, name
        # and they are not the same latents: without s the modality's own latents do not determine them
        assert _least_squares_residual(data.latents[:, block], alt[:, block]) > 0.1, name


def test_equivalent_latents_are_a_linear_sem_in_the_same_causal_order_driven_by_the_true_noises():
    data = generate_synthetic(SyntheticSetting(n=1000, seed=3))
    alt = noise_absorbed_latents(data)
    layout = LatentLayout.from_config(data.setting.config())
    np.testing.assert_allclose(alt.latents - alt.latents @ alt.adjacency.T, alt.exogenous, atol=1e-9)
    np.testing.assert_allclose(alt.latents.std(axis=0), 1.0, rtol=1e-9)
    for column in range(layout.dim):  # the same noises, rescaled
        assert abs(np.corrcoef(alt.exogenous[:, column], data.exogenous[:, column])[0, 1]) > 1 - 1e-9
    assert np.count_nonzero(np.abs(alt.adjacency[~layout.allowed_edges()]) > 1e-12) == 0
    for name, block in layout.blocks:
        assert np.abs(alt.adjacency[block, block]).max() < 1e-12, f"edge inside {name}"
    # the first modality keeps no parents at all: its latents are its noises
    assert np.abs(alt.adjacency[layout.blocks[1][1]]).max() < 1e-12


def test_default_setting_cannot_demand_component_wise_recovery_near_the_papers_mcc():
    """Two latent vectors that generate the same data lie about 0.8 MCC apart, so a method that matches one of them
    at 0.92 is well below that on the other, and nothing in the data says which one is true."""
    values = [mcc(data.latents, noise_absorbed_latents(data).latents)
              for data in (generate_synthetic(SyntheticSetting(seed=seed)) for seed in range(3))]
    assert 0.6 < np.mean(values) < 0.9, values


def test_construction_keeps_what_the_mixings_cannot_absorb():
    own_block = generate_synthetic(SyntheticSetting(n=1000, mixing_sees_shared=False))
    alt = noise_absorbed_latents(own_block)
    layout = LatentLayout.from_config(own_block.setting.config())
    shared, image = layout.block(SHARED), layout.block("image")
    # edges from s into the image block survive (the image mixings do not see s); those inside it are absorbed
    np.testing.assert_allclose(alt.adjacency[image, shared] != 0, own_block.adjacency[image, shared] != 0)
    assert np.abs(alt.adjacency[image, image]).max() < 1e-12
    neither = generate_synthetic(SyntheticSetting(n=1000, mixing_sees_shared=False, within_modality_edges=False))
    np.testing.assert_allclose(noise_absorbed_latents(neither).latents, neither.latents, atol=1e-9)
