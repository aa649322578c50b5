"""The adversarial losses against values computed by hand, their gradients, and the training tips."""

import math

import pytest
import torch
import torch.nn as nn

from gancourse import losses


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_discriminator_loss_is_half_the_two_cross_entropies():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    by_hand = 0.5 * (
        -(math.log(sigmoid(2.0)) + math.log(sigmoid(-1.0))) / 2
        - (math.log(1 - sigmoid(0.5)) + math.log(1 - sigmoid(-3.0))) / 2
    )
    assert losses.discriminator_loss(real, fake).item() == pytest.approx(by_hand, rel=1e-6)


def test_discriminator_loss_is_log_2_when_d_says_one_half_everywhere():
    zeros = torch.zeros(5)
    assert losses.discriminator_loss(zeros, zeros).item() == pytest.approx(math.log(2), rel=1e-6)


def test_generator_losses_by_hand():
    fake = torch.tensor([1.0, -2.0])
    minimax = (math.log(1 - sigmoid(1.0)) + math.log(1 - sigmoid(-2.0))) / 2
    nonsaturating = -(math.log(sigmoid(1.0)) + math.log(sigmoid(-2.0))) / 2
    assert losses.minimax_generator_loss(fake).item() == pytest.approx(minimax, rel=1e-6)
    assert losses.nonsaturating_generator_loss(fake).item() == pytest.approx(nonsaturating, rel=1e-6)


def gradient_at(loss_fn, d_of_fake):
    logit = torch.logit(torch.tensor([d_of_fake], dtype=torch.float64)).requires_grad_()
    loss_fn(logit).backward()
    return logit.grad.item()


def test_saturating_and_nonsaturating_gradients_at_d_of_g_z_0_01():
    # d/dl log(1 - sigmoid(l)) = -sigmoid(l) = -D;  d/dl -log sigmoid(l) = -(1 - D)
    assert gradient_at(losses.minimax_generator_loss, 0.01) == pytest.approx(-0.01, rel=1e-9)
    assert gradient_at(losses.nonsaturating_generator_loss, 0.01) == pytest.approx(-0.99, rel=1e-9)


def test_losses_stay_finite_for_confident_discriminators():
    extreme = torch.tensor([150.0, -150.0])
    assert torch.isfinite(losses.discriminator_loss(extreme, -extreme))
    assert losses.nonsaturating_generator_loss(torch.tensor([-150.0])).item() == pytest.approx(150.0)
    assert losses.minimax_generator_loss(torch.tensor([150.0])).item() == pytest.approx(-150.0)


def test_one_sided_label_smoothing_uses_the_given_real_label():
    real, fake = torch.tensor([1.0]), torch.tensor([-1.0])
    p = sigmoid(1.0)
    by_hand = 0.5 * (-(0.9 * math.log(p) + 0.1 * math.log(1 - p)) - math.log(1 - sigmoid(-1.0)))
    assert losses.discriminator_loss(real, fake, real_label=0.9).item() == pytest.approx(by_hand, rel=1e-6)


def test_noisy_labels_are_drawn_in_their_range_and_flips_swap_them():
    logits = torch.zeros(10_000)
    noisy = losses.targets(logits, (0.7, 0.9), generator=torch.Generator().manual_seed(0))
    assert noisy.min() >= 0.7 and noisy.max() <= 0.9 and noisy.std() > 0.05
    flipped = losses.targets(logits, 1.0, flip=0.25, generator=torch.Generator().manual_seed(0))
    assert set(flipped.unique().tolist()) == {0.0, 1.0}
    assert (flipped == 0).float().mean().item() == pytest.approx(0.25, abs=0.02)


def test_lsgan_losses_by_hand():
    real, fake = torch.tensor([0.5, 1.5]), torch.tensor([0.2, -0.4])
    d = 0.5 * (((0.5 - 1) ** 2 + (1.5 - 1) ** 2) / 2 + (0.2**2 + 0.4**2) / 2)
    g = 0.5 * ((0.2 - 1) ** 2 + (-0.4 - 1) ** 2) / 2
    assert losses.lsgan_discriminator_loss(real, fake).item() == pytest.approx(d, rel=1e-6)
    assert losses.lsgan_generator_loss(fake).item() == pytest.approx(g, rel=1e-6)


def test_wasserstein_losses_by_hand():
    real, fake = torch.tensor([3.0, 1.0]), torch.tensor([-1.0, 0.0])
    assert losses.wasserstein_critic_loss(real, fake).item() == pytest.approx(-0.5 - 2.0)
    assert losses.wasserstein_generator_loss(fake).item() == pytest.approx(0.5)


def test_clip_weights_clamps_every_parameter():
    critic = nn.Linear(4, 1)
    with torch.no_grad():
        critic.weight.fill_(0.5)
        critic.bias.fill_(-0.5)
    losses.clip_weights(critic, 0.01)
    assert critic.weight.max().item() == pytest.approx(0.01) and critic.bias.item() == pytest.approx(-0.01)


def test_gradient_penalty_by_hand_for_a_linear_critic():
    # f(x) = w.x has gradient w everywhere: penalty = lambda (|w| - 1)^2 whatever the interpolation
    critic = nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[2.0, 0.0, 0.0]]))
    real, fake = torch.randn(8, 3), torch.randn(8, 3)
    assert losses.gradient_penalty(critic, real, fake, weight=10).item() == pytest.approx(10.0, rel=1e-6)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[0.6, 0.8, 0.0]]))  # unit norm: no penalty
    assert losses.gradient_penalty(critic, real, fake).item() == pytest.approx(0.0, abs=1e-10)


def test_gradient_penalty_trains_the_critic_and_passes_labels():
    class Conditional(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Linear(4, 1)

        def forward(self, x, labels):
            return self.net(x).view(-1) * (labels.float() + 1)

    critic = Conditional()
    penalty = losses.gradient_penalty(critic, torch.randn(6, 4), torch.randn(6, 4), labels=torch.arange(6) % 2)
    penalty.backward()
    assert critic.net.weight.grad is not None and critic.net.weight.grad.abs().sum() > 0
