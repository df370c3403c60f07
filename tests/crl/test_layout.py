import numpy as np
import pytest
import torch

from personax_platform.crl import ATHLETES, CELEBRITIES, LatentLayout, train_crl
from personax_platform.crl.model import CRLModel, log_penalty


def test_latent_names_follow_the_block_order_shared_image_text():
    layout = LatentLayout.from_config(ATHLETES)
    assert layout.names == ["s1", "s2", *(f"img{i}" for i in range(1, 6)), *(f"txt{i}" for i in range(1, 6))]
    assert layout.block("image") == slice(2, 7) and layout.block("text") == slice(7, 12)


def test_shared_latents_get_no_parents_and_edges_respect_shared_image_text_order():
    layout = LatentLayout.from_config(CELEBRITIES)
    mask = layout.allowed_edges()  # [child, parent]
    names = layout.names
    at = {name: i for i, name in enumerate(names)}
    assert not mask[layout.block("shared")].any()  # shared latents have no parents at all
    assert not np.triu(mask).any()  # nothing on or above the diagonal: no parent later in the order
    assert mask[at["img1"], at["s1"]] and mask[at["img3"], at["img2"]] and not mask[at["img2"], at["img3"]]
    assert mask[at["txt1"], at["s3"]] and mask[at["txt1"], at["img10"]] and mask[at["txt5"], at["txt4"]]
    assert not mask[at["img1"], at["txt1"]]  # text never causes image
    # every allowed entry is exactly the strictly lower triangle minus the shared rows
    expected = np.tril(np.ones_like(mask), -1)
    expected[:3] = False
    np.testing.assert_array_equal(mask, expected)


def test_sparsity_term_is_the_l1_norm_of_exactly_the_free_entries(tiny_data, tiny_config):
    model = CRLModel(tiny_config, {"image/m1": 16, "text/m1": 16}, {"image": ["image/m1"], "text": ["text/m1"]},
                     torch.Generator().manual_seed(0))
    values = torch.randn(12, 12, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        model.adjacency_free.copy_(values)  # every entry non-zero, the masked ones included
    free = torch.tensor(LatentLayout.from_config(tiny_config).cross_block_edges())  # the default: edges="cross_block"
    z = torch.randn(50, 12, generator=torch.Generator().manual_seed(2))
    assert torch.equal(model.mechanisms(z).strengths.sum(), values[free].abs().sum())
    assert torch.equal(model.adjacency()[~free], torch.zeros(int((~free).sum())))


def test_no_entry_outside_the_cross_block_causal_order_is_ever_nonzero_after_training(tiny_data, tiny_config):
    result = train_crl(tiny_data.measurements, tiny_config)
    learned = result.adjacency.to_numpy().T  # exported rows = parent; back to [child, parent]
    allowed = LatentLayout.from_config(tiny_config).cross_block_edges()
    assert np.count_nonzero(learned[~allowed]) == 0
    assert np.count_nonzero(learned[allowed]) > 0  # the free entries did train
    assert list(result.adjacency.index) == list(result.adjacency.columns) == result.latent_names
    edges = result.edges(threshold=0.0)  # parent, child, weight: every non-zero entry, all in the causal order
    position = {name: i for i, name in enumerate(result.latent_names)}
    assert len(edges) == np.count_nonzero(learned)
    assert all(allowed[position[c], position[p]] for p, c in zip(edges["parent"], edges["child"]))


def test_cross_block_edges_are_the_allowed_edges_between_two_different_blocks():
    layout = LatentLayout.from_config(ATHLETES)
    cross, allowed = layout.cross_block_edges(), layout.allowed_edges()
    block_of = np.array(layout.block_of)
    np.testing.assert_array_equal(cross, allowed & (block_of[:, None] != block_of[None, :]))
    assert cross[layout.block("text"), layout.block("image")].all() and not cross[3, 2]  # img1 → img2 is inside


def test_the_replicas_sparsity_covers_the_official_codes_misaligned_block(tiny_config):
    """The official code's L1 block, computed from the modality sizes alone, sits shared-size rows and columns too
    early: text rows 5..9 × image columns 0..4 instead of 7..11 × 2..6."""
    mask = LatentLayout.from_config(ATHLETES).official_sparsity_block()
    expected = np.zeros((12, 12), dtype=bool)
    expected[5:10, 0:5] = True
    np.testing.assert_array_equal(mask, expected)
    model = CRLModel(tiny_config.official_replica(), {"image/m1": 16, "text/m1": 16},
                     {"image": ["image/m1"], "text": ["text/m1"]}, torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.adjacency_free.fill_(1.0)
    z = torch.randn(50, 12, generator=torch.Generator().manual_seed(1))
    # the misaligned 5 × 5 block, whatever the free entries
    assert model.mechanisms(z).strengths.sum().item() == 25.0


def test_the_refinements_log_penalty_has_the_l1s_slope_at_zero_and_barely_shrinks_large_edges(tiny_config):
    model = CRLModel(tiny_config, {"image/m1": 16, "text/m1": 16}, {"image": ["image/m1"], "text": ["text/m1"]},
                     torch.Generator().manual_seed(0))
    free = torch.tensor(LatentLayout.from_config(tiny_config).cross_block_edges())
    scale = 0.05
    z = torch.randn(50, 12, generator=torch.Generator().manual_seed(1))
    slopes = {}
    for weight in (1e-6, 1.0):  # just off zero, where |w| has its slope
        with torch.no_grad():
            model.adjacency_free.copy_(torch.where(free, torch.tensor(weight), torch.tensor(0.0)))
        model.adjacency_free.grad = None
        log_penalty(model.mechanisms(z).strengths, scale).backward()
        slopes[weight] = model.adjacency_free.grad[free].abs().max().item()
        assert torch.equal(model.adjacency_free.grad[~free], torch.zeros(int((~free).sum())))  # only free entries
    assert slopes[1e-6] == pytest.approx(1.0, rel=1e-3)  # the L1's slope near zero: small edges pushed out as hard
    assert slopes[1.0] == pytest.approx(scale / (scale + 1.0))  # a unit edge is pushed 21 times less than by the L1
