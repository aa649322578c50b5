"""Lecture 8's remedies for mode collapse: the minibatch standard deviation and the unrolled discriminator."""

import copy

import pytest
import torch
import torch.nn as nn

from gancourse import losses
from gancourse.models.minibatch import MinibatchStdDev
from gancourse.steps import unrolled_discriminator


def test_minibatch_stddev_appends_the_batch_spread_by_hand():
    layer = MinibatchStdDev(group_size=4, eps=0.0)
    x = torch.tensor([[0.0, 1.0], [2.0, 1.0], [0.0, 5.0], [2.0, 5.0]])  # std per feature: 1 and 2, mean 1.5
    out = layer(x)
    assert out.shape == (4, 3) and torch.equal(out[:, :2], x)
    assert torch.allclose(out[:, 2], torch.full((4,), 1.5))
    pictures = torch.randn(8, 3, 5, 5)
    out = MinibatchStdDev(group_size=4)(pictures)
    assert out.shape == (8, 4, 5, 5)
    assert (out[:, 3] == out[:, 3, :1, :1]).all()  # one number per picture, spread over the map
    # groups: sample i with samples i +- 2, i +- 4, ...: two statistics for a batch of 8 in groups of 4
    assert torch.allclose(out[0, 3, 0, 0], out[2, 3, 0, 0]) and torch.allclose(out[1, 3, 0, 0], out[7, 3, 0, 0])


def test_a_collapsed_batch_stands_out_and_the_gradient_reaches_every_sample():
    layer = MinibatchStdDev(group_size=4)
    collapsed = torch.randn(1, 3, 4, 4).expand(4, 3, 4, 4)
    diverse = torch.randn(4, 3, 4, 4)
    assert layer(collapsed)[0, 3, 0, 0] < 1e-3 < layer(diverse)[0, 3, 0, 0]
    x = torch.randn(4, 3, 4, 4, requires_grad=True)
    layer(x)[:, 3].sum().backward()
    assert (x.grad.abs().flatten(1).sum(1) > 0).all()
    with pytest.raises(ValueError, match="multiple of 4"):
        layer(torch.randn(6, 3, 4, 4))
    assert layer(torch.randn(2, 3, 4, 4)).shape == (2, 4, 4, 4)  # a batch below the group size is one group


def _critic():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))


def test_the_unrolled_copy_is_k_real_steps_ahead_and_leaves_d_alone():
    discriminator = _critic()
    optimizer = torch.optim.Adam(discriminator.parameters(), 1e-2, betas=(0.5, 0.999))
    real, fake = torch.randn(16, 2) + 2, torch.randn(16, 2)
    for _ in range(2):  # Adam's moments are not empty: the copy must carry them on
        loss = losses.discriminator_loss(discriminator(real), discriminator(fake))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    before, moments = copy.deepcopy(discriminator.state_dict()), copy.deepcopy(optimizer.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(unrolled_discriminator(discriminator, optimizer, real, fake, 0)
                                                 .parameters(), discriminator.parameters(), strict=True))
    unrolled = unrolled_discriminator(discriminator, optimizer, real, fake, 3)
    assert all(torch.equal(before[k], v) for k, v in discriminator.state_dict().items())  # D untouched
    for i, state in optimizer.state_dict()["state"].items():  # and so is its optimiser's state
        assert all(torch.equal(state[name], moments["state"][i][name]) for name in state)
    for _ in range(3):  # the same three steps, taken for real
        loss = losses.discriminator_loss(discriminator(real), discriminator(fake))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    for a, b in zip(unrolled.parameters(), discriminator.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-7)


def test_the_generator_learns_through_the_unrolled_copy():
    discriminator = _critic()
    optimizer = torch.optim.Adam(discriminator.parameters(), 1e-2)
    generator = nn.Linear(2, 2)
    fake = generator(torch.randn(16, 2))
    unrolled = unrolled_discriminator(discriminator, optimizer, torch.randn(16, 2), fake, 2)
    losses.nonsaturating_generator_loss(unrolled(fake)).backward()
    assert generator.weight.grad is not None and generator.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in discriminator.parameters())
