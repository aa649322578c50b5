"""mnist(): local IDX files (plain and gzipped), verified downloads, the offline stand-in, bad input."""

import functools
import gzip
import hashlib
import http.server
import sys
import threading

import numpy as np
import pytest
import torch
from helpers import SHARED_DATA, idx_bytes, write_mnist_split
from torchvision.datasets import MNIST as TorchvisionMNIST

from gancourse.course.cli import main
from gancourse.data import DataUnavailableError, IdxFormatError, mnist, read_idx
from gancourse.data.download import md5sum


def digits(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), rng.integers(0, 10, size=n, dtype=np.uint8)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GANCOURSE_QUICK", raising=False)
    # each test is a fresh session (the module is shadowed by its function in gancourse.data)
    monkeypatch.setattr(sys.modules["gancourse.data.download"], "_announced", set())
    return tmp_path


@pytest.mark.parametrize("gz", [False, True], ids=["unpacked", "gzipped"])
def test_mnist_reads_idx_files_the_test_writes(data_dir, gz):
    images, labels = digits(7)
    write_mnist_split(data_dir / "MNIST" / "raw", "train", images, labels, gz=gz)
    dataset = mnist(train=True)
    assert len(dataset) == 7 and dataset.source == "MNIST train set"
    x, y = dataset[3]
    assert x.shape == (1, 28, 28) and y == labels[3]
    assert torch.allclose(x, torch.from_numpy(images[3]).float().unsqueeze(0) / 255 * 2 - 1)
    unit = mnist(train=True, value_range=(0, 1), limit=4)
    assert len(unit) == 4 and unit[3][0].min() >= 0 and torch.allclose(unit[3][0] * 2 - 1, x)


def test_an_unsupported_value_range_names_the_choices(data_dir):
    write_mnist_split(data_dir / "MNIST" / "raw", "t10k", *digits(2), gz=False)
    with pytest.raises(ValueError, match=r"\(-1, 1\).*\(0, 1\)"):
        mnist(train=False, value_range=(0, 255))


@pytest.mark.parametrize("gz", [False, True], ids=["unpacked", "gzipped"])
def test_a_truncated_idx_file_is_a_clear_error(data_dir, gz):
    image_path, _ = write_mnist_split(data_dir / "MNIST" / "raw", "t10k", *digits(5), gz=gz)
    content = image_path.read_bytes()
    image_path.write_bytes(content[: len(content) // 2])
    with pytest.raises(IdxFormatError, match=f"{image_path.name}.*Fix: delete"):
        mnist(train=False)


def test_a_file_that_is_not_idx_is_a_clear_error(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(IdxFormatError, match="not an IDX file"):
        read_idx(path)


def test_no_network_without_offline_mode_names_the_fix(data_dir, monkeypatch):
    # Port 9 (discard) on the loopback refuses at once: a download that cannot happen.
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(DataUnavailableError, match="Fix: put t10k-images.*GANCOURSE_OFFLINE=1"):
        mnist(train=False)
    assert not list((data_dir / "MNIST" / "raw").glob("*")), "a failed download must leave nothing behind"


def test_offline_mode_uses_the_announced_stand_in(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    train, test = mnist(train=True), mnist(train=False)
    assert train.data.shape[1:] == (1, 28, 28) and train.data.dtype == torch.uint8
    assert len(train) + len(test) == 1797 and set(train.targets.tolist()) == set(range(10))
    announced = capsys.readouterr().err.strip().splitlines()
    assert len(announced) == 1, "one clear line, even when both splits are loaded"
    assert "offline stand-in" in announced[0] and "differ from the lecture" in announced[0]
    assert "offline stand-in" in train.source and "20%" in test.source


def test_a_missing_data_folder_is_an_error_even_offline(tmp_path, monkeypatch):
    # A mistyped GANCOURSE_DATA_DIR must not quietly turn into training on the stand-in.
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path / "no-such-folder"))
    with pytest.raises(FileNotFoundError, match="no-such-folder is not a folder. Fix: create it"):
        mnist(train=True)


def test_quick_mode_without_network_falls_back_but_says_so(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("GANCOURSE_QUICK", "1")
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    dataset = mnist(train=True, limit=100)
    assert len(dataset) == 100 and "stand-in" in dataset.source
    assert "quick mode without network" in capsys.readouterr().err


class _Server:
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


@pytest.fixture
def mirror(tmp_path):
    server = _Server(tmp_path / "mirror")
    (tmp_path / "mirror").mkdir()
    yield tmp_path / "mirror", server.url
    server.close()


def _publish(folder, images, labels, split="t10k"):
    """Put a gzipped split on the mirror; return torchvision-style (name, md5) resources."""
    resources = []
    for name, array in ((f"{split}-images-idx3-ubyte.gz", images), (f"{split}-labels-idx1-ubyte.gz", labels)):
        content = gzip.compress(idx_bytes(array))
        (folder / name).write_bytes(content)
        resources.append((name, hashlib.md5(content).hexdigest()))
    return resources


def test_download_from_a_mirror_is_verified_and_lands_in_the_torchvision_layout(data_dir, mirror, monkeypatch):
    folder, url = mirror
    images, labels = digits(9, seed=4)
    resources = _publish(folder, images, labels)
    # The first mirror is dead, the second answers: the download goes on to the next mirror.
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", ["http://127.0.0.1:9/", url])
    monkeypatch.setattr(TorchvisionMNIST, "resources", resources)
    dataset = mnist(train=False)
    assert len(dataset) == 9 and dataset.source == "MNIST t10k set"
    raw = data_dir / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def test_a_download_with_a_wrong_checksum_never_counts_as_complete(data_dir, mirror, monkeypatch):
    folder, url = mirror
    resources = _publish(folder, *digits(3))
    resources[0] = (resources[0][0], "0" * 32)  # what a cut-off or tampered file looks like
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", [url])
    monkeypatch.setattr(TorchvisionMNIST, "resources", resources)
    with pytest.raises(DataUnavailableError, match="checksum"):
        mnist(train=False)
    raw = data_dir / "MNIST" / "raw"
    assert not (raw / resources[0][0]).exists() and not list(raw.glob("*.part"))


def test_the_data_command_fetches_both_splits_ahead_of_a_class(data_dir, mirror, monkeypatch, capsys):
    folder, url = mirror
    resources = _publish(folder, *digits(6, seed=1), split="train") + _publish(folder, *digits(4, seed=2))
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", [url])
    monkeypatch.setattr(TorchvisionMNIST, "resources", resources)
    assert main(["data", "mnist"]) == 0
    out = capsys.readouterr().out
    assert "6 images" in out and "4 images" in out
    assert len(list((data_dir / "MNIST" / "raw").glob("*.gz"))) == 4


SHARED_MNIST = SHARED_DATA / "MNIST" / "raw"


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="../shared/data/MNIST is not beside this checkout")
def test_the_real_gzipped_mnist_test_set(monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(SHARED_DATA))
    # The shared copy holds exactly the files torchvision downloads, with torchvision's checksums.
    md5 = dict(TorchvisionMNIST.resources)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert md5sum(SHARED_MNIST / name) == md5[name]
    test = mnist(train=False)
    assert test.source == "MNIST t10k set" and test.data.shape == (10_000, 1, 28, 28)
    assert torch.bincount(test.targets).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    x, y = test[0]
    assert y == 7 and x.min() == -1 and x.max() == 1  # the famous first test digit is a 7
