"""A style-based generator (Karras, Laine and Aila 2019), at 28 px.

A DCGAN feeds z in at the bottom and every layer transforms what the one before made, so what z
controls is tangled: one coordinate moves the pose, the stroke and the thickness at once. StyleGAN
separates the two jobs:

- a **mapping network** f: z -> w (a stack of fully connected layers; eight of width 512 in the
  paper) whose output space W need not follow the Gaussian's shape, so it can unwarp the factors;
- a **synthesis network** g that starts from a *learned constant* (not from z) and receives w at
  every layer through **AdaIN** (adaptive instance normalisation, Huang and Belongie 2017):

      AdaIN(x_i, y) = y_{s,i} (x_i - mu(x_i)) / sigma(x_i) + y_{b,i}

  each channel i of the feature map is normalised over its own pixels (instance statistics), then
  given the scale y_s and bias y_b that a learned affine map A computes from w. The style decides
  each channel's statistics at that layer and nothing else; the next AdaIN overrides them again;
- **noise inputs**: a fresh single-channel Gaussian image added to every layer, scaled per channel
  by learned factors (starting at 0), for the stochastic detail that no style should have to carry.

Because each layer takes its own copy of w, two codes can be **mixed**: w(z) for the first k
layers, w(z2) after them. The first layers work at 7x7 ("coarse styles": pose, the digit's shape),
the last at 28x28 ("fine styles": stroke texture). During training the paper mixes at a random
crossover for 90 % of the batches (mixing regularisation), so that neighbouring layers cannot rely
on sharing one w.
"""

from itertools import pairwise

import torch
import torch.nn as nn
import torch.nn.functional as F

from .progan import PixelNorm


class MappingNetwork(nn.Module):
    """f: z -> w, pixel-normed z through `n_layers` Linear + LeakyReLU(0.2) layers of width w_dim."""

    def __init__(self, latent_dim: int = 64, w_dim: int = 64, n_layers: int = 4):
        super().__init__()
        layers = [PixelNorm()]
        for i in range(n_layers):
            linear = nn.Linear(latent_dim if i == 0 else w_dim, w_dim)
            # He's initialisation for LeakyReLU: w keeps z's scale through the stack (PyTorch's default
            # shrinks it layer by layer, and the styles then barely depend on z)
            nn.init.kaiming_normal_(linear.weight, a=0.2)
            nn.init.zeros_(linear.bias)
            layers += [linear, nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


def instance_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Each channel of each picture to mean 0 and standard deviation 1 over its own pixels."""
    mu = x.mean(dim=(2, 3), keepdim=True)
    sigma = (x.var(dim=(2, 3), keepdim=True, unbiased=False) + eps).sqrt()
    return (x - mu) / sigma


class AdaIN(nn.Module):
    """y_s * instance_norm(x) + y_b, with (y_s, y_b) = A(w); A's bias starts at y_s = 1, y_b = 0, its weights
    at N(0, 1/w_dim), so that the styles differ from one w to the next from the first step."""

    def __init__(self, channels: int, w_dim: int):
        super().__init__()
        self.style = nn.Linear(w_dim, 2 * channels)  # A: the learned affine map
        nn.init.normal_(self.style.weight, 0.0, w_dim**-0.5)  # unit variance out for w of unit scale
        nn.init.zeros_(self.style.bias)
        self.style.bias.data[:channels] = 1.0

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        y_s, y_b = self.style(w)[:, :, None, None].chunk(2, dim=1)
        return y_s * instance_norm(x) + y_b


class NoiseInput(nn.Module):
    """x + B * noise: one Gaussian image per picture, its strength B learned per channel (from 0)."""

    def __init__(self, channels: int):
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        noise = torch.randn(len(x), 1, *x.shape[2:], device=x.device, dtype=x.dtype)
        return x + self.strength * noise


class StyleLayer(nn.Module):
    """One synthesis layer: [upsample x2] -> [3x3 conv] -> noise -> LeakyReLU(0.2) -> AdaIN(w)."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, conv: bool = True, upsample: bool = False):
        super().__init__()
        self.upsample = upsample
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1) if conv else None
        self.noise, self.adain = NoiseInput(out_channels), AdaIN(out_channels, w_dim)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        if self.conv is not None:
            x = self.conv(x)
        return self.adain(F.leaky_relu(self.noise(x), 0.2), w)


class StyleGANGenerator(nn.Module):
    """Mapping network + synthesis network: constant [widths[0], 7, 7] -> 14 -> 28 -> one grey channel.

    Six style layers, two per resolution (as the paper's two per resolution from 4x4 to 1024x1024,
    18 in all): 7x7 (the constant, then a conv), 14x14 and 28x28 (each an upsampling conv, then a
    conv). `generator(z)` uses w(z) everywhere; `generator(z, z2, crossover=k)` uses w(z) for
    layers 0 .. k-1 and w(z2) for layers k .. 5. Output linear, as the paper's to_rgb.
    """

    def __init__(self, latent_dim: int = 64, w_dim: int = 64, widths=(64, 64, 32), mapping_layers: int = 4):
        super().__init__()
        self.latent_dim, self.n_classes, self.image_size = latent_dim, 0, 28
        self.mapping = MappingNetwork(latent_dim, w_dim, mapping_layers)
        self.constant = nn.Parameter(torch.ones(1, widths[0], 7, 7))
        layers = [StyleLayer(widths[0], widths[0], w_dim, conv=False), StyleLayer(widths[0], widths[0], w_dim)]
        for a, b in pairwise(widths):
            layers += [StyleLayer(a, b, w_dim, upsample=True), StyleLayer(b, b, w_dim)]
        self.layers = nn.ModuleList(layers)
        self.to_rgb = nn.Conv2d(widths[-1], 1, 1)

    @property
    def n_styles(self) -> int:
        return len(self.layers)

    def forward(self, z: torch.Tensor, z2: torch.Tensor | None = None, crossover: int | None = None) -> torch.Tensor:
        if (z2 is None) != (crossover is None):
            raise ValueError("Style mixing needs both z2 and crossover, e.g. generator(z, z2, crossover=2).")
        if crossover is not None and not 0 <= crossover <= self.n_styles:
            raise ValueError(f"crossover={crossover}: use 0 .. {self.n_styles} (layers before it take w(z)).")
        w = self.mapping(z)
        w2 = self.mapping(z2) if z2 is not None else w
        crossover = self.n_styles if crossover is None else crossover
        x = self.constant.expand(len(z), -1, -1, -1)
        for i, layer in enumerate(self.layers):
            x = layer(x, w if i < crossover else w2)
        return self.to_rgb(x)
