"""The `gancourse` command: build, check and data, for instructors and set-up scripts."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _root(path: str) -> Path:
    root = Path(path).resolve()
    if not (root / "solutions").is_dir():
        sys.exit(f"gancourse: {root} has no solutions/ folder. Fix: run inside the course checkout or pass --root.")
    return root


def nbval_command(paths, sanitize: Path = SANITIZE) -> list:
    """pytest arguments that run nbval in strict mode on notebooks, in this Python environment."""
    return [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(sanitize),
            "-p", "no:cacheprovider", *map(str, paths)]


def cmd_build(args) -> int:
    from .build import build

    stale = build(_root(args.root), check=args.check)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path}")
    if args.check and stale:
        print("gancourse: generated files are out of date. Fix: run `gancourse build` and commit the result.")
        return 1
    print("up to date" if not stale else f"{len(stale)} file(s) written")
    return 0


def with_absolute_data_dir(env) -> dict:
    """env with a relative GANCOURSE_DATA_DIR made absolute from where the command was typed: every kernel runs
    in its notebook's folder, where `../shared/data` would name another folder."""
    env = dict(env)
    if env.get("GANCOURSE_DATA_DIR"):
        env["GANCOURSE_DATA_DIR"] = str(Path(env["GANCOURSE_DATA_DIR"]).expanduser().absolute())
    return env


def cmd_check(args) -> int:
    root = _root(args.root)
    paths = args.notebooks or sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb"))
    env = with_absolute_data_dir(os.environ)
    if args.full:
        env.pop("GANCOURSE_QUICK", None)
    else:
        env["GANCOURSE_QUICK"] = "1"
    # config.SEED_OFFSET, named here as a string: the course tooling imports nothing that imports torch
    env["GANCOURSE_SEED_OFFSET"] = str(args.seed_offset)
    return subprocess.call(nbval_command(paths), cwd=root, env=env)


def execute_notebook(path: Path) -> float:
    """Run a notebook top to bottom in quick mode, in its own folder, keep its outputs; return seconds."""
    import time

    import nbclient
    import nbformat

    os.environ.update(with_absolute_data_dir(os.environ), GANCOURSE_QUICK="1")  # the kernel inherits them
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    seconds = time.perf_counter() - started
    # Kept outputs stay small and readable without a live kernel: progress-bar widgets keep
    # their text form, and the saved widget state (most of the file's size) goes.
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps would make every re-run a diff
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    nbformat.write(nb, path)
    return seconds


def cmd_execute(args) -> int:
    """Run solution notebooks top to bottom in quick mode and keep their outputs (what nbval compares)."""
    for path in map(Path, args.notebooks):
        print(f"{path}: executed in quick mode in {execute_notebook(path):.1f} s")
    return 0


def cmd_data(args) -> int:
    """Download a dataset before class, and for Dogs vs. Cats also build the cache lecture 4 reads."""
    from .. import data

    try:
        if args.dataset == "mnist":
            for split in ("train", "valid", "test"):
                print(data.mnist(split))
        else:
            print(data.dogs_vs_cats(which="dogs", image_size=64))
    except data.DataUnavailableError as error:
        print(f"gancourse data {args.dataset}: {error}", file=sys.stderr)
        return 2
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="gancourse", description="Course tooling for gancourse.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="write notebooks/ (and the README table) from solutions/")
    p.add_argument("--check", action="store_true", help="write nothing; fail if a generated file is stale")
    p.add_argument("--root", default=".", help="the course checkout (default: here)")
    p.set_defaults(run=cmd_build)

    p = sub.add_parser("check", help="run nbval (strict) on the solution notebooks, quick mode by default")
    p.add_argument("notebooks", nargs="*", help="solution notebooks (default: all)")
    p.add_argument("--full", action="store_true", help="the lectures' real configuration (needs a GPU and data)")
    p.add_argument("--seed-offset", type=int, default=0, metavar="K",
                   help="add K to every seed: a compared verdict that fails here does not survive another seed")
    p.add_argument("--root", default=".", help="the course checkout (default: here)")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("execute", help="run solution notebooks in quick mode and keep the outputs")
    p.add_argument("notebooks", nargs="+")
    p.set_defaults(run=cmd_execute)

    p = sub.add_parser("data", help="download a dataset into the data folder (GANCOURSE_DATA_DIR or data/)")
    p.add_argument("dataset", choices=["mnist", "dogs-vs-cats"])
    p.set_defaults(run=cmd_data)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
