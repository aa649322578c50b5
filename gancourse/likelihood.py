"""A VAE's log-likelihood in nats per digit, bounded from below: the ELBO and the importance-weighted bound.

The PixelCNN's log p(x) is exact (`PixelCNN.log_likelihood`). A VAE's is not:
log p(x) = log E_{p(z)} p(x | z) has no closed form, and lecture 2 trained on its evidence lower
bound (Kingma and Welling 2014),

    ELBO(x) = E_{q(z|x)} log p(x | z) - KL(q(z | x) || p(z))  <=  log p(x).

Burda, Grosse and Salakhutdinov (2016) tighten it with k samples z_j ~ q(z | x):

    L_k(x) = E log (1/k) sum_j p(x | z_j) p(z_j) / q(z_j | x),   ELBO = L_1 <= L_k <= L_{k+1} <= log p(x),

and L_k -> log p(x) as k grows. Both are lower bounds: a VAE's number beside a PixelCNN's compares
a bound with an exact value, and the gap between L_1 and L_k says how loose the bound is.
Pixels must be binary (0 or 1): the VAE's decoder gives Bernoulli means.
"""

import math

import torch
import torch.nn.functional as F


def _log_normal(z: torch.Tensor, mu, logvar) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))), summed over the last dimension."""
    return -0.5 * (math.log(2 * math.pi) + logvar + (z - mu) ** 2 / logvar.exp()).sum(dim=-1)


def _codes(vae, x: torch.Tensor, k: int, rng):
    """(mu, logvar, z): q(z | x)'s parameters [B, d] and k draws from it [k, B, d], reparameterised."""
    mu, logvar = vae.encode(x)
    eps = torch.randn(k, *mu.shape, generator=rng).to(mu.device)
    return mu, logvar, mu + (0.5 * logvar).exp() * eps


@torch.no_grad()
def elbo(vae, x: torch.Tensor, samples: int = 10, rng: torch.Generator | None = None) -> torch.Tensor:
    """ELBO(x) per picture [B] in nats: E_q log p(x | z), averaged over `samples` draws, minus the closed-form KL."""
    mu, logvar, z = _codes(vae, x, samples, rng)
    reconstruction = -_bernoulli_nll(vae.decode(z.flatten(0, 1)), x, samples).mean(dim=0)
    kl = -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(dim=1)
    return reconstruction - kl


@torch.no_grad()
def importance_weighted_bound(vae, x: torch.Tensor, k: int = 100, rng: torch.Generator | None = None) -> torch.Tensor:
    """L_k(x) per picture [B] in nats (Burda et al. 2016): the log of the mean of k weights p(x, z) / q(z | x)."""
    mu, logvar, z = _codes(vae, x, k, rng)
    log_p_x_given_z = -_bernoulli_nll(vae.decode(z.flatten(0, 1)), x, k)
    log_p_z = _log_normal(z, torch.zeros_like(z), torch.zeros_like(z))
    log_q_z = _log_normal(z, mu, logvar)
    return torch.logsumexp(log_p_x_given_z + log_p_z - log_q_z, dim=0) - math.log(k)


def _bernoulli_nll(means: torch.Tensor, x: torch.Tensor, k: int) -> torch.Tensor:
    """-log p(x | z_j) [k, B] from the decoder's Bernoulli means for k codes per picture."""
    means = means.flatten(1).view(k, len(x), -1)
    return F.binary_cross_entropy(means, x.flatten(1).expand_as(means), reduction="none").sum(dim=-1)
