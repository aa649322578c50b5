"""Every benchmark runs at its smoke size, so that a renamed argument fails here and not in `make bench`.

The smoke size (BENCH_SMOKE=1, benchmarks/common.py) goes through the same code path as the
measurement on a problem small enough for a few seconds; the ratios it prints mean nothing.
"""

import os
import subprocess
import sys

import pytest
from helpers import ROOT

BENCHMARKS = sorted(path.name for path in (ROOT / "benchmarks").glob("*.py") if path.name != "common.py")


def test_every_benchmark_is_listed():
    assert "parzen.py" in BENCHMARKS and len(BENCHMARKS) >= 10


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_at_its_smoke_size(name):
    env = {key: value for key, value in os.environ.items() if not key.startswith("GANCOURSE_")}
    # as `make bench` runs them, at the smoke size; offline: the lecture 8 benchmarks' full-mode MNIST
    # would otherwise try a download (the docstrings say to set it on a machine without MNIST)
    env.update(BENCH_SMOKE="1", GANCOURSE_OFFLINE="1", MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, f"benchmarks/{name}"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, f"{name} failed at its smoke size:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.stdout.strip(), f"{name} printed nothing"
