"""The facades pipeline (uint8 cache + batched jitter) against the reference's per-item PIL pipeline.

    python benchmarks/paired_jitter.py        # BENCH_SMOKE=1: 8 pairs, one epoch each

The reference (pytorch-CycleGAN-and-pix2pix `aligned_dataset.py`) opens every side-by-side JPEG
on every epoch, splits it, resizes both halves to 286 with bicubic, crops 256 at random, flips
at random, converts to tensors and normalises to [-1, 1]; it runs here in a DataLoader with 0 and
2 workers (Colab has two vCPUs) and the faster counts. Ours decodes once into a uint8 cache
(timed separately) and then takes each batch's crops and flips with one indexing operation.
On 255 side-by-side 512x256 JPEGs from ../shared/data/facades (whatever they show: the cost is
the same), else on made-up ones. Batch 1, as the paper trains. Target: >= 10x per epoch.
"""

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, is_smoke, smoke  # noqa: E402

FACADES = SHARED / "facades"
REPEATS = smoke(3, 1)
PAIRS = smoke(None, 8)  # None: every pair there is


class ReferencePairs(Dataset):
    """The reference's aligned dataset: per item, open, split, resize 286, crop 256, flip, to tensor, normalise."""

    def __init__(self, files):
        self.files = files
        self.to_tensor = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])

    def __len__(self):
        return len(self.files)

    def __getitem__(self, index):
        with Image.open(self.files[index]) as picture:
            pair = picture.convert("RGB")
        width, height = pair.size
        a, b = pair.crop((0, 0, width // 2, height)), pair.crop((width // 2, 0, width, height))
        top, left, flip = random.randint(0, 30), random.randint(0, 30), random.random() < 0.5

        def transform(half):
            half = half.resize((286, 286), Image.BICUBIC).crop((left, top, left + 256, top + 256))
            return self.to_tensor(half.transpose(Image.FLIP_LEFT_RIGHT) if flip else half)

        return transform(b), transform(a)


def pictures(folder: Path):
    files = sorted(FACADES.glob("*/*.jpg"))[:PAIRS]
    if files:
        return files, f"{len(files)} side-by-side JPEGs from ../shared/data/facades"
    from gancourse.data import cmp

    pairs = cmp.stand_in_pairs(PAIRS or 255, 256)
    for i, pair in enumerate(pairs):
        Image.fromarray(torch.cat([pair[0], pair[1]], dim=2).permute(1, 2, 0).numpy()).save(folder / f"{i}.jpg")
    return sorted(folder.glob("*.jpg")), f"{len(pairs)} made-up side-by-side JPEGs (../shared/data not found)"


def epoch_time(batches) -> float:
    started = time.perf_counter()
    for inputs, targets in batches:
        (inputs.float().sum() + targets.float().sum()).item()  # touch every batch as training would
    return time.perf_counter() - started


def main() -> int:
    from gancourse.data.paired import paired_images

    with tempfile.TemporaryDirectory() as tmp:
        files, source = pictures(Path(tmp))
        reference = {}
        for workers in (0, 2):
            loader = DataLoader(ReferencePairs(files), batch_size=1, shuffle=True, num_workers=workers)
            reference[workers] = statistics.median(epoch_time(loader) for _ in range(REPEATS))
        started = time.perf_counter()
        dataset = paired_images(files, 256, 286, "BtoA", source, Path(tmp) / "cache.pt")
        build = time.perf_counter() - started
        ours = statistics.median(epoch_time(dataset.batches(1)) for _ in range(REPEATS))
    best = min(reference.values())
    print(f"data: {source}; batch 1, 256 px crops of 286 px, random flips; median of {REPEATS} epochs")
    for workers, seconds in reference.items():
        print(f"  reference per-item PIL pipeline, {workers} workers: {seconds:6.2f} s per epoch")
    print(f"  uint8 cache + batched jitter:               {ours:6.2f} s per epoch (cache built in {build:.1f} s)")
    ratio = best / ours
    print(f"ratio: {ratio:.1f}x faster than the better reference setting (target >= 10x)")
    return 0 if ratio >= 10 or is_smoke() else 1  # a smoke-sized ratio measures start-up, not the pipeline


if __name__ == "__main__":
    sys.exit(main())
