"""The house style: ruff's checks on the package, tests and benchmarks."""

import subprocess
import sys

from helpers import ROOT


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "gancourse", "tests", "benchmarks", "conftest.py"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
