"""Generators and discriminators of lectures 3-5.

- MLPGenerator / MLPDiscriminator: the seed lab's GAN for 28x28 handwritten digits.
- DCGANGenerator / DCGANDiscriminator: Radford, Metz and Chintala 2016, as in the
  pytorch/examples reference for 64x64 images, with 32- and 28-pixel variants for MNIST.
- Every class takes `n_classes` for the conditional GAN of Mirza and Osindero 2014: the
  one-hot label is concatenated to the noise in G, and to the flattened image (MLP) or
  given as constant extra channels (DCGAN, as in the seed notes) in D.

Discriminators return logits, one per image: the losses apply the sigmoid inside a
numerically stable log. Generators expose `latent_dim` and `n_classes`, and take
`forward(z)` or, when conditional, `forward(z, labels)`.
"""

import math
from itertools import pairwise

import torch
import torch.nn as nn
import torch.nn.functional as F

MNIST_SHAPE = (1, 28, 28)


def one_hot(labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    return F.one_hot(labels.long(), n_classes).float()


def _with_labels(x: torch.Tensor, labels, n_classes: int, who: str) -> torch.Tensor:
    """[x, one_hot(labels)] along dimension 1, after checking that labels come when, and only when, needed."""
    if n_classes == 0:
        if labels is not None:
            raise ValueError(f"{who} is unconditional (n_classes=0) but got labels. Fix: build it with n_classes=10.")
        return x
    if labels is None:
        raise ValueError(f"{who} is conditional (n_classes={n_classes}): call it with labels, e.g. model(x, y).")
    return torch.cat([x, one_hot(labels, n_classes).to(x.dtype)], dim=1)


class MLPGenerator(nn.Module):
    """The seed lab's GAN generator: z (100) -> 256 -> 512 -> 1024 -> 784, LeakyReLU(0.2), Tanh output.

    1,486,352 parameters; 1,488,912 when conditioned on 10 classes.
    """

    def __init__(self, latent_dim: int = 100, n_classes: int = 0):
        super().__init__()
        self.latent_dim, self.n_classes = latent_dim, n_classes
        self.net = nn.Sequential(
            nn.Linear(latent_dim + n_classes, 256), nn.LeakyReLU(0.2),
            nn.Linear(256, 512), nn.LeakyReLU(0.2),
            nn.Linear(512, 1024), nn.LeakyReLU(0.2),
            nn.Linear(1024, math.prod(MNIST_SHAPE)), nn.Tanh(),  # images live in [-1, 1]
        )

    def forward(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        return self.net(_with_labels(z, labels, self.n_classes, "MLPGenerator")).view(-1, *MNIST_SHAPE)


class MLPDiscriminator(nn.Module):
    """The seed lab's GAN discriminator: 784 -> 1024 -> 512 -> 256 -> 1 logit, LeakyReLU(0.2), dropout 0.3.

    Dropout keeps D from memorising the training digits too fast. 1,460,225 parameters;
    1,470,465 when conditioned on 10 classes.
    """

    def __init__(self, n_classes: int = 0):
        super().__init__()
        self.n_classes = n_classes
        self.net = nn.Sequential(
            nn.Linear(math.prod(MNIST_SHAPE) + n_classes, 1024), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(1024, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(256, 1),
        )

    def forward(self, x: torch.Tensor, labels=None) -> torch.Tensor:
        return self.net(_with_labels(x.flatten(1), labels, self.n_classes, "MLPDiscriminator")).view(-1)


# DCGAN -------------------------------------------------------------------------------


def generator_block(in_channels, out_channels, kernel_size=4, stride=2, padding=1, final=False) -> nn.Sequential:
    """ConvTranspose -> BatchNorm -> ReLU; the last block is ConvTranspose -> Tanh.

    No bias: the BatchNorm that follows has its own shift, and the final Tanh layer has none in
    the reference either. Kernel 4, stride 2, padding 1 doubles the height and width.
    """
    convolution = nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)
    if final:
        return nn.Sequential(convolution, nn.Tanh())
    return nn.Sequential(convolution, nn.BatchNorm2d(out_channels), nn.ReLU(True))


def discriminator_block(in_channels, out_channels, kernel_size=4, stride=2, padding=1, first=False, final=False):
    """Conv -> BatchNorm -> LeakyReLU(0.2); no BatchNorm on the first block, the last is a bare Conv (the logit).

    Strided convolutions replace pooling (guideline 1); kernel 4, stride 2, padding 1 halves the size.
    """
    convolution = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)
    if final:
        return nn.Sequential(convolution)
    if first:
        return nn.Sequential(convolution, nn.LeakyReLU(0.2, True))
    return nn.Sequential(convolution, nn.BatchNorm2d(out_channels), nn.LeakyReLU(0.2, True))


def dcgan_init(module: nn.Module) -> None:
    """The package's one initialisation (DCGAN's, kept by pix2pix and CycleGAN): conv weights N(0, 0.02),
    conv biases 0, BatchNorm scales N(1, 0.02) and shifts 0. Instance norm without affine has nothing to set."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _doublings(image_size: int) -> tuple[int, int]:
    """(the smallest feature map's size, the number of stride-2 layers between it and the image)."""
    smallest = 7 if image_size == 28 else 4
    n = math.log2(image_size / smallest)
    if image_size < 28 or n != int(n):
        raise ValueError(f"image_size={image_size} is not supported. Fix: use 64 (the paper), 32, or 28 (MNIST).")
    return smallest, int(n)


class DCGANGenerator(nn.Module):
    """The DCGAN generator: z as a [latent_dim, 1, 1] map, projected to [8 ngf, 4, 4], doubled to the image.

    For 64x64: [100,1,1] -> [512,4,4] -> [256,8,8] -> [128,16,16] -> [64,32,32] -> [3,64,64].
    3,576,704 parameters for 3 channels (3,574,656 for 1). At 32 px one doubling fewer; at 28 px
    the first block projects to 7x7 and two doublings follow.
    """

    def __init__(self, latent_dim=100, ngf=64, channels=3, image_size=64, n_classes=0):
        super().__init__()
        self.latent_dim, self.n_classes, self.image_size = latent_dim, n_classes, image_size
        smallest, n = _doublings(image_size)
        widths = [ngf * 2 ** (n - 1 - i) for i in range(n)]
        blocks = [generator_block(latent_dim + n_classes, widths[0], smallest, 1, 0)]
        blocks += [generator_block(a, b) for a, b in pairwise(widths)]
        blocks.append(generator_block(widths[-1], channels, final=True))
        self.main = nn.Sequential(*blocks)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        z = _with_labels(z, labels, self.n_classes, "DCGANGenerator")
        return self.main(z.view(len(z), -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """The DCGAN discriminator, the generator in reverse: stride-2 convolutions down to one logit.

    For 64x64: [3,64,64] -> [64,32,32] -> [128,16,16] -> [256,8,8] -> [512,4,4] -> 1.
    2,765,568 parameters for 3 channels (2,763,520 for 1). Conditional: the one-hot label
    enters as n_classes constant channels beside the image's.
    """

    def __init__(self, ndf=64, channels=3, image_size=64, n_classes=0):
        super().__init__()
        self.n_classes, self.image_size = n_classes, image_size
        smallest, n = _doublings(image_size)
        widths = [ndf * 2**i for i in range(n)]
        blocks = [discriminator_block(channels + n_classes, widths[0], first=True)]
        blocks += [discriminator_block(a, b) for a, b in pairwise(widths)]
        blocks.append(discriminator_block(widths[-1], 1, smallest, 1, 0, final=True))
        self.main = nn.Sequential(*blocks)
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor, labels=None) -> torch.Tensor:
        if self.n_classes:
            if labels is None:
                raise ValueError("DCGANDiscriminator is conditional: call it with labels, e.g. model(x, y).")
            maps = one_hot(labels, self.n_classes).to(x.dtype)[:, :, None, None]
            x = torch.cat([x, maps.expand(-1, -1, *x.shape[2:])], dim=1)
        else:
            x = _with_labels(x, labels, 0, "DCGANDiscriminator")
        return self.main(x).view(-1)
