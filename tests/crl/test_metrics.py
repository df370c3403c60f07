import numpy as np

from personax_platform.crl.metrics import (
    aligned_adjacency,
    block_scores,
    edge_scores,
    edge_set,
    matched_correlations,
    mcc,
    r2_per_latent,
    shd,
)


def test_mcc_is_one_for_a_permuted_rescaled_copy_and_spearman_forgives_monotone_maps():
    true = np.random.default_rng(0).normal(size=(500, 4))
    learned = true[:, [2, 0, 3, 1]] * np.array([-3.0, 0.5, 2.0, 1.0])
    assert np.isclose(mcc(true, learned), 1.0)
    warped = np.exp(learned)
    assert mcc(true, warped) < 0.95 and np.isclose(mcc(true, warped, "spearman"), 1.0)


def test_mcc_matches_one_to_one_so_duplicates_do_not_count_twice():
    true = np.random.default_rng(1).normal(size=(2000, 2))
    learned = np.column_stack([true[:, 0], true[:, 0]])
    matched = matched_correlations(true, learned)
    assert sorted(np.round(matched, 1)) == [0.0, 1.0]


def test_r2_is_held_out_and_near_one_for_an_invertible_warp_and_near_zero_for_noise():
    rng = np.random.default_rng(2)
    true = rng.normal(size=(1200, 3))
    warped = np.tanh(true @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.2, 0.0, 1.0]]))
    r2 = r2_per_latent(warped[:1000], true[:1000], warped[1000:], true[1000:])
    assert (r2 > 0.95).all()
    noise = rng.normal(size=(1200, 3))
    assert (r2_per_latent(noise[:1000], true[:1000], noise[1000:], true[1000:]) < 0.1).all()


def test_block_scores_average_within_blocks():
    assert block_scores(np.array([1.0, 0.0, 0.5, 0.5]), ["s", "s", "img", "img"]) == {"s": 0.5, "img": 0.5,
                                                                                       "all": 0.5}


def test_shd_counts_missing_extra_and_reversed_edges_once_each():
    true = np.zeros((4, 4), dtype=bool)  # [child, parent]
    true[1, 0] = true[2, 1] = True  # 0 → 1 → 2
    learned = np.zeros_like(true)
    learned[1, 0] = True  # correct
    learned[1, 2] = True  # 2 → 1: reversed
    learned[3, 0] = True  # extra
    assert shd(learned, true) == 2
    assert shd(true, true) == 0
    assert shd(np.zeros_like(true), true) == 2
    assert edge_set(np.array([[0.0, 0.05], [-0.2, 0.0]])).tolist() == [[False, False], [True, False]]


def test_a_learned_graph_over_permuted_rescaled_latents_is_aligned_to_the_true_graph():
    """Within each block the learned latents are a permutation of the true ones with other scales and signs; after
    alignment the learned adjacency is the true one, and SHD, precision and recall are perfect."""
    rng = np.random.default_rng(0)
    true_adjacency = np.zeros((4, 4))  # blocks a = (0, 1), b = (2, 3); edges 0 → 2, 1 → 3
    true_adjacency[2, 0], true_adjacency[3, 1] = 0.8, -0.6
    noise = rng.laplace(size=(2000, 4))
    true = np.linalg.solve(np.eye(4) - true_adjacency, noise.T).T
    order, scales = [1, 0, 2, 3], np.array([2.0, -0.5, 3.0, 1.5])  # learned latent k = scales[k] · true[order[k]]
    learned = true[:, order] * scales
    learned_adjacency = np.zeros((4, 4))
    for child in range(4):
        for parent in range(4):
            learned_adjacency[child, parent] = (true_adjacency[order[child], order[parent]]
                                                * scales[child] / scales[parent])
    aligned = aligned_adjacency(learned_adjacency, learned, true, ["a", "a", "b", "b"])
    np.testing.assert_allclose(np.abs(aligned), np.abs(true_adjacency) * true.std(axis=0)[None, :]
                               / true.std(axis=0)[:, None], atol=1e-12)
    assert edge_scores(aligned, true_adjacency) == {"shd": 0.0, "edge_precision": 1.0, "edge_recall": 1.0}
    unaligned = edge_scores(learned_adjacency, true_adjacency)
    assert unaligned["edge_recall"] == 0.0  # compared without the matching, every edge is in the wrong place


def test_edge_scores_count_hits_in_the_true_direction_and_nan_precision_for_an_empty_graph():
    true = np.zeros((3, 3))
    true[1, 0] = true[2, 1] = 1.0
    learned = np.zeros((3, 3))
    learned[1, 0], learned[1, 2] = 0.5, 0.5  # one right, one reversed
    assert edge_scores(learned, true) == {"shd": 1.0, "edge_precision": 0.5, "edge_recall": 0.5}
    assert np.isnan(edge_scores(np.zeros((3, 3)), true)["edge_precision"])
