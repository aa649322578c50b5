"""Where a published dataset archive may already be, and the check one put there by hand must pass first."""

from pathlib import Path

from .. import config
from .download import DataUnavailableError


def homes(root: Path) -> list:
    """Where a dataset may already be: the data folder, and the user cache standing in for it when it is not ours."""
    found = [root, config.writable(root)]
    return [home for i, home in enumerate(found) if home not in found[:i]]


def find_archive(root: Path, name: str, suffix: str):
    """NAME<suffix> in a home or in its NAME/ folder, e.g. facades.tar.gz or horse2zebra/horse2zebra.zip; else None."""
    for home in homes(root):
        for candidate in (home / f"{name}{suffix}", home / name / f"{name}{suffix}"):
            if candidate.is_file():
                return candidate
    return None


def checked_by_hand(archive: Path, verify, url: str) -> Path:
    """`archive` once `verify(archive)` passes; else its DataUnavailableError with the fix added."""
    try:
        verify(archive)
    except DataUnavailableError as error:
        raise DataUnavailableError(f"{error} Fix: delete {archive} and run again to download it, or download "
                                   f"{url} by hand into {archive.parent}.") from error
    return archive
