"""Progressive growing of GANs (Karras, Aila, Laine and Lehtinen 2018), brought down from 1024 px to 28.

The paper's recipe: train a generator and a discriminator on 4x4 images until they are stable, add
a layer that doubles the resolution to both, train again, and repeat up to 1024x1024. Coarse
structure is settled while the networks are small and fast; each new layer only adds detail. Our
digits grow 7 -> 14 -> 28 (stages 0, 1, 2).

A new layer is not switched on at once: it *fades in*. While stage s grows in, the generator's
output is

    (1 - alpha) * upsample(to_rgb_{s-1}(features before the new block)) + alpha * to_rgb_s(new block)

with alpha rising linearly from 0 to 1, and the discriminator blends its input paths the same way
(the picture average-pooled into the old from_rgb, against the new block). The real images are
blended alike, so D never sees real and fake pictures at different sharpness.

The paper's other pieces, all here: to_rgb / from_rgb as 1x1 convolutions, nearest-neighbour
upsampling and average-pool downsampling, pixel norm after every generator convolution (each
pixel's feature vector scaled to unit average square, instead of batch norm), the minibatch
standard deviation as D's last block's extra feature (`minibatch.MinibatchStdDev`), and the
equalised learning rate: weights drawn from N(0, 1) and scaled at every call by He's constant
sqrt(2 / fan_in), so Adam's step, which is blind to a weight's scale, moves every layer alike.
Without it (`equalized=False`) the same constant goes into the initial weights instead.
"""

import math
from itertools import pairwise

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parametrize

from .minibatch import MinibatchStdDev

STAGE_SIZES = (7, 14, 28)


def fade_in(old: torch.Tensor, new: torch.Tensor, alpha: float) -> torch.Tensor:
    """(1 - alpha) old + alpha new: alpha = 0 is the old, smaller network's output (upsampled), 1 the new layer's."""
    return (1 - alpha) * old + alpha * new


def real_images(images: torch.Tensor, stage: int, alpha: float = 1.0) -> torch.Tensor:
    """Real 28 px pictures as D sees them at `stage`: average-pooled to 7 * 2^stage, faded like the fakes."""
    size = STAGE_SIZES[stage]
    x = F.avg_pool2d(images, images.shape[-1] // size)
    if stage > 0 and alpha < 1:
        old = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")
        x = fade_in(old, x, alpha)
    return x


class PixelNorm(nn.Module):
    """x / sqrt(mean over channels of x^2 + 1e-8), at every pixel: keeps G's signals from escalating."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


class _HeScale(nn.Module):
    """The equalised learning rate: the stored weight times sqrt(2 / fan_in), at every call."""

    def __init__(self, fan_in: int):
        super().__init__()
        self.scale = math.sqrt(2 / fan_in)

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return weight * self.scale


def _layer(layer: nn.Module, equalized: bool) -> nn.Module:
    """He's initialisation, either in the weights or (equalised) applied at run time; biases start at 0."""
    weight = layer.weight
    fan_in = weight[0].numel() if not isinstance(layer, nn.ConvTranspose2d) else weight.shape[0]
    nn.init.zeros_(layer.bias)
    if equalized:
        nn.init.normal_(weight, 0.0, 1.0)
        parametrize.register_parametrization(layer, "weight", _HeScale(fan_in))
    else:
        nn.init.normal_(weight, 0.0, math.sqrt(2 / fan_in))
    return layer


def _conv(in_channels, out_channels, kernel_size, equalized, padding=None):
    padding = kernel_size // 2 if padding is None else padding
    return _layer(nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding), equalized)


def _stage_and_size(stage: int, x: torch.Tensor | None = None) -> int:
    if stage not in (0, 1, 2):
        raise ValueError(f"stage={stage}: the stages are 0 (7x7), 1 (14x14) and 2 (28x28).")
    size = STAGE_SIZES[stage]
    if x is not None and tuple(x.shape[-2:]) != (size, size):
        raise ValueError(f"stage {stage} takes {size}x{size} pictures, got {tuple(x.shape[-2:])}. "
                         f"Fix: progan.real_images(images, stage, alpha) brings 28 px digits to the stage's size.")
    return size


class ProGANGenerator(nn.Module):
    """z -> 7x7 -> (grow) 14x14 -> (grow) 28x28, one grey channel, linear output as in the paper.

    Stage 0: z (pixel-normed) -> 7x7 dense ("4x4 conv" in the paper) -> 3x3 conv. Each later
    stage: upsample x2 -> 3x3 conv -> 3x3 conv. LeakyReLU(0.2) and pixel norm after every conv.
    widths[s] is stage s's channels; the paper's are 512 down to 16 over nine stages.
    """

    def __init__(self, latent_dim: int = 128, widths=(128, 64, 32), equalized: bool = True):
        super().__init__()
        self.latent_dim, self.n_classes, self.image_size = latent_dim, 0, 28

        def act(layer):
            return [layer, nn.LeakyReLU(0.2), PixelNorm()]

        first = [PixelNorm(), *act(_layer(nn.ConvTranspose2d(latent_dim, widths[0], 7), equalized)),
                 *act(_conv(widths[0], widths[0], 3, equalized))]
        self.blocks = nn.ModuleList([nn.Sequential(*first)])
        for a, b in pairwise(widths):
            self.blocks.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                             *act(_conv(a, b, 3, equalized)), *act(_conv(b, b, 3, equalized))))
        self.to_rgb = nn.ModuleList(_conv(w, 1, 1, equalized) for w in widths)

    def forward(self, z: torch.Tensor, stage: int = 2, alpha: float = 1.0) -> torch.Tensor:
        _stage_and_size(stage)
        x = self.blocks[0](z.view(len(z), -1, 1, 1))
        previous = x
        for s in range(1, stage + 1):
            previous, x = x, self.blocks[s](x)
        image = self.to_rgb[stage](x)
        if stage > 0 and alpha < 1:  # the new block still fading in
            old = F.interpolate(self.to_rgb[stage - 1](previous), scale_factor=2, mode="nearest")
            image = fade_in(old, image, alpha)
        return image


class ProGANDiscriminator(nn.Module):
    """The generator in reverse: from_rgb at the stage's size, blocks of 3x3 conv -> 3x3 conv -> average pool,
    down to 7x7, where the last block appends the minibatch standard deviation, then 3x3 conv ->
    7x7 conv -> one score. LeakyReLU(0.2), no normalisation (as the paper's D)."""

    def __init__(self, widths=(128, 64, 32), equalized: bool = True):
        super().__init__()
        self.image_size = 28
        last = [MinibatchStdDev(4), _conv(widths[0] + 1, widths[0], 3, equalized), nn.LeakyReLU(0.2),
                _conv(widths[0], widths[0], 7, equalized, padding=0), nn.LeakyReLU(0.2), nn.Flatten(),
                _layer(nn.Linear(widths[0], 1), equalized)]
        self.blocks = nn.ModuleList([nn.Sequential(*last)])
        for a, b in pairwise(widths):
            self.blocks.append(nn.Sequential(_conv(b, b, 3, equalized), nn.LeakyReLU(0.2),
                                             _conv(b, a, 3, equalized), nn.LeakyReLU(0.2), nn.AvgPool2d(2)))
        self.from_rgb = nn.ModuleList(nn.Sequential(_conv(1, w, 1, equalized), nn.LeakyReLU(0.2)) for w in widths)

    def forward(self, x: torch.Tensor, stage: int = 2, alpha: float = 1.0) -> torch.Tensor:
        _stage_and_size(stage, x)
        h = self.from_rgb[stage](x)
        for s in range(stage, -1, -1):
            h = self.blocks[s](h)
            if s == stage > 0 and alpha < 1:  # the new block still fading in: blend with the old path
                h = fade_in(self.from_rgb[stage - 1](F.avg_pool2d(x, 2)), h, alpha)
        return h.view(-1)


class GrowthSchedule:
    """Where progressive training stands: (stage, alpha) for every step, from a list of phases.

    phases: (stage, fading, steps) in order, e.g. [(0, False, 500), (1, True, 500), (1, False, 500), ...]:
    a fading phase raises alpha linearly from 1/steps to 1 over its steps, a stable phase keeps it at
    1. `advance()` after every training step; the count is saved with fit()'s state, so a resumed run
    continues at the stage and alpha where it stopped.
    """

    def __init__(self, phases):
        self.phases, self.done = [tuple(phase) for phase in phases], 0
        self.total = sum(steps for _, _, steps in self.phases)

    def at(self, step: int) -> tuple[int, float]:
        for stage, fading, steps in self.phases:
            if step < steps:
                return stage, (step + 1) / steps if fading else 1.0
            step -= steps
        stage = self.phases[-1][0]
        return stage, 1.0  # past the schedule: the last stage, fully grown

    def now(self) -> tuple[int, float]:
        return self.at(self.done)

    def phase_steps(self) -> int:
        """The length of the phase the next step belongs to (of the last phase, past the schedule)."""
        start = 0
        for _, _, steps in self.phases:
            if self.done < start + steps:
                return steps
            start += steps
        return self.phases[-1][2]

    def advance(self) -> None:
        self.done += 1

    def state_dict(self) -> dict:
        return {"done": self.done}

    def load_state_dict(self, state: dict) -> None:
        self.done = int(state["done"])
