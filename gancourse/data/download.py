"""Downloads that never leave a half-written file behind.

A file is written to `.<name>.<pid>.part` (atomic.temporary), checked (against its MD5, or by a
function that opens it completely where no checksum is published), and only then renamed into
place, so an interrupted download can never pass for a complete one.
"""

import hashlib
import os
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .. import atomic

# Reading: long enough for a slow mirror. Connecting: a host that answers does so in well under
# a second, and a network that swallows packets must not freeze a notebook cell for minutes.
TIMEOUT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 5


class DataUnavailableError(RuntimeError):
    """The data is neither on disk nor downloadable; the message names the fix."""


class DownloadError(RuntimeError):
    """Every mirror failed; the message lists each attempt."""


def md5sum(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Hosts that could not be reached in this session, with the reason: asked once, not on every call.
_unreachable = {}


def _connect(host: str, port: int) -> None:
    """Open and close one connection, so that a dead network fails within CONNECT_TIMEOUT_SECONDS."""
    socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS).close()


def _why_unreachable(url: str):
    """None when the host of `url` accepts a connection, else why not (remembered for the session)."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    if (host, port) not in _unreachable:
        try:
            _connect(host, port)
        except OSError as error:  # timeout, refused, no DNS: all are OSErrors
            why = f"{error}" or type(error).__name__
            _unreachable[host, port] = f"{host}:{port} unreachable ({why}; not retried this session)"
        else:
            return None
    return _unreachable[host, port]


def fetch(urls, destination: Path, md5: str | None = None, verify=None) -> Path:
    """Download the first of `urls` that answers into `destination`, verified by `md5` or by `verify`.

    verify: a function of the downloaded file's path that raises DataUnavailableError saying
    what is wrong (cut short, wrong layout); for archives whose publisher gives no checksum.
    """
    if (md5 is None) == (verify is None):
        raise ValueError("fetch() needs exactly one of md5= and verify=.")
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = atomic.temporary(destination, "part")
    failures = []
    for url in urls:
        unreachable = _why_unreachable(url)
        if unreachable:
            failures.append(f"{url}: {unreachable}")
            continue
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "gancourse"})
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response, open(partial, "wb") as out:
                for chunk in iter(lambda: response.read(1 << 16), b""):
                    out.write(chunk)
        except (urllib.error.URLError, OSError) as error:
            failures.append(f"{url}: {getattr(error, 'reason', error)}")
            continue
        if md5 is not None and (actual := md5sum(partial)) != md5:
            failures.append(f"{url}: checksum {actual}, expected {md5} (incomplete or changed file)")
            continue
        if verify is not None:
            try:
                verify(partial)
            except DataUnavailableError as error:
                failures.append(f"{url}: {error}")
                continue
        os.replace(partial, destination)
        return destination
    partial.unlink(missing_ok=True)
    raise DownloadError("could not download " + destination.name + ":\n  " + "\n  ".join(failures))


_announced = set()


def announce(message: str) -> None:
    """Say it on stderr, once per session: a notebook that loads two splits needs to read it once."""
    if message not in _announced:
        _announced.add(message)
        print(f"gancourse: {message}", file=sys.stderr)
