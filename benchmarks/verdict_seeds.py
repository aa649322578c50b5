"""Do the notebooks' compared verdicts survive other seeds? nbval on every solution, seeds moved by 1 and 2.

    python benchmarks/verdict_seeds.py                   # every notebook, about half an hour on 2 cores
    python benchmarks/verdict_seeds.py 07_cyclegan       # some of them
    BENCH_SMOKE=1 python benchmarks/verdict_seeds.py     # a one-cell notebook whose verdict is a coin flip

Each run is `gancourse check --seed-offset K` (quick mode, strict nbval against the committed
outputs): every seed the notebook sets moves by K, so the networks start elsewhere and see other
noise. A compared cell that fails is a verdict (or a number) that depends on the seed: decide it on
a wider margin, or move it to an ignored cell and say it is what one run shows. Cells that differ
for other reasons (a shape, a count) would fail too, and are just as wrong.
"""

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import is_smoke, smoke  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OFFSETS = smoke((1, 2), (1,))


def changed_cells(root: Path, notebook: Path, offset: int) -> list:
    """nbval's failed items for one notebook at one seed offset: ['Cell 15', ...]."""
    command = [sys.executable, "-m", "gancourse.course.cli", "check", "--root", str(root), "--seed-offset", str(offset),
               str(notebook)]
    output = subprocess.run(command, cwd=root, capture_output=True, text=True).stdout
    return sorted(set(re.findall(r"^FAILED \S+::(Cell \d+)", output, flags=re.MULTILINE)),
                  key=lambda name: int(name.split()[1]))


def coin_flip_course(folder: Path) -> Path:
    (folder / "solutions").mkdir()
    path = folder / "solutions" / "00_coin.ipynb"
    code = "import random\nfrom gancourse import config\nconfig.seed_everything(0)\nprint(random.random() < 0.5)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbformat.write(nb, path)
    from gancourse.course.cli import execute_notebook

    execute_notebook(path)
    return folder


def main(names) -> int:
    with tempfile.TemporaryDirectory() as folder:
        root = coin_flip_course(Path(folder)) if is_smoke() else ROOT
        notebooks = sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb"))
        notebooks = [path for path in notebooks if not names or path.stem in names]
        flipped = 0
        for path in notebooks:
            for offset in OFFSETS:
                started = time.perf_counter()
                cells = changed_cells(root, path, offset)
                flipped += bool(cells)
                found = f"compared cells that changed: {', '.join(cells)}" if cells else "all as committed"
                print(f"{path.stem}, seeds + {offset}: {found} ({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"{flipped} of {len(notebooks) * len(OFFSETS)} runs changed a compared cell")
    if is_smoke():  # the coin flip must be caught, or this script could not catch anything
        return 0 if flipped else 1
    return 1 if flipped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
