"""The certificate of the sparse cross-modal links assumption (certificate.py) and the generator's identifiable
setting that must meet it (synthetic.py, graph="sparse_cross")."""
import numpy as np
import pytest

from personax_platform.crl import LatentLayout, SyntheticSetting, generate_synthetic, noise_absorbed_latents
from personax_platform.crl.certificate import certificate_failures
from personax_platform.crl.config import CRLConfig
from personax_platform.crl.synthetic import IDENTIFIABLE, sparse_cross_edges

LAYOUT = LatentLayout.from_config(CRLConfig())  # s1 s2 | img1..img5 | txt1..txt5
S1, S2, IMG, TXT = 0, 1, list(range(2, 7)), list(range(7, 12))


def _matching() -> np.ndarray:
    """img_k → txt_k for every k, s1 → img1, img2, txt3 and s2 → img3, img4, txt5: meets the certificate."""
    edges = np.zeros((12, 12), dtype=bool)
    edges[TXT, IMG] = True
    edges[[IMG[0], IMG[1], TXT[2]], S1] = True
    edges[[IMG[2], IMG[3], TXT[4]], S2] = True
    return edges


def test_a_matching_between_modalities_with_two_shared_fans_meets_the_certificate():
    assert certificate_failures(_matching(), LAYOUT) == []


def test_an_edge_inside_a_block_fails_the_certificate_and_is_named():
    edges = _matching()
    edges[IMG[1], IMG[0]] = True
    assert any("img1 → img2 lies inside block image" in failure for failure in certificate_failures(edges, LAYOUT))


def test_a_latent_whose_cross_block_links_are_contained_in_another_ones_fails():
    edges = _matching()
    edges[TXT[0], IMG[1]] = True  # img2 now links {s1, txt1, txt2}, which contains img1's {s1, txt1}
    failures = certificate_failures(edges, LAYOUT)
    assert any(failure.startswith("img1's cross-block neighbourhood") and "within img2's" in failure
               for failure in failures)


def test_a_block_without_a_full_rank_footprint_outside_itself_fails():
    edges = _matching()
    edges[:, S2] = False  # s2 has no link at all: the shared block's footprint has rank 1
    assert any("block shared's links to other blocks have rank 1 < 2" in f for f in certificate_failures(edges, LAYOUT))


def test_the_sparse_cross_family_has_the_settings_shape_and_always_meets_the_certificate():
    for seed in range(20):
        edges = sparse_cross_edges(LAYOUT, np.random.default_rng(seed))
        assert certificate_failures(edges, LAYOUT) == []
        assert edges[np.ix_(TXT, IMG)].sum(axis=0).tolist() == [1] * 5  # a matching image → text
        assert edges[np.ix_(TXT, IMG)].sum(axis=1).tolist() == [1] * 5
        for shared in (S1, S2):
            assert edges[IMG, shared].sum() == 2 and edges[TXT, shared].sum() == 1
        assert (edges[TXT, S1] & edges[TXT, S2]).sum() == 0  # a different text latent per shared latent


def test_the_identifiable_setting_has_no_equivalent_latents_and_a_structured_view_of_the_shared_block():
    setting = SyntheticSetting(**{**IDENTIFIABLE.__dict__, "n": 2000})
    data = generate_synthetic(setting)
    np.testing.assert_allclose(noise_absorbed_latents(data).latents, data.latents, atol=1e-9)
    assert data.measurements.structured.shape == (2000, 8)
    assert certificate_failures(data.adjacency != 0, LAYOUT) == []


def test_celebrity_sized_blocks_cannot_meet_the_certificate():
    """10 image latents cannot leave a full-rank footprint on 3 shared + 5 text latents: the generator says so."""
    setting = SyntheticSetting(n=200, shared_dim=3, modalities=(("image", 10, 1, 16), ("text", 5, 1, 16)),
                               graph="sparse_cross", mixing_sees_shared=False, within_modality_edges=False)
    with pytest.raises(ValueError, match="met the certificate"):
        generate_synthetic(setting)
