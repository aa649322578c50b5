"""What the committed figures must do to be read without the code: a comparison names its panels in itself.

A grid that puts several runs side by side and names them only in a printed line or a title to
decode ("columns: ... | ... | ...") was the pattern a review found in lectures 6 and 7; such grids
go through plot.labelled_grid, which writes each column's name above it.
"""

import re

import nbformat
import pytest
from helpers import ROOT

NOTEBOOKS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
SIDE_BY_SIDE = re.compile(r"image_grid\(\s*torch\.stack\(")
LEGEND_PRINTED = re.compile(r"print\(\s*f?[\"'](columns|rows|left to right)\b")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_side_by_side_runs_are_named_in_the_figure(path):
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "code":
            continue
        assert not SIDE_BY_SIDE.search(cell.source), (
            f"{path.name} cell {index}: columns stacked into image_grid; use plot.labelled_grid({{name: pictures}}) "
            "so that each column's name is in the figure")
        assert not LEGEND_PRINTED.search(cell.source), (
            f"{path.name} cell {index}: the figure's legend is printed beside it; name the panels in the figure "
            "(plot.labelled_grid, or a title per panel)")
