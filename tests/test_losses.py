"""The VAE's loss terms against closed forms and the reparameterisation trick's statistics."""

import math

import torch
import torch.nn.functional as F

from gancourse.losses import kl_divergence, vae_loss
from gancourse.models import reparameterize


def test_kl_matches_the_closed_form_on_a_small_example():
    mu = torch.tensor([[0.5, -1.0]])
    logvar = torch.tensor([[0.0, math.log(0.25)]])
    # by hand: dim 1: -1/2 (1 + 0 - 0.25 - 1) = 0.125; dim 2: -1/2 (1 + ln 0.25 - 1 - 0.25) = 0.8181472
    expected = 0.125 + (-0.5 * (1 + math.log(0.25) - 1 - 0.25))
    assert math.isclose(kl_divergence(mu, logvar).item(), expected, rel_tol=1e-6)
    assert math.isclose(expected, 0.9431472, rel_tol=1e-6)


def test_kl_agrees_with_torch_distributions_and_is_zero_at_the_prior():
    torch.manual_seed(0)
    mu, logvar = torch.randn(6, 4), torch.randn(6, 4)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    reference = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum()
    assert torch.allclose(kl_divergence(mu, logvar), reference, rtol=1e-5)
    assert kl_divergence(torch.zeros(3, 2), torch.zeros(3, 2)).item() == 0


def test_vae_loss_is_summed_bce_plus_kl():
    torch.manual_seed(0)
    x, x_hat = torch.rand(4, 1, 28, 28), torch.rand(4, 1, 28, 28).clamp(0.01, 0.99)
    mu, logvar = torch.randn(4, 3), torch.randn(4, 3)
    total, reconstruction, kl = vae_loss(x_hat, x, mu, logvar)
    manual_bce = -(x * x_hat.log() + (1 - x) * (1 - x_hat).log()).sum()
    assert torch.allclose(reconstruction, manual_bce, rtol=1e-5)
    assert torch.allclose(reconstruction, F.binary_cross_entropy(x_hat, x, reduction="sum"))
    assert torch.allclose(total, reconstruction + kl)


def test_reparameterize_has_the_right_moments_and_passes_gradients():
    torch.manual_seed(0)
    mu = torch.full((50_000, 1), 2.0, requires_grad=True)
    logvar = torch.full((50_000, 1), math.log(9.0), requires_grad=True)
    z = reparameterize(mu, logvar)
    assert abs(z.mean().item() - 2.0) < 0.05 and abs(z.std().item() - 3.0) < 0.05
    z.sum().backward()
    assert torch.allclose(mu.grad, torch.ones_like(mu))  # dz/dmu = 1
    assert logvar.grad.abs().sum() > 0
