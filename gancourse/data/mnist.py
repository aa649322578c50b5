"""MNIST, found locally, downloaded, or (offline only) replaced by an announced stand-in.

The mirrors, file names and checksums are torchvision's (`torchvision.datasets.MNIST`),
and so is the layout: `<data dir>/MNIST/raw/`. The files are read here, gzipped or not,
because a shared read-only copy (like the course machines' `../shared/data`) holds only
the `.gz` files that torchvision would otherwise unpack in place.
"""

import gzip
from pathlib import Path

import numpy as np
import torch
from torchvision.datasets import MNIST as TorchvisionMNIST

from .. import config
from .download import DataUnavailableError, DownloadError, announce, fetch
from .images import ImageDataset
from .offline import sklearn_digits

CLASSES = [str(digit) for digit in range(10)]
IDX_UINT8 = 0x08


class IdxFormatError(ValueError):
    """An IDX file is truncated or is not an IDX file; the message names the fix."""


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (LeCun's MNIST format), plain or gzipped, checking its length."""
    path = Path(path)
    fix = f"Fix: delete {path} and call mnist() again to download it anew, or copy it again."
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            content = f.read()
    except (EOFError, gzip.BadGzipFile, OSError) as error:
        raise IdxFormatError(f"{path} cannot be read ({error}); it is probably cut short. {fix}") from error
    if len(content) < 4 or content[:2] != b"\0\0" or content[2] != IDX_UINT8:
        raise IdxFormatError(f"{path} is not an IDX file of uint8 values. {fix}")
    ndim = content[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(content[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(content) != expected:
        raise IdxFormatError(
            f"{path} holds {len(content):,} bytes but its header promises {expected:,} "
            f"(shape {shape}): the file is truncated or damaged. {fix}"
        )
    return np.frombuffer(content, dtype=np.uint8, offset=header).reshape(shape)


def _resources(split: str):
    """(file name, md5) of the images and labels of `split` ('train' or 't10k'), from torchvision."""
    return [(name, md5) for name, md5 in TorchvisionMNIST.resources if name.startswith(split)]


def _local(raw: Path, gz_name: str):
    """The local copy of a file, unpacked or gzipped, or None."""
    for candidate in (raw / gz_name[: -len(".gz")], raw / gz_name):
        if candidate.is_file():
            return candidate
    return None


def mnist(train: bool = True, value_range=(-1, 1), limit: int | None = None) -> ImageDataset:
    """The MNIST digits as an `ImageDataset` of [1, 28, 28] images and their labels.

    value_range: (-1, 1) for Tanh decoders and GANs, (0, 1) for the VAE's Bernoulli/BCE decoder.
    limit: keep only the first `limit` images (quick mode).

    Resolution order: the files in `<data dir>/MNIST/raw/`; then a download from
    torchvision's mirrors, verified by MD5; then, only with GANCOURSE_OFFLINE=1 or in quick
    mode without a network, scikit-learn's 8x8 digits scaled to 28x28, announced.
    """
    split = "train" if train else "t10k"
    raw = config.data_dir() / "MNIST" / "raw"
    resources = _resources(split)
    paths = [_local(raw, name) for name, _ in resources]

    if None in paths and not config.is_offline():
        try:
            paths = [path or fetch([mirror + name for mirror in TorchvisionMNIST.mirrors], raw / name, md5)
                     for path, (name, md5) in zip(paths, resources, strict=True)]
        except DownloadError as error:
            if not config.is_quick():
                names = ", ".join(name for name, _ in resources)
                raise DataUnavailableError(
                    f"MNIST is not in {raw} and the download failed ({error}).\nFix: put {names} "
                    f"(gzipped or unpacked) into {raw}, or set GANCOURSE_DATA_DIR to a folder whose "
                    "MNIST/raw holds them; or set GANCOURSE_OFFLINE=1 to use a small offline stand-in "
                    "(not MNIST: results will differ from the lecture)."
                ) from error

    if None in paths:
        images, labels = sklearn_digits(train)
        why = "GANCOURSE_OFFLINE=1" if config.is_offline() else "quick mode without network"
        stand_in = "offline stand-in: scikit-learn's 8x8 digits scaled to 28x28"
        source = f"{stand_in} ({'first 80%' if train else 'last 20%'} as the {split} split)"
        announce(f"MNIST not found in {raw} ({why}); using the {stand_in}. Results will differ from the lecture's.")
    else:
        image_path, label_path = paths
        images = torch.from_numpy(read_idx(image_path).copy()).unsqueeze(1)
        labels = torch.from_numpy(read_idx(label_path).astype(np.int64))
        if images.shape[1:] != (1, 28, 28) or len(images) != len(labels):
            raise IdxFormatError(
                f"{image_path} and {label_path} do not form an MNIST split "
                f"({list(images.shape)} images, {len(labels)} labels). Fix: replace them with the originals."
            )
        source = f"MNIST {split} set"

    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return ImageDataset(images, labels, CLASSES, source, value_range)
