"""Set-up files agree with each other: pyproject.toml, environment.yml, .ci/run, README."""

import re

from helpers import ROOT, pyproject


def environment_pip_packages():
    text = (ROOT / "environment.yml").read_text()
    pip_block = text.split("- pip:", 1)[1]
    return {line.strip()[2:] for line in pip_block.splitlines() if line.strip().startswith("- ")} - {"-e ."}


def test_environment_yml_lists_exactly_the_pyproject_requirements():
    project = pyproject()["project"]
    expected = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    assert environment_pip_packages() == expected


def test_package_requirements_stay_loose():
    for requirement in pyproject()["project"]["dependencies"]:
        assert "==" not in requirement, f"{requirement}: exact pins belong in the Makefile only"
    assert "torch>=2.2" in pyproject()["project"]["dependencies"]
    assert "ipywidgets>=7.7" in pyproject()["project"]["dependencies"]


def test_console_script_and_python_version():
    project = pyproject()["project"]
    assert project["scripts"]["gancourse"] == "gancourse.course.cli:main"
    assert project["requires-python"] == ">=3.10"


def test_ci_runs_the_readme_test_command_and_nothing_else():
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    assert commands[-1] == "make test"
    # The one step before it installs the browser the README's optional step names.
    assert all("apt-get install" in c and "chromium" in c for c in commands[:-1]) and len(commands) <= 2
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    assert "apt-get install chromium" in readme


def test_makefile_pins_torch_only_there():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"TORCH\s+\?=\s+torch==[\d.]+ torchvision==[\d.]+", makefile)
