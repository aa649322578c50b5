"""What every benchmark shares: the smoke size, and where the real data for a measurement lies.

BENCH_SMOKE=1 runs a benchmark at its smoke size: the smallest problem that goes through the
same code path in a few seconds. The suite runs every benchmark so (tests/test_benchmarks.py),
so that a renamed argument breaks CI instead of `make bench`; its ratios mean nothing then.
"""

import os
import time
from pathlib import Path

import torch

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def is_smoke() -> bool:
    return os.environ.get("BENCH_SMOKE", "") == "1"


def smoke(full, small):
    """`full` in a real measurement, `small` at the smoke size (as config.quick is for notebooks)."""
    return small if is_smoke() else full


def seconds_per_call(call, device: torch.device, warm_up: int, timed: int) -> float:
    """The mean wall-clock seconds of `call()` over `timed` calls after `warm_up` untimed ones.

    On CUDA the queue is drained before and after the timed calls: kernels run asynchronously,
    and without it the clock would stop before the work does.
    """
    for _ in range(warm_up):
        call()
    if device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(timed):
        call()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - started) / timed


def mnist_test_digits(n: int, value_range=(-1, 1)):
    """(the first n real MNIST test digits as floats [n, 1, 28, 28], a description), or (None, why not).

    Read straight from the IDX files: ../shared/data holds only MNIST's test split, and
    gancourse.data.mnist() serves all three splits from one source or none.
    """
    from gancourse.data.mnist import read_idx

    path = SHARED / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz"
    if not path.is_file():
        return None, "../shared/data not found"
    low, high = value_range
    pixels = torch.from_numpy(read_idx(path)[:n].copy()).unsqueeze(1).float() / 255
    return pixels * (high - low) + low, "real MNIST test digits"


def adam_trainer(model, loss_of, lr: float = 1e-3):
    """A call that takes one Adam step on loss_of(model): what the full-mode benchmarks time as a training step."""
    optimizer = torch.optim.Adam(model.parameters(), lr)

    def step():
        loss = loss_of(model)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step
