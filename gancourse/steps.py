"""The package's copy of the training steps students write in the notebooks.

The notebooks keep their own step (that is the exercise); this copy backs the self-checks
and lets a later lecture train an earlier model without repeating the exercise.
"""

import contextlib
import copy

import torch
import torch.nn.functional as F

from . import losses


def autoencoder_step(model, optimizer, batch, device="cpu"):
    """One gradient step on the mean squared reconstruction error."""
    x = batch[0].to(device)
    loss = F.mse_loss(model(x), x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {"loss": loss.item()}


def set_requires_grad(model: torch.nn.Module, flag: bool) -> None:
    """Freeze (False) or unfreeze (True) every parameter: the lecture's freeze(model_D)."""
    for parameter in model.parameters():
        parameter.requires_grad_(flag)


@contextlib.contextmanager
def frozen(model: torch.nn.Module):
    """The model's weights get no gradient inside the block, and are unfrozen after it, even on an error.

    The gradient still flows *through* the model: G learns from D's verdict while D stays as it is.
    """
    set_requires_grad(model, False)
    try:
        yield model
    finally:
        set_requires_grad(model, True)


def _call(model, x, labels):
    return model(x) if labels is None else model(x, labels)


def discriminator_update(generator, discriminator, d_optimizer, real, labels=None, d_loss=losses.discriminator_loss):
    """One ascent step of D on log D(x) + log(1 - D(G(z))). G's output is detached: this step must not train G."""
    z = torch.randn(len(real), generator.latent_dim, device=real.device)
    with torch.no_grad():
        fake = _call(generator, z, labels)
    loss = d_loss(_call(discriminator, real, labels), _call(discriminator, fake, labels))
    d_optimizer.zero_grad()
    loss.backward()
    d_optimizer.step()
    return loss


def generator_update(generator, discriminator, g_optimizer, n, labels=None, g_loss=losses.nonsaturating_generator_loss,
                     device="cpu"):
    """One step of G against a frozen D: the gradient flows through D into G, but D's weights get none."""
    with frozen(discriminator):
        z = torch.randn(n, generator.latent_dim, device=device)
        loss = g_loss(_call(discriminator, _call(generator, z, labels), labels))
        g_optimizer.zero_grad()
        loss.backward()
        g_optimizer.step()
    return loss


def gan_step(generator, discriminator, g_optimizer, d_optimizer, batch, *, k=1, conditional=False,
             d_loss=losses.discriminator_loss, g_loss=losses.nonsaturating_generator_loss, device="cpu"):
    """Algorithm 1 of Goodfellow et al. 2014 for one minibatch: k steps of D, then one of G.

    The k discriminator steps share the batch's real images and draw fresh noise each time
    (the paper, and the seed lectures, use k = 1). Returns the last D loss and the G loss.
    """
    real = batch[0].to(device)
    labels = batch[1].to(device) if conditional else None
    for _ in range(k):
        d = discriminator_update(generator, discriminator, d_optimizer, real, labels, d_loss)
    g = generator_update(generator, discriminator, g_optimizer, len(real), labels, g_loss, device)
    return {"D": d.item(), "G": g.item()}


def pix2pix_step(generator, discriminator, g_optimizer, d_optimizer, batch, *, lam=100.0, adversarial="bce",
                 reconstruction="l1", generator_loss=None):
    """One pix2pix iteration on a batch of (input x, target y): D, then G against the frozen D.

    D is conditional: it judges the pair stacked along the channels, cat(x, y) as real and
    cat(x, G(x)) as fake, so a photo that fits no label map cannot fool it. D's loss is halved.
    With adversarial=None only G trains (L1 alone): D and d_optimizer may be None. generator_loss: a
    function (fake_logits, fake, target, lam) for the paper's cGAN + lambda L1, e.g. a student's.
    Returns D's loss, G's adversarial term and the L1 to the target (always, to compare runs).
    """
    if generator_loss is not None and (adversarial, reconstruction) != ("bce", "l1"):
        raise ValueError("a generator_loss of your own computes the paper's BCE + lambda L1: leave adversarial and "
                         "reconstruction at their defaults, or drop generator_loss to use the package's variants.")
    inputs, targets = batch
    fake = generator(inputs)
    logged = {}
    if adversarial:
        # max_D  log D(x, y) + log(1 - D(x, G(x))), halved; G's output detached so D's step leaves G alone
        real_logits = discriminator(torch.cat([inputs, targets], dim=1))
        fake_logits = discriminator(torch.cat([inputs, fake.detach()], dim=1))
        d_loss = losses.pix2pix_discriminator_loss(real_logits, fake_logits, adversarial)
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        logged["D"] = d_loss.item()
    with frozen(discriminator) if adversarial else contextlib.nullcontext():
        # min_G  -log D(x, G(x)) + lambda ||y - G(x)||_1, through the frozen D
        fake_logits = discriminator(torch.cat([inputs, fake], dim=1)) if adversarial else None
        if generator_loss is None:
            g_loss = losses.pix2pix_generator_loss(fake_logits, fake, targets, lam, adversarial, reconstruction)
        else:
            g_loss = generator_loss(fake_logits, fake, targets, lam)
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
    if adversarial:
        logged["G_GAN"] = losses.adversarial_loss(fake_logits.detach(), True, adversarial).item()
    logged["L1"] = F.l1_loss(fake.detach(), targets).item()
    return logged


def cyclegan_generators_loss(generator_xy, generator_yx, discriminator_x, discriminator_y, real_x, real_y,
                             lam: float = 10.0, identity: float = 0.5):
    """The generators' side of CycleGAN's full objective (equation 3), with least-squares adversarial terms:

    (D_Y(G(x)) - 1)^2 + (D_X(F(y)) - 1)^2 + lambda L_cyc(G, F) + identity lambda L_identity(G, F).
    G = generator_xy (X -> Y), F = generator_yx (Y -> X); D_Y judges pictures of Y, D_X of X.
    Returns (loss, fake_y, fake_x): the fakes go on to the discriminators' update.
    """
    fake_y, fake_x = generator_xy(real_x), generator_yx(real_y)
    loss = (losses.adversarial_loss(discriminator_y(fake_y), True, "mse")
            + losses.adversarial_loss(discriminator_x(fake_x), True, "mse")
            + losses.cycle_consistency_loss(real_x, generator_yx(fake_y), real_y, generator_xy(fake_x), lam))
    if identity:
        loss = loss + losses.identity_loss(real_x, generator_yx(real_x), real_y, generator_xy(real_y), lam, identity)
    return loss, fake_y, fake_x


def cyclegan_step(generator_xy, generator_yx, discriminator_x, discriminator_y, g_optimizer, d_optimizer, batch, *,
                  pool_x=None, pool_y=None, lam: float = 10.0, identity: float = 0.5,
                  generators_loss=cyclegan_generators_loss):
    """One CycleGAN iteration on a batch (x from X, y from Y, unpaired), in the reference's order.

    First G and F together, with one optimiser, against frozen D_X and D_Y. Then both
    discriminators, with one optimiser, each on least squares halved: D_Y on real y against
    fakes G(x), D_X on real x against fakes F(y), the fakes drawn through each one's ImagePool
    (None: the latest fakes only). generators_loss: a function with cyclegan_generators_loss's
    arguments and returns, e.g. a student's. Returns the generators' loss and each D's.
    """
    real_x, real_y = batch
    with frozen(discriminator_x), frozen(discriminator_y):
        g_loss, fake_y, fake_x = generators_loss(generator_xy, generator_yx, discriminator_x, discriminator_y,
                                                 real_x, real_y, lam, identity)
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
    fake_y = pool_y.query(fake_y) if pool_y is not None else fake_y.detach()
    fake_x = pool_x.query(fake_x) if pool_x is not None else fake_x.detach()
    d_y = losses.lsgan_discriminator_loss(discriminator_y(real_y), discriminator_y(fake_y))
    d_x = losses.lsgan_discriminator_loss(discriminator_x(real_x), discriminator_x(fake_x))
    d_optimizer.zero_grad()
    (d_x + d_y).backward()
    d_optimizer.step()
    return {"G": g_loss.item(), "D_X": d_x.item(), "D_Y": d_y.item()}


def unrolled_discriminator(discriminator, d_optimizer, real, fake, k: int, d_loss=losses.discriminator_loss,
                           labels=None):
    """A copy of D after k more of its own steps on (real, fake); D and its optimiser are left as they are.

    Unrolled GANs (Metz et al. 2017): G is updated against the D it would face k steps from now,
    so a move that D would punish at once (jumping to the mode D just left) stops paying. The
    copy starts from D's weights and its optimiser's state (Adam's moments too), and its k steps
    use the same real batch and the same fakes, detached. G's loss through the returned copy is
    the paper's first-order surrogate: it treats the unrolled weights as constants, dropping the
    term that differentiates through the k steps themselves (which needs create_graph and
    functional optimiser steps).
    """
    unrolled = copy.deepcopy(discriminator)
    optimizer = type(d_optimizer)(unrolled.parameters(), **d_optimizer.defaults)
    # a deep copy: load_state_dict keeps the very tensors it is given, and the copy's steps update Adam's
    # moments in place, which would move the real optimiser along with it
    optimizer.load_state_dict(copy.deepcopy(d_optimizer.state_dict()))
    fake = fake.detach()
    for _ in range(k):
        loss = d_loss(_call(unrolled, real, labels), _call(unrolled, fake, labels))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return unrolled
