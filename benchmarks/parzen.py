"""The Parzen-window estimator on the paper's problem size, against scikit-learn, in one run.

    python benchmarks/parzen.py        # BENCH_SMOKE=1: 300 x 300 x 784

The problem: 10,000 test points x 10,000 samples x 784 pixels at sigma = 0.2 (the real MNIST
test digits from ../shared/data when present, random pictures otherwise; the "samples" are the
same digits shifted by one pixel). Reported:

- time of `parzen.log_likelihood` on the whole problem, and its ratio to the matrix-product
  roofline: 2 N K d flops at the float64 GEMM rate measured here;
- scikit-learn's KernelDensity (Gaussian kernel, the same bandwidth), timed on a subset of the
  test points and scaled to 10,000: the speed reference (target: ours at least 50x faster).
  It uses the ball tree: on MNIST, the kd-tree that algorithm="auto" picks returns values
  hundreds of nats off for some points (scikit-learn issues #7492 and #27186);
- the largest difference to an exact float64 brute force (direct differences, scipy's
  logsumexp) on a subset (target: under 1e-4 nats), and scikit-learn's, for comparison;
- the peak memory the full problem adds to the process (target: under 2 GiB).
"""

import math
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.special import logsumexp
from sklearn.neighbors import KernelDensity

from gancourse import parzen

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import mnist_test_digits, smoke  # noqa: E402

N = K = smoke(10_000, 300)
SIGMA = 0.2
SKLEARN_POINTS = smoke(100, 10)
EXACT_POINTS = smoke(200, 20)
GEMM = smoke(2048, 256)


def problem():
    x, source = mnist_test_digits(N, value_range=(0, 1))
    if x is None:
        x = torch.rand(N, 784, generator=torch.Generator().manual_seed(0))
        source = f"random pictures ({source})"
    x = x.flatten(1)
    samples = torch.roll(x.view(-1, 28, 28), shifts=1, dims=2).reshape(len(x), -1)[:K]
    return x, samples, source


def gemm_rate() -> float:
    """float64 matrix-product flops per second on blocks like the estimator's."""
    a, b = torch.rand(GEMM, 784, dtype=torch.float64), torch.rand(784, GEMM, dtype=torch.float64)
    a @ b
    runs, started = 10, time.perf_counter()
    for _ in range(runs):
        a @ b
    return runs * 2 * GEMM * GEMM * 784 / (time.perf_counter() - started)


def exact(x, samples) -> np.ndarray:
    """log p(x) from direct differences in float64, 50 samples' worth of memory at a time."""
    x, mu = x.double().numpy(), samples.double().numpy()
    d = x.shape[1]
    out = []
    for row in x:
        squared = ((mu - row) ** 2).sum(1)
        out.append(logsumexp(-squared / (2 * SIGMA**2)))
    return np.array(out) - math.log(len(mu)) - d * math.log(SIGMA * math.sqrt(2 * math.pi))


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux reports KiB


def main() -> int:
    x, samples, source = problem()
    rate = gemm_rate()
    before = peak_rss_gib()
    started = time.perf_counter()
    ours = parzen.log_likelihood(x, samples, SIGMA)
    ours_time = time.perf_counter() - started
    added = peak_rss_gib() - before
    roofline = 2 * N * K * 784 / rate

    kde = KernelDensity(kernel="gaussian", bandwidth=SIGMA, algorithm="ball_tree").fit(samples.double().numpy())
    started = time.perf_counter()
    theirs = kde.score_samples(x[:SKLEARN_POINTS].double().numpy())
    sklearn_time = (time.perf_counter() - started) * N / SKLEARN_POINTS

    reference = exact(x[:EXACT_POINTS], samples)
    ours_error = np.abs(ours[:EXACT_POINTS].numpy() - reference).max()
    sklearn_errors = np.abs(theirs - reference[:SKLEARN_POINTS])

    print(f"Parzen window, {N:,} points x {K:,} samples x 784 pixels, sigma {SIGMA} ({source}), "
          f"{torch.get_num_threads()} threads:")
    print(f"  gancourse.parzen:      {ours_time:8.2f} s   mean log p = {ours.mean():.2f} nats")
    print(f"  roofline (GEMM {rate / 1e9:.1f} GFLOP/s float64): {roofline:.2f} s -> ours / roofline = "
          f"{ours_time / roofline:.2f}")
    print(f"  scikit-learn KDE:      {sklearn_time:8.1f} s   (timed on {SKLEARN_POINTS} points, scaled)")
    print(f"  speed-up over scikit-learn: {sklearn_time / ours_time:.0f}x (target >= 50x)")
    print(f"  largest difference to exact float64 ({EXACT_POINTS} points): ours {ours_error:.2e} nats "
          f"(target < 1e-4)")
    print(f"  scikit-learn against exact ({SKLEARN_POINTS} points): median {np.median(sklearn_errors):.2e} nats, "
          f"largest {sklearn_errors.max():.2e}, {(sklearn_errors > 1).sum()} points off by more than 1 nat")
    print(f"  peak memory added by the full problem: {added:.2f} GiB (target < 2 GiB); the whole process peaked "
          f"at {peak_rss_gib():.2f} GiB, {before:.2f} GiB of it Python, torch and the data before the call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
