"""Losses of the course, written as in the papers.

Lecture 2: the VAE's negative evidence lower bound (Kingma and Welling 2014, Appendix B).
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
