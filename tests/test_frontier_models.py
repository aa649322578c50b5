"""Lecture 9's package: SAGAN's attention and spectral norm, the hinge loss, truncation, ProGAN, StyleGAN."""

import math

import pytest
import torch
import torch.nn.functional as F

from gancourse import latent, losses
from gancourse.models import count_parameters
from gancourse.models.attention import SAGANDiscriminator, SAGANGenerator, SelfAttention
from gancourse.models.gan import DCGANDiscriminator, DCGANGenerator
from gancourse.models.progan import ProGANDiscriminator, ProGANGenerator, real_images
from gancourse.models.stylegan import AdaIN, StyleGANGenerator


def test_parameter_counts():
    assert count_parameters(SelfAttention(64)) == 2 * (64 * 8 + 8) + 64 * 64 + 64 + 1 == 5_201
    dcgan_g = count_parameters(DCGANGenerator(ngf=64, channels=1, image_size=28))
    dcgan_d = count_parameters(DCGANDiscriminator(ndf=64, channels=1, image_size=28))
    assert count_parameters(SAGANGenerator()) == dcgan_g + 5_201 == 764_881
    # D: biases on its three convolutions (64 + 128 + 1), no BatchNorm (2 x 128), plus attention
    assert count_parameters(SAGANDiscriminator()) == dcgan_d + 193 - 256 + 5_201 == 143_762
    assert count_parameters(ProGANGenerator()) == 1_089_187
    assert count_parameters(ProGANDiscriminator()) == 1_090_785
    assert count_parameters(StyleGANGenerator()) == 200_225


def test_attention_starts_as_the_identity_and_each_query_weights_sum_to_one():
    torch.manual_seed(0)
    layer, x = SelfAttention(16), torch.randn(3, 16, 5, 7)
    assert torch.equal(layer(x), x)  # gamma = 0
    beta = layer.attention(x)
    assert beta.shape == (3, 35, 35)
    assert torch.allclose(beta.sum(dim=2), torch.ones(3, 35))
    picture = layer.attention_map(x, (2, 4))
    assert picture.shape == (3, 5, 7) and torch.allclose(picture.sum(dim=(1, 2)), torch.ones(3))
    with pytest.raises(ValueError, match="outside"):
        layer.attention_map(x, (5, 0))


def test_attention_output_is_the_paper_sum_over_keys():
    torch.manual_seed(1)
    layer, x = SelfAttention(8), torch.randn(1, 8, 3, 3)
    with torch.no_grad():
        layer.gamma.fill_(0.5)
        f, g, h = (m(x)[0].flatten(1) for m in (layer.f, layer.g, layer.h))  # [C', N]
        s = torch.einsum("ci,cj->ij", f, g)  # s_ij = f(x_i) . g(x_j)
        beta = s.softmax(dim=0)  # over i, for each j
        o = torch.einsum("ij,ci->cj", beta, h)
        assert torch.allclose(layer(x)[0], (0.5 * o).view(8, 3, 3) + x[0], atol=1e-6)
    with pytest.raises(ValueError, match=">= 8"):
        SelfAttention(4)


def test_spectral_norm_brings_every_largest_singular_value_to_one():
    torch.manual_seed(0)
    discriminator = SAGANDiscriminator()
    for _ in range(20):  # each training-mode pass runs one step of the power iteration, as training would
        discriminator(torch.randn(4, 1, 28, 28))
    weights = [m.weight for m in discriminator.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(weights) == 6  # three convolutions and the attention's f, g, h
    for weight in weights:
        assert torch.linalg.matrix_norm(weight.detach().flatten(1), ord=2) == pytest.approx(1.0, abs=0.02)
    # before: the stored weights, N(0, 0.02) as in DCGAN, have largest singular values far from 1
    originals = [m.parametrizations.weight.original.detach().flatten(1) for m in discriminator.modules()
                 if isinstance(m, torch.nn.Conv2d)]
    assert all(abs(torch.linalg.matrix_norm(w, ord=2).item() - 1) > 0.1 for w in originals)


def test_sagan_networks_take_no_labels():
    with pytest.raises(ValueError, match="unconditional"):
        SAGANGenerator()(torch.randn(2, 100), torch.tensor([1, 2]))
    assert SAGANGenerator()(torch.randn(2, 100)).shape == (2, 1, 28, 28)


def test_hinge_losses():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-3.0, 0.0, 1.0])
    # real: max(0, 1 - D) = 0, 0.5, 2; fake: max(0, 1 + D) = 0, 1, 2
    assert losses.hinge_discriminator_loss(real, fake).item() == pytest.approx(2.5 / 3 + 3 / 3)
    assert losses.hinge_generator_loss(fake).item() == pytest.approx(2 / 3)


def test_truncated_normal_is_redrawn_not_clipped():
    rng = torch.Generator().manual_seed(0)
    threshold = 1.0
    z = latent.truncated_normal(50_000, 4, threshold, rng=rng)
    assert z.shape == (50_000, 4) and z.abs().max() <= threshold
    assert (z.abs() > threshold - 1e-4).double().mean() < 1e-3  # a clip would leave about 32 % there
    density = math.exp(-threshold**2 / 2) / math.sqrt(2 * math.pi)
    expected = 2 * (1 / math.sqrt(2 * math.pi) - density) / math.erf(threshold / math.sqrt(2))  # 0.4599
    assert z.abs().mean().item() == pytest.approx(expected, abs=0.003)  # standard error about 0.0006
    again = latent.truncated_normal(50_000, 4, threshold, rng=torch.Generator().manual_seed(0))
    assert torch.equal(z, again)
    with pytest.raises(ValueError, match="positive"):
        latent.truncated_normal(2, 2, 0.0)


@pytest.mark.parametrize("equalized", [True, False])
def test_progan_fade_in_endpoints(equalized):
    torch.manual_seed(0)
    generator, discriminator = ProGANGenerator(equalized=equalized), ProGANDiscriminator(equalized=equalized)
    z = torch.randn(4, 128)
    for stage in (1, 2):
        old = F.interpolate(generator(z, stage - 1), scale_factor=2, mode="nearest")
        assert torch.allclose(generator(z, stage, alpha=0.0), old, atol=1e-6)
        halfway = generator(z, stage, alpha=0.5)
        assert torch.allclose(halfway, 0.5 * old + 0.5 * generator(z, stage, alpha=1.0), atol=1e-5)
        x = torch.randn(4, 1, 7 * 2**stage, 7 * 2**stage)
        assert torch.allclose(discriminator(x, stage, alpha=0.0), discriminator(F.avg_pool2d(x, 2), stage - 1),
                              atol=1e-5)
    assert generator(z, 2).shape == (4, 1, 28, 28) and discriminator(generator(z, 2), 2).shape == (4,)
    with pytest.raises(ValueError, match="takes 14x14"):
        discriminator(torch.randn(4, 1, 28, 28), 1)


def test_equalized_learning_rate_stores_unit_weights_and_scales_them():
    torch.manual_seed(0)
    conv = ProGANGenerator(equalized=True).blocks[1][1]  # 3x3, 128 -> 64: fan-in 1,152
    stored = conv.parametrizations.weight.original
    assert stored.std().item() == pytest.approx(1.0, rel=0.02)
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / 1152), rel=0.02)
    plain = ProGANGenerator(equalized=False).blocks[1][1].weight
    assert plain.std().item() == pytest.approx(math.sqrt(2 / 1152), rel=0.02)


def test_real_images_follow_the_stage():
    images = torch.rand(2, 1, 28, 28)
    assert real_images(images, 0).shape == (2, 1, 7, 7)
    assert torch.allclose(real_images(images, 2), images)
    faded = real_images(images, 1, alpha=0.0)
    assert torch.allclose(faded, F.interpolate(real_images(images, 0), scale_factor=2, mode="nearest"), atol=1e-6)


def test_adain_gives_each_channel_the_styles_statistics():
    torch.manual_seed(0)
    layer = AdaIN(channels=5, w_dim=8)
    x, w = torch.randn(3, 5, 6, 6) * 4 + 1, torch.randn(3, 8)
    y_s, y_b = layer.style(w).chunk(2, dim=1)
    out = layer(x, w)
    assert torch.allclose(out.mean(dim=(2, 3)), y_b, atol=1e-4)
    assert torch.allclose(out.std(dim=(2, 3), unbiased=False), y_s.abs(), atol=1e-4)
    fresh = AdaIN(channels=5, w_dim=8)  # A starts at y_s = 1 + A w, y_b = A w, around the identity
    assert torch.equal(fresh.style.bias[:5], torch.ones(5)) and torch.equal(fresh.style.bias[5:], torch.zeros(5))


def test_style_mixing_uses_z2_only_after_the_crossover():
    torch.manual_seed(0)
    generator = StyleGANGenerator()
    z, z2 = torch.randn(2, 64), torch.randn(2, 64)
    seen = []
    hooks = [layer.adain.register_forward_hook(lambda module, args, out: seen.append(args[1]))
             for layer in generator.layers]
    with torch.no_grad():
        generator(z, z2, crossover=2)
    for hook in hooks:
        hook.remove()
    w, w2 = generator.mapping(z), generator.mapping(z2)
    assert len(seen) == generator.n_styles == 6
    assert all(torch.equal(s, w) for s in seen[:2]) and all(torch.equal(s, w2) for s in seen[2:])
    with torch.no_grad():  # the noise strengths start at 0, so the output is a function of the codes alone
        assert torch.equal(generator(z, z2, crossover=6), generator(z))
        assert torch.equal(generator(z2, z, crossover=0), generator(z))
    with pytest.raises(ValueError, match="both z2 and crossover"):
        generator(z, z2)
    with pytest.raises(ValueError, match="crossover=7"):
        generator(z, z2, crossover=7)


def test_growth_schedule_raises_alpha_linearly_and_resumes():
    from gancourse.models.progan import GrowthSchedule

    schedule = GrowthSchedule([(0, False, 2), (1, True, 4), (1, False, 1)])
    assert [schedule.at(i) for i in range(8)] == [(0, 1.0), (0, 1.0), (1, 0.25), (1, 0.5), (1, 0.75), (1, 1.0),
                                                 (1, 1.0), (1, 1.0)]
    for _ in range(3):
        schedule.advance()
    resumed = GrowthSchedule(schedule.phases)
    resumed.load_state_dict(schedule.state_dict())
    assert resumed.now() == (1, 0.5) and schedule.total == 7 and resumed.phase_steps() == 4
