"""Self-checks of lecture 7 (CycleGAN): the cycle-consistency loss, the identity loss, the generators' update."""

import torch
import torch.nn.functional as F

from .. import losses
from ..models.translation import PatchGANDiscriminator, ResnetGenerator
from ..steps import cyclegan_generators_loss
from .common import CheckFailed, images, match, passed, require, scalar


def check_cycle_consistency_loss(cycle_consistency_loss) -> None:
    """lam * (mean |F(G(x)) - x| + mean |G(F(y)) - y|), lam = 10, with the argument order of the exercise."""
    x, x_cycled, y, y_cycled = (images(2, seed, (3, 8, 8)) for seed in range(4))
    got = scalar(cycle_consistency_loss(x, x_cycled, y, y_cycled), "cycle_consistency_loss")
    l1_x, l1_y = F.l1_loss(x_cycled, x).item(), F.l1_loss(y_cycled, y).item()
    l2_x, l2_y = F.mse_loss(x_cycled, x).item(), F.mse_loss(y_cycled, y).item()
    wrong = {
        10 * l1_x: "Only the forward cycle x -> G(x) -> F(G(x)) is there: add the backward one, y -> F(y) -> G(F(y)).",
        10 * l1_y: "Only the backward cycle is there: add the forward one, x -> G(x) -> F(G(x)) back to x.",
        l1_x + l1_y: "lambda is missing: the paper weighs the cycle by lam = 10 against the adversarial terms.",
        10 * (l2_x + l2_y): "That is L2 (squared error); the paper's cycle loss is L1, F.l1_loss (mean |a - b|).",
        10 * (F.l1_loss(x_cycled, x, reduction="sum") + F.l1_loss(y_cycled, y, reduction="sum")).item():
            "That is a sum over pixels; take the mean, so the loss does not grow with the picture's size.",
        10 * (F.l1_loss(x_cycled, y).item() + F.l1_loss(y_cycled, x).item()):
            "Each reconstruction is compared with the wrong picture: F(G(x)) must come back to x, G(F(y)) to y.",
    }
    match(got, losses.cycle_consistency_loss(x, x_cycled, y, y_cycled).item(), wrong,
           "lam * (F.l1_loss(x_cycled, x) + F.l1_loss(y_cycled, y)).")
    passed("cycle-consistency loss")


def check_identity_loss(identity_loss) -> None:
    """weight * lam * (mean |G(y) - y| + mean |F(x) - x|), lam = 10, weight = 0.5."""
    x, f_of_x, y, g_of_y = (images(2, seed, (3, 8, 8)) for seed in range(4, 8))
    got = scalar(identity_loss(x, f_of_x, y, g_of_y), "identity_loss")
    l1_g, l1_f = F.l1_loss(g_of_y, y).item(), F.l1_loss(f_of_x, x).item()
    wrong = {
        5 * l1_g: "Only G's identity term is there: F(x) should also leave a picture of X unchanged.",
        5 * l1_f: "Only F's identity term is there: G(y) should also leave a picture of Y unchanged.",
        10 * (l1_g + l1_f): "The identity term is weighted by 0.5 * lam (weight=0.5 of lam = 10), not lam.",
        l1_g + l1_f: "lambda and the weight are missing: multiply by weight * lam = 0.5 * 10.",
        5 * (F.mse_loss(g_of_y, y).item() + F.mse_loss(f_of_x, x).item()): "That is L2; use L1 (F.l1_loss).",
        5 * (F.l1_loss(g_of_y, x).item() + F.l1_loss(f_of_x, y).item()):
            "G(y) is compared with x: G is given a picture already of Y and should return that same y.",
    }
    match(got, losses.identity_loss(x, f_of_x, y, g_of_y).item(), wrong,
           "weight * lam * (F.l1_loss(g_of_y, y) + F.l1_loss(f_of_x, x)).")
    passed("identity loss")


def _networks():
    torch.manual_seed(0)
    g_xy, g_yx = ResnetGenerator(ngf=4, n_blocks=1), ResnetGenerator(ngf=4, n_blocks=1)
    d_x, d_y = (PatchGANDiscriminator(3, ndf=4, n_layers=1, norm="instance") for _ in range(2))
    return g_xy, g_yx, d_x, d_y


def check_generators_loss(generators_loss) -> None:
    """The generators' side of the full objective, both directions, as steps.cyclegan_generators_loss."""
    g_xy, g_yx, d_x, d_y = _networks()
    x, y = images(2, 10, (3, 16, 16)), images(2, 11, (3, 16, 16))
    returned = generators_loss(g_xy, g_yx, d_x, d_y, x, y, 10.0, 0.5)
    require(isinstance(returned, tuple) and len(returned) == 3,
            "Return three things: (loss, fake_y, fake_x), the fakes for the discriminators' update.")
    loss, fake_y, fake_x = returned
    got = scalar(loss, "generators_loss")
    require(loss.requires_grad, "The loss has no gradient: do not compute it under torch.no_grad() or with .detach().")
    with torch.no_grad():
        expected = cyclegan_generators_loss(g_xy, g_yx, d_x, d_y, x, y, 10.0, 0.5)[0].item()
        g_x, f_y = g_xy(x), g_yx(y)
        if torch.allclose(fake_y, f_y) and torch.allclose(fake_x, g_x):
            raise CheckFailed("fake_y and fake_x are swapped: fake_y = G(x) = generator_xy(x) is a picture of Y.")
        require(torch.allclose(fake_y, g_x) and torch.allclose(fake_x, f_y),
                "fake_y should be generator_xy(x) and fake_x generator_yx(y).")
        adv_g = losses.adversarial_loss(d_y(g_x), True, "mse").item()
        adv_f = losses.adversarial_loss(d_x(f_y), True, "mse").item()
        cycle_x, cycle_y = F.l1_loss(g_yx(g_x), x).item(), F.l1_loss(g_xy(f_y), y).item()
        identity = 5 * (F.l1_loss(g_xy(y), y).item() + F.l1_loss(g_yx(x), x).item())
        wrong_domain = (losses.adversarial_loss(d_x(g_x), True, "mse").item()
                        + losses.adversarial_loss(d_y(f_y), True, "mse").item())
        bce = (losses.adversarial_loss(d_y(g_x), True, "bce").item()
               + losses.adversarial_loss(d_x(f_y), True, "bce").item())
        cycle_l2 = 10 * (F.mse_loss(g_yx(g_x), x).item() + F.mse_loss(g_xy(f_y), y).item())
    cycle = 10 * (cycle_x + cycle_y)
    wrong = {
        adv_g + 10 * cycle_x + identity:
            "Only one direction: add F's adversarial term (D_X on F(y)) and the backward cycle G(F(y)) -> y.",
        adv_g + cycle + identity: "F's adversarial term is missing: D_X should take F(y) for a real x.",
        adv_f + cycle + identity: "G's adversarial term is missing: D_Y should take G(x) for a real y.",
        adv_g + adv_f + 10 * cycle_x + identity: "The backward cycle is missing: G(F(y)) should come back to y.",
        wrong_domain + cycle + identity: "A discriminator judges the wrong domain: D_Y = discriminator_y judges "
                                         "pictures of Y such as G(x); D_X = discriminator_x judges F(y).",
        bce + cycle + identity: "CycleGAN's adversarial terms are least squares: (D(G(x)) - 1)^2, i.e. "
                                "adversarial_loss(logits, True, 'mse') or F.mse_loss against ones, not BCE.",
        adv_g + adv_f + cycle_l2 + identity: "The cycle terms are L2; the paper's cycle loss is L1.",
        adv_g + adv_f + cycle: "The identity term is missing: add identity * lam * (|G(y) - y| + |F(x) - x|) "
                               "when identity > 0.",
        adv_g + adv_f + cycle_x + cycle_y + identity: "The cycle terms are not weighted by lam.",
    }
    match(got, expected, wrong, "the sum of both adversarial terms, lam times both cycles, and the identity term.")
    passed("CycleGAN generators' objective")
