"""The ring of Gaussians and its mode count, against points placed by hand."""

import math

import pytest
import torch

from gancourse.data import modes_covered, ring_of_gaussians
from gancourse.data.ring import ring_centres


def test_centres_lie_on_the_circle_evenly_spaced():
    centres = ring_centres()
    assert centres.shape == (8, 2)
    assert torch.allclose(centres.norm(dim=1), torch.full((8,), 2.0))
    assert torch.allclose(centres[0], torch.tensor([2.0, 0.0]))
    gaps = (centres - centres.roll(1, 0)).norm(dim=1)
    assert torch.allclose(gaps, torch.full((8,), 4 * math.sin(math.pi / 8)), atol=1e-6)


def test_samples_come_from_every_mode_tightly_and_from_their_own_generator():
    rng = torch.Generator().manual_seed(0)
    before = torch.random.get_rng_state()
    points = ring_of_gaussians(8000, rng=rng)
    assert torch.equal(torch.random.get_rng_state(), before)
    count = modes_covered(points)
    assert count.covered == 8 and count.share_near == 1.0
    distance = torch.cdist(points, ring_centres()).min(1).values
    assert 0.015 < distance.pow(2).mean().div(2).sqrt() < 0.025  # per-axis std 0.02


def test_a_collapsed_generator_covers_one_mode_with_a_high_share():
    points = ring_centres()[3] + 0.05 * torch.randn(1000, 2)
    count = modes_covered(points)
    assert (count.covered, count.share_near) == (1, 1.0)
    assert str(count) == "1/8 modes, 100% of samples near one"


def test_points_between_the_modes_cover_none():
    angle = 2 * math.pi * (torch.arange(8) + 0.5) / 8  # half-way between neighbouring centres
    points = 2 * torch.stack([angle.cos(), angle.sin()], 1).repeat(100, 1)
    assert (modes_covered(points).covered, modes_covered(points).share_near) == (0, 0.0)


def test_a_mode_needs_one_percent_of_the_samples():
    centres = ring_centres()
    points = torch.cat([centres[0].repeat(990, 1), centres[1].repeat(9, 1), torch.full((1, 2), 9.0)])
    assert modes_covered(points).covered == 1  # 9 of 1,000 at mode 1: below 1 %
    points = torch.cat([centres[0].repeat(990, 1), centres[1].repeat(10, 1)])
    assert modes_covered(points).covered == 2


def test_wrong_shapes_are_refused_with_the_expected_shape():
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        modes_covered(torch.zeros(10, 3))
