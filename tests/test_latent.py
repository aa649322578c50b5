"""The pure half of the latent explorers: paths, bases, directions and the interface check."""

import math

import numpy as np
import pytest
import torch
import torch.nn as nn

from gancourse import latent
from gancourse.models import VAE, MLPAutoencoder
from gancourse.models.gan import DCGANGenerator, MLPDiscriminator, MLPGenerator


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("method", ["lerp", "slerp"])
def test_paths_start_and_end_exactly_at_the_endpoints(method):
    z_a, z_b = torch.randn(2, 100)
    codes = latent.path(z_a, z_b, torch.linspace(0, 1, 7), method)
    assert codes.shape == (7, 100)
    assert torch.equal(codes[0], z_a) and torch.equal(codes[-1], z_b)
    assert torch.equal(latent.path(z_a, z_b, 0.0, method), z_a)
    assert torch.equal(latent.path(z_a, z_b, 1.0, method), z_b)


def test_slerp_keeps_the_norm_of_unit_endpoints_and_lerp_does_not():
    z_a, z_b = nn.functional.normalize(torch.randn(2, 50, dtype=torch.float64), dim=1)
    t = torch.linspace(0, 1, 21, dtype=torch.float64)
    assert torch.allclose(latent.slerp(z_a, z_b, t).norm(dim=1), torch.ones(21, dtype=torch.float64), atol=1e-12)
    # Two random directions in 50-d are nearly orthogonal: the straight line's middle has norm about 1/sqrt(2).
    middle = latent.lerp(z_a, z_b, 0.5).norm().item()
    assert middle == pytest.approx(math.sqrt((1 + torch.dot(z_a, z_b).item()) / 2), abs=1e-12)
    assert middle < 0.9


def test_slerp_of_parallel_codes_is_the_straight_line():
    z = torch.randn(10)
    codes = latent.slerp(z, 2 * z, torch.linspace(0, 1, 5))
    assert torch.isfinite(codes).all()
    assert torch.allclose(codes, latent.lerp(z, 2 * z, torch.linspace(0, 1, 5)))


def test_unknown_path_names_the_choices():
    with pytest.raises(ValueError, match="'lerp' or 'slerp'"):
        latent.path(torch.zeros(3), torch.ones(3), 0.5, "cubic")


@pytest.mark.parametrize("d", [2, 20, 100])
def test_typical_norm_is_the_mean_norm_of_gaussian_codes(d):
    norms = torch.randn(200_000, d, dtype=torch.float64).norm(dim=1)
    assert latent.typical_norm(d) == pytest.approx(norms.mean().item(), rel=5e-3)  # sqrt(d) would be 13% off at d = 2


@pytest.mark.parametrize(
    "model", [VAE(latent_dim=2), MLPAutoencoder(latent_dim=3), MLPGenerator(), DCGANGenerator(ngf=8, image_size=32)]
)
@pytest.mark.parametrize("method", ["lerp", "slerp"])
def test_t_0_and_1_render_exactly_the_endpoints(model, method):
    z_a, z_b = torch.randn(2, model.latent_dim)
    assert np.array_equal(latent.render_interpolation(model, z_a, z_b, 0.0, method), latent.render_point(model, z_a))
    assert np.array_equal(latent.render_interpolation(model, z_a, z_b, 1.0, method), latent.render_point(model, z_b))
    middle = latent.render_interpolation(model, z_a, z_b, 0.5, method)
    assert not np.array_equal(middle, latent.render_point(model, z_a))


def test_the_strip_shows_the_path_in_order():
    model = VAE(latent_dim=2)
    z_a, z_b = torch.randn(2, 2)
    strip = latent.render_strip(model, z_a, z_b, steps=5, method="lerp")
    assert strip.shape == (32, 2 + 5 * 30, 3)  # make_grid: 28-pixel images with 2-pixel gaps
    for i, t in enumerate(torch.linspace(0, 1, 5)):
        single = latent.render_interpolation(model, z_a, z_b, t.item(), "lerp")
        cell = strip[2:30, 2 + 30 * i : 30 + 30 * i, :1]
        assert np.abs(cell.astype(int) - single.astype(int)).max() <= 1


def test_value_range_follows_the_output_layer():
    assert latent.latent_model(VAE(latent_dim=2)).value_range == (0, 1)  # Sigmoid
    assert latent.latent_model(MLPGenerator()).value_range == (-1, 1)  # Tanh


def test_rendering_leaves_the_model_and_the_global_generator_as_they_were():
    model = DCGANGenerator(ngf=8, image_size=32)
    model.train()
    state = torch.random.get_rng_state()
    latent.render_interpolation(model, torch.randn(100), torch.randn(100), 0.3)
    rng_after_randn = torch.random.get_rng_state()
    torch.random.set_rng_state(state)
    torch.randn(100), torch.randn(100)
    assert torch.equal(torch.random.get_rng_state(), rng_after_randn)  # only the test's own draws moved it
    assert model.training
    assert all(p.grad is None for p in model.parameters())


def test_a_label_changes_the_picture_and_is_required():
    generator = MLPGenerator(n_classes=10)
    z = torch.randn(100)
    assert not np.array_equal(latent.render_point(generator, z, 3), latent.render_point(generator, z, 8))
    with pytest.raises(ValueError, match="label=8"):
        latent.render_point(generator, z)


def test_render_classes_draws_the_same_noise_as_every_label():
    generator = MLPGenerator(n_classes=10)
    z = torch.randn(100)
    row = latent.render_classes(generator, z)
    assert row.shape == (32, 2 + 10 * 30, 3)
    for label in (0, 4, 9):
        cell = row[2:30, 2 + 30 * label : 30 + 30 * label, :1]
        assert np.abs(cell.astype(int) - latent.render_point(generator, z, label).astype(int)).max() <= 1
    with pytest.raises(TypeError, match="not conditional"):
        latent.render_classes(MLPGenerator(), z)


class Flat(nn.Module):
    """A decoder that forgets to reshape its output to images."""

    latent_dim = 4

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 784)

    def decode(self, z):
        return self.fc(z)


class EncoderOnly(nn.Module):
    latent_dim = 4

    def encode(self, x):
        return x


class Broken(nn.Module):
    latent_dim = 4

    def forward(self, z):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")


@pytest.mark.parametrize(
    "model, message",
    [
        (MLPDiscriminator(), "no integer `latent_dim`.*Fix: set `self.latent_dim"),
        (EncoderOnly(), "has `encode` but no `decode`"),
        (Flat(), r"returned shape \[2, 784\].*Fix: end decode with `.view\(-1, 1, 28, 28\)`"),
        (Broken(), "Broken.forward on codes of shape \\[2, 4\\] failed \\(mat1 and mat2"),
        ("not a model", "no integer `latent_dim`"),
    ],
)
def test_an_invalid_model_gets_an_error_that_names_the_interface(model, message):
    with pytest.raises(TypeError, match=message):
        latent.latent_model(model)


def test_generate_is_part_of_the_interface():
    class Sampler:
        latent_dim = 3

        def generate(self, z):
            return z.sum(1).view(-1, 1, 1, 1).expand(-1, 1, 5, 5)

    lm = latent.latent_model(Sampler())
    assert lm.call_name == "generate"
    assert latent.render_point(Sampler(), torch.ones(3)).shape == (5, 5, 1)


def test_axis_basis_without_codes_spans_the_prior():
    basis = latent.latent_basis(20, dims=[1, 4])
    assert basis.names == ["z2", "z5"]
    assert basis.low == [-3.0, -3.0] and basis.high == [3.0, 3.0] and basis.start == [0.0, 0.0]
    z = basis.point([1.5, -2.0])
    assert z[1] == 1.5 and z[4] == -2.0 and z.abs().sum() == 3.5
    assert len(latent.latent_basis(2).names) == 2  # a 2-d latent in full
    assert len(latent.latent_basis(100).names) == 6  # at most 6 sliders by default


def test_axis_basis_with_codes_spans_the_data_and_rests_at_its_mean():
    codes = torch.randn(5000, 3) * torch.tensor([1.0, 5.0, 0.1]) + torch.tensor([10.0, 0.0, -2.0])
    basis = latent.latent_basis(3, dims=[0], codes=codes)
    assert basis.start[0] == pytest.approx(10.0, abs=0.1)
    assert 6 < basis.low[0] < 8 and 12 < basis.high[0] < 14  # about mean +- 2.6 sd, widened by 10%
    z = basis.point([basis.start[0]])
    assert torch.allclose(z, codes.mean(0))


def test_principal_basis_finds_the_direction_of_largest_spread():
    direction = nn.functional.normalize(torch.randn(20), dim=0)
    codes = torch.randn(3000, 1) * 4 * direction + 0.3 * torch.randn(3000, 20) + 7
    basis = latent.latent_basis(20, dims=3, codes=codes, principal=True)
    assert abs(torch.dot(basis.directions[0], direction).item()) > 0.99
    assert torch.allclose(basis.directions @ basis.directions.T, torch.eye(3), atol=1e-5)
    assert basis.high[0] == pytest.approx(3 * 4, rel=0.1) and basis.low[0] == -basis.high[0]
    assert basis.names[0].startswith("PC1 (")
    assert torch.allclose(basis.point([0, 0, 0]), codes.mean(0))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dims": [0, 20]}, "does not fit a latent space of 20"),
        ({"dims": 0}, "does not fit"),
        ({"principal": True}, "needs the encoded data"),
        ({"codes": torch.randn(10, 3)}, r"codes must be \[N, 20\]"),
    ],
)
def test_bad_basis_requests_name_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        latent.latent_basis(20, **kwargs)


def test_nearest_distances():
    codes = torch.tensor([[0.0, 0.0], [3.0, 4.0], [3.0, 5.0]])
    assert latent.nearest_distance(torch.tensor([0.0, 1.0]), codes) == pytest.approx(1.0)
    assert latent.typical_nearest_distance(codes) == pytest.approx(1.0)  # median of 5, 1, 1


def test_class_mean_direction_moves_one_class_mean_onto_the_other():
    codes, labels = torch.randn(200, 5), torch.arange(200) % 4
    direction = latent.class_mean_direction(codes, labels, source=1, target=3)
    assert torch.allclose(codes[labels == 1].mean(0) + direction, codes[labels == 3].mean(0))
    with pytest.raises(ValueError, match="No code has label 7"):
        latent.class_mean_direction(codes, labels, 1, 7)


def test_render_along_strength_zero_is_the_code_itself():
    model = VAE(latent_dim=20)
    z, direction = torch.randn(20), torch.randn(20)
    row = latent.render_along(model, z, direction, [0.0])
    assert np.array_equal(row, latent.render_point(model, z))
    assert not np.array_equal(latent.render_along(model, z, direction, [1.0]), row)


class LinearImages(nn.Module):
    latent_dim = 2

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 4)

    def forward(self, z):
        return self.fc(z).view(-1, 1, 2, 2)


def test_classifier_direction_climbs_the_classifier_through_the_generator():
    generator, classifier = LinearImages(), nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    z = torch.randn(64, 2)
    direction, reached = latent.classifier_direction(generator, classifier, target=1, z=z, steps=500, lr=0.5)
    # Linear all the way: log p(1) grows fastest along W^T (w1 - w0), the same for every code.
    w = classifier[1].weight
    expected = generator.fc.weight.T @ (w[1] - w[0])
    assert torch.nn.functional.cosine_similarity(direction, expected.detach(), dim=0) > 0.99
    assert reached == 1.0
    moved = torch.softmax(classifier(generator(z + direction)), dim=1)[:, 1].mean()
    before = torch.softmax(classifier(generator(z)), dim=1)[:, 1].mean()
    assert moved > before
    assert all(p.grad is None for p in [*generator.parameters(), *classifier.parameters()])
