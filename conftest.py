"""Test-wide settings: quick mode for every notebook and test, no data settings from outside.

At the top level so that it also applies to the solution notebooks nbval collects.
"""

import os

os.environ["GANCOURSE_QUICK"] = "1"
os.environ.pop("GANCOURSE_OFFLINE", None)
os.environ.pop("GANCOURSE_DATA_DIR", None)
