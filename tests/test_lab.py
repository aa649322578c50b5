"""`make lab` serves the course: JupyterLab, started as the Makefile starts it, lists the
student notebooks and offers a Python kernel that imports gancourse."""

import json
import re
import urllib.request

import pytest
from helpers import LAB_TOKEN, ROOT, jupyterlab


def get(url: str):
    request = urllib.request.Request(url, headers={"Authorization": f"token {LAB_TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_the_makefile_starts_jupyterlab_on_the_student_notebooks():
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), flags=re.MULTILINE).group(1)
    assert "cd notebooks" in recipe and "jupyter lab $(AS_ROOT) $(ARGS)" in recipe


@pytest.fixture
def lab(tmp_path):
    with jupyterlab(ROOT / "notebooks", tmp_path) as base:
        yield base


def test_jupyterlab_serves_the_student_notebooks(lab):
    listing = {item["name"] for item in get(f"{lab}/api/contents")["content"]}
    expected = {p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert expected and expected <= listing
    notebook = get(f"{lab}/api/contents/01_autoencoder.ipynb")
    assert notebook["type"] == "notebook" and notebook["content"]["cells"]
    kernels = get(f"{lab}/api/kernelspecs")["kernelspecs"]
    assert "python3" in kernels
    with urllib.request.urlopen(f"{lab}/lab?token={LAB_TOKEN}", timeout=10) as page:
        assert page.status == 200 and b"JupyterLab" in page.read()
