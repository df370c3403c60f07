import torch
from torch.autograd.functional import jacobian

from personax_platform.crl.flow import FactorisedMixture, RealNVP


def _trained_looking_flow(dim: int = 7, layers: int = 4) -> RealNVP:
    flow = RealNVP(dim, layers, 16, torch.Generator().manual_seed(0))
    with torch.no_grad():  # the couplings start as the identity; give them non-trivial scales and shifts
        for parameter in flow.parameters():
            parameter.add_(0.3 * torch.randn(parameter.shape, generator=torch.Generator().manual_seed(1)))
    return flow


def test_flow_inverse_undoes_forward_and_log_det_matches_the_jacobian():
    flow = _trained_looking_flow()
    x = torch.randn(64, 7, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    flow = flow.double()
    u, log_det = flow(x)
    assert not torch.allclose(u, x)
    torch.testing.assert_close(flow.inverse(u), x)
    exact = torch.linalg.slogdet(jacobian(lambda row: flow(row[None])[0][0], x[0]))[1]
    torch.testing.assert_close(log_det[0], exact)


def test_flow_has_a_permutation_between_every_two_couplings_that_moves_the_split():
    flow = RealNVP(12, 5, 16, torch.Generator().manual_seed(0))
    perms = flow.permutations()
    assert len(perms) == len(flow.couplings) - 1 == 4
    for perm in perms:
        assert sorted(perm.tolist()) == list(range(12))
        assert set(perm[:6].tolist()) != set(range(6))  # the next coupling conditions on other dimensions
    assert all(name.startswith("perm") for name, _ in flow.named_buffers())  # saved with the state dict


def test_flow_nll_is_the_standard_gaussian_nll_at_initialisation():
    flow = RealNVP(4, 2, 8, torch.Generator().manual_seed(0))
    x = torch.randn(10, 4, generator=torch.Generator().manual_seed(3))
    expected = -torch.distributions.Normal(0.0, 1.0).log_prob(x).sum(dim=1)  # identity couplings, reordering only
    torch.testing.assert_close(flow.nll(x), expected)


def test_without_permutations_the_flow_never_transforms_the_first_half_like_the_official_code():
    flow = RealNVP(7, 4, 16, torch.Generator().manual_seed(0), permute=False)
    with torch.no_grad():
        for parameter in flow.parameters():
            parameter.add_(0.3 * torch.randn(parameter.shape, generator=torch.Generator().manual_seed(1)))
    x = torch.randn(20, 7, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(flow(x)[0][:, :3], x[:, :3])


def test_factorised_mixture_nll_is_a_sum_of_independent_one_dimensional_mixtures():
    prior = FactorisedMixture(3, components=2)
    with torch.no_grad():
        prior.logits.copy_(torch.tensor([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]]))
        prior.means.copy_(torch.tensor([[-1.0, 1.0], [0.0, 2.0], [-0.5, 0.3]]))
        prior.log_scales.copy_(torch.tensor([[0.0, -0.5], [0.2, 0.1], [-0.3, 0.4]]))
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(4))
    expected = torch.zeros(8)
    for d in range(3):
        weights = torch.softmax(prior.logits[d], dim=0)
        density = sum(w * torch.distributions.Normal(m, s.exp()).log_prob(x[:, d]).exp()
                      for w, m, s in zip(weights, prior.means[d], prior.log_scales[d]))
        expected -= density.log()
    torch.testing.assert_close(prior.nll(x), expected)
