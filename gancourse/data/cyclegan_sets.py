"""The CycleGAN datasets (Zhu et al. 2017) as their authors publish them, and cats <-> dogs for the limits.

http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/NAME.zip unpacks to NAME/trainA, trainB,
testA and testB: two folders of pictures per split, one per domain, with no pairing between
them (horse2zebra: A horses, B zebras). The address the paper's README gave first
(people.eecs.berkeley.edu/~taesung_park) now answers 404; it stays as the second mirror only.

Resolution order: NAME/ unpacked under the data folder (or its stand-in in the user cache);
else NAME.zip put there by hand; else the download. A zip counts as complete only once it has
been read to its end (every member's CRC), with the four folders, the published counts and, where
one is known, the size and SHA-256; only members named NAME/<folder>/<picture> are written, under
their own base name, into a temporary folder renamed into place at the end. Offline, or in quick
mode without network, an announced stand-in drawn by the package: brown shapes <-> striped ones.
facades is pix2pix's facades without the pairing: with neither its CycleGAN folder nor its zip at
hand, it is served as pix2pix's pairs cut in half (their local copy, download or drawn stand-in).
"""

import functools
import hashlib
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import torch

from .. import atomic, config
from .archives import checked_by_hand, download, find_archive, homes
from .cache import cached_images
from .dogs_vs_cats import dogs_vs_cats
from .download import DataUnavailableError, DownloadError, announce
from .paired import load_size_for
from .pix2pix import pix2pix_dataset
from .unpaired import UnpairedImages

URLS = ("http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{name}.zip",
        "https://people.eecs.berkeley.edu/~taesung_park/CycleGAN/datasets/{name}.zip")
FOLDERS = ("trainA", "trainB", "testA", "testB")
SPLITS = {"train": ("trainA", "trainB"), "test": ("testA", "testB")}


@dataclass(frozen=True)
class CycleGANSet:
    domains: tuple  # what A and B hold
    counts: dict | None = None  # pictures per folder, where published figures are at hand
    size: int | None = None  # bytes of the zip
    sha256: str | None = None


SETS = {
    # Counts, size and SHA-256 as TensorFlow Datasets recorded them for the same zip.
    "horse2zebra": CycleGANSet(("horse", "zebra"), {"trainA": 1067, "trainB": 1334, "testA": 120, "testB": 140},
                               116_867_962, "a74d9d392eecca9966b51287a76ca126af473d9de4f3e8fc0e9cda08fa1730a1"),
    "facades": CycleGANSet(("photo", "label map"), {"trainA": 400, "trainB": 400, "testA": 106, "testB": 106}),
    # The others: the layout is checked (four folders of pictures); their counts are not pinned here.
    "apple2orange": CycleGANSet(("apple", "orange")),
    "summer2winter_yosemite": CycleGANSet(("summer", "winter")),
    "monet2photo": CycleGANSet(("Monet painting", "photo")),
    "cezanne2photo": CycleGANSet(("Cezanne painting", "photo")),
    "ukiyoe2photo": CycleGANSet(("Ukiyo-e print", "photo")),
    "vangogh2photo": CycleGANSet(("Van Gogh painting", "photo")),
    "maps": CycleGANSet(("aerial photo", "map")),
    "cityscapes": CycleGANSet(("photo", "label map")),
    "iphone2dslr_flower": CycleGANSet(("iPhone photo", "DSLR photo")),
}
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png")


def _set(name: str) -> CycleGANSet:
    if name not in SETS:
        raise ValueError(f"{name!r} is not a CycleGAN dataset. Choose one of: {', '.join(SETS)}.")
    return SETS[name]


def _picture(member: str, name: str):
    """The folder of a zip member that is a picture of NAME/<folder>/, else None."""
    parts = PurePosixPath(member).parts
    if len(parts) == 3 and parts[0] == name and parts[1] in FOLDERS and parts[2].lower().endswith(PICTURE_SUFFIXES):
        return parts[1]
    return None


def _leaves(member: str) -> bool:
    """Whether a member's path would leave the folder it is unpacked into (absolute, a drive, or '..')."""
    path = PurePosixPath(member.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", member) is not None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_archive(archive: Path, name: str) -> None:
    """Check size and SHA-256 (where known), every member's CRC, the layout and the counts; raise if any fails."""
    expected = _set(name)
    archive = Path(archive)
    if expected.size is not None and archive.stat().st_size != expected.size:
        raise DataUnavailableError(f"{archive} has {archive.stat().st_size:,} bytes, the published {name}.zip "
                                   f"{expected.size:,}: it was cut short or is another file.")
    if expected.sha256 is not None and _sha256(archive) != expected.sha256:
        raise DataUnavailableError(f"{archive} has the size of the published {name}.zip but not its SHA-256.")
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.namelist()
            leaving = [m for m in members if _leaves(m)]
            if leaving:
                raise DataUnavailableError(f"{archive} has members that would be written outside its folder "
                                           f"({leaving[0]}); nothing was unpacked.")
            broken = zipped.testzip()  # reads every member to its end and checks its CRC
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise DataUnavailableError(f"{archive} is damaged or cut short ({error}).") from error
    if broken is not None:
        raise DataUnavailableError(f"{archive} is damaged: {broken} fails its CRC check.")
    counts = dict.fromkeys(FOLDERS, 0)
    for member in members:
        folder = _picture(member, name)
        if folder:
            counts[folder] += 1
    found = ", ".join(f"{folder} {n}" for folder, n in counts.items())
    if expected.counts is not None and counts != expected.counts:
        want = ", ".join(f"{folder} {n}" for folder, n in expected.counts.items())
        raise DataUnavailableError(f"{archive} does not hold the published {name}: found {found} (expected {want}).")
    if not all(counts.values()):
        raise DataUnavailableError(f"{archive} does not have the layout {name}/trainA, trainB, testA, testB with "
                                   f"pictures in each: found {found}.")


def unpack(archive: Path, name: str, target_root: Path) -> Path:
    """Write the pictures of a verified zip to a temporary folder, rename it to NAME; return NAME/."""
    target_root.mkdir(parents=True, exist_ok=True)
    partial = atomic.temporary(target_root / name, "partial")
    shutil.rmtree(partial, ignore_errors=True)
    print(f"Unpacking {archive} ...")
    try:
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.namelist():
                folder = _picture(member, name)
                if folder is None:  # anything else (a __MACOSX folder, a path leaving the folder) is never written
                    continue
                (partial / folder).mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, open(partial / folder / PurePosixPath(member).name, "wb") as out:
                    shutil.copyfileobj(source, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if not _unpacked_here(target_root, name):  # a folder without all its pictures; a complete one may be in use
        shutil.rmtree(target_root / name, ignore_errors=True)
    return atomic.move_into_place(partial, target_root / name)


def _pictures(folder: Path) -> list:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PICTURE_SUFFIXES)


def _unpacked_here(home: Path, name: str) -> bool:
    return all(_pictures(home / name / folder) for folder in FOLDERS)


def _unpacked(root: Path, name: str):
    return next((home / name for home in homes(root) if _unpacked_here(home, name)), None)


def _draw_shapes(n: int, size: int, striped: bool, seed: int) -> torch.Tensor:
    """n drawn "horses" (striped: "zebras") on grass, uint8 [n, 3, size, size].

    One ellipse, brown (or in black and white bands at a random angle), on a grass-green ground
    with blotches and grain. The colours belong to the content, as in photos: the generators'
    instance norm removes each channel's mean, so a colour that is pure chance (a random plain
    background) could never be restored by F(G(x)), while grass can be recognised as grass.
    """
    generator = torch.Generator().manual_seed(seed)
    rows, cols = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")

    def uniform(low, high, shape=(n,)):
        return low + (high - low) * torch.rand(shape, generator=generator)

    def column(*rgb):
        return torch.tensor(rgb).view(1, 3, 1, 1)

    centre_y, centre_x = uniform(0.35, 0.65) * size, uniform(0.35, 0.65) * size
    radius_y, radius_x = uniform(0.16, 0.3) * size, uniform(0.2, 0.34) * size
    inside = (((rows - centre_y.view(-1, 1, 1)) / radius_y.view(-1, 1, 1)) ** 2
              + ((cols - centre_x.view(-1, 1, 1)) / radius_x.view(-1, 1, 1)) ** 2) <= 1
    blotches = torch.nn.functional.interpolate(uniform(-1, 1, (n, 1, 4, 4)), size=(size, size), mode="bilinear")
    grain = uniform(-1, 1, (n, 1, size, size))
    grass = (column(0.35, 0.55, 0.2) + 0.08 * blotches + 0.05 * grain).expand(n, 3, size, size)
    if striped:  # black and white bands at a random angle and width, as a zebra's
        angle, period = uniform(0, 3.1416), uniform(0.12, 0.18) * size
        phase = rows * torch.cos(angle).view(-1, 1, 1) + cols * torch.sin(angle).view(-1, 1, 1)
        bands = ((phase / period.view(-1, 1, 1)) % 1 < 0.5).float().unsqueeze(1)
        body = (bands * 0.9 + 0.05).expand(n, 3, size, size)
    else:  # a horse's brown, a little lighter or darker from one picture to the next
        body = (column(0.5, 0.3, 0.15) * uniform(0.7, 1.3, (n, 1, 1, 1))).expand(n, 3, size, size)
    pictures = torch.where(inside.unsqueeze(1), body + 0.03 * grain, grass).clamp(0, 1)
    return (pictures * 255).round().to(torch.uint8)


def stand_in(split: str, image_size: int, load_size: int, why: str, limit=None) -> UnpairedImages:
    """Drawn brown shapes (A) <-> the same kind of shapes in zebra stripes (B), on grass: "add the stripes"."""
    n = min(400 if split == "train" else 100, limit or 400)
    seed = 0 if split == "train" else 2
    announce(f"CycleGAN data not found ({why}); using shapes drawn by the package: brown (A) and striped (B), "
             f"{n} of each, not photographs. Results will differ from the lecture's.")
    return UnpairedImages(_draw_shapes(n, load_size, False, seed), _draw_shapes(n, load_size, True, seed + 1),
                          image_size, "offline stand-in: drawn shapes, brown <-> striped, not photographs",
                          ("brown shape", "striped shape"))


def _default_load_size(split: str, image_size: int) -> int:
    return load_size_for(image_size) if split == "train" else image_size  # jitter for training, as the reference


def cyclegan(name: str, split: str = "train", image_size: int = 256, load_size=None, limit=None) -> UnpairedImages:
    """A CycleGAN dataset's split as UnpairedImages: domain_a (X, e.g. horses) and domain_b (Y, zebras), in [-1, 1].

    Pictures are resized to load_size (by default 286 for 256 px training, the reference's
    jitter; the image size itself for test) and cached as uint8; training batches crop and flip.
    limit: keep the first `limit` pictures of each domain (quick mode).
    """
    dataset = _set(name)
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: choose 'train' or 'test'.")
    load_size = load_size or _default_load_size(split, image_size)
    root = config.data_dir()
    folder = _unpacked(root, name)
    if folder is None:
        archive = find_archive(root, name, ".zip")
        check = functools.partial(verify_archive, name=name)
        if archive is not None:
            archive = checked_by_hand(archive, check, URLS[0].format(name=name))
        elif name == "facades":  # the same pictures: one copy, one download and one stand-in for both lectures
            return _halves_of_pairs(split, image_size, load_size, limit)
        else:
            if config.is_offline():
                return stand_in(split, image_size, load_size, "GANCOURSE_OFFLINE=1", limit)
            try:
                archive = download(root, name, ".zip", URLS, check)
            except DownloadError as error:
                if config.is_quick():
                    return stand_in(split, image_size, load_size, f"quick mode, no download of {name}", limit)
                raise DataUnavailableError(f"{error}\nFix: download {URLS[0].format(name=name)} by hand into {root}, "
                                           "or set GANCOURSE_OFFLINE=1 to use drawn shapes (not photographs).") \
                    from error
        folder = unpack(archive, name, config.writable(root))
    domains = []
    for side in SPLITS[split]:
        files = _pictures(folder / side)[:limit]
        first = "" if limit is None else f"-first{limit}"
        cache_file = config.writable(folder) / f"cache-{side}{first}-{load_size}px.pt"
        domains.append(cached_images(files, load_size, cache_file))
    a, b = dataset.domains
    return UnpairedImages(*domains, image_size, f"CycleGAN {name} ({split}: {a} <-> {b})", (a, b))


def _halves_of_pairs(split: str, image_size: int, load_size: int, limit=None) -> UnpairedImages:
    """pix2pix's facades pairs cut into two domains: photos (A, left halves) and label maps (B, right).

    The same pictures as CycleGAN's facades release. Training draws each domain in its own random
    order, so the pairing is never used; both domains keep the pairs' order, so a test translation
    can still be scored against its true partner (lecture 7's comparison with pix2pix).
    """
    paired = pix2pix_dataset("facades", split, "AtoB", image_size, load_size)
    pairs = paired.pairs[:limit]
    announce(f"cyclegan('facades'): no CycleGAN copy of facades; serving the halves of pix2pix's pairs "
             f"({paired.source}) as two domains, photos and label maps ({len(pairs)} of each), whose pairing "
             "training never uses.")
    return UnpairedImages(pairs[:, 0].contiguous(), pairs[:, 1].contiguous(), image_size,
                          f"the halves of {paired.source}", SETS["facades"].domains)


def cats_and_dogs(split: str = "train", image_size: int = 64, load_size=None, per_class: int = 1000,
                  n_test: int = 100) -> UnpairedImages:
    """Kaggle's cats (A) and dogs (B) as two unpaired domains: the lecture's "cat <-> dog usually fails".

    The first `per_class` pictures of each class (the shared copy has 1,000), the last `n_test`
    of them kept apart as the test split. Through dogs_vs_cats(), so a missing copy is handled
    as in lecture 4 (download, or announced cartoon pets in quick mode).
    """
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: choose 'train' or 'test'.")
    load_size = load_size or _default_load_size(split, image_size)
    domains = []
    for which in ("cats", "dogs"):
        pictures = dogs_vs_cats(which, image_size=load_size, limit=per_class)
        train, test = pictures.data[:-n_test], pictures.data[-n_test:]
        domains.append(train if split == "train" else test)
    source = pictures.source.replace("(dogs)", f"({split}: cats <-> dogs)")
    return UnpairedImages(*domains, image_size, source, ("cat", "dog"))
