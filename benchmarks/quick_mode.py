"""Each solution notebook run top to bottom in quick mode, against the 90 s budget.

    python benchmarks/quick_mode.py

The budget (DESIGN.md) is what a 2-core CPU may spend per notebook when the tests run it.
The notebooks are run from temporary copies, so the committed outputs stay as they are.
"""

import shutil
import sys
import tempfile
from pathlib import Path

from gancourse.course.cli import execute_notebook

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 90


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
            copy = Path(folder) / path.name
            shutil.copy(path, copy)
            seconds = execute_notebook(copy)
            print(f"{path.name}: {seconds:5.1f} s in quick mode, {seconds / BUDGET_SECONDS:.2f} of the "
                  f"{BUDGET_SECONDS} s budget (kernel start included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
