"""Device, seeds, quick mode and the data folder."""

import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from gancourse import config


def test_quick_switches_on_the_environment(monkeypatch):
    monkeypatch.setenv("GANCOURSE_QUICK", "1")
    assert config.quick(60_000, 1024) == 1024
    monkeypatch.setenv("GANCOURSE_QUICK", "0")
    assert config.quick(60_000, 1024) == 60_000


def test_device_is_the_cpu_on_a_machine_without_accelerators():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert config.device().type in ("cpu", "mps")


def test_seed_everything_repeats_a_run():
    config.seed_everything(3)
    first = torch.randn(5)
    config.seed_everything(3)
    assert torch.equal(first, torch.randn(5))


def test_a_seed_offset_moves_every_seed_by_the_same_amount(monkeypatch):
    monkeypatch.setenv(config.SEED_OFFSET, "2")
    config.seed_everything(3)
    shifted = torch.randn(5), np.random.rand(), random.random()
    monkeypatch.delenv(config.SEED_OFFSET)
    config.seed_everything(5)
    assert torch.equal(shifted[0], torch.randn(5))
    assert shifted[1:] == (np.random.rand(), random.random())
    config.seed_everything(3)
    assert not torch.equal(shifted[0], torch.randn(5))


def test_data_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path))
    assert config.data_dir() == tmp_path.resolve()


def test_a_missing_data_dir_is_an_error_that_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCOURSE_DATA_DIR", str(tmp_path / "typo"))
    with pytest.raises(FileNotFoundError, match="GANCOURSE_DATA_DIR.*Fix: create it"):
        config.data_dir()


def test_quick_checkpoints_never_land_in_the_data_folder(monkeypatch):
    monkeypatch.setenv("GANCOURSE_QUICK", "1")
    path = config.checkpoint_path("x.pt")
    assert "gancourse-quick-" in str(path) and path.parent.is_dir()


def test_a_chosen_checkpoint_folder_holds_full_runs_but_never_quick_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("GANCOURSE_CHECKPOINT_DIR", str(tmp_path / "drive"))
    monkeypatch.delenv("GANCOURSE_QUICK", raising=False)
    assert config.checkpoint_path("07_main.pt") == tmp_path / "drive" / "07_main.pt"
    monkeypatch.setenv("GANCOURSE_QUICK", "1")
    assert "gancourse-quick-" in str(config.checkpoint_path("07_main.pt"))


def test_not_in_colab_here():
    assert config.in_colab() is False


def test_the_quick_checkpoint_folder_is_deleted_when_the_session_ends():
    script = "from gancourse import config; p = config.checkpoint_path('x.pt'); p.write_bytes(b'1'); print(p.parent)"
    run = subprocess.run([sys.executable, "-c", script], env={**os.environ, "GANCOURSE_QUICK": "1"},
                         capture_output=True, text=True, check=True)
    folder = Path(run.stdout.strip())
    assert folder.parent == Path(tempfile.gettempdir()) and folder.name.startswith("gancourse-quick-")
    assert not folder.exists()


def test_a_killed_sessions_quick_folder_is_removed_by_the_next_session():
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = Path(tempfile.mkdtemp(prefix=f"{config.QUICK_PREFIX}{ended.stdout.strip()}-"))
    (stale / "03_mnist_gan.pt").write_bytes(b"x")
    mine = Path(tempfile.mkdtemp(prefix=f"{config.QUICK_PREFIX}{os.getpid()}-"))  # a live owner: kept
    script = "from gancourse import config; config.checkpoint_path('x.pt')"
    subprocess.run([sys.executable, "-c", script], env={**os.environ, "GANCOURSE_QUICK": "1"}, check=True)
    assert not stale.exists() and mine.exists()
    mine.rmdir()
