"""Self-check of the Parzen-window exercise: one batch's log-likelihood, with the max-shifted logmeanexp."""

import math

import torch

from .. import parzen
from .common import CheckFailed, passed, require


def check_log_likelihood(log_likelihood) -> None:
    """`log_likelihood(x, samples, sigma)`: log p(x) per row of x [N, d] under a Gaussian window on samples [K, d]."""
    generator = torch.Generator().manual_seed(0)
    x, samples = torch.rand(6, 20, generator=generator), torch.rand(9, 20, generator=generator)
    expected = parzen.log_likelihood(x, samples, 0.3)
    got = log_likelihood(x, samples, 0.3)
    require(isinstance(got, torch.Tensor) and got.shape == (6,),
            f"Return one log-likelihood per test point: a tensor of shape [6], got {getattr(got, 'shape', got)}.")
    got = got.double()
    d = x.shape[1]
    if torch.allclose(got, expected + math.log(len(samples)), atol=1e-3):
        raise CheckFailed("Off by log K: it is the log of the *mean* over the K samples, so subtract log(K).")
    if torch.allclose(got, expected + d * math.log(0.3 * math.sqrt(2 * math.pi)), atol=1e-3):
        raise CheckFailed("The Gaussian's normaliser is missing: subtract d * log(sigma * sqrt(2 pi)).")
    require(torch.allclose(got, expected, atol=1e-3),
            f"Got {got[:3].tolist()}..., expected {expected[:3].tolist()}...: log p(x) = logmeanexp_j(-||x - mu_j||^2 "
            "/ (2 sigma^2)) - d log(sigma sqrt(2 pi)).")
    far = log_likelihood(x, samples, 0.01)
    require(bool(torch.isfinite(far).all()),
            "With sigma = 0.01 the exponents are near -1e3 and exp() gives 0, so log gives -inf. Shift by the "
            "largest exponent before exp (torch.logsumexp does this).")
    require(torch.allclose(far.double(), parzen.log_likelihood(x, samples, 0.01), rtol=1e-4),
            "Correct for sigma = 0.3 but not for sigma = 0.01: shift by each row's own maximum.")
    passed("Parzen log-likelihood")
