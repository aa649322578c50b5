"""Test-wide settings: quick mode for every notebook and test, no data settings from outside.

At the top level so that it also applies to the solution notebooks nbval collects. The solution
notebooks read `../shared/data` (real facades, real Dogs vs. Cats) where that folder is beside the
checkout, as on the course machines and in CI: their committed outputs were executed so. Every
other test sees no data folder from outside.
"""

import os
from pathlib import Path

import pytest

os.environ["GANCOURSE_QUICK"] = "1"
os.environ.pop("GANCOURSE_OFFLINE", None)
os.environ.pop("GANCOURSE_DATA_DIR", None)

# nbval waits at most 5 s (hard-coded) between a cell's output messages once the cell has finished;
# on a busy 2-core machine a training cell's burst of progress-bar messages arrived later than that
# once (05_cgan, "Timeout of 5 seconds exceeded waiting for output"), failing a cell that had run.
NBVAL_OUTPUT_TIMEOUT_SECONDS = 60
SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"


def is_notebook_cell(item) -> bool:
    return hasattr(item, "output_timeout")  # nbval's items have it


def pytest_collection_modifyitems(items):
    for item in items:
        if is_notebook_cell(item):
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT_SECONDS


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before nbval's setup starts a notebook's kernel, which inherits the environment.
    if is_notebook_cell(item) and SHARED_DATA.is_dir():
        os.environ["GANCOURSE_DATA_DIR"] = str(SHARED_DATA)
    else:
        os.environ.pop("GANCOURSE_DATA_DIR", None)
