"""fit() against a hand-written loop running the same training step, in one run.

    python benchmarks/fit_overhead.py        # BENCH_SMOKE=1: 128 digits, 32 dogs, one repeat

Two steps: the lecture 1 conv autoencoder on MNIST digits, and the lecture 4 DCGAN step on
64x64 dog pictures (the real MNIST test set and the real Dogs vs. Cats pictures from
../shared/data when it is there, made-up stand-ins otherwise). The DCGAN is the paper's
architecture at a quarter of its width (ngf = ndf = 16) so that the CPU runs enough steps
for a stable median. The runs alternate so that drifts of the machine's speed hit both
loops alike; the median of each is compared. Target: fit() within 3% of the plain loop.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

from gancourse import config, steps
from gancourse.models import ConvAutoencoder
from gancourse.models.gan import DCGANDiscriminator, DCGANGenerator
from gancourse.train import fit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, mnist_test_digits, smoke  # noqa: E402

REPEATS = smoke(5, 1)
DIGITS, DOGS = smoke(2048, 128), smoke(512, 32)


def digits():
    x, source = mnist_test_digits(DIGITS)
    if x is None:
        return torch.rand(DIGITS, 1, 28, 28) * 2 - 1, f"random digits ({source})"
    return x, source


def dogs():
    from gancourse.data import dogs_vs_cats

    with tempfile.TemporaryDirectory() as folder:
        os.environ["GANCOURSE_DATA_DIR"] = folder
        if (SHARED / "dogs-vs-cats" / "train").is_dir():
            (Path(folder) / "dogs-vs-cats").mkdir()
            (Path(folder) / "dogs-vs-cats" / "train").symlink_to(SHARED / "dogs-vs-cats" / "train")
            dataset = dogs_vs_cats("dogs", limit=DOGS)
        else:
            os.environ["GANCOURSE_OFFLINE"] = "1"
            dataset = dogs_vs_cats("dogs", limit=DOGS)
        return dataset.tensors()[0], dataset.source


def autoencoder_case():
    x, source = digits()
    loader = DataLoader(TensorDataset(x, torch.zeros(len(x))), batch_size=64, shuffle=True)

    def make_step():
        model = ConvAutoencoder()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        return lambda batch: steps.autoencoder_step(model, optimizer, batch)

    return f"the conv autoencoder ({source})", make_step, loader, 2


def dcgan_case():
    x, source = dogs()
    loader = DataLoader(TensorDataset(x, torch.zeros(len(x))), batch_size=32, shuffle=True, drop_last=True)

    def make_step():
        generator, discriminator = DCGANGenerator(ngf=16), DCGANDiscriminator(ndf=16)
        g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        return lambda batch: steps.gan_step(generator, discriminator, g_optimizer, d_optimizer, batch)

    return f"the DCGAN step, ngf = ndf = 16 ({source})", make_step, loader, 1


def measure(name, make_step, loader, epochs) -> float:
    def run(use_fit: bool) -> float:
        config.seed_everything(0)
        step = make_step()
        started = time.perf_counter()
        if use_fit:
            fit(step, loader, epochs=epochs, progress=False)
        else:
            for _ in range(epochs):
                for batch in loader:
                    step(batch)
        return time.perf_counter() - started

    run(True), run(False)  # warm-up: first-call allocations and thread pools
    times = {True: [], False: []}
    for _ in range(REPEATS):
        for use_fit in (True, False):
            times[use_fit].append(run(use_fit))
    fit_time, loop_time = statistics.median(times[True]), statistics.median(times[False])
    print(f"fit() overhead on {len(loader) * epochs} steps of {name}:")
    print(f"  hand-written loop {loop_time:.3f} s, fit() {fit_time:.3f} s (medians of {REPEATS})")
    print(f"  ratio fit / loop = {fit_time / loop_time:.3f} (target <= 1.03)")
    return fit_time / loop_time


def main() -> int:
    for case in (autoencoder_case, dcgan_case):
        measure(*case())
    return 0


if __name__ == "__main__":
    sys.exit(main())
