"""Kill -9 at random moments: every file the package writes is the old one or the new one, never torn.

A worker process (tests/crash_worker.py) runs one of the writers, fit()'s checkpoints, the
decoded-image cache (the judge's weights go through the same atomic.save), or an archive's
unpacking, and is killed with SIGKILL at a random moment, again and again. After each kill
the file must load (or be absent), and the run must go on to the end an unbroken run reaches.
"""

import os
import random
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
import torch
from crash_worker import ENDLESS, cache_files, fake_decode

from gancourse.train import load_checkpoint

WORKER = Path(__file__).with_name("crash_worker.py")
pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")


def start(*args) -> subprocess.Popen:
    worker = subprocess.Popen([sys.executable, str(WORKER), *map(str, args)], stdout=subprocess.PIPE, text=True)
    assert worker.stdout.readline().strip() == "ready"
    return worker


def kill_after(worker: subprocess.Popen, seconds: float) -> bool:
    """SIGKILL the worker after `seconds`; True if it was still working (False: it had finished)."""
    time.sleep(seconds)
    finished = worker.poll() is not None
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    return not finished


def leftovers(folder: Path) -> list:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_fit_killed_twenty_times_resumes_each_time_and_ends_where_an_unbroken_run_ends(tmp_path):
    checkpoint = tmp_path / "run.pt"
    rng = random.Random(0)
    torn_writes, epochs_seen = 0, [0]
    for _ in range(20):
        kill_after(start("fit", checkpoint, ENDLESS), rng.uniform(0.2, 1.0))  # the first epoch ends at about 0.7 s
        torn_writes += any(name.endswith(".tmp") for name in leftovers(tmp_path))  # killed inside a write
        if checkpoint.exists():
            done = load_checkpoint(checkpoint)["history"]["epochs_done"]  # raises on a torn file
            assert done >= epochs_seen[-1], "a checkpoint went back in time"
            epochs_seen.append(done)
    assert epochs_seen[-1] > 0, "no kill came after the first checkpoint"
    # The same run, told to stop a few epochs on, resumes from the last checkpoint and must end where an
    # unbroken run of as many epochs ends (fit()'s run signature does not include the number of epochs;
    # the unbroken run writes no checkpoints, which draw nothing from the random streams).
    end = epochs_seen[-1] + 3
    resumed, unbroken = (subprocess.run([sys.executable, str(WORKER), "fit", path, str(end)], capture_output=True,
                                        text=True, check=True) for path in (checkpoint, "none"))
    assert "Resuming from" in resumed.stdout
    assert resumed.stdout.splitlines()[-1] == unbroken.stdout.splitlines()[-1], "the resumed run ended elsewhere"
    assert load_checkpoint(checkpoint)["history"]["epochs_done"] == end
    assert not leftovers(tmp_path), "the finished run left a temporary file behind"
    print(f"20 kills, {torn_writes} inside a checkpoint write, epochs done at each kill: {epochs_seen[1:]}")


def test_a_cache_killed_while_it_is_built_or_written_is_absent_or_whole(tmp_path):
    cache = tmp_path / "cache.pt"
    files = cache_files(tmp_path / "files")
    expected = torch.stack([fake_decode(path, 64) for path in files])
    rng = random.Random(1)
    for _ in range(5):
        cache.unlink(missing_ok=True)
        kill_after(start("cache", cache), rng.uniform(0.0, 1.0))
        if cache.exists():
            assert torch.equal(torch.load(cache, weights_only=True)["images"], expected)
    subprocess.run([sys.executable, str(WORKER), "cache", cache], check=True, capture_output=True)
    assert torch.equal(torch.load(cache, weights_only=True)["images"], expected)
    assert not leftovers(tmp_path), "the left-overs of killed writers were not cleaned up by the next one"


def facades_archive(path: Path, n: int = 400) -> Path:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 32), (90, 60, 30)).save(buffer, format="JPEG")
    with tarfile.open(path, "w:gz") as tar:
        for i in range(1, n + 1):
            member = tarfile.TarInfo(f"facades/train/{i}.jpg")
            member.size = len(buffer.getvalue())
            tar.addfile(member, io.BytesIO(buffer.getvalue()))
    return path


def test_an_unpacking_killed_midway_leaves_no_folder_that_counts_as_complete(tmp_path):
    archive = facades_archive(tmp_path / "facades.tar.gz")
    target = tmp_path / "data"
    rng = random.Random(2)
    for _ in range(5):
        kill_after(start("unpack", archive, target), rng.uniform(0.0, 0.3))
        if (target / "facades").exists():  # renamed into place: then it is complete
            assert len(list((target / "facades" / "train").iterdir())) == 400, "a half-unpacked folder counts"
    subprocess.run([sys.executable, str(WORKER), "unpack", archive, target], check=True, capture_output=True)
    assert len(list((target / "facades" / "train").iterdir())) == 400
    assert not leftovers(target), "a killed unpacking's partial folder was left behind"


def test_two_kernels_building_the_same_cache_at_once_both_succeed_and_leave_it_whole(tmp_path):
    cache = tmp_path / "cache.pt"
    files = cache_files(tmp_path / "files")
    expected = torch.stack([fake_decode(path, 64) for path in files])
    workers = [start("cache", cache) for _ in range(2)]
    outputs = [worker.communicate()[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0]
    assert all(f"images {len(files)}" in out for out in outputs)
    assert torch.equal(torch.load(cache, weights_only=True)["images"], expected)
    assert not leftovers(tmp_path)
