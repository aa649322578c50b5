"""Where the course runs: device, seeds, quick mode and the data folder.

Every notebook starts from these five functions, so that the same cell works on a
Colab GPU, a Mac, and the 2-core CPU that runs the tests.
"""

import atexit
import os
import random
import shutil
import stat
import tempfile
from pathlib import Path

import numpy as np
import torch

from .atomic import alive


def device() -> torch.device:
    """The best device available: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


SEED_OFFSET = "GANCOURSE_SEED_OFFSET"


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch (all devices) so a run can be repeated.

    GANCOURSE_SEED_OFFSET=k (unset: 0) adds k to every seed: `gancourse check --seed-offset k`
    re-runs the notebooks on other seeds to see that their compared verdicts survive them.
    """
    seed += int(os.environ.get(SEED_OFFSET, "0"))
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def is_quick() -> bool:
    """True when GANCOURSE_QUICK=1: small data and few epochs, same code path."""
    return os.environ.get("GANCOURSE_QUICK", "") == "1"


def is_offline() -> bool:
    """True when GANCOURSE_OFFLINE=1: never try a download, use the offline stand-ins."""
    return os.environ.get("GANCOURSE_OFFLINE", "") == "1"


def quick(full, quick):
    """`full` in a real run, `quick` when GANCOURSE_QUICK=1 (the tests set it).

    Notebooks write every size that matters as `quick(full, quick)`, so the lecture's
    real configuration and the test configuration stand side by side in one line.
    """
    return quick if is_quick() else full


def data_dir() -> Path:
    """The folder datasets are read from and downloaded to.

    GANCOURSE_DATA_DIR when set (it must exist: a mistyped path should not quietly
    download a second copy elsewhere); otherwise `data/` at the top of a source checkout,
    or `./data` where the package was installed from an index (Colab: /content/data).
    """
    configured = os.environ.get("GANCOURSE_DATA_DIR")
    if configured:
        path = Path(configured).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(
                f"GANCOURSE_DATA_DIR={configured} is not a folder. Fix: create it (downloads land there), "
                "point it at the folder that holds the datasets, or unset it to use data/."
            )
        return path.resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "solutions").is_dir():
        path = checkout / "data"
    else:
        path = Path.cwd() / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_cache_dir() -> Path:
    """The user's own cache folder: downloads and derived files (decoded images, the judge's weights)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "gancourse"


def _ours_to_write(folder: Path) -> bool:
    """True when `folder` belongs to this user and its owner may write to it.

    os.access alone is not enough: root may write anywhere, also into a shared read-only
    copy of the data (the course machines' ../shared/data), which must stay untouched.
    """
    try:
        info = Path(folder).stat()
    except OSError:
        return False
    owner = info.st_uid == os.getuid() if hasattr(os, "getuid") else True
    return owner and bool(info.st_mode & stat.S_IWUSR) and os.access(folder, os.W_OK)


def writable(folder: Path) -> Path:
    """Where to write what belongs in `folder`, a place inside the data folder.

    `folder` itself when its nearest existing parent is ours to write (see _ours_to_write); else
    the same place inside the user cache, so that a later session finds it there too.
    """
    folder = Path(folder)
    existing = next(parent for parent in (folder, *folder.parents) if parent.exists())
    if _ours_to_write(existing):
        return folder
    try:
        inside = folder.resolve().relative_to(data_dir())
    except ValueError:  # not inside the data folder after all
        inside = Path(folder.name)
    return user_cache_dir() / inside


_quick_checkpoints = None
QUICK_PREFIX = "gancourse-quick-"


def _remove_stale_quick_folders() -> None:
    """Delete the quick-mode folders of sessions that have ended.

    A notebook kernel is often killed rather than shut down, so its exit handler never runs;
    the folder name carries the owner's process id, and the next session cleans up after it.
    """
    if os.name != "posix":  # on Windows os.kill(pid, 0) would terminate the process
        return
    for folder in Path(tempfile.gettempdir()).glob(QUICK_PREFIX + "*"):
        owner = folder.name[len(QUICK_PREFIX):].split("-")[0]
        if owner.isdigit() and int(owner) != os.getpid() and not alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def checkpoint_path(name: str) -> Path:
    """Where a notebook keeps the checkpoint `name` (fit() resumes from it).

    GANCOURSE_CHECKPOINT_DIR when set (e.g. a Google Drive folder on Colab, so a long run
    outlives the session that started it); else `<data dir>/checkpoints/`. In quick mode
    always a fresh temporary folder per session,
    so that a quick run never resumes from an earlier run's weights. That folder is deleted
    when the session ends, or by the next session if this one was killed: a GAN notebook's
    checkpoints take about 100 MB.
    """
    global _quick_checkpoints
    if is_quick():
        if _quick_checkpoints is None:
            _remove_stale_quick_folders()
            _quick_checkpoints = Path(tempfile.mkdtemp(prefix=f"{QUICK_PREFIX}{os.getpid()}-"))
            atexit.register(shutil.rmtree, _quick_checkpoints, ignore_errors=True)
        return _quick_checkpoints / name
    chosen = os.environ.get("GANCOURSE_CHECKPOINT_DIR")
    return (Path(chosen).expanduser() if chosen else data_dir() / "checkpoints") / name


def in_colab() -> bool:
    """True inside Google Colab."""
    try:
        import google.colab  # noqa: F401
    except ImportError:
        return False
    return True
