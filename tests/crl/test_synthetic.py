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


def test_nonlinear_mechanisms_bend_every_edge_of_the_same_graph_with_the_same_noises():
    from dataclasses import replace

    from personax_platform.crl import IDENTIFIABLE

    small = replace(IDENTIFIABLE, n=20_000, modalities=(("image", 5, 1, 8), ("text", 5, 1, 8)))
    linear, bent = generate_synthetic(small), generate_synthetic(replace(small, mechanism="nonlinear"))
    np.testing.assert_array_equal(linear.adjacency != 0, bent.adjacency != 0)
    roots = np.flatnonzero(~(bent.adjacency != 0).any(axis=1))  # latents without parents are their own noise
    np.testing.assert_allclose(bent.latents[:, roots], linear.latents[:, roots])
    np.testing.assert_allclose(bent.latents.std(axis=0), 1.0, rtol=1e-6)
    # the child's mean given one parent is not linear in it: binned means explain more than the linear trend
    # (measured on seed 0, the median gain in R² over the edges: 0.094 bent, -0.018 linear)
    assert np.median(_nonlinear_gains(bent)) > 0.05
    assert np.median(_nonlinear_gains(linear)) < 0.01
    with pytest.raises(ValueError, match="mechanism must be one of"):
        generate_synthetic(replace(small, mechanism="quadratic"))


def _nonlinear_gains(data) -> list[float]:
    """Per edge: R² of the child on 20 quantile bins of the parent, less the R² of the linear trend."""
    gains = []
    for child, parent in np.argwhere(data.adjacency != 0):
        z, y = data.latents[:, parent], data.latents[:, child]
        bins = np.digitize(z, np.quantile(z, np.linspace(0, 1, 21)[1:-1]))
        means = np.array([y[bins == b].mean() for b in range(20)])
        gains.append(1 - ((y - means[bins]) ** 2).mean() / y.var() - np.corrcoef(y, z)[0, 1] ** 2)
    return gains
