"""Self-checks of lecture 8: the W-loss, the gradient penalty, weight clipping, the minibatch standard deviation."""

import torch
import torch.nn as nn

from .. import losses
from ..models.minibatch import MinibatchStdDev
from .common import CheckFailed, match, passed, require, scalar


def check_critic_loss(critic_loss) -> None:
    """E[f(G(z))] - E[f(x)]: what the critic minimises, from its raw (linear) scores."""
    real = torch.linspace(-1, 3, 16)
    fake = torch.linspace(-4, 1, 16)
    got = scalar(critic_loss(real, fake), "critic_loss")
    sigmoid = torch.sigmoid
    wrong = {
        (real.mean() - fake.mean()).item(): "The sign is flipped: the critic maximises E[f(x)] - E[f(G(z))], so "
                                            "the loss it minimises is E[f(G(z))] - E[f(x)].",
        (sigmoid(fake).mean() - sigmoid(real).mean()).item():
            "A sigmoid is applied to the scores: the critic's output is linear, a score, not a probability.",
        losses.discriminator_loss(real, fake).item(): "This is lecture 3's cross-entropy: the W-loss is a plain "
                                                      "difference of mean scores, no log, no sigmoid.",
        (fake.sum() - real.sum()).item(): "Sums, not means: average each term over the batch.",
    }
    expected = losses.wasserstein_critic_loss(real, fake).item()
    match(got, expected, wrong, "fake_scores.mean() - real_scores.mean().")
    passed("critic's W-loss")


def check_wasserstein_generator_loss(generator_loss) -> None:
    """-E[f(G(z))]: the generator raises the critic's score of its fakes."""
    fake = torch.linspace(-4, 2, 16)
    got = scalar(generator_loss(fake), "generator_loss")
    wrong = {
        fake.mean().item(): "The sign is flipped: G wants the critic's score of its fakes high, so it minimises "
                            "-E[f(G(z))].",
        -torch.sigmoid(fake).mean().item(): "A sigmoid is applied to the scores: use the raw scores.",
        losses.nonsaturating_generator_loss(fake).item(): "This is lecture 3's -log D(G(z)): the W-loss has no log.",
    }
    match(got, losses.wasserstein_generator_loss(fake).item(), wrong, "-fake_scores.mean().")
    passed("generator's W-loss")


# The probe's penalty when eps is drawn per pixel: the norm of x_hat is then about sqrt(E[(3 - 2 eps)^2]) = 2.08
# (measured over 4,000 draws: 11.77; one eps per sample gives 13.38 against the expectation 40/3).
PER_PIXEL_EPS = 11.77


class _Quadratic(nn.Module):
    """f(x) = a/2 ||x||^2 with a learnable a: its gradient a x has the norm a ||x||, known at every point."""

    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(torch.ones(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * self.a * x.flatten(1).pow(2).sum(1)


def check_gradient_penalty(gradient_penalty) -> None:
    """weight * E[(||grad f(x_hat)||_2 - 1)^2] at x_hat = eps x + (1 - eps) G(z), one eps ~ U[0, 1] per sample.

    The probe: real pictures of norm 1 and fakes of norm 3 along the same diagonal, and a critic
    whose gradient norm is the norm of its input. At x_hat the norm is 3 - 2 eps, so the penalty's
    expectation is weight * E[(2 - 2 eps)^2] = weight * 4/3; at the real points it would be 0, at
    the fakes weight * 4, and with one eps per pixel about weight * 1.18.
    """
    n, shape = 4000, (1, 4, 4)
    direction = torch.full((1, *shape), 1 / 4.0)  # unit norm: 16 pixels of 1/4
    real, fake = direction.expand(n, *shape).clone(), 3 * direction.expand(n, *shape).clone()
    critic = _Quadratic()
    torch.manual_seed(0)
    penalty = gradient_penalty(critic, real, fake, 10.0)
    got = scalar(penalty, "gradient_penalty")
    if got == 0:
        raise CheckFailed("The penalty is 0: it is measured at the real points, where this probe's critic has "
                          "gradient norm exactly 1. Measure it at x_hat = eps * real + (1 - eps) * fake.")
    if abs(got - 40) < 0.5:
        raise CheckFailed("The penalty is measured at the fakes: measure it at x_hat = eps * real + (1 - eps) * fake.")
    if abs(got - PER_PIXEL_EPS) < 0.4:
        raise CheckFailed("eps is drawn per pixel: draw one eps per sample, shape [N, 1, 1, 1], so that x_hat lies "
                          "on the line between a real and a fake.")
    if got > 60:
        raise CheckFailed("The penalty is far too large: take each sample's gradient norm, "
                          "gradients.flatten(1).norm(dim=1), not the norm of the whole batch's gradient, and not "
                          "its square.")
    require(abs(got - 40 / 3) < 0.6, f"Got {got:.3f}; this probe expects about {40 / 3:.2f} (weight 10 times "
            "E[(||grad||_2 - 1)^2] on x_hat). Check the interpolation, the per-sample norm, and the weight.")
    torch.manual_seed(1)
    again = scalar(gradient_penalty(critic, real, fake, 10.0), "gradient_penalty")
    require(abs(again - 40 / 3) < 0.6, "A second call gives a far different penalty: draw a fresh eps per sample "
            "(torch.rand(N, 1, 1, 1)), not one eps for the whole batch.")
    require(penalty.requires_grad, "The penalty has no gradient for the critic's weights: call torch.autograd.grad "
            "with create_graph=True, so the penalty can be backpropagated into the critic.")
    penalty.backward()
    require(critic.a.grad is not None and critic.a.grad.abs() > 0,
            "The penalty's gradient does not reach the critic: call torch.autograd.grad(..., create_graph=True).")
    passed("gradient penalty")


def check_clip_weights(clip_weights) -> None:
    """Every parameter of the critic clamped into [-c, c] in place; values inside unchanged."""
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
    with torch.no_grad():
        for p in critic.parameters():
            p.mul_(10)
    before = [p.detach().clone() for p in critic.parameters()]
    clip_weights(critic, 0.05)
    after = [p.detach() for p in critic.parameters()]
    if all(torch.equal(a, b) for a, b in zip(before, after, strict=True)):
        raise CheckFailed("The critic's weights did not change: clamp them in place, p.clamp_(-c, c) inside "
                          "torch.no_grad(); p = p.clamp(-c, c) only rebinds a name.")
    require(all(p.abs().max() <= 0.05 + 1e-6 for p in after),
            "Some parameters are still outside [-c, c]: clamp every parameter, the biases too.")
    expected = [b.clamp(-0.05, 0.05) for b in before]
    require(all(torch.equal(a, e) for a, e in zip(after, expected, strict=True)),
            "The values inside [-c, c] changed: clip (clamp), do not rescale or normalise.")
    passed("weight clipping")


def check_minibatch_stddev(layer_class) -> None:
    """The student's minibatch standard deviation layer against the package's, group size 4."""
    torch.manual_seed(0)
    x = torch.randn(8, 3, 5, 5) * torch.linspace(0.5, 2, 8).view(8, 1, 1, 1)
    student = layer_class(group_size=4)
    got = student(x)
    expected = MinibatchStdDev(group_size=4)(x)
    require(got.shape == expected.shape, f"Output shape {list(got.shape)}, expected {list(expected.shape)}: append "
            "ONE channel to the input, torch.cat([x, extra], dim=1).")
    require(torch.equal(got[:, :3], x), "The first channels should be the input unchanged; the statistic is appended.")
    extra = got[:, 3]
    require(torch.allclose(extra, extra[:, :1, :1].expand_as(extra)),
            "The extra channel should hold one number per picture, the same at every pixel (expand it over H x W).")
    over_features = x.std(dim=(1, 2, 3), unbiased=False)
    if torch.allclose(extra[:, 0, 0], over_features, atol=1e-4):
        raise CheckFailed("That is each picture's own spread over its pixels: take the standard deviation over the "
                          "batch (dim 0 of the group), for every feature, then average those.")
    require(torch.allclose(got, expected, atol=1e-3), "The statistic is off: split the batch into groups "
            "x.reshape(g, -1, C, H, W), take the standard deviation over dim 0, average it over C, H, W, and give "
            "each picture its group's number.")
    passed("minibatch standard deviation")
