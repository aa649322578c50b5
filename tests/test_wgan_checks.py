"""Lecture 8's self-checks: the package's answers pass, the lecture's typical mistakes fail with their hints."""

import pytest
import torch
import torch.nn.functional as F

from gancourse import losses
from gancourse.checks import (
    CheckFailed,
    check_clip_weights,
    check_critic_loss,
    check_gradient_penalty,
    check_minibatch_stddev,
    check_wasserstein_generator_loss,
)
from gancourse.models.minibatch import MinibatchStdDev


def test_the_packages_answers_pass(capsys):
    check_critic_loss(losses.wasserstein_critic_loss)
    check_wasserstein_generator_loss(losses.wasserstein_generator_loss)
    check_gradient_penalty(losses.gradient_penalty)
    check_clip_weights(losses.clip_weights)
    check_minibatch_stddev(MinibatchStdDev)
    assert capsys.readouterr().out.count("passed") == 5


@pytest.mark.parametrize("mistake, hint", [
    (lambda real, fake: real.mean() - fake.mean(), "sign is flipped"),
    (lambda real, fake: torch.sigmoid(fake).mean() - torch.sigmoid(real).mean(), "sigmoid"),
    (losses.discriminator_loss, "cross-entropy"),
    (lambda real, fake: fake.sum() - real.sum(), "Sums, not means"),
], ids=["sign", "sigmoid", "bce", "sum"])
def test_critic_loss_mistakes(mistake, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_critic_loss(mistake)


@pytest.mark.parametrize("mistake, hint", [
    (lambda fake: fake.mean(), "sign is flipped"),
    (losses.nonsaturating_generator_loss, "no log"),
], ids=["sign", "log"])
def test_generator_loss_mistakes(mistake, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_wasserstein_generator_loss(mistake)


def _penalty(where="x_hat", eps_shape="sample", create_graph=True, norm="sample", one_eps=False):
    """losses.gradient_penalty with one of the lecture's typical mistakes."""
    def penalty(critic, real, fake, weight=10.0):
        shape = (1,) * real.dim() if one_eps else (real.shape[0],) + (1,) * (real.dim() - 1)
        eps = torch.rand(real.shape if eps_shape == "pixel" else shape)
        points = {"x_hat": eps * real + (1 - eps) * fake, "real": real, "fake": fake}[where].requires_grad_(True)
        (gradients,) = torch.autograd.grad(critic(points).sum(), points, create_graph=create_graph)
        norms = gradients.flatten(1).norm(dim=1) if norm == "sample" else gradients.norm().expand(len(real))
        return weight * (norms - 1).pow(2).mean()
    return penalty


@pytest.mark.parametrize("mistake, hint", [
    (_penalty(where="real"), "at the real points"),
    (_penalty(where="fake"), "at the fakes"),
    (_penalty(eps_shape="pixel"), "per pixel"),
    (_penalty(norm="batch"), "each sample's gradient norm"),
    (_penalty(create_graph=False), "create_graph=True"),
], ids=["real", "fake", "eps-per-pixel", "batch-norm", "no-create-graph"])
def test_gradient_penalty_mistakes(mistake, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_gradient_penalty(mistake)


def test_one_eps_for_the_whole_batch_is_caught():
    with pytest.raises(CheckFailed, match="one eps|fresh eps|expects about"):
        check_gradient_penalty(_penalty(one_eps=True))


def test_clipping_mistakes():
    def rebinding(critic, c=0.01):
        for p in critic.parameters():
            p = p.clamp(-c, c)  # noqa: F841  (the mistake: a new tensor, the weight unchanged)

    def weights_only(critic, c=0.01):
        with torch.no_grad():
            for name, p in critic.named_parameters():
                if name.endswith("weight"):
                    p.clamp_(-c, c)

    def rescaling(critic, c=0.01):
        with torch.no_grad():
            for p in critic.parameters():
                p.mul_(c / p.abs().max())

    for mistake, hint in ((rebinding, "in place"), (weights_only, "the biases too"), (rescaling, "do not rescale")):
        with pytest.raises(CheckFailed, match=hint):
            check_clip_weights(mistake)


class _PerPicture(torch.nn.Module):
    def __init__(self, group_size=4):
        super().__init__()

    def forward(self, x):
        extra = x.std(dim=(1, 2, 3), unbiased=False).view(-1, 1, 1, 1).expand(-1, 1, *x.shape[2:])
        return torch.cat([x, extra], 1)


class _Replaces(torch.nn.Module):
    def __init__(self, group_size=4):
        super().__init__()

    def forward(self, x):
        return x.std(0, keepdim=True).mean(1, keepdim=True).expand(len(x), 1, *x.shape[2:])


def test_minibatch_stddev_mistakes():
    with pytest.raises(CheckFailed, match="own spread over its pixels"):
        check_minibatch_stddev(_PerPicture)
    with pytest.raises(CheckFailed, match="append"):
        check_minibatch_stddev(_Replaces)
    assert F.l1_loss(MinibatchStdDev()(torch.ones(4, 1, 2, 2))[:, 1], torch.zeros(4, 2, 2)) < 1e-3
