"""Lecture 7's self-checks: the package's answers pass, the typical mistakes fail with their hints."""

import pytest
import torch
import torch.nn.functional as F

from gancourse import losses
from gancourse.checks import (
    CheckFailed,
    check_cycle_consistency_loss,
    check_generators_loss,
    check_identity_loss,
)
from gancourse.steps import cyclegan_generators_loss


def test_the_packages_answers_pass(capsys):
    check_cycle_consistency_loss(losses.cycle_consistency_loss)
    check_identity_loss(losses.identity_loss)
    check_generators_loss(cyclegan_generators_loss)
    assert capsys.readouterr().out.count("passed") == 3


@pytest.mark.parametrize("mistake, hint", [
    (lambda x, xc, y, yc, lam=10: lam * F.l1_loss(xc, x), "add the backward one"),
    (lambda x, xc, y, yc, lam=10: lam * (F.mse_loss(xc, x) + F.mse_loss(yc, y)), "That is L2"),
    (lambda x, xc, y, yc, lam=10: F.l1_loss(xc, x) + F.l1_loss(yc, y), "lambda is missing"),
    (lambda x, xc, y, yc, lam=10: lam * (F.l1_loss(xc, y) + F.l1_loss(yc, x)), "wrong picture"),
    (lambda x, xc, y, yc, lam=10: lam * ((xc - x).abs().sum() + (yc - y).abs().sum()), "take the mean"),
], ids=["one-direction", "l2", "no-lambda", "swapped", "sum"])
def test_cycle_mistakes_get_their_hints(mistake, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_cycle_consistency_loss(mistake)


@pytest.mark.parametrize("mistake, hint", [
    (lambda x, fx, y, gy, lam=10, weight=0.5: weight * lam * F.l1_loss(gy, y), "Only G's identity"),
    (lambda x, fx, y, gy, lam=10, weight=0.5: lam * (F.l1_loss(gy, y) + F.l1_loss(fx, x)), "0.5 \\* lam"),
    (lambda x, fx, y, gy, lam=10, weight=0.5: weight * lam * (F.l1_loss(gy, x) + F.l1_loss(fx, y)),
     "G\\(y\\) is compared with x"),
], ids=["one-direction", "no-weight", "swapped"])
def test_identity_mistakes_get_their_hints(mistake, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_identity_loss(mistake)


def _generators_loss(forward=True, backward=True, swap_d=False, bce=False, l2=False, identity_term=True):
    """cyclegan_generators_loss with one of the lecture's typical mistakes switched on."""
    def loss_fn(g_xy, g_yx, d_x, d_y, x, y, lam=10.0, identity=0.5):
        fake_y, fake_x = g_xy(x), g_yx(y)
        kind = "bce" if bce else "mse"
        judge_y, judge_x = (d_x, d_y) if swap_d else (d_y, d_x)
        distance = F.mse_loss if l2 else F.l1_loss
        loss = losses.adversarial_loss(judge_y(fake_y), True, kind) + lam * distance(g_yx(fake_y), x)
        if backward:
            loss = loss + losses.adversarial_loss(judge_x(fake_x), True, kind) + lam * distance(g_xy(fake_x), y)
        if identity_term:
            loss = loss + identity * lam * (F.l1_loss(g_xy(y), y) + F.l1_loss(g_yx(x), x))
        return loss, fake_y, fake_x
    return loss_fn


@pytest.mark.parametrize("mistake, hint", [
    (_generators_loss(backward=False), "Only one direction"),
    (_generators_loss(swap_d=True), "judges the wrong domain"),
    (_generators_loss(bce=True), "least squares"),
    (_generators_loss(l2=True), "cycle terms are L2"),
    (_generators_loss(identity_term=False), "identity term is missing"),
], ids=["one-direction", "wrong-domain", "bce", "l2", "no-identity"])
def test_generators_mistakes_get_their_hints(mistake, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_generators_loss(mistake)


def test_swapped_fakes_and_a_detached_loss_are_named():
    def swapped(*args):
        loss, fake_y, fake_x = cyclegan_generators_loss(*args)
        return loss, fake_x, fake_y

    def detached(*args):
        loss, fake_y, fake_x = cyclegan_generators_loss(*args)
        return loss.detach(), fake_y, fake_x

    with pytest.raises(CheckFailed, match="swapped"):
        check_generators_loss(swapped)
    with pytest.raises(CheckFailed, match="no gradient"):
        check_generators_loss(detached)
    with pytest.raises(CheckFailed, match="three things"):
        check_generators_loss(lambda *args: cyclegan_generators_loss(*args)[0])
    assert torch.is_grad_enabled()


def test_the_round_trip_shows_both_cycles_for_each_pair_of_generators():
    from gancourse.models.translation import ResnetGenerator
    from gancourse.translation_widgets import round_trip

    torch.manual_seed(0)
    pair = ResnetGenerator(ngf=4, n_blocks=1), ResnetGenerator(ngf=4, n_blocks=1)
    other = ResnetGenerator(ngf=4, n_blocks=1), ResnetGenerator(ngf=4, n_blocks=1)
    xs, ys = torch.rand(3, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1
    explorer = round_trip(*pair, xs, ys, sweep={"lambda 1": other})
    frames = [explorer.image.value]
    assert explorer.readout.value.startswith("x, G(x), F(G(x))")
    explorer.sliders["picture"].value = 2
    frames.append(explorer.image.value)
    explorer.direction.value = "Y -> X -> Y"
    frames.append(explorer.image.value)
    assert explorer.readout.value.startswith("y, F(y), G(F(y))") and explorer.sliders["picture"].max == 1
    explorer.chooser.value = "lambda 1"
    frames.append(explorer.image.value)
    assert len(set(frames)) == 4
    # the readout's number is the mean difference of the round trip it shows: y (the last, 1) -> F(y) -> G(F(y))
    with torch.no_grad():
        back = other[0](other[1](ys[1:2]))[0]
    assert f"{(ys[1] - back).abs().mean():.3f}" in explorer.readout.value
    with pytest.raises(ValueError, match="batch of pictures"):
        round_trip(*pair, xs[0])
