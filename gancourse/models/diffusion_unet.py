"""The denoising network of lecture 11: a small U-Net that is told the time (Ho et al. 2020, their Appendix B).

Diffusion and flow matching both train one network that is called at every noise level: it
gets a noisy picture x_t and the time t, and returns a picture-shaped prediction (the noise
in x_t for DDPM, the velocity for flow matching). The architecture is DDPM's, scaled down
to 28x28 digits:

- a U-Net (lecture 6's idea: an encoder, a decoder, skips between levels of the same size)
  over 28 -> 14 -> 7 pixels, built of residual blocks with group norm and the SiLU ("swish");
- the time enters every residual block: a sinusoidal embedding of t (the Transformer's
  positional encoding, Vaswani et al. 2017), passed through a two-layer MLP, then added to the
  block's feature maps as one shift per channel;
- self-attention at the coarsest level (7x7 here, 16x16 in the paper), lecture 9's layer;
- optionally a class: a learned embedding of the label added to the time's, with one extra
  "null" class for no label, which classifier-free guidance trains with (Ho and Salimans 2022).

The paper's CIFAR-10 network has 35.7M parameters (widths 128-256-256-256, two blocks per
level); ours keeps one block per level each way. `TimeMLP` is the same idea for points in
the plane: lecture 11's two-dimensional toy.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import SelfAttention

NULL_LABEL = -1  # what callers pass for "no label"; the network maps it to its extra embedding


def sinusoidal_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """[B] times -> [B, dim]: sines and cosines of t at dim / 2 frequencies, geometric from 1 to 1 / max_period.

    Times may be fractional (flow matching's t in [0, 1] comes in scaled by 1,000): the
    embedding is smooth in t, so neighbouring times get neighbouring codes.
    """
    half = dim // 2
    frequencies = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * frequencies[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def _groups(channels: int) -> int:
    """Group norm's groups: 8 as in our small widths (the paper's 32 groups need 32 channels or more)."""
    return math.gcd(8, channels)


class ResidualBlock(nn.Module):
    """norm, SiLU, 3x3 conv; + the embedding's shift per channel; norm, SiLU, 3x3 conv; + the input
    (through a 1x1 conv where the widths differ)."""

    def __init__(self, in_channels: int, out_channels: int, embedding_dim: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(in_channels), in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.shift = nn.Linear(embedding_dim, out_channels)
        self.norm2 = nn.GroupNorm(_groups(out_channels), out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.shift(embedding)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class DiffusionUNet(nn.Module):
    """x_t [B, 1, 28, 28], time [B] (and labels [B]) -> a prediction shaped like x_t.

    `widths` gives one width per level, the resolution halving from level to level: (32, 64, 64)
    works at 28, 14 and 7 pixels. Down: a residual block per level, each followed by a stride-2
    convolution; the coarsest level holds two blocks with self-attention between them. Up: nearest-
    neighbour upsampling, then a block that takes the features concatenated with the skip of the
    same size. `patch=2` first folds each 2x2 square of pixels into 4 channels (and unfolds them at
    the end), so that the first level works at 14 pixels: a quarter of the cost, what quick mode uses.

    Parameters: 498,290 for (32, 64, 64); with n_classes=10, 499,698, 1,988,578 for (64, 128, 128) (full
    mode) and 254,517 for (32, 64) with patch=2 (quick mode).
    """

    def __init__(self, widths=(32, 64, 64), n_classes: int = 0, channels: int = 1, patch: int = 1,
                 attention: bool = True):
        super().__init__()
        if len(widths) < 2 or 28 // patch % 2 ** (len(widths) - 1):
            raise ValueError(f"widths={tuple(widths)} with patch={patch}: each level halves the picture, so "
                             f"{28 // patch} pixels must divide by 2 for every level after the first. Fix: "
                             "(32, 64, 64) at patch 1, or (32, 64) at patch 2.")
        self.widths, self.n_classes, self.patch = tuple(widths), n_classes, patch
        embedding_dim = 4 * widths[0]  # the paper's: four times the first width
        self.time_mlp = nn.Sequential(nn.Linear(widths[0], embedding_dim), nn.SiLU(),
                                      nn.Linear(embedding_dim, embedding_dim))
        # one row per class and one for "no label" (classifier-free guidance drops labels to it)
        self.label_embedding = nn.Embedding(n_classes + 1, embedding_dim) if n_classes else None
        self.stem = nn.Conv2d(channels * patch**2, widths[0], 3, padding=1)
        # (in, out) widths of each level above the coarsest
        levels = list(zip((widths[0], *widths[:-2]), widths[:-1], strict=True))
        self.down_blocks = nn.ModuleList([ResidualBlock(c_in, c_out, embedding_dim) for c_in, c_out in levels])
        self.downsample = nn.ModuleList([nn.Conv2d(c, c, 3, stride=2, padding=1) for _, c in levels])
        self.middle = nn.ModuleList([ResidualBlock(widths[-2], widths[-1], embedding_dim),
                                     ResidualBlock(widths[-1], widths[-1], embedding_dim)])
        self.attention = SelfAttention(widths[-1]) if attention else None
        self.up_blocks = nn.ModuleList([ResidualBlock(c_below + c, c, embedding_dim)
                                        for c, c_below in reversed(list(zip(widths[:-1], widths[1:], strict=True)))])
        self.head = nn.Sequential(nn.GroupNorm(_groups(widths[0]), widths[0]), nn.SiLU(),
                                  nn.Conv2d(widths[0], channels * patch**2, 3, padding=1))

    def embed(self, time: torch.Tensor, labels) -> torch.Tensor:
        embedding = self.time_mlp(sinusoidal_embedding(time, self.widths[0]))
        if self.label_embedding is None:
            if labels is not None:
                raise ValueError("This network is unconditional (n_classes=0) but got labels. "
                                 "Fix: build it with n_classes=10, or call it without labels.")
            return embedding
        if labels is None:
            labels = torch.full((len(time),), NULL_LABEL, device=time.device)
        labels = torch.as_tensor(labels, device=time.device).long()
        if bool(((labels < NULL_LABEL) | (labels >= self.n_classes)).any()):
            raise ValueError(f"labels must be class numbers 0..{self.n_classes - 1}, or {NULL_LABEL} for no label; "
                             f"got values from {int(labels.min())} to {int(labels.max())}.")
        return embedding + self.label_embedding(torch.where(labels == NULL_LABEL, self.n_classes, labels))

    def forward(self, x: torch.Tensor, time: torch.Tensor, labels=None) -> torch.Tensor:
        embedding = self.embed(time, labels)
        h = self.stem(F.pixel_unshuffle(x, self.patch))                  # [B, c0, 28, 28] (14 with patch 2)
        skips = []
        for block, down in zip(self.down_blocks, self.downsample, strict=True):
            h = block(h, embedding)
            skips.append(h)                                              # kept for the way up
            h = down(h)                                                  # half the size
        h = self.middle[0](h, embedding)                                 # the coarsest level, 7x7
        if self.attention is not None:
            h = self.attention(h)
        h = self.middle[1](h, embedding)
        for block in self.up_blocks:
            h = F.interpolate(h, scale_factor=2, mode="nearest")         # twice the size
            h = block(torch.cat([h, skips.pop()], dim=1), embedding)
        return F.pixel_shuffle(self.head(h), self.patch)                 # [B, 1, 28, 28]


class TimeMLP(nn.Module):
    """The toy's network: a point [B, 2] and time [B] -> a vector [B, 2]. Three hidden layers of SiLU units,
    the time's sinusoidal embedding concatenated to the point. 37,762 parameters at width 128."""

    def __init__(self, width: int = 128, dim: int = 2, time_dim: int = 32):
        super().__init__()
        self.time_dim = time_dim
        self.net = nn.Sequential(
            nn.Linear(dim + time_dim, width), nn.SiLU(),
            nn.Linear(width, width), nn.SiLU(),
            nn.Linear(width, width), nn.SiLU(),
            nn.Linear(width, dim),
        )

    def forward(self, x: torch.Tensor, time: torch.Tensor, labels=None) -> torch.Tensor:
        if labels is not None:
            raise ValueError("TimeMLP is unconditional: call it without labels.")
        return self.net(torch.cat([x, sinusoidal_embedding(time, self.time_dim)], dim=1))
