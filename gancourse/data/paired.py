"""Paired images for translation (lecture 6): decoded once, jittered per batch on the device.

A pix2pix JPEG holds two pictures side by side, A on the left and B on the right. Both halves
are resized once to the load size (286 for 256 px training, the paper's "random jitter") and
kept as uint8 [N, 2, 3, L, L]. Each training batch then takes a random crop of the image size
and a random horizontal flip, drawn per sample and shared by the two halves (the label map
must stay aligned with its photo), as slices of the stored pairs on the device. The reference
instead decodes, resizes, crops and flips every picture with PIL on every epoch.
"""

import math
from pathlib import Path

import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision.transforms import InterpolationMode
from torchvision.transforms.functional import pil_to_tensor, resize

from .cache import cached_images
from .download import DataUnavailableError

DIRECTIONS = ("AtoB", "BtoA")


def load_size_for(image_size: int) -> int:
    """The paper's load size for an image size: 286 for 256, in proportion for smaller ones (72 for 64)."""
    return round(image_size * 286 / 256)


def decode_pair(path: Path, size: int) -> torch.Tensor:
    """One side-by-side JPEG as uint8 [2, 3, size, size]: (A, B), each half resized with bicubic, as the reference."""
    try:
        with Image.open(path) as image:
            picture = image.convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise DataUnavailableError(
            f"{path} cannot be decoded as a picture ({error}): the file is damaged or cut short. Fix: delete the "
            "folder it is in and unpack the archive again."
        ) from error
    width, height = picture.size
    halves = picture.crop((0, 0, width // 2, height)), picture.crop((width // 2, 0, width, height))
    return torch.stack([pil_to_tensor(resize(half, [size, size], InterpolationMode.BICUBIC)) for half in halves])


def jitter(pairs: torch.Tensor, index: torch.Tensor, crop: int, tops, lefts, flips) -> torch.Tensor:
    """The pairs `index` of pairs [N, 2, 3, L, L], cropped to [top:top+crop, left:left+crop], mirrored where `flips`.

    Both halves of a pair get the same crop and flip; everything stays on the device of `pairs`.
    Single pictures [N, 3, L, L] (CycleGAN's domains) are cropped the same way.
    Each crop is a slice of the stored pair, copied once by the stack: on a CPU about 5x faster
    than gathering the chosen pairs first or indexing every pixel at once (benchmarks/paired_jitter.py).
    Returns uint8 [len(index), 2, 3, crop, crop].
    """
    pieces = []
    for i, top, left, flip in zip(index.tolist(), tops.tolist(), lefts.tolist(), flips.tolist(), strict=True):
        piece = pairs[i, ..., top:top + crop, left:left + crop]
        pieces.append(piece.flip(-1) if flip else piece)
    return torch.stack(pieces)


def random_crops(pictures: torch.Tensor, index: torch.Tensor, crop: int) -> torch.Tensor:
    """`jitter()` with a crop position and a flip drawn per picture from torch's global RNG (replayable by fit())."""
    n, room = len(index), pictures.shape[-1] - crop
    tops, lefts = torch.randint(0, room + 1, (2, n))
    return jitter(pictures, index, crop, tops, lefts, torch.rand(n) < 0.5)


def centre_crop(pictures: torch.Tensor, crop: int) -> torch.Tensor:
    """The central crop x crop pixels of pictures [..., L, L] (the validation view)."""
    offset = (pictures.shape[-1] - crop) // 2
    return pictures[..., offset:offset + crop, offset:offset + crop]


def moved_once(cache: dict, pictures: torch.Tensor, device) -> torch.Tensor:
    """`pictures` on `device`, moved the first time and kept in `cache` (uint8 facades at 286 px are 60 MB)."""
    device = torch.device(device or "cpu")
    if device not in cache:
        cache[device] = pictures.to(device)
    return cache[device]


def to_unit_range(pictures: torch.Tensor) -> torch.Tensor:
    return pictures.to(torch.float32).mul_(2 / 255).sub_(1)  # uint8 -> [-1, 1], the range of the generator's Tanh


class PairedImages(Dataset):
    """(input, target) pairs in [-1, 1], from uint8 pairs [N, 2, 3, L, L] held in memory.

    direction: "AtoB" (input = left half) or "BtoA" (input = right half; facades: labels -> photo).
    image_size: what the networks see; pictures are loaded at L >= image_size. Indexing returns
    the centre crop (validation); `batches()` gives jittered training batches on a device.
    """

    def __init__(self, pairs: torch.Tensor, image_size: int, direction: str, source: str):
        if direction not in DIRECTIONS:
            raise ValueError(f"direction={direction!r}: choose 'AtoB' or 'BtoA'.")
        if pairs.dtype != torch.uint8 or pairs.dim() != 5 or pairs.shape[1:3] != (2, 3):
            raise ValueError(f"pairs must be uint8 [N, 2, 3, L, L], got {pairs.dtype} {list(pairs.shape)}")
        if pairs.shape[-1] < image_size:
            raise ValueError(f"pictures loaded at {pairs.shape[-1]} px cannot be cropped to {image_size} px.")
        self.pairs, self.image_size, self.direction, self.source = pairs, image_size, direction, source
        self._on_device = {}

    def __len__(self) -> int:
        return len(self.pairs)

    def _split(self, pairs: torch.Tensor):
        a, b = to_unit_range(pairs[:, 0]), to_unit_range(pairs[:, 1])
        return (a, b) if self.direction == "AtoB" else (b, a)

    def __getitem__(self, index):
        inputs, targets = self._split(centre_crop(self.pairs[index:index + 1], self.image_size))
        return inputs[0], targets[0]

    def tensors(self, device=None):
        """All pairs, centre-cropped, as (inputs, targets) float tensors, e.g. to score a generator on val."""
        return self._split(centre_crop(self.on(device), self.image_size))

    def on(self, device) -> torch.Tensor:
        """The uint8 pairs on `device`, moved once."""
        return moved_once(self._on_device, self.pairs, device)

    def batches(self, batch_size: int, device=None, jitter: bool = True, shuffle: bool = True, drop_last=True):
        """An iterable of (input, target) batches on `device`, for `fit()`; its randomness is torch's global RNG."""
        return PairedBatches(self, batch_size, device, jitter, shuffle, drop_last)

    def __repr__(self) -> str:
        n, _, _, size, _ = self.pairs.shape
        return (f"PairedImages({n} pairs {self.direction}, loaded at {size} px, {self.image_size} px to the networks, "
                f"source: {self.source})")


class PairedBatches:
    """Batches of a PairedImages: a fresh order each epoch, random crop and flip per sample.

    All random numbers come from torch's global RNG, so fit() can replay an interrupted epoch.
    """

    def __init__(self, dataset: PairedImages, batch_size: int, device, jitter: bool, shuffle: bool, drop_last: bool):
        self.dataset, self.batch_size, self.device = dataset, batch_size, device
        self.jitter, self.shuffle, self.drop_last = jitter, shuffle, drop_last

    def __len__(self) -> int:
        n = len(self.dataset) / self.batch_size
        return math.floor(n) if self.drop_last else math.ceil(n)

    def __iter__(self):
        data, size = self.dataset.on(self.device), self.dataset.image_size
        order = torch.randperm(len(data)) if self.shuffle else torch.arange(len(data))
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = order[start:start + self.batch_size]
            if self.jitter:
                pairs = random_crops(data, index, size)
            else:
                pairs = centre_crop(data[index.to(data.device)], size)
            yield self.dataset._split(pairs)


def paired_images(files, image_size: int, load_size: int, direction: str, source: str, cache_file: Path):
    """PairedImages of side-by-side JPEGs `files`, decoded once into `cache_file`."""
    pairs = cached_images(files, load_size, cache_file, decoder=decode_pair)
    return PairedImages(pairs, image_size, direction, source)
