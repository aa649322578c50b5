"""The ring of Gaussians: the two-dimensional test bed for mode collapse (lectures 3 and 8).

Eight tight Gaussians (standard deviation 0.02) evenly spaced on a circle of radius 2, as in
the experiment of Metz et al. 2017 (unrolled GANs) that the seed lectures' mode-collapse
pictures come from. In two dimensions every sample can be drawn, and "how many modes does the
generator cover" is a count, not an impression: `modes_covered`.
"""

import math
from dataclasses import dataclass

import torch

MODES, RADIUS, STD = 8, 2.0, 0.02
# A sample this near a centre belongs to that mode and no other: a fifth of the gap between
# neighbouring centres (2 * 2 * sin(pi / 8) = 1.53).
NEAR = 0.3
MIN_SHARE = 0.01  # a mode counts as covered when at least 1 % of the samples are near it


def ring_centres(modes: int = MODES, radius: float = RADIUS) -> torch.Tensor:
    """[modes, 2]: the centres, the first on the positive x-axis, counter-clockwise."""
    angle = 2 * math.pi * torch.arange(modes, dtype=torch.float64) / modes
    return (radius * torch.stack([angle.cos(), angle.sin()], 1)).float()


def ring_of_gaussians(n: int, modes: int = MODES, radius: float = RADIUS, std: float = STD,
                      rng: torch.Generator | None = None) -> torch.Tensor:
    """[n, 2] samples: a mode drawn uniformly, then that mode's Gaussian."""
    which = torch.randint(modes, (n,), generator=rng)
    return ring_centres(modes, radius)[which] + std * torch.randn(n, 2, generator=rng)


@dataclass
class ModeCount:
    covered: int  # modes with at least MIN_SHARE of the samples near them
    share_near: float  # the share of all samples near some centre (the rest are off the ring's modes)
    modes: int

    def __str__(self) -> str:
        return f"{self.covered}/{self.modes} modes, {self.share_near:.0%} of samples near one"


def modes_covered(points: torch.Tensor, modes: int = MODES, radius: float = RADIUS, near: float = NEAR) -> ModeCount:
    """How many of the ring's modes `points` ([N, 2]) cover, and how many points sit near a mode at all.

    Both numbers are needed: a collapsed generator puts many points near one mode (a high share,
    one mode); a generator smeared around the circle touches many modes with few points near any.
    """
    points = torch.as_tensor(points).detach().cpu().float()
    if points.dim() != 2 or points.shape[1] != 2:
        raise ValueError(f"modes_covered expects points of shape [N, 2]; got {list(points.shape)}.")
    distance, nearest = torch.cdist(points.double(), ring_centres(modes, radius).double()).min(1)
    close = distance < near
    per_mode = torch.bincount(nearest[close], minlength=modes)
    covered = int((per_mode >= MIN_SHARE * len(points)).sum())
    return ModeCount(covered, close.double().mean().item(), modes)
