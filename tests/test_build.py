"""The build: student notebooks generated from solutions, and nothing drifts."""

import nbformat
import pytest
from helpers import ROOT

from gancourse.course import build, settings
from gancourse.course.cli import main

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_solution_notebooks():
    assert [p.name for p in SOLUTIONS][:2] == ["01_autoencoder.ipynb", "02_vae.ipynb"]


def test_rebuilding_gives_exactly_the_committed_files():
    stale = build.build(ROOT, check=True)
    assert stale == [], f"run `gancourse build`: {stale}"


def test_the_check_command_reports_stale_files(tmp_path, capsys):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "01_x.ipynb").write_text((ROOT / "solutions" / "01_autoencoder.ipynb").read_text())
    (tmp_path / "README.md").write_text(f"intro\n{build.TABLE_START}\n{build.TABLE_END}\nend\n")
    assert main(["build", "--check", "--root", str(tmp_path)]) == 1
    assert "Fix: run `gancourse build`" in capsys.readouterr().out
    assert main(["build", "--root", str(tmp_path)]) == 0
    assert main(["build", "--check", "--root", str(tmp_path)]) == 0
    assert (tmp_path / "notebooks" / "01_x.ipynb").exists()
    assert "01_x.ipynb" in (tmp_path / "README.md").read_text()


def test_strip_solutions_keeps_indentation_and_code_around_the_region():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n\nprint(f)"
    assert build.strip_solutions(source) == (
        "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(f)"
    )


def test_students_do_not_see_nbval_markers():
    assert build.strip_solutions("# NBVAL_IGNORE_OUTPUT\nfit(step)") == "fit(step)"


@pytest.mark.parametrize(
    "source, problem",
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_unbalanced_markers_are_errors_that_name_the_place(source, problem):
    with pytest.raises(build.BuildError, match=f"nb.ipynb cell 3: .*{problem}"):
        build.strip_solutions(source, "nb.ipynb cell 3")


@pytest.mark.parametrize("solution_path", SOLUTIONS, ids=lambda p: p.name)
def test_student_notebooks_hold_no_solution_and_no_output(solution_path):
    solution = nbformat.read(solution_path, as_version=4)
    student = nbformat.read(ROOT / "notebooks" / solution_path.name, as_version=4)
    assert len(student.cells) == len(solution.cells)
    exercises = 0
    for s_cell, n_cell in zip(solution.cells, student.cells, strict=True):
        if s_cell.cell_type != "code":
            assert n_cell.source == s_cell.source or build.BADGE_TAG in s_cell.metadata.get("tags", [])
            continue
        assert n_cell.outputs == [] and n_cell.execution_count is None
        assert build.BEGIN not in n_cell.source and build.END not in n_cell.source
        if build.is_exercise(s_cell):
            exercises += 1
            assert "raise NotImplementedError()" in n_cell.source
            hidden = s_cell.source.split(build.BEGIN)[1].split(build.END)[0]
            for line in filter(str.strip, hidden.splitlines()):
                if line.strip() not in n_cell.source:
                    break
            else:
                pytest.fail(f"the solution of an exercise is visible in the student notebook:\n{hidden}")
    assert exercises >= 2


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_setup_and_badge_come_from_the_one_setting(folder):
    for path in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        setup = [c for c in nb.cells if build.SETUP_TAG in c.metadata.get("tags", [])]
        badge = [c for c in nb.cells if build.BADGE_TAG in c.metadata.get("tags", [])]
        assert len(setup) == len(badge) == 1
        assert "--no-deps" in setup[0].source and settings.REPOSITORY in setup[0].source
        assert "pip install" in setup[0].source and "torch" not in setup[0].source.split("pip install")[1]
        assert f"github/{settings.REPOSITORY}/blob/{settings.BRANCH}/{folder}/{path.name}" in badge[0].source


def test_readme_lists_every_notebook_with_its_badges():
    readme = (ROOT / "README.md").read_text()
    for path in SOLUTIONS:
        assert f"/notebooks/{path.name})" in readme and f"/solutions/{path.name})" in readme
