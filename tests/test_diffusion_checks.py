"""Lecture 11's self-checks: the right answer passes, and each usual mistake gets its own hint."""

import math

import pytest
import torch
import torch.nn.functional as F

from gancourse import checks, diffusion, flow_matching


def _alpha_bar(schedule, t, x):
    return schedule.alpha_bars[t].float().view(-1, *([1] * (x.dim() - 1)))


def test_the_package_answers_pass():
    checks.check_q_sample(diffusion.q_sample)
    checks.check_ddpm_loss(diffusion.ddpm_loss)
    checks.check_ddpm_step(diffusion.ddpm_step)
    checks.check_flow_matching_loss(flow_matching.flow_matching_loss)


@pytest.mark.parametrize("wrong, hint", [
    (lambda s, x0, t, n: _alpha_bar(s, t, x0) * x0 + (1 - _alpha_bar(s, t, x0)) * n, "Take square roots"),
    (lambda s, x0, t, n: _alpha_bar(s, t - 1, x0).sqrt() * x0 + (1 - _alpha_bar(s, t - 1, x0)).sqrt() * n,
     "off by -1"),
    (lambda s, x0, t, n: n, "That is the noise itself"),
    (lambda s, x0, t, n: _alpha_bar(s, t, x0).sqrt() * n + (1 - _alpha_bar(s, t, x0)).sqrt() * x0, "swapped"),
])
def test_q_sample_mistakes(wrong, hint):
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_q_sample(wrong)


def _loss_with(target="noise", t_high=None, reduction="mean", labels_on=True):
    def ddpm_loss(model, schedule, x0, labels=None):
        t = torch.randint(t_high or schedule.T, (len(x0),)) + (1 if t_high else 0)
        noise = torch.randn_like(x0)
        x_t = diffusion.q_sample(schedule, x0, t.clamp(max=schedule.T - 1), noise)
        prediction = model(x_t, t, labels if labels_on else None)
        return F.mse_loss(prediction, noise if target == "noise" else x0, reduction=reduction)
    return ddpm_loss


@pytest.mark.parametrize("wrong, hint", [
    (_loss_with(target="picture"), "predicts the noise"),
    (_loss_with(reduction="sum"), "do not sum"),
    (_loss_with(labels_on=False), "Pass the labels"),
])
def test_ddpm_loss_mistakes(wrong, hint):
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_ddpm_loss(wrong)


def test_ddpm_loss_with_times_past_the_schedule_is_caught():
    def t_from_1_to_T(model, schedule, x0, labels=None):
        t = torch.randint(1, schedule.T + 1, (len(x0),))
        noise = torch.randn_like(x0)
        alpha_bar = schedule.alpha_bars.float()[t].view(-1, 1, 1, 1)  # as a student's q_sample indexes it
        return F.mse_loss(model(alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise, t, labels), noise)

    with pytest.raises(checks.CheckFailed, match="T - 1"):
        checks.check_ddpm_loss(t_from_1_to_T)


def _step_with(scale="sqrt", divide="alpha", noise_term="sigma", shift=0, returns="x"):
    def ddpm_step(schedule, x_t, t, eps, noise):
        s = max(t + shift, 0)
        beta, alpha, alpha_bar = (v[s].item() for v in (schedule.betas, schedule.alphas, schedule.alpha_bars))
        mean = (x_t - beta / (math.sqrt(1 - alpha_bar) if scale == "sqrt" else 1 - alpha_bar) * eps) / math.sqrt(
            alpha if divide == "alpha" else alpha_bar)
        sigma = {"sigma": schedule.sigmas[s].item(), "none": 0.0}[noise_term]
        return mean + sigma * noise if returns == "x" else noise
    return ddpm_step


@pytest.mark.parametrize("wrong, hint", [
    (_step_with(scale="plain"), "take the square root of 1 - alpha_bar_t"),
    (_step_with(divide="alpha_bar"), "not by sqrt\\(alpha_bar_t\\)"),
    (_step_with(noise_term="none"), "Add sigma_t times the fresh noise"),
    (_step_with(shift=-1), "off by -1"),
    (_step_with(returns="noise"), "That is the noise"),
])
def test_ddpm_step_mistakes(wrong, hint):
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_ddpm_step(wrong)


def _flow_loss_with(direction="forward", target="velocity", scale=True):
    def flow_matching_loss(model, x1, labels=None):
        x0 = torch.randn_like(x1)
        t = torch.rand(len(x1))
        tt = t.view(-1, *([1] * (x1.dim() - 1)))
        x_t = (1 - tt) * x0 + tt * x1 if direction == "forward" else tt * x0 + (1 - tt) * x1
        wanted = {"velocity": x1 - x0, "reversed": x0 - x1, "data": x1}[target]
        return F.mse_loss(model(x_t, t * flow_matching.TIME_SCALE if scale else t, labels), wanted)
    return flow_matching_loss


@pytest.mark.parametrize("wrong, hint", [
    (_flow_loss_with(direction="reversed"), "runs the wrong way"),
    (_flow_loss_with(target="reversed"), "x1 - x0, not x0 - x1"),
    (_flow_loss_with(target="data"), "not the data x1 itself"),
    (_flow_loss_with(scale=False), "TIME_SCALE"),
])
def test_flow_matching_loss_mistakes(wrong, hint):
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_flow_matching_loss(wrong)
