"""Self-checks of lecture 11: the closed-form forward process, DDPM's loss and sampling step, flow matching's loss.

The losses draw their own times and noise, so their checks call them with a "spy" network that
records what it is given and answers with a fixed function of its input: from what it saw, the
check works out which t, noise and target the student's code used, and names the first mistake
it recognises.
"""

import math

import torch

from .. import diffusion, flow_matching
from .common import CheckFailed, images, require

T = 1000


def _close(a, b, tolerance=1e-4) -> bool:
    return isinstance(a, torch.Tensor) and a.shape == b.shape and torch.allclose(a, b, atol=tolerance, rtol=tolerance)


def _per_picture(values: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return values.view(-1, *([1] * (x.dim() - 1)))


def check_q_sample(q_sample) -> None:
    """q_sample(schedule, x0, t, noise) = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) noise, t a tensor [B]."""
    schedule = diffusion.NoiseSchedule.linear()
    x0, noise = images(6, seed=1), images(6, seed=2)
    t = torch.tensor([0, 1, 10, 250, 500, 999])
    got = q_sample(schedule, x0, t, noise)
    expected = diffusion.q_sample(schedule, x0, t, noise)
    if _close(got, expected):
        print("✓ q(x_t | x_0) in one step: passed")
        return
    require(isinstance(got, torch.Tensor) and got.shape == x0.shape,
            f"Return a tensor shaped like x0 {tuple(x0.shape)}: alpha_bar_t needs one value per picture, "
            "broadcast over its pixels (.view(-1, 1, 1, 1)).")
    alpha_bar = _per_picture(schedule.alpha_bars[t].float(), x0)
    wrong = {
        "Take square roots: the picture is scaled by sqrt(alpha_bar_t) and the noise by sqrt(1 - alpha_bar_t), "
        "so that the variance of x_t is alpha_bar_t Var(x0) + (1 - alpha_bar_t).":
            alpha_bar * x0 + (1 - alpha_bar) * noise,
        "The picture is scaled by sqrt(alpha_bar_t); the noise by sqrt(1 - alpha_bar_t), not by 1 - alpha_bar_t.":
            alpha_bar.sqrt() * x0 + (1 - alpha_bar) * noise,
        "Use the cumulative product alpha_bar_t (schedule.alpha_bars), not the one-step alpha_t: q(x_t | x_0) is "
        "all t + 1 steps at once.": _per_picture(schedule.alphas[t].float(), x0).sqrt() * x0
        + (1 - _per_picture(schedule.alphas[t].float(), x0)).sqrt() * noise,
        "The picture and the noise have swapped weights: x_0 gets sqrt(alpha_bar_t), which is near 1 at t = 0.":
            alpha_bar.sqrt() * noise + (1 - alpha_bar).sqrt() * x0,
        "That is the noise itself: return the noised picture x_t.": noise,
    }
    for hint, value in wrong.items():
        require(not _close(got, value), hint)
    for shift in (-1, 1):
        shifted = (t + shift).clamp(0, T - 1)
        off = diffusion.q_sample(schedule, x0, shifted, noise)
        require(not (_close(got[1:-1], off[1:-1])), f"t is off by {shift:+d}: alpha_bars[t] is the value for step t "
                                                      "(counted from 0), index it with t itself.")
    raise CheckFailed("x_t differs from sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) noise, with "
                      "alpha_bar_t = schedule.alpha_bars[t].")


class _Spy(torch.nn.Module):
    """Records each call's input, time and labels, and answers with half its input."""

    def __init__(self):
        super().__init__()
        self.calls = []
        self.unused = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x, time, labels=None):
        self.calls.append((x.detach().clone(), torch.as_tensor(time).detach().clone(), labels))
        return 0.5 * x


def _the_one_call(spy, who):
    require(len(spy.calls) == 1, f"{who} should call the network once on the whole batch; it called it "
                                 f"{len(spy.calls)} times.")
    return spy.calls[0]


def _scalar(loss, who) -> float:
    require(isinstance(loss, torch.Tensor) and loss.dim() == 0,
            f"{who} should return one number (a 0-d tensor): the mean over pixels and pictures (F.mse_loss).")
    return float(loss.detach())


def _standard_normal(values: torch.Tensor) -> bool:
    return abs(values.mean().item()) < 0.1 and 0.9 < values.std().item() < 1.1


def check_ddpm_loss(ddpm_loss) -> None:
    """ddpm_loss(model, schedule, x0, labels=None): t ~ U{0..T-1}, eps ~ N(0, I), MSE(model(x_t, t, labels), eps)."""
    torch.manual_seed(0)
    schedule, spy = diffusion.NoiseSchedule.linear(), _Spy()
    # 8,192 small pictures: a t drawn from 1 .. T instead of 0 .. T - 1 then reaches T (and fails) all but surely
    x0, labels = images(8192, shape=(1, 2, 2)), torch.randint(10, (8192,))
    try:
        loss = _scalar(ddpm_loss(spy, schedule, x0, labels), "ddpm_loss")
    except IndexError:
        raise CheckFailed("An index ran past the schedule: draw t from 0 to T - 1, torch.randint(schedule.T, ...)."
                          ) from None
    x_t, t, seen_labels = _the_one_call(spy, "ddpm_loss")
    require(seen_labels is not None and torch.equal(torch.as_tensor(seen_labels), labels),
            "Pass the labels on to the network: model(x_t, t, labels).")
    require(t.shape == (len(x0),) and not torch.is_floating_point(t),
            "Give the network one whole-number time per picture: t = torch.randint(schedule.T, (len(x0),)).")
    require(int(t.min()) >= 0 and int(t.max()) < T, "t must lie in 0 .. T - 1.")
    require(int(t.min()) < 10 and int(t.max()) >= 990 and len(t.unique()) > 900,
            "Draw a new t for every picture, uniformly over all T steps: the network learns every noise level.")
    alpha_bar = _per_picture(schedule.alpha_bars[t].float(), x0)
    eps = (x_t - alpha_bar.sqrt() * x0) / (1 - alpha_bar).sqrt()
    require(_standard_normal(eps), "x_t is not sqrt(alpha_bar_t) x0 plus sqrt(1 - alpha_bar_t) times standard "
                                   "normal noise: draw the noise with torch.randn_like(x0) and use your q_sample.")
    prediction = 0.5 * x_t
    expected = (prediction - eps).pow(2).mean().item()
    if not math.isclose(loss, expected, rel_tol=1e-4):
        require(not math.isclose(loss, (prediction - x0).pow(2).mean().item(), rel_tol=1e-4),
                "The network predicts the noise eps that made x_t, not the clean picture x0: compare with eps.")
        require(not math.isclose(loss, (prediction - eps).pow(2).sum().item(), rel_tol=1e-4),
                "Average the squared error (F.mse_loss), do not sum it.")
        raise CheckFailed("The loss should be the mean squared error between model(x_t, t, labels) and the noise "
                          "used to make x_t.")
    print("✓ DDPM loss: passed")


def check_ddpm_step(ddpm_step) -> None:
    """ddpm_step(schedule, x_t, t, eps, noise): one step of DDPM's sampler, x_t -> x_{t-1}."""
    schedule = diffusion.NoiseSchedule.linear()
    x_t, eps, noise = images(4, seed=3), images(4, seed=4), images(4, seed=5)

    def variant(t, mean_scale=None, denominator=None, sigma=None):
        beta, alpha, alpha_bar = (v[t].item() for v in (schedule.betas, schedule.alphas, schedule.alpha_bars))
        mean_scale = beta / math.sqrt(1 - alpha_bar) if mean_scale is None else mean_scale(beta, alpha_bar)
        denominator = math.sqrt(alpha) if denominator is None else denominator(alpha, alpha_bar)
        sigma = schedule.sigmas[t].item() if sigma is None else sigma
        return (x_t - mean_scale * eps) / denominator + sigma * noise

    for t in (999, 500, 10, 1, 0):
        got = ddpm_step(schedule, x_t, t, eps, noise)
        expected = diffusion.ddpm_step(schedule, x_t, t, eps, noise)
        if _close(got, expected):
            continue
        require(isinstance(got, torch.Tensor) and got.shape == x_t.shape, "Return x_{t-1}, shaped like x_t.")
        require(not (_close(got, noise) or _close(got, eps)),
                "That is the noise: return the picture x_{t-1} = mu + sigma_t z.")
        require(not _close(got, variant(t, mean_scale=lambda beta, alpha_bar: beta / (1 - alpha_bar))),
                "eps is scaled by beta_t / sqrt(1 - alpha_bar_t): take the square root of 1 - alpha_bar_t.")
        require(not _close(got, variant(t, denominator=lambda alpha, alpha_bar: math.sqrt(alpha_bar))),
                "Divide by sqrt(alpha_t) = sqrt(1 - beta_t), one step's factor, not by sqrt(alpha_bar_t).")
        require(not _close(got, variant(t, sigma=0.0)), "Add sigma_t times the fresh noise (schedule.sigmas[t]): "
                                                        "without it every sample is the same blur of the mean.")
        require(not _close(got, variant(t, sigma=math.sqrt(schedule.betas[t].item()))) or t == 0,
                "Use schedule.sigmas[t], the posterior's standard deviation, which is 0 at t = 0: the last step "
                "adds no noise.")
        for shift in (-1, 1):
            if 0 <= t + shift < T:
                require(not _close(got, diffusion.ddpm_step(schedule, x_t, t + shift, eps, noise)),
                        f"t is off by {shift:+d}: the step from x_t uses beta_t, alpha_t and alpha_bar_t of step t "
                        "itself (schedule.betas[t], ...).")
        raise CheckFailed(f"At t = {t}, x_(t-1) differs from (x_t - beta_t / sqrt(1 - alpha_bar_t) eps) / "
                          "sqrt(alpha_t) + sigma_t noise.")
    print("✓ DDPM sampling step: passed")


def check_flow_matching_loss(flow_matching_loss) -> None:
    """flow_matching_loss(model, x1, labels=None): x0 ~ N(0, I), t ~ U(0, 1), x_t = (1 - t) x0 + t x1,
    MSE(model(x_t, t * TIME_SCALE, labels), x1 - x0)."""
    torch.manual_seed(0)
    spy, x1, labels = _Spy(), images(512, shape=(1, 4, 4)), torch.randint(10, (512,))
    loss = _scalar(flow_matching_loss(spy, x1, labels), "flow_matching_loss")
    x_t, time, seen_labels = _the_one_call(spy, "flow_matching_loss")
    require(seen_labels is not None and torch.equal(torch.as_tensor(seen_labels), labels),
            "Pass the labels on to the network: model(x_t, t * TIME_SCALE, labels).")
    require(time.shape == (512,), "Give the network one time per picture, a tensor of shape [B].")
    require(float(time.max()) > 1.5, "Tell the network t * TIME_SCALE (1000), not t itself: its time embedding "
                                     "was made for DDPM's 0 .. 999.")
    t = time.float() / flow_matching.TIME_SCALE
    require(float(t.min()) >= 0 and float(t.max()) <= 1 and float(t.min()) < 0.1 and float(t.max()) > 0.9,
            "Draw t uniformly in [0, 1] (torch.rand), one per picture.")
    inside = (t > 0.05) & (t < 0.95)  # away from the ends, where working x0 back out divides by almost 0
    tt = _per_picture(t, x1)
    if not _standard_normal(((x_t - tt * x1) / (1 - tt))[inside]):
        reversed_x0 = ((x_t - (1 - tt) * x1) / tt)[inside]
        require(not _standard_normal(reversed_x0), "The interpolant runs the wrong way: at t = 0 it is the noise "
                                                   "and at t = 1 the data, x_t = (1 - t) x0 + t x1.")
        raise CheckFailed("x_t should be (1 - t) x0 + t x1, with x0 standard normal noise (torch.randn_like(x1)).")
    x0 = (x_t - tt * x1) / (1 - tt).clamp(min=1e-6)  # every picture's noise, for the loss over the whole batch
    expected = (0.5 * x_t - (x1 - x0)).pow(2).mean().item()
    if not math.isclose(loss, expected, rel_tol=2e-3):
        require(not math.isclose(loss, (0.5 * x_t - (x0 - x1)).pow(2).mean().item(), rel_tol=2e-3),
                "The velocity points from the noise to the data: the target is x1 - x0, not x0 - x1.")
        require(not math.isclose(loss, (0.5 * x_t - x1).pow(2).mean().item(), rel_tol=2e-3),
                "The target is the velocity x1 - x0 along the line, not the data x1 itself.")
        raise CheckFailed("The loss should be the mean squared error between model(x_t, t * TIME_SCALE, labels) and "
                          "the velocity x1 - x0.")
    print("✓ flow-matching loss: passed")
