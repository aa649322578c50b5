"""Unpaired images for CycleGAN (lecture 7): two domains, each its own pictures and its own length.

Each domain is decoded once to the load size and kept as uint8 [N, 3, L, L], like lecture 6's
pairs. A training batch takes a picture of X and one of Y that have nothing to do with each
other: X in a fresh random order each epoch, Y drawn at random, as the reference's unaligned
dataset does, each with its own random crop and flip (nothing needs to stay aligned).
"""

import math

import torch
from torch.utils.data import Dataset

from .paired import centre_crop, moved_once, random_crops, to_unit_range


class Domain(Dataset):
    """The pictures of one domain, uint8 [N, 3, L, L]; indexing and tensors() give centre crops in [-1, 1]."""

    def __init__(self, pictures: torch.Tensor, image_size: int, name: str):
        if pictures.dtype != torch.uint8 or pictures.dim() != 4 or pictures.shape[1] != 3:
            raise ValueError(f"{name}: pictures must be uint8 [N, 3, L, L], got {pictures.dtype} "
                             f"{list(pictures.shape)}")
        if pictures.shape[-1] < image_size:
            raise ValueError(f"{name}: pictures loaded at {pictures.shape[-1]} px cannot be cropped to "
                             f"{image_size} px.")
        self.pictures, self.image_size, self.name = pictures, image_size, name
        self._on_device = {}

    def __len__(self) -> int:
        return len(self.pictures)

    def __getitem__(self, index) -> torch.Tensor:
        return to_unit_range(centre_crop(self.pictures[index:index + 1], self.image_size))[0]

    def on(self, device) -> torch.Tensor:
        """The uint8 pictures on `device`, moved once."""
        return moved_once(self._on_device, self.pictures, device)

    def tensors(self, device=None) -> torch.Tensor:
        """All pictures, centre-cropped, as one float tensor in [-1, 1] (e.g. the test pictures to translate)."""
        return to_unit_range(centre_crop(self.on(device), self.image_size))

    def __repr__(self) -> str:
        return f"Domain({self.name}: {len(self)} pictures)"


class UnpairedImages:
    """Two domains of pictures, X = domain_a and Y = domain_b, with no pairing between them."""

    def __init__(self, domain_a: torch.Tensor, domain_b: torch.Tensor, image_size: int, source: str,
                 names=("A", "B")):
        self.domain_a = Domain(domain_a, image_size, names[0])
        self.domain_b = Domain(domain_b, image_size, names[1])
        self.image_size, self.source = image_size, source

    def batches(self, batch_size: int = 1, device=None, jitter: bool = True):
        """(x, y) batches on `device` for fit(), max(|X|, |Y|) // batch_size per epoch; torch's global RNG."""
        return UnpairedBatches(self, batch_size, device, jitter)

    def __repr__(self) -> str:
        size = self.domain_a.pictures.shape[-1]
        return (f"UnpairedImages({self.domain_a.name}: {len(self.domain_a)}, {self.domain_b.name}: "
                f"{len(self.domain_b)}; loaded at {size} px, {self.image_size} px to the networks; "
                f"source: {self.source})")


class UnpairedBatches:
    """An epoch has max(|X|, |Y|) pictures of each domain: X in random orders (more than one when X is the
    smaller domain), Y drawn at random."""

    def __init__(self, data: UnpairedImages, batch_size: int, device, jitter: bool):
        self.data, self.batch_size, self.device, self.jitter = data, batch_size, device, jitter

    def __len__(self) -> int:
        return max(len(self.data.domain_a), len(self.data.domain_b)) // self.batch_size

    def _take(self, domain: Domain, index: torch.Tensor) -> torch.Tensor:
        pictures = domain.on(self.device)
        if not self.jitter:
            return to_unit_range(centre_crop(pictures[index.to(pictures.device)], domain.image_size))
        return to_unit_range(random_crops(pictures, index, domain.image_size))

    def __iter__(self):
        a, b = self.data.domain_a, self.data.domain_b
        total = len(self) * self.batch_size
        # X: one or more random orders of all its pictures; Y: independent random draws (the reference's way)
        order_a = torch.cat([torch.randperm(len(a)) for _ in range(math.ceil(total / len(a)))])[:total]
        order_b = torch.randint(len(b), (total,))
        for start in range(0, total, self.batch_size):
            stop = start + self.batch_size
            yield self._take(a, order_a[start:stop]), self._take(b, order_b[start:stop])
