"""Losses of the course, written as in the papers.

Lecture 2: the VAE's negative evidence lower bound (Kingma and Welling 2014, Appendix B).
Lecture 10: the PixelCNN's negative log-likelihood of binary pixels, from logits.
Lectures 3-5: the adversarial losses; lecture 8 the Wasserstein ones, lecture 9 the hinge loss.
Every discriminator here returns logits (or, for the Wasserstein critic and the hinge loss,
unbounded scores): log D and log(1 - D) are then computed with softplus, which stays finite
where log(sigmoid(x)) underflows to -inf.
"""

import torch
import torch.nn.functional as F


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) = -1/2 sum(1 + log sigma^2 - mu^2 - sigma^2), summed over the batch."""
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def vae_loss(x_hat: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor):
    """(total, reconstruction, KL) of a batch, each summed over pixels and examples.

    The reconstruction term is the Bernoulli negative log-likelihood, i.e. binary cross-entropy
    summed (not averaged) so that it is weighed against the KL term as the bound requires.
    """
    reconstruction = F.binary_cross_entropy(x_hat.flatten(1), x.flatten(1), reduction="sum")
    kl = kl_divergence(mu, logvar)
    return reconstruction + kl, reconstruction, kl


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x) in nats for each picture [B]: binary cross-entropy from logits, summed over its pixels.

    Summed, not averaged: a picture's probability is the product of its pixels' probabilities.
    From logits, not probabilities: log sigmoid(l) is computed as -softplus(-l), which stays
    finite where a probability rounded to 0 or 1 would give log 0.
    """
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(dim=1)


# Goodfellow et al. 2014 ---------------------------------------------------------------


def targets(logits: torch.Tensor, label, flip: float = 0.0, generator=None) -> torch.Tensor:
    """The discriminator's target for each example, with the seed lectures' training tips.

    label: a number (1.0; 0.9 is one-sided label smoothing) or a range (low, high) drawn
           uniformly per example, e.g. real labels in (0.7, 0.9) and fake in (0.0, 0.3).
    flip:  the probability of swapping an example's target for its opposite (1 - target),
           the "occasionally flip the labels" tip.
    """
    shape, options = logits.shape, {"device": logits.device, "dtype": logits.dtype}
    if isinstance(label, (tuple, list)):
        low, high = label
        values = low + (high - low) * torch.rand(shape, generator=generator, device="cpu").to(**options)
    else:
        values = torch.full(shape, float(label), **options)
    if flip:
        flipped = torch.rand(shape, generator=generator, device="cpu").to(logits.device) < flip
        values = torch.where(flipped, 1 - values, values)
    return values


def discriminator_loss(real_logits, fake_logits, real_label=1.0, fake_label=0.0, flip=0.0, generator=None):
    """J(D) = -1/2 E[log D(x)] - 1/2 E[log(1 - D(G(z)))], from logits.

    Binary cross-entropy against target 1 for real and 0 for fake, averaged; with the targets
    (real_label, fake_label, flip) of `targets`. At the game's equilibrium, D = 1/2 everywhere
    and J(D) = log 2.
    """
    real = F.binary_cross_entropy_with_logits(real_logits, targets(real_logits, real_label, flip, generator))
    fake = F.binary_cross_entropy_with_logits(fake_logits, targets(fake_logits, fake_label, flip, generator))
    return 0.5 * (real + fake)


def minimax_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """E[log(1 - D(G(z)))], the generator's side of the minimax game (saturating).

    log(1 - sigmoid(l)) = -softplus(l). Its gradient vanishes when D(G(z)) is near 0, which is
    exactly where a fresh generator starts.
    """
    return -F.softplus(fake_logits).mean()


def nonsaturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-E[log D(G(z))], the paper's practical generator loss: same fixed point, strong early gradients.

    -log(sigmoid(l)) = softplus(-l), i.e. binary cross-entropy against the label "real".
    """
    return F.softplus(-fake_logits).mean()


# Least squares (Mao et al. 2017, a = 0, b = c = 1) -------------------------------------


def lsgan_discriminator_loss(real_scores, fake_scores):
    """1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]."""
    return 0.5 * ((real_scores - 1).pow(2).mean() + fake_scores.pow(2).mean())


def lsgan_generator_loss(fake_scores):
    """1/2 E[(D(G(z)) - 1)^2]."""
    return 0.5 * (fake_scores - 1).pow(2).mean()


# Wasserstein (Arjovsky et al. 2017; Gulrajani et al. 2017) ----------------------------


def wasserstein_critic_loss(real_scores, fake_scores):
    """E[f(G(z))] - E[f(x)]: the critic maximises the gap, so it minimises its negative."""
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores):
    """-E[f(G(z))]."""
    return -fake_scores.mean()


@torch.no_grad()
def clip_weights(critic: torch.nn.Module, c: float = 0.01) -> None:
    """WGAN's crude Lipschitz constraint: clamp every weight to [-c, c] after each critic step."""
    for parameter in critic.parameters():
        parameter.clamp_(-c, c)


def gradient_penalty(critic, real, fake, weight: float = 10.0, labels=None, generator=None):
    """WGAN-GP: weight * E[(||grad f(x_hat)||_2 - 1)^2] at x_hat = eps x + (1 - eps) G(z), eps ~ U[0, 1].

    The penalty keeps the critic's gradient norm near 1 on the lines between real and fake
    points, a softer and better-behaved form of the 1-Lipschitz condition than clipping.
    `labels` are passed on to a conditional critic.
    """
    eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(eps_shape, generator=generator, device="cpu").to(real.device, real.dtype)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat) if labels is None else critic(x_hat, labels)
    (gradients,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    return weight * (gradients.flatten(1).norm(dim=1) - 1).pow(2).mean()


# Hinge (Lim and Ye 2017; Miyato et al. 2018; SAGAN and BigGAN) -------------------------


def hinge_discriminator_loss(real_scores, fake_scores):
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]: D stops pushing a score once it is beyond the margin.

    A real picture scored above 1 or a fake below -1 adds nothing: D spends its capacity on the
    pictures it still confuses, not on making the easy ones more extreme.
    """
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def hinge_generator_loss(fake_scores):
    """-E[D(G(z))], as the Wasserstein generator: raise D's score of the fakes."""
    return -fake_scores.mean()


# pix2pix (Isola et al. 2017) ----------------------------------------------------------

ADVERSARIAL = ("bce", "mse")
RECONSTRUCTION = ("l1", "l2")


def adversarial_loss(logits: torch.Tensor, is_real: bool, kind: str = "bce") -> torch.Tensor:
    """The cGAN term with every patch's target 1 (real) or 0 (fake), averaged over the PatchGAN's map.

    kind "bce": binary cross-entropy from logits, the paper's log D; "mse": the squared error of
    least-squares GANs (Mao et al. 2017), the ablation's "adversarial loss calculated as MSE".
    """
    target = torch.full_like(logits, 1.0 if is_real else 0.0)
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(logits, target)
    if kind == "mse":
        return F.mse_loss(logits, target)
    raise ValueError(f"adversarial={kind!r}: choose one of {ADVERSARIAL}.")


def reconstruction_loss(fake: torch.Tensor, target: torch.Tensor, kind: str = "l1") -> torch.Tensor:
    """E ||y - G(x)||_1 (the paper's choice: less blurring than L2) or E (y - G(x))^2, per pixel."""
    if kind == "l1":
        return F.l1_loss(fake, target)
    if kind == "l2":
        return F.mse_loss(fake, target)
    raise ValueError(f"reconstruction={kind!r}: choose one of {RECONSTRUCTION}.")


def pix2pix_discriminator_loss(real_logits, fake_logits, adversarial: str = "bce") -> torch.Tensor:
    """D's side of L_cGAN, divided by 2 as in the paper (it slows D down relative to G):

    1/2 [ -log D(x, y) - log(1 - D(x, G(x))) ], averaged over patches and images: lecture 3's
    discriminator_loss, which already halves; with "mse", the least-squares one, halved too.
    """
    if adversarial == "bce":
        return discriminator_loss(real_logits, fake_logits)
    if adversarial == "mse":
        return lsgan_discriminator_loss(real_logits, fake_logits)
    raise ValueError(f"adversarial={adversarial!r}: choose one of {ADVERSARIAL}.")


def pix2pix_generator_loss(fake_logits, fake, target, lam: float = 100.0, adversarial="bce", reconstruction="l1"):
    """G* = arg min_G max_D L_cGAN(G, D) + lambda L_L1(G), G's side: -log D(x, G(x)) + lambda ||y - G(x)||_1.

    lambda = 100 as in the paper. adversarial=None leaves L1 alone (no discriminator: fake_logits
    is ignored); reconstruction=None leaves the adversarial term alone (the ablation's panels).
    """
    if adversarial is None and reconstruction is None:
        raise ValueError("pix2pix_generator_loss needs an adversarial or a reconstruction term, or both.")
    loss = adversarial_loss(fake_logits, True, adversarial) if adversarial else 0.0
    if reconstruction:
        loss = loss + lam * reconstruction_loss(fake, target, reconstruction)
    return loss


# CycleGAN (Zhu et al. 2017) -----------------------------------------------------------


def cycle_consistency_loss(x, x_cycled, y, y_cycled, lam: float = 10.0) -> torch.Tensor:
    """lambda L_cyc(G, F) = lambda (E ||F(G(x)) - x||_1 + E ||G(F(y)) - y||_1), equation 2 of the paper.

    x_cycled = F(G(x)) and y_cycled = G(F(y)): both ways round must come back to where they
    started. Each norm is a mean over pixels and pictures (the reference's L1Loss); lambda = 10.
    """
    return lam * (F.l1_loss(x_cycled, x) + F.l1_loss(y_cycled, y))


def identity_loss(x, f_of_x, y, g_of_y, lam: float = 10.0, weight: float = 0.5) -> torch.Tensor:
    """weight lambda L_identity(G, F) = weight lambda (E ||G(y) - y||_1 + E ||F(x) - x||_1), section 5.2 of the paper.

    A picture already in a generator's target domain should pass through unchanged (Taigman et
    al. 2017). Without it, G and F may swap a painting's tints for a photo's as long as the cycle
    undoes it; the paper adds it for painting <-> photo with weight 0.5 of lambda, the reference's
    default. f_of_x = F(x), g_of_y = G(y).
    """
    return weight * lam * (F.l1_loss(g_of_y, y) + F.l1_loss(f_of_x, x))
