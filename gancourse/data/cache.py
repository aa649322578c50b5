"""Images decoded once into a uint8 tensor at the training size, then read from one file.

Decoding 25,000 JPEGs every epoch on Colab's two vCPUs keeps a GPU waiting; the decoded
64x64 pictures of Dogs vs. Cats fit in 300 MB as uint8. The cache remembers what it was
built from (the source folder, its files, their sizes and times, the image size) and is
rebuilt when any of these changes, so it can never serve stale pictures.
"""

import os
from pathlib import Path

import torch
from PIL import Image
from torchvision.transforms.functional import center_crop, pil_to_tensor, resize
from tqdm.auto import tqdm

from .. import atomic
from .download import DataUnavailableError

FORMAT = 1  # bump when the cache's content changes meaning


def decode(path: Path, size: int) -> torch.Tensor:
    """One picture as uint8 [3, size, size]: shorter side resized to `size` (antialiased), centre cropped.

    The same pixels as ImageFolder with Resize(size) + CenterCrop(size): the same decoder (PIL)
    and the same resampling. Resize with one number keeps the aspect ratio.
    """
    try:
        with Image.open(path) as image:
            picture = image.convert("RGB")  # decoding happens here: a cut-short JPEG fails here, not at open()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise DataUnavailableError(
            f"{path} cannot be decoded as a picture ({error}): the file is damaged or cut short. Fix: delete it, "
            "or unpack it again from the archive, then run again (the cache is only written once every "
            "picture decodes)."
        ) from error
    return pil_to_tensor(center_crop(resize(picture, size), [size, size]))


def _fingerprint(path) -> str:
    stat = os.stat(path)
    return f"{Path(path).name}:{stat.st_size}:{stat.st_mtime_ns}"


def source_key(files, size: int, decoder=None) -> dict:
    """What the cache depends on: every file's name, byte size and modification time, the size and the decoder."""
    return {
        "format": FORMAT,
        "size": size,
        "decoder": (decoder or decode).__qualname__,
        "files": [_fingerprint(f) for f in files],
        "folder": str(Path(files[0]).parent.resolve()) if files else "",
    }


def cached_images(files, size: int, cache_file: Path, progress: bool = True, decoder=None) -> torch.Tensor:
    """The pictures in `files` as uint8 [N, 3, size, size], from `cache_file` if it matches, else decoded and saved.

    decoder: `decoder(path, size)` -> uint8 tensor of one file; `decode` by default. Paired
    datasets pass one that returns both halves of a pix2pix JPEG, [2, 3, size, size].
    """
    files = list(files)
    decoder = decoder or decode  # looked up at call time, so a test may replace `decode`
    key = source_key(files, size, decoder)
    cache_file = Path(cache_file)
    if cache_file.is_file():
        try:
            saved = torch.load(cache_file, map_location="cpu", weights_only=True)
        except Exception:  # a cache from another torch or a torn file: rebuild it
            saved = None
        if saved is not None and saved.get("key") == key:
            return saved["images"]
        print(f"Rebuilding {cache_file.name}: the source files or the image size changed.")
    images = None
    for i, path in enumerate(tqdm(files, desc=f"decoding to {size}x{size}", disable=not progress)):
        picture = decoder(path, size)
        if images is None:
            images = torch.empty(len(files), *picture.shape, dtype=torch.uint8)
        images[i] = picture
    atomic.save({"key": key, "images": images}, cache_file)  # two kernels building it at once both write it whole
    return images
