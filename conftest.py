"""Test-wide settings: quick mode for every notebook and test, no data settings from outside.

At the top level so that it also applies to the solution notebooks nbval collects.
"""

import os

os.environ["GANCOURSE_QUICK"] = "1"
os.environ.pop("GANCOURSE_OFFLINE", None)
os.environ.pop("GANCOURSE_DATA_DIR", None)

# nbval waits at most 5 s (hard-coded) between a cell's output messages once the cell has finished;
# on a busy 2-core machine a training cell's burst of progress-bar messages arrived later than that
# once (05_cgan, "Timeout of 5 seconds exceeded waiting for output"), failing a cell that had run.
NBVAL_OUTPUT_TIMEOUT_SECONDS = 60


def pytest_collection_modifyitems(items):
    for item in items:
        if hasattr(item, "output_timeout"):  # nbval's notebook cells
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT_SECONDS
