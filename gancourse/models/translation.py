"""Image-to-image translation networks of lectures 6-7: the U-Net and ResNet generators, the PatchGAN.

Translation is not generation from noise: the generator receives a picture (a label map) and
must return a picture of the same scene (a photo), so it is an encoder-decoder, not a bare
decoder. Isola et al. 2017 ("Image-to-Image Translation with Conditional Adversarial Networks")
pair a U-Net generator (Ronneberger et al. 2015: an encoder-decoder whose skips hand every
encoder level's features straight to the decoder level of the same size) with a PatchGAN
discriminator that judges each N x N patch of an (input, output) pair.

Names and numbers follow the reference implementation, pytorch-CycleGAN-and-pix2pix
`models/networks.py` (UnetGenerator, ResnetGenerator, NLayerDiscriminator, PixelDiscriminator). Pix2pix's
notation: Ck is Convolution-Norm-ReLU with k filters, CDk adds dropout 0.5; every convolution
is 4x4 with stride 2 unless said otherwise. Images are in [-1, 1].
"""

import math

import torch
import torch.nn as nn

from .gan import dcgan_init

NORMS = ("batch", "instance")


def _known(norm: str) -> str:
    if norm not in NORMS:
        raise ValueError(f"norm={norm!r} is not supported. Fix: choose one of {NORMS}.")
    return norm


def norm_layer(norm: str, channels: int) -> nn.Module:
    """BatchNorm (pix2pix) or InstanceNorm without affine parameters (the reference's CycleGAN default)."""
    if _known(norm) == "batch":
        return nn.BatchNorm2d(channels)
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


def conv_bias(norm: str) -> bool:
    """Whether the convolutions of a network with this norm carry a bias, the reference's one rule.

    A bias is redundant where a norm with its own shift follows: BatchNorm subtracts the batch
    mean (and the bias with it) and adds its learned shift beta. InstanceNorm without affine
    parameters has no shift, so its network's convolutions keep their bias (the mean
    subtraction still cancels it where the norm follows; the reference keeps it, and so the
    published parameter counts, which the tests pin, include it). The rule is per network: with
    batch norm the U-Net's first and innermost down convolutions go without a bias too. Layers
    that no norm ever follows in any configuration (the last layer of each network, the
    PatchGAN's first) always have one.
    """
    return _known(norm) != "batch"


def _check_size(size: int, multiple: int, who: str) -> None:
    if size % multiple:
        raise ValueError(f"{who} needs a height and width divisible by {multiple}, got {size}. Fix: resize or "
                         f"crop the images (the papers use 256).")


class UnetGenerator(nn.Module):
    """The pix2pix U-Net: an encoder-decoder with skip connections between mirrored levels.

    Encoder (n_downs = 8, for 256 px): C64-C128-C256-C512-C512-C512-C512-C512, each a 4x4
    stride-2 convolution halving the size down to 1x1; LeakyReLU(0.2) before every layer but the
    first; no norm on the first layer and on the innermost (a 1x1 map has nothing to normalise).
    Decoder: ReLU, a 4x4 stride-2 transposed convolution doubling the size, norm; each level's
    input is the previous level's output concatenated with the encoder's output of the same size
    (the skip), hence the paper's U-Net decoder CD512-CD1024-CD1024-C1024-C1024-C512-C256-C128
    (channels after concatenation). The last level maps to out_channels with Tanh.

    Dropout: the paper puts dropout 0.5 on the first three decoder levels (CD512-CD1024-CD1024),
    as its only noise source. The reference puts it one level lower (on the three levels after
    the innermost, so with n_downs = 6 it keeps only one). We follow the paper: the first three
    decoder levels, whatever n_downs. Dropout stays on at test time in pix2pix (the paper's
    noise); call `.train()` to sample with it, `.eval()` for a deterministic output.

    n_downs = log2(image size): 8 for 256 px, 7 for 128, 6 for 64. Widths: ngf * min(2^i, 8).
    54,413,955 parameters (n_downs 8, batch norm); 41,828,995 (n_downs 7).
    skips=False gives the paper's "encoder-decoder" baseline: the same layers, no concatenations,
    so every detail of the output must pass through the 1x1 bottleneck.
    """

    def __init__(self, in_channels=3, out_channels=3, n_downs=8, ngf=64, norm="batch", dropout=True, skips=True):
        super().__init__()
        if n_downs < 2:
            raise ValueError(f"n_downs={n_downs}: a U-Net needs at least 2 levels (8 for 256 px images).")
        self.n_downs, self.skips = n_downs, skips
        bias = conv_bias(norm)
        widths = [ngf * min(2**i, 8) for i in range(n_downs)]

        self.downs = nn.ModuleList()
        for i, width in enumerate(widths):
            first, innermost = i == 0, i == n_downs - 1
            layers = [] if first else [nn.LeakyReLU(0.2, True)]
            layers.append(nn.Conv2d(in_channels if first else widths[i - 1], width, 4, 2, 1, bias=bias))
            if not (first or innermost):
                layers.append(norm_layer(norm, width))
            self.downs.append(nn.Sequential(*layers))

        # ups[0] starts at the bottleneck; ups[j] (j > 0) takes [previous up, matching down] concatenated.
        self.ups = nn.ModuleList()
        for j in range(n_downs):
            level = n_downs - 1 - j  # the encoder level whose size this decoder level produces
            in_width = widths[level] * (2 if skips and j > 0 else 1)
            if level == 0:
                layers = [nn.ReLU(True), nn.ConvTranspose2d(in_width, out_channels, 4, 2, 1), nn.Tanh()]
            else:
                layers = [nn.ReLU(True), nn.ConvTranspose2d(in_width, widths[level - 1], 4, 2, 1, bias=bias),
                          norm_layer(norm, widths[level - 1])]
                if dropout and j < 3:
                    layers.append(nn.Dropout(0.5))
            self.ups.append(nn.Sequential(*layers))
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_size(x.shape[-1], 2**self.n_downs, "UnetGenerator")
        _check_size(x.shape[-2], 2**self.n_downs, "UnetGenerator")
        skips = []
        for down in self.downs:  # [N, 3, 256, 256] -> [N, 64, 128, 128] -> ... -> [N, 512, 1, 1]
            x = down(x)
            skips.append(x)
        x = self.ups[0](skips.pop())  # the bottleneck is not concatenated with itself
        for up in self.ups[1:]:  # [N, 512, 2, 2] + skip -> [N, 1024, 2, 2] -> ... -> [N, 3, 256, 256]
            skip = skips.pop()
            x = up(torch.cat([x, skip], dim=1) if self.skips else x)
        return x


class PatchGANDiscriminator(nn.Module):
    """The PatchGAN (the reference's NLayerDiscriminator): a map of logits, one per overlapping patch.

    C64-C128-C256 with stride 2, then C512 with stride 1, then a 1-channel 4x4 convolution:
    logits, no sigmoid (the losses apply it stably). No norm on C64; LeakyReLU(0.2) throughout.
    A 256 px input gives a 30x30 map and each logit sees a 70x70 patch of the input: the
    discriminator penalises structure only at the scale of patches, and the loss averages over
    the map. n_layers = 1 gives the paper's 16x16 PatchGAN, 3 the 70x70 default, 5 the 286x286
    one (a whole 256 px image and more). The pix2pix discriminator is conditional: it sees the
    input and the (real or generated) output stacked, 3 + 3 = 6 channels.

    2,768,705 parameters (6 channels, batch norm); 2,764,737 (3 channels, instance norm).
    """

    def __init__(self, in_channels=6, ndf=64, n_layers=3, norm="batch"):
        super().__init__()
        bias = conv_bias(norm)
        widths = [ndf * min(2**i, 8) for i in range(n_layers + 1)]
        layers = [nn.Conv2d(in_channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for i in range(1, n_layers + 1):
            stride = 2 if i < n_layers else 1  # the last C layer keeps the size
            layers += [nn.Conv2d(widths[i - 1], widths[i], 4, stride, 1, bias=bias), norm_layer(norm, widths[i]),
                       nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(widths[-1], 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)
        self.n_layers = n_layers
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)  # [N, 1, 30, 30] for [N, 6, 256, 256]


class PixelDiscriminator(nn.Module):
    """The 1x1 PixelGAN: every pixel's colour judged on its own (1x1 convolutions, C64-C128-1)."""

    def __init__(self, in_channels=6, ndf=64, norm="batch"):
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv2d(in_channels, ndf, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, 2 * ndf, 1, bias=conv_bias(norm)), norm_layer(norm, 2 * ndf), nn.LeakyReLU(0.2, True),
            nn.Conv2d(2 * ndf, 1, 1),
        )
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class ResnetBlock(nn.Module):
    """Rk of the CycleGAN paper: x + (reflect-pad, 3x3 conv, norm, ReLU, reflect-pad, 3x3 conv, norm)(x), k channels.

    The block learns a change to its input rather than a new picture: with the weights near zero
    it passes x through, which is why a translator that must keep most of the picture (a horse's
    outline under the zebra's stripes) is built from them (He et al. 2016; Johnson et al. 2016).
    """

    def __init__(self, channels: int, norm: str = "instance"):
        super().__init__()
        bias = conv_bias(norm)
        self.block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm_layer(norm, channels),
            nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm_layer(norm, channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's generator (Zhu et al. 2017, appendix 7.2), the network of Johnson et al. 2016 for style transfer.

    In the paper's notation: c7s1-64, d128, d256, R256 x n_blocks, u128, u64, c7s1-3.
    c7s1-k is a 7x7 convolution with stride 1 and k filters, then norm and ReLU; dk a 3x3
    convolution with stride 2 (halving the size), norm, ReLU; Rk a residual block (ResnetBlock);
    uk a 3x3 transposed convolution with stride 1/2 (doubling the size), norm, ReLU. The last
    c7s1-3 has no norm and ends in Tanh. Read as encoder (c7s1-64, d128, d256), "transformer"
    (the residual blocks, working on a map a quarter of the picture's side) and decoder (u128,
    u64, c7s1-3), as the seed lecture draws it.

    Reflection padding (before every 7x7 and 3x3 stride-1 convolution): the border is filled
    with a mirror of the picture instead of zeros, so the network never sees a black frame it
    could learn to paint; the paper uses it "to reduce artifacts".

    n_blocks: 9 for 256 px training pictures, 6 for 128 px (the paper's two choices).
    11,378,179 parameters with 9 blocks, 7,837,699 with 6 (instance norm, ngf 64).
    """

    def __init__(self, in_channels=3, out_channels=3, ngf=64, n_blocks=9, norm="instance"):
        super().__init__()
        bias = conv_bias(norm)
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, ngf, 7, bias=bias), norm_layer(norm, ngf),
                  nn.ReLU(True)]  # c7s1-64
        for width in (ngf, 2 * ngf):  # d128, d256
            layers += [nn.Conv2d(width, 2 * width, 3, 2, 1, bias=bias), norm_layer(norm, 2 * width), nn.ReLU(True)]
        layers += [ResnetBlock(4 * ngf, norm) for _ in range(n_blocks)]  # R256 x n_blocks
        for width in (4 * ngf, 2 * ngf):  # u128, u64
            layers += [nn.ConvTranspose2d(width, width // 2, 3, 2, 1, output_padding=1, bias=bias),
                       norm_layer(norm, width // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_channels, 7), nn.Tanh()]  # c7s1-3
        self.model = nn.Sequential(*layers)
        self.n_blocks = n_blocks
        self.apply(dcgan_init)  # the reference's default init for CycleGAN too: N(0, 0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_size(x.shape[-1], 4, "ResnetGenerator")  # two halvings, then two doublings back to the same size
        _check_size(x.shape[-2], 4, "ResnetGenerator")
        return self.model(x)


def patch_discriminator(patch_size: int, in_channels=6, ndf=64, norm="batch") -> nn.Module:
    """The paper's discriminators by their patch size: 1 (PixelGAN), 16, 70 or 286."""
    if patch_size == 1:
        return PixelDiscriminator(in_channels, ndf, norm)
    layers = {16: 1, 70: 3, 286: 5}
    if patch_size not in layers:
        raise ValueError(f"patch_size={patch_size}: the paper's patch sizes are 1, 16, 70 and 286.")
    return PatchGANDiscriminator(in_channels, ndf, layers[patch_size], norm)


def receptive_field(discriminator: nn.Module) -> int:
    """The side of the input patch one output logit sees, from the layers' kernels and strides.

    Walking back from one output pixel, a layer with kernel k and stride s turns a patch of r
    pixels of its output into r * s + (k - s) pixels of its input. For the 70x70 PatchGAN:
    1 -> 4 -> 7 -> 16 -> 34 -> 70.
    """
    size = 1
    convolutions = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)]
    for conv in reversed(convolutions):
        size = size * conv.stride[0] + (conv.kernel_size[0] - conv.stride[0])
    return size


def n_downs_for(image_size: int) -> int:
    """log2(image size): the U-Net depth that takes the image down to 1x1."""
    n = math.log2(image_size)
    if n != int(n):
        raise ValueError(f"image_size={image_size} is not a power of two. Fix: use 256 (the paper), 128 or 64.")
    return int(n)
