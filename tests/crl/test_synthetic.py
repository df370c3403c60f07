import numpy as np
import pytest

from personax_platform.crl import LatentLayout, SyntheticSetting, generate_synthetic


def test_generator_is_seeded_and_respects_the_causal_order():
    setting = SyntheticSetting(n=500, modalities=(("image", 5, 3, 16), ("text", 5, 2, 24)))
    data = generate_synthetic(setting)
    again = generate_synthetic(setting)
    np.testing.assert_array_equal(data.latents, again.latents)
    text, text_again = data.measurements.modalities["text"], again.measurements.modalities["text"]
    np.testing.assert_array_equal(text["m2"], text_again["m2"])
    assert not np.array_equal(generate_synthetic(SyntheticSetting(n=500, seed=1)).latents[:, :2], data.latents[:, :2])
    allowed = LatentLayout.from_config(setting.config()).allowed_edges()
    assert np.count_nonzero(data.adjacency[~allowed]) == 0 and np.count_nonzero(data.adjacency) > 0
    np.testing.assert_allclose(data.latents.std(axis=0), 1.0, rtol=1e-6)
    # the latents are exactly the linear SEM of the recorded noises
    np.testing.assert_allclose(data.latents - data.latents @ data.adjacency.T, data.exogenous, atol=1e-9)
    assert [a.shape for a in data.measurements.modalities["text"].values()] == [(500, 24), (500, 24)]


def test_generator_rejects_too_few_observed_features():
    with pytest.raises(ValueError, match="modality 'image'"):
        generate_synthetic(SyntheticSetting(n=50, modalities=(("image", 5, 3, 4), ("text", 5, 3, 16))))


def test_generator_can_keep_latent_edges_between_blocks_only():
    setting = SyntheticSetting(n=500, within_modality_edges=False, edge_prob=0.8)
    data = generate_synthetic(setting)
    layout = LatentLayout.from_config(setting.config())
    for name, block in layout.blocks:
        assert np.count_nonzero(data.adjacency[block, block]) == 0, name
    assert np.count_nonzero(data.adjacency) > 0


@pytest.mark.parametrize("sees_shared", [True, False])
def test_measurements_see_the_shared_block_only_when_the_setting_says_so(sees_shared):
    """With linear mixings (leaky slope 1) and no observation noise a measurement is an exact affine function of
    what it sees, so the residual on the modality's own latents tells whether the shared block entered."""
    setting = SyntheticSetting(n=500, leaky_slope=1.0, obs_noise=0.0, mixing_sees_shared=sees_shared)
    data = generate_synthetic(setting)
    own = data.latents[:, LatentLayout.from_config(setting.config()).block("image")]
    design = np.column_stack([own, np.ones(len(own))])
    x = data.measurements.modalities["image"]["m1"].astype(float)
    residual = x - design @ np.linalg.lstsq(design, x, rcond=None)[0]
    assert (np.abs(residual).max() < 1e-4) == (not sees_shared)
