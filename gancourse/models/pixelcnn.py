"""PixelCNN (van den Oord, Kalchbrenner and Kavukcuoglu 2016, "Pixel Recurrent Neural Networks").

A fully visible belief net: the chain rule writes the probability of a picture as a product of
one conditional per pixel, in raster order (rows top to bottom, each row left to right),

    p(x) = prod_i p(x_i | x_1, ..., x_{i-1}),

and one convolutional network gives all 784 conditionals at once. What keeps it honest is the
mask on every kernel: the output at pixel i may only see the pixels before i. The first layer's
mask (type A) also hides pixel i itself, since that is the pixel being predicted; the later
layers' masks (type B) show the centre, which by then holds only what came before it.

Training is one forward pass (all conditionals in parallel, teacher-forced on the real picture);
the log-likelihood is exact: the sum of the 784 conditionals' log-probabilities. Sampling has no
such shortcut: each pixel needs a forward pass that sees the pixels drawn before it, 784 passes
per digit. That is the seed lecture's "faster than PixelRNN, but still slow".

The layout is the paper's (its Table 1 and Figure 5): a 7x7 type-A convolution, residual blocks
of 1x1 -> 3x3 type-B -> 1x1 convolutions with 2h channels between blocks, then two 1x1 layers
with ReLUs. For binary pixels the output is one logit per pixel (a Bernoulli); the paper's 256-way
softmax is for 8-bit pictures. Its widths are larger: `hidden` is ours.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..losses import bernoulli_nll

MASK_TYPES = ("A", "B")


def causal_mask(kernel_size: int, mask_type: str) -> torch.Tensor:
    """The [k, k] mask of a masked convolution: 1 where the kernel may look, 0 where it may not.

    The rows above the centre are open, the rows below are closed; in the centre row, the pixels
    left of the centre are open and those right of it closed. The centre itself is closed in
    type A (the pixel being predicted) and open in type B.
    """
    if mask_type not in MASK_TYPES:
        raise ValueError(f"mask_type={mask_type!r}: use 'A' for the first layer (hides the centre) or 'B' after it.")
    if kernel_size % 2 != 1:
        raise ValueError(f"kernel_size={kernel_size}: a masked convolution needs an odd kernel, so it has a centre.")
    centre = kernel_size // 2
    mask = torch.ones(kernel_size, kernel_size)
    mask[centre, centre + (mask_type == "B"):] = 0
    mask[centre + 1:] = 0
    return mask


class MaskedConv2d(nn.Conv2d):
    """A 'same'-padded convolution whose kernel is multiplied by `causal_mask` on every call.

    Masking in the forward (not once at initialisation) keeps the hidden weights at zero effect
    whatever the optimiser does to them: their gradient is exactly zero, and so is their use.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, mask_type: str = "B"):
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        self.mask_type = mask_type
        self.register_buffer("mask", causal_mask(kernel_size, mask_type), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, mask_type={self.mask_type!r}"


class ResidualBlock(nn.Module):
    """The paper's Figure 5 block: ReLU, 1x1 (2h -> h), ReLU, 3x3 type B (h -> h), ReLU, 1x1 (h -> 2h), + input.

    A 1x1 convolution needs no mask: it mixes channels at one position, and type B shows the centre.
    """

    def __init__(self, hidden: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(), nn.Conv2d(2 * hidden, hidden, 1),
            nn.ReLU(), MaskedConv2d(hidden, hidden, 3, "B"),
            nn.ReLU(), nn.Conv2d(hidden, 2 * hidden, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class PixelCNN(nn.Module):
    """A PixelCNN for binarised [B, 1, 28, 28] digits: one logit of p(x_i = 1 | x_<i) per pixel.

    With hidden=16 and 6 blocks: 23,041 parameters. Its receptive field reaches 3 + n_blocks
    pixels up and to each side (the 7x7 first layer, then one pixel per 3x3 block), and, as in
    the paper, not every earlier pixel: the stack of masks leaves a blind spot above and to the
    right, which the Gated PixelCNN (van den Oord et al. 2016b) later removed.
    """

    def __init__(self, hidden: int = 16, n_blocks: int = 6):
        super().__init__()
        self.layers = nn.Sequential(
            MaskedConv2d(1, 2 * hidden, 7, "A"),
            *[ResidualBlock(hidden) for _ in range(n_blocks)],
            nn.ReLU(), nn.Conv2d(2 * hidden, 2 * hidden, 1),
            nn.ReLU(), nn.Conv2d(2 * hidden, 1, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [B, 1, 28, 28]: at pixel i, the log-odds of x_i = 1 given the pixels before i."""
        return self.layers(x)

    def log_likelihood(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) in nats for each picture [B]: exact, the sum of its 784 conditionals' log-probabilities."""
        if not bool(((x == 0) | (x == 1)).all()):
            raise ValueError("PixelCNN models binary pixels (0 or 1): load the digits with "
                             "mnist(split, value_range=(0, 1), binarize=True).")
        return -bernoulli_nll(self(x), x)

    @torch.no_grad()
    def sample(self, n: int, rng: torch.Generator | None = None, size: int = 28) -> torch.Tensor:
        """n pictures [n, 1, size, size] in {0, 1}, drawn pixel by pixel in raster order: size^2 forward passes.

        Pass i runs the network on the rows up to pixel i's only: the masks make every output in
        those rows independent of the rows below, so cutting them off changes nothing but the cost.
        """
        device = next(self.parameters()).device
        x = torch.zeros(n, 1, size, size, device=device)
        for row in range(size):
            for column in range(size):
                logits = self(x[:, :, : row + 1])[:, 0, row, column]
                u = torch.rand(n, generator=rng).to(device)
                x[:, 0, row, column] = (u < torch.sigmoid(logits)).float()
        return x
