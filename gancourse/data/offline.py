"""Offline stand-ins, used only when the real data cannot be had and the user allowed it.

They keep the shapes and the code path of the real datasets, so a notebook runs top to
bottom on a plane or in a test without network; they never replace the real data silently.
"""

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

# scikit-learn ships these 1,797 digits (UCI optical recognition set, 8x8, values 0-16).
TRAIN_FRACTION = 0.8


def sklearn_digits(train: bool):
    """scikit-learn's digits as MNIST-shaped uint8 images [N, 1, 28, 28] and int64 labels.

    MNIST centres each digit in a 20x20 box inside the 28x28 frame; the 8x8 digits are
    scaled to 20x20 and padded by 4 pixels to match.
    """
    digits = load_digits()
    images = torch.from_numpy(digits.images).float().unsqueeze(1) / 16
    images = F.interpolate(images, size=(20, 20), mode="bilinear", align_corners=False)
    images = F.pad(images, (4, 4, 4, 4))
    images = (images.clamp(0, 1) * 255).round().to(torch.uint8)
    labels = torch.from_numpy(digits.target).long()
    cut = int(len(images) * TRAIN_FRACTION)
    return (images[:cut], labels[:cut]) if train else (images[cut:], labels[cut:])
