"""A keyed, invisible watermark: a fixed +-1 pattern added at low amplitude, found again by correlation.

Spread-spectrum watermarking in its simplest form (Cox et al. 1997): the key seeds a random
pattern k of +-1 per pixel; marking adds a * k to the picture (a = 0.1, 5% of the [-1, 1] range,
clipped back into it so the picture can still be saved); detecting correlates the picture with k.
Without the key the pattern is noise that nobody can find or remove on purpose; with it, the
correlation of a marked picture stands far out of the spread that unmarked pictures give.

The correlation is taken between high-pass residuals (each picture minus its 3x3 local mean, and
the same for k): a digit's strokes are mostly low frequencies, the key is mostly high ones, so the
residual keeps most of the mark and little of the digit. The statistic is the normalised
correlation times sqrt(number of pixels), about N(0, 1) for a picture the key never touched.

The honest limit: only a generator that chooses to add the mark can be recognised by it.
"""

import torch
import torch.nn.functional as F

AMPLITUDE = 0.1
THRESHOLD = 4.0  # about 3 in 100,000 unmarked pictures pass if the statistic is N(0, 1)


def key_pattern(key: int, size: int = 28) -> torch.Tensor:
    """The +-1 pattern [1, size, size] that the integer `key` seeds."""
    rng = torch.Generator().manual_seed(key)
    return torch.randint(0, 2, (1, size, size), generator=rng).float() * 2 - 1


def embed(images: torch.Tensor, key: int, amplitude: float = AMPLITUDE) -> torch.Tensor:
    """The pictures [B, 1, H, W] in [-1, 1] with a * k(key) added, clipped to [-1, 1]."""
    pattern = key_pattern(key, images.shape[-1]).to(images.device)
    return (images + amplitude * pattern).clamp(-1, 1)


def _residual(x: torch.Tensor) -> torch.Tensor:
    """x minus its 3x3 local mean (replicated borders), per picture and channel."""
    local_mean = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    return x - local_mean


def detection_statistic(images: torch.Tensor, key: int) -> torch.Tensor:
    """Per picture [B]: sqrt(n) times the correlation of its high-pass residual with the key's."""
    x = images.detach().float()
    pattern = key_pattern(key, x.shape[-1]).to(x.device).expand(1, *x.shape[1:])
    r, k = _residual(x).flatten(1), _residual(pattern).flatten(1)
    r = r - r.mean(dim=1, keepdim=True)
    k = k - k.mean(dim=1, keepdim=True)
    correlation = (r * k).sum(dim=1) / (r.norm(dim=1) * k.norm(dim=1) + 1e-12)
    return correlation * r.shape[1] ** 0.5


def detected(images: torch.Tensor, key: int, threshold: float = THRESHOLD) -> torch.Tensor:
    """True where the picture carries key's mark: the statistic above `threshold`."""
    return detection_statistic(images, key) > threshold
