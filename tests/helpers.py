"""Paths and small makers the tests share."""

import gzip
import sys
from pathlib import Path

import numpy as np
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file (uint8) holding `array`, as LeCun's MNIST files do."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist_split(raw: Path, split: str, images: np.ndarray, labels: np.ndarray, gz: bool) -> list:
    """Write images [N, 28, 28] and labels [N] as `split`-images/labels IDX files into raw/."""
    raw.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, array, dims in (("images", images, 3), ("labels", labels, 1)):
        name = f"{split}-{kind}-idx{dims}-ubyte"
        content = idx_bytes(array)
        path = raw / (name + ".gz" if gz else name)
        path.write_bytes(gzip.compress(content) if gz else content)
        paths.append(path)
    return paths
