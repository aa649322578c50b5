"""Lecture 6's networks, losses, step and schedule against the paper, the reference and hand computations."""

import pytest
import torch
import torch.nn as nn

from gancourse import losses
from gancourse.models import count_parameters
from gancourse.models.translation import (
    PatchGANDiscriminator,
    PixelDiscriminator,
    UnetGenerator,
    conv_bias,
    n_downs_for,
    patch_discriminator,
    receptive_field,
)
from gancourse.steps import pix2pix_step
from gancourse.train import linear_decay


@pytest.mark.parametrize("model, expected", [
    (lambda: UnetGenerator(), 54_413_955),
    (lambda: UnetGenerator(n_downs=7), 41_828_995),
    (lambda: PatchGANDiscriminator(), 2_768_705),
    (lambda: PatchGANDiscriminator(in_channels=3, norm="instance"), 2_764_737),
])
def test_parameter_counts_are_the_references(model, expected):
    assert count_parameters(model()) == expected


@pytest.mark.parametrize("size", [64, 128, 256])
def test_output_shapes(size):
    unet = UnetGenerator(n_downs=n_downs_for(size), ngf=8).eval()
    with torch.no_grad():
        out = unet(torch.rand(2, 3, size, size) * 2 - 1)
        patches = PatchGANDiscriminator(ndf=8).eval()(torch.zeros(2, 6, size, size))
    assert out.shape == (2, 3, size, size) and out.abs().max() <= 1  # Tanh
    side = size // 8 - 2  # three halvings, then two 4x4 stride-1 convolutions with padding 1
    assert patches.shape == (2, 1, side, side)
    assert side == 30 or size != 256


def test_unet_layers_follow_the_paper():
    unet = UnetGenerator()
    first, innermost = unet.downs[0], unet.downs[-1]
    assert [type(m) for m in first] == [nn.Conv2d]  # C64: no activation before, no norm
    assert [type(m) for m in innermost] == [nn.LeakyReLU, nn.Conv2d]  # no norm on the 1x1 map
    assert all(isinstance(d[-1], nn.BatchNorm2d) for d in unet.downs[1:-1])
    dropouts = [any(isinstance(m, nn.Dropout) for m in up) for up in unet.ups]
    assert dropouts == [True, True, True] + [False] * 5  # the paper's CD512-CD1024-CD1024
    assert isinstance(unet.ups[-1][-1], nn.Tanh)
    assert [up[1].in_channels for up in unet.ups] == [512, 1024, 1024, 1024, 1024, 512, 256, 128]


def test_skips_carry_the_input_and_the_encoder_decoder_has_none():
    assert count_parameters(UnetGenerator(n_downs=6, ngf=8, skips=False)) < count_parameters(
        UnetGenerator(n_downs=6, ngf=8))
    torch.manual_seed(0)
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    unet = UnetGenerator(n_downs=6, ngf=8).eval()
    # Change one input pixel: through the skips the output right there moves far more than elsewhere.
    nudged = x.clone()
    nudged[0, :, 32, 32] += 1
    with torch.no_grad():
        change = (unet(nudged) - unet(x)).abs().sum(dim=1)[0]
    assert change[30:35, 30:35].mean() > 10 * change[:8, :8].mean()


def test_bias_only_without_batch_norm_and_init_as_the_paper():
    assert conv_bias("instance") and not conv_bias("batch")
    with pytest.raises(ValueError, match="norm="):
        conv_bias("layer")
    torch.manual_seed(0)
    d = PatchGANDiscriminator()
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert [c.bias is not None for c in convs] == [True, False, False, False, True]
    weights = torch.cat([c.weight.flatten() for c in convs[1:4]])
    assert abs(weights.std().item() - 0.02) < 0.001 and abs(weights.mean().item()) < 0.001
    assert all(c.bias.abs().max() == 0 for c in convs if c.bias is not None)
    scales = torch.cat([m.weight for m in d.modules() if isinstance(m, nn.BatchNorm2d)])
    assert abs(scales.mean().item() - 1) < 0.005 and 0.01 < scales.std().item() < 0.03
    instance = PatchGANDiscriminator(norm="instance")
    assert all(not m.affine for m in instance.modules() if isinstance(m, nn.InstanceNorm2d))


def test_the_receptive_field_is_70_and_exactly_70_pixels_get_a_gradient():
    assert [receptive_field(patch_discriminator(p)) for p in (1, 16, 70, 286)] == [1, 16, 70, 286]
    assert isinstance(patch_discriminator(1), PixelDiscriminator)
    d = PatchGANDiscriminator().eval()
    x = torch.zeros(1, 6, 256, 256, requires_grad=True)
    d(x)[0, 0, 15, 15].backward()
    touched = x.grad.abs().sum(dim=(0, 1)) > 0
    assert touched.sum() == 70 * 70
    rows = touched.any(dim=1).nonzero().flatten()
    assert rows.max() - rows.min() == 69


def test_a_size_the_unet_cannot_halve_gets_a_clear_error():
    with pytest.raises(ValueError, match="divisible by 64"):
        UnetGenerator(n_downs=6, ngf=8)(torch.zeros(1, 3, 48, 48))
    with pytest.raises(ValueError, match="power of two"):
        n_downs_for(100)


def test_pix2pix_losses_by_hand():
    logits = torch.tensor([[0.0, 2.0]])
    # BCE against 1: softplus(-l) = log 2 and log(1 + e^-2), averaged.
    g_adv = (torch.log(torch.tensor(2.0)) + torch.log1p(torch.exp(torch.tensor(-2.0)))) / 2
    assert torch.isclose(losses.adversarial_loss(logits, True), g_adv)
    assert torch.isclose(losses.adversarial_loss(logits, False, "mse"), torch.tensor(2.0))  # (0 + 4) / 2
    fake, target = torch.tensor([0.5, -0.5]), torch.tensor([0.0, 0.0])
    assert losses.reconstruction_loss(fake, target) == 0.5 and losses.reconstruction_loss(fake, target, "l2") == 0.25
    total = losses.pix2pix_generator_loss(logits, fake, target)
    assert torch.isclose(total, g_adv + 100 * 0.5)
    d = losses.pix2pix_discriminator_loss(torch.tensor([0.0]), torch.tensor([0.0]))
    assert torch.isclose(d, torch.log(torch.tensor(2.0)))  # halved: (log 2 + log 2) / 2
    d_mse = losses.pix2pix_discriminator_loss(torch.tensor([0.0]), torch.tensor([0.0]), "mse")
    assert torch.isclose(d_mse, torch.tensor(0.5))  # halved: ((0 - 1)^2 + 0^2) / 2
    with pytest.raises(ValueError, match="adversarial"):
        losses.pix2pix_discriminator_loss(torch.tensor([0.0]), torch.tensor([0.0]), "hinge")
    assert losses.pix2pix_generator_loss(None, fake, target, adversarial=None) == 50
    with pytest.raises(ValueError, match="adversarial"):
        losses.adversarial_loss(logits, True, "hinge")


def _tiny_pair():
    torch.manual_seed(0)
    g, d = UnetGenerator(n_downs=4, ngf=4), PatchGANDiscriminator(ndf=4, n_layers=1)
    return g, d, torch.optim.SGD(g.parameters(), 0.1), torch.optim.SGD(d.parameters(), 0.1)


def test_pix2pix_step_freezes_d_for_g_and_unfreezes_it_after():
    g, d, g_opt, d_opt = _tiny_pair()
    batch = (torch.rand(2, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1)
    seen = {}
    original = g_opt.step

    def spying_step(*args, **kwargs):
        seen["d frozen"] = all(not p.requires_grad for p in d.parameters())
        seen["d grads"] = [p.grad.clone() for p in d.parameters()]
        return original(*args, **kwargs)

    g_opt.step = spying_step
    d_before = [p.detach().clone() for p in d.parameters()]
    logged = pix2pix_step(g, d, g_opt, d_opt, batch)
    assert seen["d frozen"]
    assert all(p.requires_grad for p in d.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(d_before, d.parameters(), strict=True))  # D did step
    assert set(logged) == {"D", "G_GAN", "L1"}


def test_l1_only_needs_no_discriminator_and_a_custom_loss_only_the_papers_objective():
    g, _, g_opt, _ = _tiny_pair()
    batch = (torch.zeros(2, 3, 16, 16), torch.zeros(2, 3, 16, 16))
    assert set(pix2pix_step(g, None, g_opt, None, batch, adversarial=None)) == {"L1"}
    with pytest.raises(ValueError, match="generator_loss"):
        pix2pix_step(g, None, g_opt, None, batch, adversarial=None, generator_loss=lambda *a: 0)


def test_the_schedule_decays_linearly_and_never_trains_at_zero():
    parameter = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.Adam([parameter], lr=2e-4)
    schedule = linear_decay(optimizer, n_epochs=100, n_epochs_decay=100)
    rates = []
    for _ in range(200):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert rates[99] == pytest.approx(2e-4)  # the last constant epoch
    assert rates[100] == pytest.approx(2e-4 * 100 / 101)  # the first decay epoch
    assert rates[199] == pytest.approx(2e-4 / 101) and rates[199] > 0  # the last epoch
    assert all(a > b for a, b in zip(rates[100:-1], rates[101:], strict=True))
