"""Self-checks of lecture 10: the causal mask, the PixelCNN's negative log-likelihood, the detector's split."""

import math

import torch

from ..losses import bernoulli_nll
from ..models.pixelcnn import causal_mask
from .common import CheckFailed, match, passed, require


def check_causal_mask(student_mask) -> None:
    """student_mask(kernel_size, mask_type) against the package's, for 3x3, 5x5 and 7x7, types A and B."""
    for k in (3, 5, 7):
        centre = k // 2
        for mask_type in ("A", "B"):
            got, expected = student_mask(k, mask_type), causal_mask(k, mask_type)
            require(isinstance(got, torch.Tensor) and got.shape == (k, k),
                    f"causal_mask({k}, {mask_type!r}) should be a [{k}, {k}] tensor of 0s and 1s.")
            if torch.equal(got.float(), expected):
                continue
            what = f"causal_mask({k}, {mask_type!r})"
            require(bool((got[:centre] == 1).all()), f"{what}: every row above the centre is open (1): those "
                                                     "pixels come before the centre in raster order.")
            require(bool((got[centre + 1:] == 0).all()), f"{what}: every row below the centre is closed (0): "
                                                         "those pixels have not been drawn yet.")
            require(bool((got[centre, :centre] == 1).all()), f"{what}: in the centre row, the pixels left of the "
                                                             "centre come earlier: open them.")
            require(bool((got[centre, centre + 1:] == 0).all()), f"{what}: in the centre row, the pixels right of "
                                                                 "the centre come later: close them.")
            raise CheckFailed(f"{what}: the centre is {'closed' if mask_type == 'A' else 'open'} in type "
                              f"{mask_type}: type A (the first layer) must not see the pixel it predicts; type "
                              "B (later layers) sees the centre, which by then holds only earlier pixels.")
    passed("causal mask")


def check_pixel_nll(student_nll) -> None:
    """student_nll(logits, x) -> [B] nats per picture, from logits, against losses.bernoulli_nll."""
    rng = torch.Generator().manual_seed(0)
    x = (torch.rand(3, 1, 28, 28, generator=rng) < 0.3).float()
    logits = torch.randn(3, 1, 28, 28, generator=rng) * 3
    logits[0, 0, 0, :4] = torch.tensor([40.0, -40.0, 40.0, -40.0])  # sure predictions: probabilities round to 0 or 1
    x[0, 0, 0, :4] = torch.tensor([1.0, 0.0, 0.0, 1.0])  # two of them right, two of them badly wrong
    got = student_nll(logits, x)
    expected = bernoulli_nll(logits, x)
    require(isinstance(got, torch.Tensor), "Return a tensor: one negative log-likelihood per picture.")
    require(got.shape == (3,), f"Got shape {tuple(got.shape)}, expected (3,): one number per picture, summed over "
                               "its 784 pixels (reduction='none', then sum over every dimension but the first).")
    total, reference = got.sum().item(), expected.sum().item()
    probabilities = torch.nn.functional.binary_cross_entropy(torch.sigmoid(logits), x, reduction="none")
    match(total, reference, {
        reference / 784: "That is the mean over pixels: a picture's probability is the product of its pixels' "
                         "probabilities, so its negative log-likelihood is their sum.",
        reference / math.log(2): "That is in bits (log base 2): the lecture measures in nats (natural log).",
        -reference: "The sign: a negative log-likelihood is positive, -log p(x).",
        probabilities.flatten(1).sum(dim=1).sum().item(): "Computed from probabilities: sigmoid(40) rounds to 1 "
            "and log 0 is clamped. Use binary_cross_entropy_with_logits on the logits themselves.",
    }, "the sum over pixels of binary_cross_entropy_with_logits(logits, x), in nats.", tolerance=1e-3)
    passed("PixelCNN negative log-likelihood")


def check_detector_split(student_split) -> None:
    """student_split(real, fake, n_test) -> ((x_train, y_train), (x_test, y_test)), labels 1 = generated."""
    torch.manual_seed(0)
    # Every picture a single value: reals 0..99, fakes 1000..1059, so each can be traced.
    real = torch.arange(100.0).view(-1, 1, 1, 1)
    fake = (1000 + torch.arange(60.0)).view(-1, 1, 1, 1)
    n_test = 20
    (x_train, y_train), (x_test, y_test) = student_split(real, fake, n_test)
    for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        require(len(x) == len(y), f"The {name} pictures and labels differ in number ({len(x)} and {len(y)}).")
        is_fake = (x.flatten(1)[:, 0] >= 1000).float()
        require(torch.equal(y.float(), is_fake) or not torch.equal(y.float(), 1 - is_fake),
                f"The {name} labels are swapped: 1 means generated, 0 real.")
        require(torch.equal(y.float(), is_fake), f"Some {name} labels do not match their pictures: label each "
                                                 "picture by where it came from (1 = generated, 0 = real).")
    test_values, train_values = set(x_test.flatten().tolist()), set(x_train.flatten().tolist())
    require(not test_values & train_values, f"{len(test_values & train_values)} pictures are in both sets: the test "
                                            "set must hold only pictures the detector never trained on.")
    n_fake_test = int(y_test.sum())
    require(len(x_test) == 2 * n_test and n_fake_test == n_test,
            f"The test set holds {len(x_test) - n_fake_test} real and {n_fake_test} generated pictures: hold out "
            f"n_test = {n_test} of each, so its accuracy is not decided by the share of one class.")
    require(len(train_values) == len(x_train) == 160 - 2 * n_test,
            f"The training set holds {len(x_train)} pictures; every picture not held out ({160 - 2 * n_test}) "
            "should be in it, once.")
    passed("detector split")
