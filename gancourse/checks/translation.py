"""Self-checks of lecture 6 (pix2pix): the U-Net's skips, the PatchGAN, the generator's objective."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import losses
from ..models import count_parameters
from ..models.translation import PatchGANDiscriminator, UnetGenerator, receptive_field
from .common import CheckFailed, passed, require


def _unet_forward_reversed_order(unet, x):
    """The reference forward with each concatenation as [skip, x]: the mistake the check names."""
    skips = []
    for down in unet.downs:
        x = down(x)
        skips.append(x)
    x = unet.ups[0](skips.pop())
    for up in unet.ups[1:]:
        x = up(torch.cat([skips.pop(), x], dim=1))
    return x


def check_unet_forward(unet_class) -> None:
    """The student's forward against UnetGenerator's own, on the same weights (5 levels, 32 px)."""
    torch.manual_seed(0)
    student = unet_class(n_downs=5, ngf=8).eval()  # eval: dropout off, so both forwards are deterministic
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        try:
            got = student(x)
        except NotImplementedError:  # the placeholder: a subclass of RuntimeError, so let it pass first
            raise
        except RuntimeError as error:
            raise CheckFailed(
                f"The forward fails: {str(error).splitlines()[0]}\nEach decoder level after the first expects the "
                "previous level's output concatenated with the encoder output of the same size (torch.cat along "
                "dim=1). Keep every down output in a list and take them back last-in, first-out with .pop(); "
                "the bottleneck (the last down output) goes into ups[0] alone."
            ) from error
        expected = UnetGenerator.forward(student, x)
        reversed_order = _unet_forward_reversed_order(student, x)
    require(got.shape == expected.shape, f"Output shape {list(got.shape)}, expected {list(expected.shape)}: "
            "every down level must have its up level.")
    if torch.allclose(got, reversed_order, atol=1e-5) and not torch.allclose(got, expected, atol=1e-5):
        raise CheckFailed("The skips are concatenated in the other order: the weights expect [decoder output, "
                          "skip], i.e. torch.cat([x, skip], dim=1).")
    require(torch.allclose(got, expected, atol=1e-5),
            "Same shape but different numbers: run each down block in order, keep every output, then run ups[0] on "
            "the bottleneck and each later up block on torch.cat([x, skips.pop()], dim=1).")
    passed("U-Net forward with skips")


def _layer_names(model: nn.Module) -> list:
    return [type(m).__name__ for m in model.modules() if not list(m.children())]


def check_patchgan(patchgan_class) -> None:
    """The 70x70 PatchGAN: C64 (no norm) - C128 - C256 (stride 2) - C512 (stride 1) - 1 logit per patch."""
    student = patchgan_class()
    names = _layer_names(student)
    convolutions = [m for m in student.modules() if isinstance(m, nn.Conv2d)]
    require(convolutions, "No nn.Conv2d layers found: build the layers as convolutions in self.model.")
    require(convolutions[0].in_channels == 6,
            f"The first convolution takes {convolutions[0].in_channels} channels. pix2pix's D is conditional: it "
            "judges the input and the output stacked, torch.cat([x, y], dim=1), 3 + 3 = 6 channels.")
    require("Sigmoid" not in names, "Remove the Sigmoid: D returns logits, and the loss "
            "(binary_cross_entropy_with_logits) applies the sigmoid in a numerically stable way.")
    require(names[1] == "LeakyReLU", "C64 has no norm: the first convolution is followed directly by LeakyReLU(0.2).")
    require(len(convolutions) == 5, f"Found {len(convolutions)} convolutions; the 70x70 PatchGAN has five: "
            "C64, C128, C256, C512 and the 1-channel output.")
    with torch.no_grad():
        shape = list(student.eval()(torch.zeros(1, 6, 256, 256)).shape)
    if shape[-1] in (15, 16, 31):
        raise CheckFailed(f"A 256 px input gives a {shape[-1]}x{shape[-1]} map, not 30x30: C64, C128 and C256 "
                          "use stride 2, C512 and the output convolution stride 1, all 4x4 with padding 1.")
    require(shape == [1, 1, 30, 30], f"A 256 px input gives {shape}, expected [1, 1, 30, 30] (one logit per patch).")
    reference = count_parameters(PatchGANDiscriminator())
    got = count_parameters(student)
    if got != reference and any(c.bias is None for c in (convolutions[0], convolutions[-1])):
        raise CheckFailed("The first and last convolutions need a bias: no norm follows them to supply a shift.")
    require(got == reference, f"{got:,} parameters, expected {reference:,}. BatchNorm after C128, C256 and C512, "
            "whose convolutions then need no bias (bias=False).")
    require(receptive_field(student) == 70, "Each logit should see a 70x70 patch; check kernels and strides.")
    passed("PatchGAN discriminator")


def check_pix2pix_generator_loss(generator_loss) -> None:
    """-log D(x, G(x)) + lambda ||y - G(x)||_1 with lambda = 100, from D's patch logits."""
    torch.manual_seed(0)
    logits = torch.randn(4, 1, 6, 6)
    fake, target = torch.rand(4, 3, 16, 16) * 2 - 1, torch.rand(4, 3, 16, 16) * 2 - 1
    got = generator_loss(logits, fake, target)
    require(isinstance(got, torch.Tensor) and got.dim() == 0,
            "The loss should be one number (a 0-d tensor): average over patches and pixels with .mean().")
    got = float(got)
    expected = float(losses.pix2pix_generator_loss(logits, fake, target))
    adversarial = float(losses.adversarial_loss(logits, True))
    l1, l2 = F.l1_loss(fake, target).item(), F.mse_loss(fake, target).item()
    wrong = {
        adversarial + l1: "lambda is missing: the L1 term is weighted by lam = 100.",
        100 * l1: "The adversarial term is missing: add -log D(x, G(x)), BCE of D's logits against 1.",
        adversarial: "The L1 term is missing: add lam times the mean absolute difference to the target.",
        adversarial + 100 * l2: "That is L2 (squared error); pix2pix uses L1, F.l1_loss, which blurs less.",
        float(losses.adversarial_loss(logits, False)) + 100 * l1:
            "The adversarial target is 'fake' (0): G wants D to say real (1) for G(x).",
        -float(losses.adversarial_loss(logits, False)) + 100 * l1:
            "This is the saturating log(1 - D(x, G(x))); minimise -log D(x, G(x)) instead (BCE against 1).",
    }
    for value, hint in wrong.items():
        if abs(got - value) < 1e-4 * max(1, abs(value)) and abs(value - expected) > 1e-6:
            raise CheckFailed(hint)
    require(abs(got - expected) < 1e-4 * max(1, abs(expected)),
            f"Got {got:.4f}, expected {expected:.4f}: BCE-with-logits of the patch logits against 1, plus "
            "lam * F.l1_loss(fake, target).")
    extreme = float(generator_loss(torch.full((1, 1, 2, 2), -200.0), target[:1, :, :2, :2], target[:1, :, :2, :2]))
    require(abs(extreme - 200) < 1e-2, f"With patch logits of -200 and a perfect G(x) the loss should be 200, got "
            f"{extreme}: compute it from logits with F.binary_cross_entropy_with_logits.")
    passed("pix2pix generator loss")
