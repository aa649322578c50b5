"""The pix2pix datasets (Isola et al. 2017) as their authors publish them: NAME.tar.gz of side-by-side JPEGs.

Each archive unpacks to NAME/train, NAME/val (and for some NAME/test), every JPEG holding the
pair side by side, A on the left and B on the right. For `facades` (the CMP Facade Database,
Tylecek and Sara 2013): 400 train, 100 val and 106 test pairs of 512x256, A the photo and B
the label map; lecture 6 translates B to A, labels to photo.

Resolution order: NAME/<split>/ unpacked under the data folder (or, when that folder is not
ours to write, the same place in the user cache); else NAME.tar.gz put there by hand; else the
download. No checksum is published, so an archive counts as complete only once it has been read
to its end, with the expected folders, counts and picture sizes; it is unpacked into a temporary
folder with tarfile's "data" filter (PEP 706: no member may leave the folder or be a link out of
it) and renamed into place. Offline, or in quick mode without network, facades falls back to
label maps drawn by the package and "photos" rendered from them, announced.
"""

import functools
import re
import shutil
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .. import atomic, config
from . import cmp
from .archives import checked_by_hand, download, find_archive, homes
from .download import DataUnavailableError, DownloadError, announce
from .paired import PairedImages, decode_pair, load_size_for, paired_images

URLS = ("http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/{name}.tar.gz",)


@dataclass(frozen=True)
class Pix2PixSet:
    counts: dict  # pictures per split, as the archive holds them
    picture_size: tuple  # (width, height) of each side-by-side JPEG
    direction: str  # the direction the paper trains
    halves: tuple  # what A and B are


SETS = {
    "facades": Pix2PixSet({"train": 400, "val": 100, "test": 106}, (512, 256), "BtoA", ("photo", "label map")),
    "cityscapes": Pix2PixSet({"train": 2975, "val": 500}, (512, 256), "BtoA", ("photo", "label map")),
    "maps": Pix2PixSet({"train": 1096, "val": 1098}, (1200, 600), "AtoB", ("aerial photo", "map")),
    "edges2shoes": Pix2PixSet({"train": 49825, "val": 200}, (512, 256), "AtoB", ("edges", "photo")),
    "edges2handbags": Pix2PixSet({"train": 138567, "val": 200}, (512, 256), "AtoB", ("edges", "photo")),
}
PICTURE = re.compile(r"^[^/]+/(train|val|test)/[^/]+\.jpg$")
# A facades label map is mostly palette colours; anything under this is some other kind of pair.
LABEL_SHARE = 0.5


def _in_number_order(path: Path) -> list:
    """A sort key that puts 2.jpg before 10.jpg."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _jpegs(folder: Path) -> list:
    return sorted(folder.glob("*.jpg"), key=_in_number_order) if folder.is_dir() else []


def _set(name: str) -> Pix2PixSet:
    if name not in SETS:
        raise ValueError(f"{name!r} is not a pix2pix dataset. Choose one of: {', '.join(SETS)}.")
    return SETS[name]


def verify_archive(archive: Path, name: str) -> None:
    """Read `archive` to its end and check its folders, counts and picture sizes; raise DataUnavailableError if not."""
    expected = _set(name)
    counts, wrong_size = dict.fromkeys(expected.counts, 0), []
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:  # reading every member reaches the end of the gzip stream: a cut file fails here
                if not (member.isfile() and PICTURE.match(member.name) and member.name.startswith(name + "/")):
                    continue
                split = member.name.split("/")[1]
                counts[split] = counts.get(split, 0) + 1
                with Image.open(tar.extractfile(member)) as picture:  # reads the header only
                    if picture.size != expected.picture_size and len(wrong_size) < 3:
                        wrong_size.append(f"{member.name} is {picture.size[0]}x{picture.size[1]}")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise DataUnavailableError(f"{archive} is damaged or cut short ({error}).") from error
    if counts != expected.counts or wrong_size:
        found = ", ".join(f"{split} {n}" for split, n in counts.items())
        want = ", ".join(f"{split} {n}" for split, n in expected.counts.items())
        width, height = expected.picture_size
        sizes = f"; {'; '.join(wrong_size)}, not {width}x{height}" if wrong_size else ""
        raise DataUnavailableError(f"{archive} does not hold the published {name}: found {found} pictures "
                                   f"(expected {want}){sizes}.")


def unpack(archive: Path, name: str, target_root: Path) -> Path:
    """Unpack a verified `archive` into a temporary folder under `target_root`, rename it to NAME; return NAME/."""
    if not hasattr(tarfile, "data_filter"):
        raise DataUnavailableError(f"Python's tarfile has no 'data' filter here, so {archive} cannot be unpacked "
                                   "safely. Fix: use Python 3.10.12, 3.11.4, 3.12 or newer.")
    target_root.mkdir(parents=True, exist_ok=True)
    partial = atomic.temporary(target_root / name, "partial")
    shutil.rmtree(partial, ignore_errors=True)
    print(f"Unpacking {archive} ...")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(partial, filter="data")
    except tarfile.FilterError as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise DataUnavailableError(f"{archive} has a member that would be written outside {partial} ({error}); "
                                   "nothing was unpacked. Fix: delete the archive and download the published one.") \
            from error
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    atomic.move_into_place(partial / name, target_root / name)
    shutil.rmtree(partial, ignore_errors=True)
    return target_root / name


def _check_facades(files: list, folder: Path) -> None:
    """Refuse a folder called facades whose label halves are not CMP label maps (e.g. some other pairs)."""
    for path in files[:3]:
        share = cmp.label_share(decode_pair(path, 64)[1])  # the label half, small: colours are what counts
        if share < LABEL_SHARE:
            raise DataUnavailableError(
                f"{folder} does not hold the CMP facades: the right half of {path.name} has {share:.0%} of its "
                f"pixels in the CMP label colours, where a facades label map has over 90%. Fix: replace "
                f"{folder.parent} with the facades/ folder of {URLS[0].format(name='facades')}, or delete it to "
                "download that."
            )


def _local_copy(root: Path, name: str):
    """NAME/ under the data folder (or its place in the user cache) when it holds any split, else None."""
    return next((home / name for home in homes(root) if _splits_in(home / name, name)), None)


def _splits_in(folder: Path, name: str) -> list:
    return [split for split in _set(name).counts if _jpegs(folder / split)]


def held_out_split(name: str = "facades") -> str:
    """The split to evaluate on: "val" when the data at hand has it, else "test" (announced).

    The published archives have val/; a local copy rebuilt from the CycleGAN release (as the
    course machines' ../shared/data) has only train/ and test/. Either split is held out from
    training; using the one that exists keeps every split from the same source.
    """
    folder = _local_copy(config.data_dir(), name)
    if folder is None or _jpegs(folder / "val") or "test" not in _set(name).counts:
        return "val"
    announce(f"{folder} has no val/: evaluating on its test/ split ({len(_jpegs(folder / 'test'))} pairs), "
             "which training never sees either.")
    return "test"


def _check_side_by_side(files: list, folder: Path, name: str) -> None:
    """Refuse single pictures where pairs belong: a pix2pix JPEG is A and B side by side, twice as wide as high."""
    for path in files[:3]:
        with Image.open(path) as picture:  # reads the header only
            width, height = picture.size
        if width != 2 * height:
            raise DataUnavailableError(
                f"{path} is {width}x{height}, but {folder} should hold pairs side by side, twice as wide as high "
                f"({_set(name).picture_size[0]}x{_set(name).picture_size[1]} for {name}): single pictures, as the "
                f"CycleGAN release ships them, are not pairs. Fix: glue each A and B picture side by side into one "
                f"JPEG, or read the unpaired layout with cyclegan('{name}')."
            )


def _stand_in(split: str, image_size: int, load_size: int, direction: str, why: str) -> PairedImages:
    counts = SETS["facades"].counts
    seed = list(counts).index(split)  # each split its own drawings
    pairs = cmp.stand_in_pairs(counts[split], load_size, seed=seed)
    announce(f"facades not found ({why}); using label maps drawn by the package and made-up renderings of them "
             f"({sum(counts.values())} pairs, not photographs). Results will differ from the lecture's.")
    return PairedImages(pairs, image_size, direction, "offline stand-in: drawn facades, not photographs")


def pix2pix_dataset(name: str, split: str = "train", direction=None, image_size: int = 256, load_size=None):
    """A pix2pix dataset's split as PairedImages of (input, target) in [-1, 1].

    direction: "AtoB" or "BtoA"; by default the one the paper trains (facades: BtoA, labels ->
    photo). load_size: the size pictures are decoded to; by default the paper's jitter (286 for
    256) for train and the image size itself (no crop) for val and test, as the reference tests.
    """
    dataset = _set(name)
    if split not in dataset.counts:
        raise ValueError(f"{name} has the splits {', '.join(dataset.counts)}, not {split!r}.")
    direction = direction or dataset.direction
    load_size = load_size or (load_size_for(image_size) if split == "train" else image_size)
    root = config.data_dir()
    folder = _local_copy(root, name)
    if folder is not None and not _jpegs(folder / split):
        # One source per session: never this copy's training pictures beside a drawn or downloaded split.
        raise DataUnavailableError(
            f"{folder} holds {', '.join(_splits_in(folder, name))} but no {split}/ (a copy rebuilt from the CycleGAN "
            f"release has no val/). Fix: evaluate on a split it has, e.g. {name}('{held_out_split(name)}') "
            f"(held_out_split('{name}') picks it), or put the {split}/ folder of "
            f"{URLS[0].format(name=name)} into {folder}."
        )
    if folder is None:
        archive = find_archive(root, name, ".tar.gz")
        check = functools.partial(verify_archive, name=name)
        if archive is not None:
            archive = checked_by_hand(archive, check, URLS[0].format(name=name))
        else:  # a download is verified by fetch() before it is renamed into place
            if config.is_offline() and name == "facades":
                return _stand_in(split, image_size, load_size, direction, "GANCOURSE_OFFLINE=1")
            try:
                archive = download(root, name, ".tar.gz", URLS, check)
            except DownloadError as error:
                if config.is_quick() and name == "facades":
                    return _stand_in(split, image_size, load_size, direction, "quick mode, no download")
                raise DataUnavailableError(
                    f"{error}\nFix: download {URLS[0].format(name=name)} by hand into {root}"
                    + (", or set GANCOURSE_OFFLINE=1 to use drawn facades (not photographs)." if name == "facades"
                       else ".")
                ) from error
        folder = unpack(archive, name, config.writable(root))
    files = _jpegs(folder / split)
    if not files:
        raise DataUnavailableError(f"{folder / split} holds no JPEGs. Fix: delete {folder} and run again.")
    _check_side_by_side(files, folder / split, name)
    if name == "facades":
        _check_facades(files, folder / split)
    cache_file = config.writable(folder) / f"cache-{split}-{load_size}px.pt"
    a, b = dataset.halves
    translation = f"{a} -> {b}" if direction == "AtoB" else f"{b} -> {a}"
    return paired_images(files, image_size, load_size, direction, f"pix2pix {name} ({split}, {translation})",
                         cache_file)


def facades(split: str = "train", direction: str = "BtoA", image_size: int = 256, load_size=None) -> PairedImages:
    """The CMP facades of pix2pix: (label map, photo) pairs for the lecture's BtoA, in [-1, 1]."""
    return pix2pix_dataset("facades", split, direction, image_size, load_size)
