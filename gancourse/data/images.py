"""A dataset of uint8 images held in memory, scaled to floats on the way out.

Every dataset of the course ends up here: MNIST's 28x28 digits, the offline stand-ins,
and later the decoded image caches. Keeping uint8 in memory costs a quarter of float32
and the scaling is one multiply per batch.
"""

import torch
from torch.utils.data import Dataset

VALUE_RANGES = {(-1, 1): "for Tanh outputs (autoencoders, GANs)", (0, 1): "for Sigmoid/BCE outputs (the VAE)"}


class ImageDataset(Dataset):
    """uint8 images [N, C, H, W] with integer labels, returned as floats in `value_range`.

    `source` says where the images came from (a real dataset or a named stand-in), so a
    notebook can print it next to its results.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, classes, source: str, value_range=(-1, 1)):
        value_range = tuple(value_range)
        if value_range not in VALUE_RANGES:
            choices = "; ".join(f"{r} {why}" for r, why in VALUE_RANGES.items())
            raise ValueError(f"value_range={value_range} is not supported. Choose one of: {choices}.")
        if images.dtype != torch.uint8 or images.dim() != 4:
            raise ValueError(f"images must be uint8 [N, C, H, W], got {images.dtype} {list(images.shape)}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.data = images
        self.targets = labels
        self.classes = list(classes)
        self.source = source
        self.value_range = value_range

    def __len__(self) -> int:
        return len(self.data)

    def scale(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 -> float in this dataset's value range."""
        x = images.float() / 255
        return x * 2 - 1 if self.value_range == (-1, 1) else x

    def __getitem__(self, index):
        return self.scale(self.data[index]), int(self.targets[index])

    def tensors(self):
        """All images as one float tensor and all labels, e.g. for a t-SNE or Parzen set."""
        return self.scale(self.data), self.targets.clone()

    def __repr__(self) -> str:
        n, c, h, w = self.data.shape
        values = list(self.value_range)
        return f"{type(self).__name__}({n} images {c}x{h}x{w}, values in {values}, source: {self.source})"
