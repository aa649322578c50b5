"""Telling generated pictures from real ones: a detector, the perturbations that test it, the spectrum.

Lecture 10's measured answer to the seed lecture's question "how can we fight deepfakes? Through
machine learning?". A detector is a classifier of real against generated pictures; what matters is
not its accuracy on the generator it was trained against but how far that accuracy carries: to the
same generator's pictures after the light damage every picture on the internet takes (a blur, a
little noise, a JPEG round trip), and to generators it has never seen.

The spectrum is the other clue: an upsampling generator (transposed convolutions of stride 2, as
DCGAN's) can leave a periodic trace that shows as extra power at fixed high frequencies of the
Fourier transform (Durall et al. 2020; Frank et al. 2020). Pictures are in [-1, 1] throughout.
"""

import io

import numpy as np
import torch
import torch.nn as nn
from PIL import Image
from torchvision.transforms.functional import gaussian_blur

from .metrics import logits_of, share_of_positive_logits

BLUR_SIGMA, NOISE_STD, JPEG_QUALITY = 0.7, 0.1, 75


def blur(images: torch.Tensor, sigma: float = BLUR_SIGMA) -> torch.Tensor:
    """A light Gaussian blur (3x3 kernel), as a resize or a soft focus would give."""
    return gaussian_blur(images, [3, 3], [sigma, sigma])


def add_noise(images: torch.Tensor, std: float = NOISE_STD, rng: torch.Generator | None = None) -> torch.Tensor:
    """Gaussian noise of standard deviation `std` (0.1: 5% of the range), clipped back to [-1, 1]."""
    noise = torch.randn(images.shape, generator=rng).to(images.device)
    return (images + std * noise).clamp(-1, 1)


def jpeg_round_trip(images: torch.Tensor, quality: int = JPEG_QUALITY) -> torch.Tensor:
    """Each picture saved as a JPEG of `quality` and read back: 8-bit grey levels, then the codec's 8x8 blocks.

    Pillow's codec (libjpeg), as most of the software that re-saves pictures uses.
    """
    grey_levels = ((images.detach().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    decoded = []
    for picture in grey_levels[:, 0]:
        buffer = io.BytesIO()
        Image.fromarray(picture).save(buffer, format="JPEG", quality=quality)
        decoded.append(np.asarray(Image.open(buffer)))
    return (torch.from_numpy(np.stack(decoded)).float()[:, None] / 127.5 - 1).to(images.device)


PERTURBATIONS = {
    f"blur (sigma {BLUR_SIGMA})": blur,
    f"noise (std {NOISE_STD})": lambda images: add_noise(images, rng=torch.Generator().manual_seed(0)),
    f"JPEG (quality {JPEG_QUALITY})": jpeg_round_trip,
}


class RealOrGenerated(nn.Module):
    """A small detector for [B, 1, 28, 28] pictures: two stride-2 convolutions and a linear layer, one logit.

    A positive logit means "generated". 10,065 parameters: a detector does not need a large network
    to beat one generator, which is exactly why its success says little about the next one.
    """

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 16, 4, 2, 1), nn.LeakyReLU(0.2),   # [16, 14, 14]
            nn.Conv2d(16, 32, 4, 2, 1), nn.LeakyReLU(0.2),  # [32, 7, 7]
            nn.Flatten(), nn.Linear(32 * 7 * 7, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x).squeeze(1)


def false_alarm_threshold(detector: nn.Module, real: torch.Tensor, rate: float = 0.05) -> float:
    """The logit above which the detector flags `rate` of these real pictures (the ones it was not trained on).

    A detector's default cut, logit 0, is only as well placed as its training left it: one run
    flags 2% of real digits, another 30%. A detector in service is set the other way round: choose
    the false alarms one can afford on real pictures, and count what it catches at that setting.
    """
    return torch.quantile(logits_of(detector, real), 1 - rate).item()


def share_called_generated(detector: nn.Module, images: torch.Tensor, threshold: float = 0.0,
                           batch_size: int = 500) -> float:
    """The share of `images` the detector calls generated: its logit above `threshold`."""
    return share_of_positive_logits(detector, images, batch_size, threshold)


def detector_split(real: torch.Tensor, fake: torch.Tensor, n_test: int, rng: torch.Generator | None = None):
    """((x_train, y_train), (x_test, y_test)) with labels 1 = generated, 0 = real.

    Each source is shuffled, then its first n_test pictures are held out: the test set holds n_test
    of each (balanced, so accuracy means something), and no picture the detector trains on.
    """
    real = real[torch.randperm(len(real), generator=rng)]
    fake = fake[torch.randperm(len(fake), generator=rng)]

    def labelled(real_part, fake_part):
        labels = torch.cat([torch.zeros(len(real_part)), torch.ones(len(fake_part))])
        return torch.cat([real_part, fake_part]), labels

    return labelled(real[n_test:], fake[n_test:]), labelled(real[:n_test], fake[:n_test])


def _power(images: torch.Tensor) -> torch.Tensor:
    """|FFT|^2 of each picture [N, H, W], zero frequency at [0, 0]; each picture's own mean removed first,
    so that the zero frequency does not swamp the rest."""
    x = images.detach().float().cpu()[:, 0]
    return torch.fft.fft2(x - x.mean(dim=(1, 2), keepdim=True)).abs() ** 2


def average_spectrum(images: torch.Tensor) -> torch.Tensor:
    """The mean power of the pictures' 2-D Fourier transforms [H, W], zero frequency in the centre, in decibels."""
    return 10 * torch.log10(torch.fft.fftshift(_power(images).mean(dim=0)) + 1e-12)


def high_frequency_power(images: torch.Tensor, cutoff: float = 0.5) -> float:
    """The share of the pictures' (mean-removed) power at frequencies beyond `cutoff` of the Nyquist limit."""
    power = _power(images)
    fy = torch.fft.fftfreq(power.shape[-2]).abs()[:, None] / 0.5
    fx = torch.fft.fftfreq(power.shape[-1]).abs()[None, :] / 0.5
    high = torch.maximum(fy, fx) > cutoff
    return (power[:, high].sum() / power.sum()).item()
