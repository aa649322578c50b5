"""Where a published dataset archive may already be, the check one put there by hand must pass, and its download."""

from pathlib import Path

from .. import config
from .download import DataUnavailableError, fetch


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


def download(root: Path, name: str, suffix: str, urls, verify) -> Path:
    """NAME<suffix> from the first of `urls` ("...{name}..." templates) that answers, checked by `verify`
    before it counts, into the data folder (or the user cache standing in for it)."""
    return fetch([url.format(name=name) for url in urls], config.writable(root) / f"{name}{suffix}", verify=verify)
