"""The nonlinear latent mechanisms (crl/mechanism.py): a conditional shift flow per latent, additive over its parents,
with each edge penalised and reported by the size of its function."""
import numpy as np
import torch

from personax_platform.crl import CRLConfig
from personax_platform.crl.layout import LatentLayout
from personax_platform.crl.mechanism import AdditiveConditionalFlow
from personax_platform.crl.model import CRLModel
from personax_platform.crl.refinement import _rotate_blocks

LAYOUT = LatentLayout.from_config(CRLConfig())
EDGES = LAYOUT.cross_block_edges()


def _latents(n: int = 4000, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, LAYOUT.dim, generator=torch.Generator().manual_seed(seed))


def _random_adjacency(seed: int) -> torch.Tensor:
    return torch.randn(LAYOUT.dim, LAYOUT.dim, generator=torch.Generator().manual_seed(seed)) * torch.tensor(EDGES)


def test_with_no_hinge_weights_it_is_the_linear_sem_with_strengths_and_effects_equal_to_the_weights():
    flow = AdditiveConditionalFlow(EDGES, knots=6)
    z, adjacency = _latents(), _random_adjacency(1)
    mechanisms = flow(z, adjacency)
    torch.testing.assert_close(mechanisms.noise, z - z @ adjacency.T)
    torch.testing.assert_close(mechanisms.strengths, adjacency.abs(), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(mechanisms.effects, adjacency, atol=1e-5, rtol=1e-5)


def test_a_latents_noise_depends_on_its_allowed_parents_only_with_a_unit_triangular_jacobian():
    flow = AdditiveConditionalFlow(EDGES, knots=6)
    with torch.no_grad():  # every weight non-zero, the forbidden entries included
        flow.hinge_weights.copy_(torch.randn(flow.hinge_weights.shape, generator=torch.Generator().manual_seed(2)))
    adjacency = _random_adjacency(3)
    z = _latents(1, seed=4)[0]
    jacobian = torch.autograd.functional.jacobian(lambda row: flow(row[None], adjacency).noise[0], z)
    reaches = jacobian.abs() > 0
    np.testing.assert_array_equal(reaches.numpy(), EDGES | np.eye(LAYOUT.dim, dtype=bool))
    torch.testing.assert_close(torch.diagonal(jacobian), torch.ones(LAYOUT.dim))  # log |det| = 0


def test_an_edges_strength_is_its_functions_sd_per_unit_sd_of_the_parent():
    flow = AdditiveConditionalFlow(EDGES, knots=6)
    with torch.no_grad():
        flow.hinge_weights.copy_(torch.randn(flow.hinge_weights.shape, generator=torch.Generator().manual_seed(5)))
    adjacency = _random_adjacency(6)
    z = _latents() * 1.7 + 0.3
    mechanisms = flow(z, adjacency)
    child, parent = (int(i) for i in np.argwhere(EDGES)[7])
    # the edge's function evaluated directly: the parent's contribution to the child's location, f(z_j) - f(0)
    without = z.clone()
    without[:, parent] = 0
    contribution = (flow(without, adjacency).noise - flow(z, adjacency).noise)[:, child]
    expected = contribution.std() / z[:, parent].std()
    torch.testing.assert_close(mechanisms.strengths[child, parent], expected, rtol=1e-3, atol=1e-5)
    assert torch.all(mechanisms.strengths[~torch.tensor(EDGES)] == 0)


def test_a_non_monotone_edge_keeps_its_size_where_its_linear_trend_vanishes():
    # softplus(2u)/2 - u/2 = (softplus(2u) + softplus(-2u)) / 4 is even: a V-shaped edge with no linear trend
    flow = AdditiveConditionalFlow(EDGES, knots=5)  # knots -2, -1, 0, 1, 2
    child, parent = (int(i) for i in np.argwhere(EDGES)[0])
    adjacency = torch.zeros(LAYOUT.dim, LAYOUT.dim)
    adjacency[child, parent] = -0.5
    with torch.no_grad():
        flow.hinge_weights[child, parent, 2] = 1.0
    z = _latents(20_000)
    with torch.no_grad():
        mechanisms = flow(z, adjacency)
    contribution = z[:, child] - mechanisms.noise[:, child]
    assert abs(np.corrcoef(contribution.numpy(), z[:, parent].numpy())[0, 1]) < 0.03
    assert mechanisms.strengths[child, parent] > 0.2  # measured 0.218; an edge counts from 0.1 (metrics.py)
    assert mechanisms.strengths.count_nonzero() == 1


def test_the_models_sparsity_term_sums_the_edge_strengths_and_a_rotated_restart_starts_from_an_empty_graph(
        tiny_data, tiny_config):
    config = tiny_config.with_(mechanism="nonlinear")
    model = CRLModel(config, {"image/m1": 16, "text/m1": 16}, {"image": ["image/m1"], "text": ["text/m1"]},
                     torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.adjacency_free.copy_(_random_adjacency(7))
        model.mechanism.hinge_weights.normal_(generator=torch.Generator().manual_seed(8))
    z = _latents(500)
    mechanisms = model.mechanisms(z)
    assert mechanisms.strengths.sum() > 0
    torch.testing.assert_close(mechanisms.strengths, model.mechanism(z, model.adjacency()).strengths)
    _rotate_blocks(model, torch.Generator().manual_seed(9))
    assert model.mechanisms(z).strengths.abs().sum() == 0
