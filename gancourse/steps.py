"""The package's copy of the training steps students write in the notebooks.

The notebooks keep their own step (that is the exercise); these back the self-checks and
let a later lecture train an earlier model without repeating the exercise.
"""

import torch.nn.functional as F

from .losses import vae_loss
from .models.autoencoder import reparameterize


def autoencoder_step(model, optimizer, batch, device="cpu"):
    """One gradient step on the mean squared reconstruction error."""
    x = batch[0].to(device)
    loss = F.mse_loss(model(x), x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {"loss": loss.item()}


def vae_step(model, optimizer, batch, device="cpu"):
    """One gradient step on the negative ELBO, reported per example."""
    x = batch[0].to(device)
    mu, logvar = model.encode(x)
    x_hat = model.decode(reparameterize(mu, logvar))
    loss, reconstruction, kl = vae_loss(x_hat, x, mu, logvar)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    n = len(x)
    return {"loss": loss.item() / n, "reconstruction": reconstruction.item() / n, "kl": kl.item() / n}
