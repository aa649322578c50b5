"""`make lab` serves the course: JupyterLab, started as the Makefile starts it, lists the
student notebooks and offers a Python kernel that imports gancourse."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT

TOKEN = "gancourse-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str):
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_the_makefile_starts_jupyterlab_on_the_student_notebooks():
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), flags=re.MULTILINE).group(1)
    assert "cd notebooks" in recipe and "jupyter lab $(AS_ROOT) $(ARGS)" in recipe


@pytest.fixture
def lab(tmp_path):
    port = free_port()
    jupyter = Path(sys.executable).with_name("jupyter")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    process = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={TOKEN}", *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=ROOT / "notebooks", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get(f"{base}/api/status")
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("jupyter lab did not answer within 60 s")
    yield base
    process.terminate()
    process.wait(timeout=20)


def test_jupyterlab_serves_the_student_notebooks(lab):
    listing = {item["name"] for item in get(f"{lab}/api/contents")["content"]}
    expected = {p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert expected and expected <= listing
    notebook = get(f"{lab}/api/contents/01_autoencoder.ipynb")
    assert notebook["type"] == "notebook" and notebook["content"]["cells"]
    kernels = get(f"{lab}/api/kernelspecs")["kernelspecs"]
    assert "python3" in kernels
    with urllib.request.urlopen(f"{lab}/lab?token={TOKEN}", timeout=10) as page:
        assert page.status == 200 and b"JupyterLab" in page.read()
