"""The GAN architectures: published parameter counts, shapes, conditioning, initialisation."""

import pytest
import torch

from gancourse.models import count_parameters
from gancourse.models.gan import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator


@pytest.mark.parametrize("channels, g_params, d_params", [(3, 3_576_704, 2_765_568), (1, 3_574_656, 2_763_520)])
def test_dcgan_parameter_counts_match_the_reference(channels, g_params, d_params):
    assert count_parameters(DCGANGenerator(channels=channels)) == g_params
    assert count_parameters(DCGANDiscriminator(channels=channels)) == d_params


def test_mlp_gan_parameter_counts():
    assert count_parameters(MLPGenerator()) == 1_486_352
    assert count_parameters(MLPDiscriminator()) == 1_460_225
    assert count_parameters(MLPGenerator(n_classes=10)) == 1_486_352 + 10 * 256
    assert count_parameters(MLPDiscriminator(n_classes=10)) == 1_460_225 + 10 * 1024


@pytest.mark.parametrize("size", [64, 32, 28])
def test_dcgan_shapes_at_each_size(size):
    generator = DCGANGenerator(channels=1, image_size=size)
    discriminator = DCGANDiscriminator(channels=1, image_size=size)
    images = generator(torch.randn(3, 100))
    assert images.shape == (3, 1, size, size)
    assert images.abs().max() <= 1  # Tanh
    assert discriminator(images).shape == (3,)


def test_dcgan_has_no_bias_and_batchnorm_only_where_the_paper_puts_it():
    generator, discriminator = DCGANGenerator(), DCGANDiscriminator()
    convolutions = [m for m in list(generator.modules()) + list(discriminator.modules())
                    if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    assert all(m.bias is None for m in convolutions)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in generator.main[-1])  # G's output
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in discriminator.main[0])  # D's input


def test_dcgan_initialisation_is_normal_0_02_and_batchnorm_1_0_02():
    torch.manual_seed(0)
    generator = DCGANGenerator()
    weights = torch.cat([m.weight.flatten() for m in generator.modules() if isinstance(m, torch.nn.ConvTranspose2d)])
    scales = torch.cat([m.weight for m in generator.modules() if isinstance(m, torch.nn.BatchNorm2d)])
    assert weights.mean().abs() < 1e-3 and weights.std().item() == pytest.approx(0.02, rel=0.02)
    assert scales.mean().item() == pytest.approx(1.0, abs=0.01) and scales.std().item() == pytest.approx(0.02, rel=0.2)


def test_unsupported_sizes_name_the_supported_ones():
    with pytest.raises(ValueError, match="64 .*32.*28"):
        DCGANGenerator(image_size=48)


def test_conditional_models_use_the_label_and_demand_it():
    torch.manual_seed(0)
    generator = MLPGenerator(n_classes=10).eval()
    z = torch.randn(2, 100)
    assert not torch.allclose(generator(z, torch.tensor([3, 3])), generator(z, torch.tensor([8, 8])))
    with pytest.raises(ValueError, match="labels"):
        generator(z)
    with pytest.raises(ValueError, match="n_classes=10"):
        MLPGenerator()(z, torch.tensor([1, 2]))


def test_conditional_dcgan_discriminator_sees_the_label_as_constant_channels():
    discriminator = DCGANDiscriminator(channels=1, image_size=28, n_classes=10).eval()
    assert discriminator.main[0][0].in_channels == 1 + 10
    x = torch.zeros(2, 1, 28, 28)
    assert not torch.allclose(discriminator(x, torch.tensor([0, 0])), discriminator(x, torch.tensor([5, 5])))
    assert DCGANGenerator(channels=1, image_size=28, n_classes=10)(torch.randn(2, 100), torch.tensor([1, 2])).shape \
        == (2, 1, 28, 28)
