"""fit() against a hand-written loop running the same training step, in one run.

    python benchmarks/fit_overhead.py

Both loops train the lecture 1 conv autoencoder on the same batches (the real MNIST test
set from ../shared/data when it is there, random digits otherwise). The runs alternate so
that drifts of the machine's speed hit both alike; the median of each is compared.
"""

import os
import statistics
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

from gancourse import steps
from gancourse.models import ConvAutoencoder
from gancourse.train import fit

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REPEATS = 5
N_IMAGES = 2048


def images():
    if (SHARED / "MNIST" / "raw").is_dir():
        os.environ["GANCOURSE_DATA_DIR"] = str(SHARED)
        from gancourse.data import mnist

        x, _ = mnist(train=False, limit=N_IMAGES).tensors()
        return x, "real MNIST test digits"
    return torch.rand(N_IMAGES, 1, 28, 28) * 2 - 1, "random digits (../shared/data not found)"


def main() -> int:
    x, source = images()
    loader = DataLoader(TensorDataset(x, torch.zeros(len(x))), batch_size=64, shuffle=True)

    def run(use_fit: bool) -> float:
        torch.manual_seed(0)
        model = ConvAutoencoder()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        started = time.perf_counter()
        if use_fit:
            fit(lambda batch: steps.autoencoder_step(model, optimizer, batch), loader, epochs=2, progress=False)
        else:
            for _ in range(2):
                for batch in loader:
                    steps.autoencoder_step(model, optimizer, batch)
        return time.perf_counter() - started

    run(True), run(False)  # warm-up: first-call allocations and thread pools
    times = {True: [], False: []}
    for _ in range(REPEATS):
        for use_fit in (True, False):
            times[use_fit].append(run(use_fit))
    fit_time, loop_time = statistics.median(times[True]), statistics.median(times[False])
    print(f"fit() overhead on {len(loader) * 2} steps of the conv autoencoder ({source}):")
    print(f"  hand-written loop {loop_time:.3f} s, fit() {fit_time:.3f} s (medians of {REPEATS})")
    print(f"  ratio fit / loop = {fit_time / loop_time:.3f} (target <= 1.03)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
