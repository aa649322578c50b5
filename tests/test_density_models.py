"""Lecture 10's package: the masked convolutions, the PixelCNN's exact likelihood and its sampler,
the VAE's bounds, the binarised digits."""

import itertools
import math

import pytest
import torch

from gancourse import losses
from gancourse.data import mnist
from gancourse.likelihood import elbo, importance_weighted_bound
from gancourse.models import count_parameters
from gancourse.models.autoencoder import VAE
from gancourse.models.pixelcnn import MaskedConv2d, PixelCNN, causal_mask


def test_parameter_count():
    # 7x7 type A (1 -> 32), six blocks of 1x1 (32 -> 16), 3x3 (16 -> 16), 1x1 (16 -> 32), then 1x1 32 -> 32 -> 1
    block = (32 * 16 + 16) + (9 * 16 * 16 + 16) + (16 * 32 + 32)
    assert count_parameters(PixelCNN()) == (49 * 32 + 32) + 6 * block + (32 * 32 + 32) + (32 + 1) == 23_041


def test_masks_of_both_types():
    assert causal_mask(3, "A").tolist() == [[1, 1, 1], [1, 0, 0], [0, 0, 0]]
    assert causal_mask(3, "B").tolist() == [[1, 1, 1], [1, 1, 0], [0, 0, 0]]
    with pytest.raises(ValueError, match="odd"):
        causal_mask(4, "A")
    with pytest.raises(ValueError, match="'A'"):
        causal_mask(3, "C")


def input_gradient(model, size: int, row: int, column: int) -> torch.Tensor:
    """d output[row, column] / d input, summed over a batch of random inputs: [size, size]."""
    x = torch.randn(4, 1, size, size, requires_grad=True)
    model(x)[:, 0, row, column].sum().backward()
    return x.grad.abs().sum(dim=(0, 1))


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_a_masked_convolution_sees_only_earlier_pixels(mask_type):
    torch.manual_seed(0)
    layer = MaskedConv2d(1, 4, 5, mask_type)
    size, row, column = 9, 4, 4
    seen = input_gradient(layer, size, row, column) != 0
    raster = torch.arange(size * size).view(size, size)
    i = row * size + column
    assert not seen[raster > i].any()
    assert bool(seen[row, column]) == (mask_type == "B")
    # inside the 5x5 window every earlier pixel is seen
    near = ((torch.arange(size)[:, None] - row).abs() <= 2) & ((torch.arange(size) - column).abs() <= 2)
    window = (raster < i) & near
    assert seen[window].all()


def test_the_pixelcnn_output_at_pixel_i_never_depends_on_pixel_i_or_later():
    torch.manual_seed(0)
    model = PixelCNN(hidden=8, n_blocks=3)
    raster = torch.arange(28 * 28).view(28, 28)
    for row, column in [(0, 0), (5, 27), (14, 14), (27, 3)]:
        gradient = input_gradient(model, 28, row, column)
        assert torch.all(gradient[raster >= row * 28 + column] == 0)  # exactly, not approximately
        if (row, column) != (0, 0):
            assert gradient[raster < row * 28 + column].sum() > 0


def all_binary_images(size: int) -> torch.Tensor:
    pixels = torch.tensor(list(itertools.product([0.0, 1.0], repeat=size * size)))
    return pixels.view(-1, 1, size, size)


def test_the_exact_likelihood_is_a_distribution_over_all_binary_images():
    torch.manual_seed(0)
    model = PixelCNN(hidden=4, n_blocks=2)
    images = all_binary_images(3)  # all 512 pictures of 3x3 binary pixels
    with torch.no_grad():
        log_p = model.log_likelihood(images)
    assert torch.logsumexp(log_p.double(), dim=0).item() == pytest.approx(0.0, abs=1e-5)


def test_the_exact_likelihood_is_the_product_of_the_conditionals():
    """log p(x) against 9 passes, each predicting one pixel from a picture holding only the pixels before it."""
    torch.manual_seed(1)
    model = PixelCNN(hidden=4, n_blocks=2)
    x = all_binary_images(3)[[37, 200, 511]]
    log_p = torch.zeros(3)
    with torch.no_grad():
        for i in range(9):
            row, column = divmod(i, 3)
            earlier = torch.zeros_like(x).flatten(1)
            earlier[:, :i] = x.flatten(1)[:, :i]
            p_one = torch.sigmoid(model(earlier.view_as(x))[:, 0, row, column])
            log_p += torch.where(x[:, 0, row, column] == 1, p_one, 1 - p_one).log()
        assert torch.allclose(model.log_likelihood(x), log_p, atol=1e-5)


def test_likelihood_refuses_grey_pixels():
    with pytest.raises(ValueError, match="binarize=True"):
        PixelCNN().log_likelihood(torch.full((1, 1, 28, 28), 0.5))


def test_samples_follow_the_models_distribution():
    torch.manual_seed(2)
    model = PixelCNN(hidden=4, n_blocks=2)
    with torch.no_grad():
        model.layers[-1].bias.fill_(0.5)  # away from 1/2 everywhere, so a wrong order would show
    n = 20_000
    drawn = model.sample(n, rng=torch.Generator().manual_seed(0), size=2)
    assert drawn.shape == (n, 1, 2, 2) and set(drawn.unique().tolist()) <= {0.0, 1.0}
    images = all_binary_images(2)
    with torch.no_grad():
        expected = model.log_likelihood(images).exp()
    codes = (drawn.flatten(1) * torch.tensor([8.0, 4.0, 2.0, 1.0])).sum(dim=1).long()
    observed = torch.bincount(codes, minlength=16).float() / n
    assert torch.allclose(observed, expected, atol=4 * math.sqrt(0.25 / n))
    first, again = (model.sample(50, rng=torch.Generator().manual_seed(3), size=2) for _ in range(2))
    assert torch.equal(first, again)


def test_bernoulli_nll_is_summed_per_picture_and_finite_for_sure_predictions():
    logits = torch.tensor([[[[60.0, -60.0]]], [[[0.0, 0.0]]]])
    x = torch.tensor([[[[0.0, 0.0]]], [[[1.0, 0.0]]]])
    nll = losses.bernoulli_nll(logits, x)
    assert nll.shape == (2,)
    assert nll[0].item() == pytest.approx(60.0, rel=1e-6)  # -log(1 - sigmoid(60)) = 60, not log 0
    assert nll[1].item() == pytest.approx(2 * math.log(2))


def test_the_vae_bounds_sit_below_the_log_likelihood_and_tighten_with_k():
    """A one-dimensional latent, so log p(x) = log of an integral over z that a fine grid computes."""
    torch.manual_seed(0)
    vae = VAE(latent_dim=1, hidden=32)
    x = (torch.rand(3, 1, 28, 28) < 0.2).float()
    z = torch.linspace(-10, 10, 20_001)[:, None]
    with torch.no_grad():
        means = vae.decode(z).flatten(1)
    log_p_x_given_z = -torch.nn.functional.binary_cross_entropy(
        means[None].expand(3, -1, -1), x.flatten(1)[:, None].expand(-1, len(z), -1), reduction="none").sum(-1)
    log_prior = -0.5 * (z[:, 0] ** 2 + math.log(2 * math.pi))
    log_p = torch.logsumexp(log_p_x_given_z.double() + log_prior.double(), dim=1) + math.log(20 / 20_000)
    rng = torch.Generator().manual_seed(0)
    lower = elbo(vae, x, samples=2_000, rng=rng)
    tight = importance_weighted_bound(vae, x, k=5_000, rng=rng)
    assert torch.all(lower < tight) and torch.all(tight <= log_p + 0.05)
    assert torch.allclose(tight.double(), log_p, atol=0.5)
    assert torch.allclose(importance_weighted_bound(vae, x, k=1, rng=rng).mean(), lower.mean(), atol=10)


def test_binarised_digits(monkeypatch, tmp_path):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    grey = mnist("test", value_range=(0, 1), limit=50)
    binary = mnist("test", value_range=(0, 1), limit=50, binarize=True)
    x = binary.tensors()[0]
    assert set(x.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(x, (grey.tensors()[0] >= 128 / 255).float())
    assert "binarised at grey level 128" in binary.source
    with pytest.raises(ValueError, match="value_range=\\(0, 1\\)"):
        mnist("test", binarize=True)
