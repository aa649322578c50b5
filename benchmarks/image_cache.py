"""The uint8 tensor cache against ImageFolder decoding, one epoch each, in one run.

    python benchmarks/image_cache.py        # BENCH_SMOKE=1: 64 pictures, one repeat

On the real Dogs vs. Cats pictures in ../shared/data (2,000 JPEGs in the competition's flat
layout; made-up JPEGs written to a temporary folder when it is absent). ImageFolder gets the
lecture's transform (Resize(64), CenterCrop(64), ToTensor, Normalize 0.5) and the class
sub-folders it needs (symbolic links); it runs with 0 and with 2 loader workers (Colab has
two vCPUs) and the faster counts. The cache is built once (timed separately), then every
epoch reads it. Target: one cached epoch at least 10x faster than one ImageFolder epoch.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, smoke  # noqa: E402

REPEATS = smoke(3, 1)
BATCH = 128
PER_CLASS = smoke(1000, 32)


def pictures(folder: Path):
    """The competition's flat train/ folder: PER_CLASS of each class, real from ../shared/data or made up."""
    train = folder / "pictures"
    train.mkdir()
    if (SHARED / "dogs-vs-cats" / "train").is_dir():
        for cls in ("cat", "dog"):
            for i in range(PER_CLASS):
                (train / f"{cls}.{i}.jpg").symlink_to(SHARED / "dogs-vs-cats" / "train" / f"{cls}.{i}.jpg")
        return train, f"{2 * PER_CLASS:,} real Dogs vs. Cats pictures from ../shared/data"
    from gancourse.data.offline import cartoon_pets

    images, labels = cartoon_pets(2 * PER_CLASS, size=200)
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        name = f"{'dog' if label else 'cat'}.{i}.jpg"
        Image.fromarray(image.permute(1, 2, 0).numpy()).save(train / name, quality=90)
    return train, f"{2 * PER_CLASS:,} made-up 200x200 JPEGs (../shared/data not found)"


def epoch_time(loader) -> float:
    started = time.perf_counter()
    for images, _ in loader:
        images.float().sum()  # touch every batch as training would
    return time.perf_counter() - started


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        train, source = pictures(tmp)
        # ImageFolder wants one sub-folder per class
        for cls in ("cat", "dog"):
            (tmp / "images" / cls).mkdir(parents=True)
        for path in train.iterdir():
            (tmp / "images" / path.name.split(".")[0] / path.name).symlink_to(path.resolve())
        transform = transforms.Compose([transforms.Resize(64), transforms.CenterCrop(64), transforms.ToTensor(),
                                        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
        folder_set = datasets.ImageFolder(tmp / "images", transform=transform)

        os.environ["GANCOURSE_DATA_DIR"] = str(tmp)
        (tmp / "dogs-vs-cats").mkdir()
        (tmp / "dogs-vs-cats" / "train").symlink_to(train)
        from gancourse.data import dogs_vs_cats

        started = time.perf_counter()
        cached = dogs_vs_cats("both", image_size=64)
        build = time.perf_counter() - started

        # The same pixels either way (same decoder, same resampling): compare one picture.
        cat_zero = folder_set.samples.index((str(tmp / "images" / "cat" / "cat.0.jpg"), 0))
        difference = (folder_set[cat_zero][0] - cached[0][0]).abs().max().item()

        folder_times = {}
        for workers in (0, 2):
            loader = DataLoader(folder_set, batch_size=BATCH, shuffle=True, num_workers=workers)
            folder_times[workers] = statistics.median(epoch_time(loader) for _ in range(REPEATS))
        cache_time = statistics.median(
            epoch_time(DataLoader(cached, batch_size=BATCH, shuffle=True)) for _ in range(REPEATS))

    best_workers = min(folder_times, key=folder_times.get)
    ratio = folder_times[best_workers] / cache_time
    print(f"One epoch of {len(cached)} pictures at 64x64 ({source}), batches of {BATCH}, medians of {REPEATS}:")
    for workers, seconds in folder_times.items():
        print(f"  ImageFolder, {workers} workers: {seconds:.3f} s")
    print(f"  uint8 cache:                {cache_time:.3f} s   (built once in {build:.1f} s)")
    print(f"  ratio ImageFolder / cache = {ratio:.1f}x (target >= 10x); largest pixel difference {difference:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
