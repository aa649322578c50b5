"""Each solution notebook run top to bottom in quick mode, against its budget: 90 s, 120 s for GAN training.

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
GAN_BUDGET_SECONDS = 120  # DESIGN.md: a notebook that trains GANs may take this long
GAN_NOTEBOOKS = ("03_gan", "04_dcgan", "05_cgan", "06_pix2pix", "07_cyclegan", "08_wgan")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
            copy = Path(folder) / path.name
            shutil.copy(path, copy)
            seconds = execute_notebook(copy)
            budget = GAN_BUDGET_SECONDS if path.stem in GAN_NOTEBOOKS else BUDGET_SECONDS
            print(f"{path.name}: {seconds:5.1f} s in quick mode, {seconds / budget:.2f} of the "
                  f"{budget} s budget (kernel start included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
