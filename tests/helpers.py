"""Paths and small makers the tests share."""

import functools
import gzip
import http.server
import io
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gancourse.data import cmp

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file (uint8) holding `array`, as LeCun's MNIST files do."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist_split(raw: Path, split: str, images: np.ndarray, labels: np.ndarray, gz: bool) -> list:
    """Write images [N, 28, 28] and labels [N] as `split`-images/labels IDX files into raw/."""
    raw.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, array, dims in (("images", images, 3), ("labels", labels, 1)):
        name = f"{split}-{kind}-idx{dims}-ubyte"
        content = idx_bytes(array)
        path = raw / (name + ".gz" if gz else name)
        path.write_bytes(gzip.compress(content) if gz else content)
        paths.append(path)
    return paths


LAB_TOKEN = "gancourse-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyterlab(root: Path, scratch: Path):
    """JupyterLab serving `root` on a free loopback port, its config and state kept in `scratch`; yields the URL."""
    port = free_port()
    jupyter = Path(sys.executable).with_name("jupyter")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(scratch / "config"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
    }
    process = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={LAB_TOKEN}", *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                request = urllib.request.Request(f"{base}/api/status", headers={"Authorization": f"token {LAB_TOKEN}"})
                urllib.request.urlopen(request, timeout=5).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"jupyter lab exited: {process.stderr.read().decode()[-2000:]}")
                if time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not answer within 60 s")
                time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class LoopbackServer:
    """Serves a folder on the loopback for the download tests."""

    def __init__(self, folder):
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class InterruptAt:
    """Wraps a step and presses Ctrl-C before its n-th call."""

    def __init__(self, step, n):
        self.step, self.n, self.calls = step, n, 0
        self.__wrapped__ = step  # as functools.wraps would: the run is the same run as step's

    def __call__(self, batch):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return self.step(batch)


def pair_jpeg(seed: int) -> bytes:
    """A 512x256 JPEG: a drawn facade photo on the left, its CMP label map on the right."""
    rng = torch.Generator().manual_seed(seed)
    index_map = cmp.random_facade(256, rng)
    photo, labels = cmp.render_facade(index_map, rng), cmp.colorize(index_map)
    picture = torch.cat([photo, labels], dim=2).permute(1, 2, 0).numpy()
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def write_pairs(folder: Path, n: int, seed: int = 0) -> None:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{i + 1}.jpg").write_bytes(pair_jpeg(seed + i))
