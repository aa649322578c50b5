"""The exact W1 of 1-D samples against closed forms and an independent implementation."""

import pytest
import torch
from scipy.stats import wasserstein_distance

from gancourse.earth_mover import wasserstein_1d


def test_moving_a_pile_by_d_costs_d_whatever_its_shape():
    pile = torch.randn(1000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for d in (0.0, 0.5, 3.0, 10.0):
        assert wasserstein_1d(pile, pile + d) == pytest.approx(d, abs=1e-12)


def test_a_point_against_two_points_by_hand():
    # F_a jumps to 1 at 0; F_b is 1/2 on [1, 3): area 1 * 1 + (1 - 1/2) * 2 = 2
    assert wasserstein_1d([0.0], [1.0, 3.0]) == pytest.approx(2.0, abs=1e-12)
    assert wasserstein_1d([1.0, 3.0], [0.0]) == pytest.approx(2.0, abs=1e-12)


def test_equal_sizes_pair_the_sorted_samples_and_unequal_sizes_agree_with_scipy():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(300, generator=g), torch.rand(170, generator=g) * 4
    assert wasserstein_1d(a, b) == pytest.approx(wasserstein_distance(a.numpy(), b.numpy()), rel=1e-9)
    c = torch.randn(300, generator=g)
    expected = (a.double().sort().values - c.double().sort().values).abs().mean().item()
    assert wasserstein_1d(a, c) == pytest.approx(expected, rel=1e-12)
    assert wasserstein_1d(a, a) == 0
    with pytest.raises(ValueError, match="at least one sample"):
        wasserstein_1d([], [1.0])
