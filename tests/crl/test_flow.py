import torch
from torch.autograd.functional import jacobian

from personax_platform.crl.flow import RealNVP


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
