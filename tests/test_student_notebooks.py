"""Each student notebook, run top to bottom in quick mode, fails first at an exercise, with
NotImplementedError, and nowhere else.

For exercise k the notebook is run with the solutions of exercises 1..k-1 filled in (a
student who has done those) and the rest left as placeholders: the first error must then
be exercise k's NotImplementedError, in its own cell or in the check cell that follows it.
Anything else that fails on the way (a NameError, a missing import, a broken check) fails.
"""

import nbclient
import nbformat
import pytest
from helpers import ROOT

from gancourse.course import build

CASES = []
for _path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
    _exercises = [i for i, c in enumerate(nbformat.read(_path, as_version=4).cells) if build.is_exercise(c)]
    CASES += [(_path.name, k) for k in range(len(_exercises))]


def notebook_solved_up_to(name: str, k: int):
    """The student notebook with the solutions of its first k exercises put back."""
    solution = nbformat.read(ROOT / "solutions" / name, as_version=4)
    student = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    exercises = [i for i, c in enumerate(solution.cells) if build.is_exercise(c)]
    for i in exercises[:k]:
        student.cells[i].source = solution.cells[i].source
    return student, exercises


@pytest.mark.parametrize("name, k", CASES, ids=[f"{n[:-6]}-exercise{k + 1}" for n, k in CASES])
def test_first_failure_is_the_next_exercise(name, k):
    nb, exercises = notebook_solved_up_to(name, k)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT / "notebooks")}})
    with pytest.raises(nbclient.exceptions.CellExecutionError) as failure:
        client.execute()
    failed = [i for i, c in enumerate(nb.cells) if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1
    error = next(o for o in nb.cells[failed[0]].outputs if o.output_type == "error")
    assert error.ename == "NotImplementedError", f"cell {failed[0]} failed with {error.ename}: {failure.value}"
    exercise = exercises[k]
    check_cell = exercise + 1
    assert failed[0] in (exercise, check_cell), f"failed in cell {failed[0]}, expected exercise cell {exercise}"
    assert "checks.check_" in nb.cells[check_cell].source, "every exercise is followed by its check cell"
