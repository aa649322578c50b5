"""Kaggle's Dogs vs. Cats (the `dogs-vs-cats` competition), the DCGAN lecture's pictures.

Layout, as Kaggle serves it: the competition download `dogs-vs-cats.zip` holds `train.zip`
(and `test1.zip`, unlabelled), and `train.zip` holds a flat `train/` folder of 25,000 JPEGs
named `cat.N.jpg` and `dog.N.jpg`, 12,500 of each. The label is in the file name.

Resolution order: `<data dir>/dogs-vs-cats/train/` unpacked; else `dogs-vs-cats.zip` or
`train.zip` in `<data dir>/dogs-vs-cats/` or `<data dir>/` (downloaded by hand), unpacked;
else a download through the Kaggle API; else, only offline or in quick mode, made-up
cartoon pets, announced. The pictures are then decoded once into a uint8 cache.
"""

import re
import shutil
import zipfile
from pathlib import Path

import torch

from .. import atomic, config
from .cache import cached_images
from .download import DataUnavailableError, announce
from .images import ImageDataset
from .kaggle import download_competition
from .offline import cartoon_pets

COMPETITION = "dogs-vs-cats"
CLASSES = ["cat", "dog"]
WHICH = {"cats": ("cat",), "dogs": ("dog",), "both": ("cat", "dog")}
IMAGE_NAME = re.compile(r"^(?:train/)?(cat|dog)\.(\d+)\.jpg$")
ARCHIVES = ("dogs-vs-cats.zip", "train.zip")


def image_files(folder: Path, which: str = "both") -> list:
    """The competition's pictures in `folder`, cats then dogs, each in numeric order."""
    found = []
    for path in Path(folder).iterdir():
        match = IMAGE_NAME.match(path.name)
        if match and match.group(1) in WHICH[which]:
            found.append((CLASSES.index(match.group(1)), int(match.group(2)), path))
    return [path for *_, path in sorted(found)]


def _find_archive(root: Path):
    for folder in (root / COMPETITION, root):
        for name in ARCHIVES:
            if (folder / name).is_file():
                return folder / name
    return None


def unpack(archive: Path, folder: Path) -> Path:
    """Unpack the pictures of `archive` (the competition zip or train.zip) into `folder`/train.

    Only members named like `train/cat.N.jpg` are written, under their base name, so no path
    can leave the folder. Everything goes to a temporary folder first, and the rename into
    place comes last: a half-unpacked folder never counts as the dataset.
    """
    folder.mkdir(parents=True, exist_ok=True)
    partial = atomic.temporary(folder / "train", "partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    print(f"Unpacking {archive} ...")
    try:
        with zipfile.ZipFile(archive) as outer:
            names = outer.namelist()
            if "train.zip" in names:  # the competition download: train.zip inside
                with outer.open("train.zip") as inner_file, open(partial / "train.zip", "wb") as out:
                    shutil.copyfileobj(inner_file, out, 1 << 20)
                inner = partial / "train.zip"
            else:
                inner = archive
        with zipfile.ZipFile(inner) as images:
            members = [m for m in images.namelist() if IMAGE_NAME.match(m)]
            if not members:
                raise DataUnavailableError(
                    f"{archive} holds no train/cat.N.jpg or train/dog.N.jpg. Fix: use Kaggle's dogs-vs-cats.zip "
                    f"or its train.zip from https://www.kaggle.com/competitions/{COMPETITION}/data."
                )
            for member in members:
                with images.open(member) as source, open(partial / Path(member).name, "wb") as out:
                    shutil.copyfileobj(source, out)  # raises BadZipFile on a CRC mismatch
        if inner != archive:
            inner.unlink()
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise DataUnavailableError(f"{archive} is damaged or incomplete ({error}). Fix: delete it and download "
                                   "it again.") from error
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return atomic.move_into_place(partial, folder / "train")


def _cache_file(root: Path, which: str, size: int) -> Path:
    """Beside the pictures when the data folder is ours; in the user cache for a shared or read-only copy."""
    return config.writable(root / COMPETITION) / f"cache-{which}-{size}px.pt"


def _stand_in(which: str, image_size: int, value_range, limit, root: Path, why: str) -> ImageDataset:
    images, labels = cartoon_pets(2 * (limit or 256), image_size)  # half cats, half dogs
    keep = torch.isin(labels, torch.tensor([CLASSES.index(c) for c in WHICH[which]]))
    images, labels = images[keep], labels[keep]
    announce(f"Dogs vs. Cats not found in {root / COMPETITION} ({why}); using made-up cartoon pets "
             f"instead ({len(images)} pictures). Results will differ from the lecture's.")
    return ImageDataset(images, labels, CLASSES, "offline stand-in: cartoon pets", value_range)


def dogs_vs_cats(which: str = "both", image_size: int = 64, value_range=(-1, 1), limit: int | None = None):
    """Kaggle's Dogs vs. Cats training pictures as an ImageDataset of uint8 [3, image_size, image_size].

    which: "cats", "dogs" or "both" (labels 0 = cat, 1 = dog). limit: keep the first `limit`
    of each class (quick mode). The first call decodes every picture once (here the shared
    200x200 copies decode at about 1,100 a second; the full-size photos take longer); later
    calls read the cache in a second.
    """
    if which not in WHICH:
        raise ValueError(f"which={which!r}: choose 'cats', 'dogs' or 'both'.")
    root = config.data_dir()
    folder = root / COMPETITION / "train"
    if not (folder.is_dir() and image_files(folder)):
        archive = _find_archive(root)
        if archive is None:
            if config.is_offline():
                return _stand_in(which, image_size, value_range, limit, root, "GANCOURSE_OFFLINE=1")
            try:
                archive = download_competition(COMPETITION, root / COMPETITION)
            except DataUnavailableError as error:
                if config.is_quick():
                    return _stand_in(which, image_size, value_range, limit, root,
                                     f"quick mode, {type(error).__name__}")
                # the same error type (KaggleRulesError, ...), with one more way out
                raise type(error)(
                    f"{error}\n\nOr put Kaggle's dogs-vs-cats.zip (or its train.zip) into {root / COMPETITION}, "
                    "or set GANCOURSE_OFFLINE=1 to use made-up cartoon pets (not photographs)."
                ) from error
        folder = unpack(archive, root / COMPETITION)

    files = image_files(folder, which)
    if limit is not None:
        files = [f for c in WHICH[which] for f in [p for p in files if p.name.startswith(c + ".")][:limit]]
    labels = [CLASSES.index(path.name.split(".")[0]) for path in files]
    name = which if limit is None else f"{which}-first{limit}"
    images = cached_images(files, image_size, _cache_file(root, name, image_size))
    return ImageDataset(images, torch.tensor(labels), CLASSES, f"Kaggle Dogs vs. Cats ({which})", value_range)
