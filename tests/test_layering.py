"""Data flows one way: data -> models -> train -> plot/latent/widgets/parzen (DESIGN.md).

Models import nothing from train, plot, latent or widgets; the course tooling imports nothing
from models. Checked on the import statements of every module.
"""

import ast

import pytest
from helpers import ROOT

PACKAGE = ROOT / "gancourse"


def imported_modules(path):
    """Absolute names of the gancourse modules a file imports."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return {n for n in names if n and n.startswith("gancourse")}


@pytest.mark.parametrize(
    "folder, forbidden",
    [
        ("models", ("gancourse.train", "gancourse.plot", "gancourse.latent", "gancourse.widgets", "gancourse.checks")),
        ("data", ("gancourse.models", "gancourse.train", "gancourse.plot", "gancourse.widgets")),
        ("course", ("gancourse.models",)),
    ],
)
def test_imports_flow_one_way(folder, forbidden):
    for path in (PACKAGE / folder).glob("*.py"):
        bad = {m for m in imported_modules(path) if m.startswith(forbidden)}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_no_module_grows_past_400_lines():
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text().splitlines()) <= 400, f"{path.relative_to(ROOT)}: split it along a seam"
