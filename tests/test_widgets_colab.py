"""The explorers under Colab's ipywidgets 7.7.1, next to the venv's ipywidgets 8.

`make test` installs ipywidgets 7.7.1 (without dependencies) into .venv/ipywidgets-7.7.1; this
test runs tests/test_widgets.py and tests/test_diffusion_widgets.py in a fresh interpreter with that
copy first on the path, so every explorer is driven through the 7.7 API too. Skips when the copy is missing.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

IPYWIDGETS_7 = Path(sys.prefix) / "ipywidgets-7.7.1"


@pytest.mark.skipif(not (IPYWIDGETS_7 / "ipywidgets").is_dir(), reason=f"no {IPYWIDGETS_7}: run `make test`")
def test_the_explorers_work_with_colabs_ipywidgets():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(IPYWIDGETS_7), os.environ.get("PYTHONPATH", "")])}
    version = subprocess.run([sys.executable, "-c", "import ipywidgets; print(ipywidgets.__version__)"],
                             env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert version == "7.7.1"
    # ipywidgets 7.7's Comm warns on every widget about ipykernel's newer API; Colab users see the same.
    quiet = ["-W", "ignore::DeprecationWarning", "-o", "addopts=", "-p", "no:cacheprovider"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *quiet, "tests/test_widgets.py", "tests/test_diffusion_widgets.py"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
