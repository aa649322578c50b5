"""Each self-check passes on the reference answer and fails with a hint on a typical mistake."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from gancourse import checks, losses, steps
from gancourse.models import MLPAutoencoder, reparameterize
from gancourse.models.gan import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator


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


# Lectures 3-5 --------------------------------------------------------------------------


def test_gan_checks_pass_on_the_references(capsys):
    from gancourse.models.gan import discriminator_block, generator_block

    checks.check_discriminator_loss(losses.discriminator_loss)
    checks.check_generator_loss(losses.nonsaturating_generator_loss)
    checks.check_gan_step(lambda g, d, og, od, batch, k=1: steps.gan_step(g, d, og, od, batch, k=k))
    checks.check_generator_block(generator_block)
    checks.check_discriminator_block(discriminator_block)
    for generator_class, discriminator_class in conditional_solutions():
        checks.check_conditional_generator(generator_class)
        checks.check_conditional_discriminator(discriminator_class)
    assert capsys.readouterr().out.count("passed") == 9


class ConvG(DCGANGenerator):
    """Lecture 5's answer to exercise 1: the one-hot label after the noise, as a [B, 110, 1, 1] map."""

    def __init__(self):
        super().__init__(latent_dim=100, ngf=16, channels=1, image_size=28, n_classes=10)

    def forward(self, z, labels):
        zy = torch.cat([z, F.one_hot(labels, self.n_classes).float()], dim=1)
        return self.main(zy.view(len(zy), -1, 1, 1))


class ConvD(DCGANDiscriminator):
    """Exercise 2: the label as 10 constant planes behind the image (or, wrongly, in front of it)."""

    def __init__(self, planes_first=False):
        super().__init__(ndf=16, channels=1, image_size=28, n_classes=10)
        self.planes_first = planes_first

    def forward(self, x, labels):
        planes = F.one_hot(labels, self.n_classes).float()[:, :, None, None].expand(-1, -1, *x.shape[2:])
        both = [planes, x] if self.planes_first else [x, planes]
        return self.main(torch.cat(both, dim=1)).view(-1)


class MlpG(MLPGenerator):
    """The MLP way (Mirza and Osindero): the one-hot label concatenated to the noise."""

    def __init__(self):
        super().__init__(n_classes=10)

    def forward(self, z, labels):
        return self.net(torch.cat([z, F.one_hot(labels, 10).float()], dim=1)).view(-1, 1, 28, 28)


class MlpD(MLPDiscriminator):
    def __init__(self):
        super().__init__(n_classes=10)

    def forward(self, x, labels):
        return self.net(torch.cat([x.flatten(1), F.one_hot(labels, 10).float()], dim=1)).view(-1)


def conditional_solutions():
    return [(ConvG, ConvD), (MlpG, MlpD)]


def test_check_conditional_discriminator_catches_the_label_planes_in_front():
    with pytest.raises(checks.CheckFailed, match="input comes first and the one-hot label after it"):
        checks.check_conditional_discriminator(lambda: ConvD(planes_first=True))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda r, f: losses.discriminator_loss(r, f) * 2, "twice"),
        (lambda r, f: losses.discriminator_loss(f, r), "swapped"),
        (lambda r, f: 0.5 * (-torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean()), "logits"),
    ],
)
def test_check_discriminator_loss_hints(wrong, hint):
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_discriminator_loss(wrong)


def test_check_generator_loss_recognises_the_saturating_loss():
    with pytest.raises(checks.CheckFailed, match="saturating"):
        checks.check_generator_loss(losses.minimax_generator_loss)


def _step_without_freezing(g, d, og, od, batch, k=1):
    real = batch[0]
    for _ in range(k):
        steps.discriminator_update(g, d, od, real)
    loss = losses.nonsaturating_generator_loss(d(g(torch.randn(len(real), g.latent_dim))))
    og.zero_grad()
    loss.backward()
    og.step()
    return {"D": 0.0, "G": loss.item()}


def _step_without_detaching(g, d, og, od, batch, k=1):
    real = batch[0]
    fake = g(torch.randn(len(real), g.latent_dim))
    loss = losses.discriminator_loss(d(real), d(fake))
    od.zero_grad()
    loss.backward()
    od.step()
    g_loss = steps.generator_update(g, d, og, len(real))
    return {"D": loss.item(), "G": g_loss.item()}


def _step_left_frozen(g, d, og, od, batch, k=1):
    result = steps.gan_step(g, d, og, od, batch, k=k)
    steps.set_requires_grad(d, False)
    return result


def _step_with_wrong_generator_target(g, d, og, od, batch, k=1):
    for _ in range(k):
        d_loss = steps.discriminator_update(g, d, od, batch[0])
    g_loss = steps.generator_update(g, d, og, len(batch[0]), g_loss=lambda logits: -losses.nonsaturating_generator_loss(
        logits))
    return {"D": d_loss.item(), "G": g_loss.item()}


def _step_ignoring_k(g, d, og, od, batch, k=1):
    return steps.gan_step(g, d, og, od, batch, k=1)


@pytest.mark.parametrize(
    "wrong, hint",
    [(_step_without_freezing, "frozen"), (_step_without_detaching, "detach"), (_step_left_frozen, "unfreeze"),
     (_step_with_wrong_generator_target, "towards 'real'"), (_step_ignoring_k, "k=3")],
)
def test_check_gan_step_hints(wrong, hint):
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_gan_step(wrong)


def test_check_blocks_hints():
    def relu_discriminator_block(i, o, kernel_size=4, stride=2, padding=1, first=False, final=False):
        conv = nn.Conv2d(i, o, kernel_size, stride, padding, bias=False)
        return nn.Sequential(conv) if final else nn.Sequential(conv, nn.BatchNorm2d(o), nn.ReLU())

    def biased_generator_block(i, o, kernel_size=4, stride=2, padding=1, final=False):
        conv = nn.ConvTranspose2d(i, o, kernel_size, stride, padding)
        return nn.Sequential(conv, nn.Tanh()) if final else nn.Sequential(conv, nn.BatchNorm2d(o), nn.ReLU())

    with pytest.raises(checks.CheckFailed, match="LeakyReLU"):
        checks.check_discriminator_block(relu_discriminator_block)
    with pytest.raises(checks.CheckFailed, match="bias=False"):
        checks.check_generator_block(biased_generator_block)


def test_check_conditional_generator_catches_an_ignored_label():

    class IgnoresLabel(MLPGenerator):
        def __init__(self):
            super().__init__(n_classes=10)

        def forward(self, z, labels):
            return self.net(torch.cat([z, torch.zeros(len(z), 10)], dim=1)).view(-1, 1, 28, 28)

    with pytest.raises(checks.CheckFailed, match="ignores the label"):
        checks.check_conditional_generator(IgnoresLabel)


def test_check_log_likelihood_hints():
    from gancourse import parzen

    def naive(x, samples, sigma):  # exp underflows for small sigma
        d = x.shape[1]
        exponents = -torch.cdist(x, samples).pow(2) / (2 * sigma**2)
        return torch.log(torch.exp(exponents).mean(1)) - d * torch.log(torch.tensor(sigma * (2 * torch.pi) ** 0.5))

    def no_mean(x, samples, sigma):
        return parzen.log_likelihood(x, samples, sigma) + torch.log(torch.tensor(float(len(samples)))).double()

    checks.check_log_likelihood(lambda x, s, sigma: parzen.log_likelihood(x, s, sigma))
    with pytest.raises(checks.CheckFailed, match="-inf"):
        checks.check_log_likelihood(naive)
    with pytest.raises(checks.CheckFailed, match="log K"):
        checks.check_log_likelihood(no_mean)


# The exercises added with the judge: lecture 1's sampled codes, lecture 5's conditional step ------------


def reference_sample_codes(codes, n):
    return codes.mean(0) + codes.std(0) * torch.randn(n, codes.shape[1])


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda c, n: torch.randn(n, c.shape[1]), "Shift the noise by codes.mean\\(0\\)"),
        (lambda c, n: c.mean() + c.std(0) * torch.randn(n, c.shape[1]), "same mean"),
        (lambda c, n: c.mean(0) + c.var(0) * torch.randn(n, c.shape[1]), "not codes.var\\(0\\)"),
        (lambda c, n: c[torch.randint(len(c), (n,))], "tied together"),
        (lambda c, n: c.mean(0) + c.std(0) * torch.randn(n, 1), "tied together"),
        (lambda c, n: c.mean(0) + c.std(0) * torch.randn(n // 2, c.shape[1]), "\\[20000, 4\\]"),
        (lambda c, n: c.mean(0) + c.std(0) * torch.randn(n, c.shape[1], generator=torch.Generator().manual_seed(1)),
         "fresh noise"),
    ],
)
def test_check_sample_codes_hints(wrong, hint, capsys):
    checks.check_sample_codes(reference_sample_codes)
    assert "passed" in capsys.readouterr().out
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_sample_codes(wrong)


def conditional_step(random_fake_labels=False, no_labels_for_d=False, unfrozen=False):
    """The conditional GAN step, right or with one typical mistake."""

    def step(generator, discriminator, g_optimizer, d_optimizer, batch):
        real, labels = batch
        fake_labels = torch.randint(10, labels.shape) if random_fake_labels else labels
        z = torch.randn(len(real), generator.latent_dim)
        with torch.no_grad():
            fake = generator(z, fake_labels)
        d_fake = discriminator(fake) if no_labels_for_d else discriminator(fake, fake_labels)
        d_loss = losses.discriminator_loss(discriminator(real, labels), d_fake)
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        steps.set_requires_grad(discriminator, unfrozen)
        z = torch.randn(len(real), generator.latent_dim)
        g_loss = losses.nonsaturating_generator_loss(discriminator(generator(z, fake_labels), fake_labels))
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        steps.set_requires_grad(discriminator, True)
        return {"D": d_loss.item(), "G": g_loss.item()}

    return step


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (conditional_step(random_fake_labels=True), "other labels than the batch's"),
        (conditional_step(no_labels_for_d=True), "D was called without labels"),
        (conditional_step(unfrozen=True), "D was not frozen"),
    ],
)
def test_check_conditional_gan_step_hints(wrong, hint, capsys):
    checks.check_conditional_gan_step(conditional_step())
    checks.check_conditional_gan_step(lambda g, d, og, od, batch: steps.gan_step(g, d, og, od, batch, conditional=True))
    assert capsys.readouterr().out.count("passed") == 2
    with pytest.raises(checks.CheckFailed, match=hint):
        checks.check_conditional_gan_step(wrong)
