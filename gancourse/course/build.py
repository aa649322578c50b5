"""`gancourse build`: student notebooks generated from the solution notebooks.

solutions/NN_topic.ipynb is the single source. In notebooks/NN_topic.ipynb every region
between `### BEGIN SOLUTION` and `### END SOLUTION` (nbgrader's markers) becomes a
placeholder that raises NotImplementedError, outputs are cleared, and the cells tagged
`gancourse-setup` and `gancourse-badge` are written from `settings`, in both notebooks.
The README's notebook table is written from the same setting.
"""

import re
from pathlib import Path

import nbformat

from . import settings

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SETUP_TAG, BADGE_TAG = "gancourse-setup", "gancourse-badge"
TABLE_START, TABLE_END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"
NBVAL_MARKERS = {"# NBVAL_IGNORE_OUTPUT", "# NBVAL_CHECK_OUTPUT", "# NBVAL_SKIP", "# NBVAL_RAISES_EXCEPTION"}


class BuildError(ValueError):
    """A solution notebook breaks the conventions; the message names the notebook and cell."""


def colab_url(folder: str, name: str) -> str:
    return f"https://colab.research.google.com/github/{settings.REPOSITORY}/blob/{settings.BRANCH}/{folder}/{name}"


def badge(folder: str, name: str) -> str:
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(folder, name)})"


def setup_source() -> str:
    return "\n".join([
        "# NBVAL_IGNORE_OUTPUT",
        "# Set-up. On Colab this installs the course package; locally `make lab` has done it.",
        "# --no-deps keeps Colab's own torch and ipywidgets 7.7.1: replacing either breaks the runtime.",
        "try:",
        "    import google.colab  # noqa: F401  (only Colab has it)",
        "    IN_COLAB = True",
        "except ImportError:",
        "    IN_COLAB = False",
        "if IN_COLAB:",
        f'    %pip install --quiet --no-deps "gancourse @ git+https://github.com/{settings.REPOSITORY}@{settings.BRANCH}"',
        "from gancourse import versions",
        "",
        "versions.report()  # what this runtime has, beside what the course was tested with; warns outside that",
    ])


def strip_solutions(source: str, where: str = "cell") -> str:
    """Replace each solution region by a placeholder indented like its BEGIN marker.

    nbval's markers go too: they are for the instructors' checks, not for students.
    """
    out, inside = [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker in NBVAL_MARKERS:
            continue
        if marker == BEGIN:
            if inside:
                raise BuildError(f"{where}: {BEGIN} inside another solution region")
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
            inside = True
        elif marker == END:
            if not inside:
                raise BuildError(f"{where}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise BuildError(f"{where}: {BEGIN} is never closed by {END}")
    return "\n".join(out)


def is_exercise(cell) -> bool:
    return cell.cell_type == "code" and BEGIN in cell.source


def _tagged(cell, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def refresh_generated_cells(nb, folder: str, name: str) -> None:
    """Write the setup and badge cells of `nb` (which lives in `folder`) from the settings."""
    tags = {SETUP_TAG: 0, BADGE_TAG: 0}
    for cell in nb.cells:
        if _tagged(cell, SETUP_TAG):
            cell.source = setup_source()
            tags[SETUP_TAG] += 1
        elif _tagged(cell, BADGE_TAG):
            cell.source = badge(folder, name)
            tags[BADGE_TAG] += 1
    for tag, count in tags.items():
        if count != 1:
            raise BuildError(f"{folder}/{name}: needs exactly one cell tagged '{tag}', found {count}")


def student_version(solution, name: str):
    """The student notebook for a solution notebook (a new object; the solution is untouched)."""
    nb = nbformat.reads(nbformat.writes(solution), as_version=4)  # a deep copy with nbformat's types
    refresh_generated_cells(nb, "notebooks", name)
    if not any(is_exercise(cell) for cell in nb.cells):
        raise BuildError(f"solutions/{name} has no exercise ({BEGIN} ... {END})")
    # Only what every kernel shares: the executing machine's Python version does not belong here.
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, f"solutions/{name} cell {index}")
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    return nb


def notebook_title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.MULTILINE)
            if match:
                return match.group(1).strip()
    return "(untitled)"


def readme_table(solutions: dict) -> str:
    rows = ["| # | notebook | student version | solution |", "|---|---|---|---|"]
    for name, nb in solutions.items():
        number = name.split("_", 1)[0]
        rows.append(f"| {number} | {notebook_title(nb)} | {badge('notebooks', name)} | {badge('solutions', name)} |")
    return "\n".join(rows)


def render(root: Path) -> dict:
    """Every file the build owns, {path: text}, as it should be now."""
    root = Path(root)
    files, solutions = {}, {}
    for path in sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb")):
        solution = nbformat.read(path, as_version=4)
        refresh_generated_cells(solution, "solutions", path.name)
        solutions[path.name] = solution
        files[path] = nbformat.writes(solution) + "\n"
        files[root / "notebooks" / path.name] = nbformat.writes(student_version(solution, path.name)) + "\n"
    readme = root / "README.md"
    text = readme.read_text()
    if TABLE_START not in text or TABLE_END not in text:
        raise BuildError(f"README.md needs the markers {TABLE_START} and {TABLE_END} around the notebook table")
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    files[readme] = f"{head}{TABLE_START}\n{readme_table(solutions)}\n{TABLE_END}{tail}"
    return files


def build(root: Path, check: bool = False) -> list:
    """Write the generated files; with check=True write nothing and return those that differ."""
    stale = []
    for path, text in render(root).items():
        if not path.exists() or path.read_text() != text:
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    return stale
