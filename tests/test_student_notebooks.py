"""Each student notebook, run top to bottom in quick mode, fails at each exercise with
NotImplementedError, and nowhere else.

One kernel per notebook walks it as a student does: every cell runs in order; at each exercise
the placeholder runs first, and the first error must then be that exercise's NotImplementedError,
in its own cell or in the check cell that follows it. Then the solution goes in, as the student's
answer would, the exercise cell and its check run again and must pass, and the walk goes on to
the next exercise. So exercise k is met with exercises 1..k-1 solved and nothing else changed.
The walk stops after the last exercise's check: the cells after it are the solution notebook's,
which nbval runs. Anything else that fails on the way (a NameError, a missing import, a broken
check) fails the test.
"""

import nbclient
import nbformat
import pytest
from helpers import ROOT

from gancourse.course import build

NOTEBOOKS = [path.name for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))]


def error_of(cell):
    return next((o for o in cell.get("outputs", []) if o.output_type == "error"), None)


def run(client, nb, index):
    """Execute cell `index`; return its error output, or None when it ran cleanly."""
    try:
        client.execute_cell(nb.cells[index], index)
    except nbclient.exceptions.CellExecutionError:
        pass
    return error_of(nb.cells[index])


def where(name, index, k):
    return f"{name}, cell {index} (on the way to exercise {k + 1})"


@pytest.mark.parametrize("name", NOTEBOOKS, ids=[n[:-6] for n in NOTEBOOKS])
def test_each_exercise_is_where_the_student_version_fails(name):
    solution = nbformat.read(ROOT / "solutions" / name, as_version=4)
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    exercises = [i for i, c in enumerate(solution.cells) if build.is_exercise(c)]
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT / "notebooks")}})
    with client.setup_kernel():
        start = 0
        for k, exercise in enumerate(exercises):
            check_cell = exercise + 1
            assert "checks.check_" in nb.cells[check_cell].source, f"{name}: exercise {k + 1} has no check after it"
            for index in range(start, exercise):
                if nb.cells[index].cell_type == "code":
                    error = run(client, nb, index)
                    assert error is None, f"{where(name, index, k)} failed with {error.ename}: {error.evalue}"
            error = run(client, nb, exercise) or run(client, nb, check_cell)
            assert error is not None, f"{name}: exercise {k + 1} (cell {exercise}) and its check ran without an error"
            assert error.ename == "NotImplementedError", (
                f"{name}: exercise {k + 1} failed with {error.ename} ({error.evalue}), not NotImplementedError")
            nb.cells[exercise].source = solution.cells[exercise].source  # the student's answer
            for solved in (exercise, check_cell):
                nb.cells[solved].outputs = []
                error = run(client, nb, solved)
                assert error is None, f"{name}: exercise {k + 1} solved, cell {solved} failed with {error.ename}"
            start = check_cell + 1
