"""Self-attention GAN (Zhang, Goodfellow, Metaxas and Odena 2019), at the scale of 28 px digits.

A convolution sees a small neighbourhood: a DCGAN's generator can only make the top of a "7"
agree with its foot through many stacked layers. SAGAN adds a layer in which every position
looks at every other one. With x the feature map flattened to N = H W positions,

    f(x) = W_f x,  g(x) = W_g x   (1x1 convolutions to C/8 channels: keys and queries)
    h(x) = W_h x                  (a 1x1 convolution keeping C channels: the values)
    s_ij = f(x_i)^T g(x_j),   beta_{j,i} = exp(s_ij) / sum_i exp(s_ij)
    o_j  = sum_i beta_{j,i} h(x_i),   y_j = gamma o_j + x_j

beta_{j,i} is how much position j (the query) attends to position i (a key): a softmax over
the keys i, so each query's weights sum to 1. gamma is a learned scalar that starts at 0, so
the network first relies on its local convolutions and lets attention in as it learns. (The
paper's final version also shrinks h to C/8 and adds an output projection v; the first
version, written here, keeps h at C channels and needs no v.)

The other half of SAGAN is spectral normalisation (Miyato et al. 2018) in both networks: each
weight divided by its largest singular value, so every layer is 1-Lipschitz. It is PyTorch's
`torch.nn.utils.parametrizations.spectral_norm` (power iteration, one step per forward pass).
SAGAN trains with the hinge loss (`gancourse.losses`) and two time-scale learning rates
(Heusel et al. 2017): D at 4e-4, G at 1e-4, Adam betas (0, 0.9).
"""

import torch
import torch.nn as nn
from torch.nn.utils.parametrizations import spectral_norm

from .gan import dcgan_init


class SelfAttention(nn.Module):
    """y = gamma o + x, o the attention-weighted values (the module docstring's equations).

    Input and output [B, C, H, W]; channels >= 8. 2 (C^2/8 + C/8) + C^2 + C + 1 parameters
    (5,201 for C = 64)."""

    def __init__(self, channels: int):
        super().__init__()
        if channels < 8:
            raise ValueError(f"SelfAttention(channels={channels}): keys and queries have channels/8, so use >= 8.")
        self.f = nn.Conv2d(channels, channels // 8, 1)  # keys
        self.g = nn.Conv2d(channels, channels // 8, 1)  # queries
        self.h = nn.Conv2d(channels, channels, 1)  # values
        self.gamma = nn.Parameter(torch.zeros(()))  # attention starts switched off

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """beta: [B, N, N] with beta[b, j, i] the weight query j gives key i; rows sum to 1."""
        keys = self.f(x).flatten(2)  # [B, C/8, N]
        queries = self.g(x).flatten(2)  # [B, C/8, N]
        scores = queries.transpose(1, 2) @ keys  # [B, N (queries j), N (keys i)]: s_ij
        return scores.softmax(dim=2)  # over the keys i

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        beta = self.attention(x)
        values = self.h(x).flatten(2)  # [B, C, N]
        o = (values @ beta.transpose(1, 2)).view_as(x)  # o_j = sum_i beta_{j,i} h(x_i)
        return self.gamma * o + x

    @torch.no_grad()
    def attention_map(self, x: torch.Tensor, query: tuple[int, int]) -> torch.Tensor:
        """Where the position query = (row, column) looks: [B, H, W], summing to 1 per picture."""
        height, width = x.shape[2:]
        row, column = query
        if not (0 <= row < height and 0 <= column < width):
            raise ValueError(f"query {query} lies outside the {height}x{width} feature map.")
        return self.attention(x)[:, row * width + column].view(-1, height, width)


def _spectral(module: nn.Module) -> nn.Module:
    """Spectral norm on every convolution and linear layer of `module` (after initialisation)."""
    for name, child in module.named_children():
        if isinstance(child, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            setattr(module, name, spectral_norm(child))
        else:
            _spectral(child)
    return module


def _attention_size(attention_at: int) -> int:
    if attention_at not in (7, 14):
        raise ValueError(f"attention_at={attention_at}: the 28 px networks have 7x7 and 14x14 feature maps.")
    return attention_at


class SAGANGenerator(nn.Module):
    """The DCGAN-28 generator with self-attention and spectral norm on every layer.

    [100,1,1] -> [128,7,7] -> [64,14,14] -> attention -> [1,28,28] for ngf = 64; BatchNorm
    kept, as in SAGAN's generator. 764,881 parameters: DCGAN-28's 759,680 and the attention
    layer's 5,201 (spectral norm adds buffers, not parameters). attention_at=7 puts the layer on
    the 7x7 map instead: 16 times fewer query-key pairs (49^2 against 196^2), for a CPU.
    """

    def __init__(self, latent_dim: int = 100, ngf: int = 64, attention_at: int = 14):
        super().__init__()
        self.latent_dim, self.n_classes, self.image_size = latent_dim, 0, 28
        self.attention_at = _attention_size(attention_at)
        self.project = nn.Sequential(  # z -> 7x7
            nn.ConvTranspose2d(latent_dim, ngf * 2, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True))
        self.up = nn.Sequential(  # 7x7 -> 14x14
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True))
        self.attention = SelfAttention(ngf if attention_at == 14 else ngf * 2)
        self.to_image = nn.Sequential(nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())  # 14 -> 28
        self.apply(dcgan_init)
        _spectral(self)

    def forward(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        if labels is not None:
            raise ValueError("SAGANGenerator is unconditional: call it as generator(z).")
        x = self.project(z.view(len(z), -1, 1, 1))
        if self.attention_at == 7:
            return self.to_image(self.up(self.attention(x)))
        return self.to_image(self.attention(self.up(x)))


class SAGANDiscriminator(nn.Module):
    """The DCGAN-28 discriminator with self-attention and spectral norm instead of BatchNorm.

    [1,28,28] -> [64,14,14] -> attention -> [128,7,7] -> 1 score (for the hinge loss). 143,762
    parameters: DCGAN-28's 138,624, plus biases (no BatchNorm shift), minus BatchNorm's, plus attention.
    attention_at=7 attends over the [128,7,7] map instead.
    """

    def __init__(self, ndf: int = 64, attention_at: int = 14):
        super().__init__()
        self.image_size, self.attention_at = 28, _attention_size(attention_at)
        self.down = nn.Sequential(nn.Conv2d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True))  # 28 -> 14
        self.down2 = nn.Sequential(nn.Conv2d(ndf, ndf * 2, 4, 2, 1), nn.LeakyReLU(0.2, True))  # 14 -> 7
        self.attention = SelfAttention(ndf if attention_at == 14 else ndf * 2)
        self.score = nn.Conv2d(ndf * 2, 1, 7, 1, 0)  # 7x7 -> one score
        self.apply(dcgan_init)
        _spectral(self)

    def _attended(self, x: torch.Tensor) -> torch.Tensor:
        """The feature map the attention layer reads."""
        return self.down(x) if self.attention_at == 14 else self.down2(self.down(x))

    def forward(self, x: torch.Tensor, labels=None) -> torch.Tensor:
        if labels is not None:
            raise ValueError("SAGANDiscriminator is unconditional: call it as discriminator(x).")
        if self.attention_at == 14:
            return self.score(self.down2(self.attention(self.down(x)))).view(-1)
        return self.score(self.attention(self.down2(self.down(x)))).view(-1)

    @torch.no_grad()
    def attention_map(self, x: torch.Tensor, query: tuple[int, int]) -> torch.Tensor:
        """Where D's attention layer looks from `query` (row, column of its feature map) on pictures x: [B, H, W]."""
        return self.attention.attention_map(self._attended(x), query)
