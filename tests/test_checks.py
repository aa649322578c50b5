"""Each self-check passes on the reference answer and fails with a hint on a typical mistake."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from gancourse import checks, losses, steps
from gancourse.models import MLPAutoencoder, reparameterize


def test_check_autoencoder_passes_on_the_reference(capsys):
    checks.check_autoencoder(MLPAutoencoder)
    assert "✓ autoencoder: passed" in capsys.readouterr().out


class WideAutoencoder(MLPAutoencoder):
    def __init__(self, latent_dim=3):
        super().__init__(latent_dim)
        self.encoder[0] = nn.Linear(784, 256)
        self.encoder[2] = nn.Linear(256, 64)


class NoTanhAutoencoder(MLPAutoencoder):
    def __init__(self, latent_dim=3):
        super().__init__(latent_dim)
        self.decoder[-1] = nn.Sigmoid()


class FixedLatentAutoencoder(MLPAutoencoder):
    def __init__(self, latent_dim=3):
        super().__init__(3)


@pytest.mark.parametrize(
    "wrong, hint",
    [(WideAutoencoder, "784 -> 128 -> 64"), (NoTanhAutoencoder, "nn.Tanh"), (FixedLatentAutoencoder, "latent_dim")],
)
def test_check_autoencoder_hints(wrong, hint):
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_autoencoder(wrong)


def test_check_autoencoder_step_passes_on_the_reference(capsys):
    checks.check_autoencoder_step(steps.autoencoder_step)
    assert "passed" in capsys.readouterr().out


def step_without_zero_grad(model, optimizer, batch):
    x = batch[0]
    loss = F.mse_loss(model(x), x)
    loss.backward()
    optimizer.step()
    return {"loss": loss.item()}


def step_without_update(model, optimizer, batch):
    x = batch[0]
    loss = F.mse_loss(model(x), x)
    return {"loss": loss.item()}


def step_with_l1(model, optimizer, batch):
    x = batch[0]
    loss = F.l1_loss(model(x), x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {"loss": loss.item()}


@pytest.mark.parametrize(
    "wrong, hint",
    [(step_without_zero_grad, "zero_grad"), (step_without_update, "optimizer.step"), (step_with_l1, "mse_loss")],
)
def test_check_autoencoder_step_hints(wrong, hint):
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_autoencoder_step(wrong)


def test_check_reparameterize_passes_on_the_reference(capsys):
    checks.check_reparameterize(reparameterize)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda mu, logvar: mu + torch.exp(logvar) * torch.randn_like(mu), "sigma = exp\\(0.5 \\* logvar\\)"),
        (lambda mu, logvar: mu.clone(), "add noise"),
        (lambda mu, logvar: (mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)).detach(), "differentiable"),
        (lambda mu, logvar: torch.exp(0.5 * logvar) * torch.randn_like(mu), "mean of z should be mu"),
    ],
    ids=["variance-as-std", "no-noise", "detached", "no-mean"],
)
def test_check_reparameterize_hints(wrong, hint):
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_reparameterize(wrong)


def test_check_vae_loss_passes_on_the_reference(capsys):
    checks.check_vae_loss(losses.vae_loss)
    assert "passed" in capsys.readouterr().out


def loss_averaged(x_hat, x, mu, logvar):
    rec = F.binary_cross_entropy(x_hat, x)
    kl = losses.kl_divergence(mu, logvar)
    return rec + kl, rec, kl


def loss_with_flipped_kl(x_hat, x, mu, logvar):
    rec = F.binary_cross_entropy(x_hat, x, reduction="sum")
    kl = 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return rec + kl, rec, kl


def loss_with_mse(x_hat, x, mu, logvar):
    rec = F.mse_loss(x_hat, x, reduction="sum")
    kl = losses.kl_divergence(mu, logvar)
    return rec + kl, rec, kl


def loss_without_sum_total(x_hat, x, mu, logvar):
    total, rec, kl = losses.vae_loss(x_hat, x, mu, logvar)
    return rec, rec, kl


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (loss_averaged, "averaged"),
        (loss_with_flipped_kl, "sign is flipped"),
        (loss_with_mse, "binary cross-entropy"),
        (loss_without_sum_total, "reconstruction \\+ kl"),
        (lambda *args: losses.vae_loss(*args)[0], "three values"),
    ],
    ids=["mean", "kl-sign", "mse", "total", "one-value"],
)
def test_check_vae_loss_hints(wrong, hint):
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_vae_loss(wrong)
