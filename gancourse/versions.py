"""What this runtime has, against what the course was tested with: one line in every notebook's set-up cell.

Courses like this one break most often when Colab or a library moves on. The set-up cell prints
the versions it finds beside the tested ones, so that a failure further down can be read against
them, and warns (never fails) when one lies outside what was tested. Each end of a range is a run
that passed: the course machines' `make test` (the Makefile's pins, Python 3.11) and the runs of
`make test-latest` listed in README.md: the newest releases on Python 3.13 and on 3.10, and Colab's set.
"""

import platform
import warnings
from importlib import metadata

from .course import settings

TESTED = {  # oldest and newest release tested, to the minor version
    "Python": ("3.10", "3.13"),
    "torch": ("2.11", "2.15"),
    "torchvision": ("0.26", "0.29"),
    "ipywidgets": ("7.7", "8.1"),
}


class UntestedVersionWarning(UserWarning):
    """A library or Python outside the versions the course was tested with; things may still work."""


def minor(version: str) -> tuple:
    """'2.14.1+cu130' -> (2, 14): the release the ranges speak of."""
    parts = version.split("+")[0].split(".")
    return tuple(int("".join(c for c in part if c.isdigit()) or 0) for part in parts[:2])


def installed() -> dict:
    """{name: version} for Python and each library in TESTED ('missing' where it is not installed)."""
    found = {"Python": platform.python_version()}
    for name in TESTED:
        if name != "Python":
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "missing"
    return found


def outside(found: dict) -> list:
    """The entries of `found` outside their tested range, each as a sentence."""
    notes = []
    for name, version in found.items():
        low, high = TESTED[name]
        if version == "missing":
            notes.append(f"{name} is not installed")
        elif minor(version) < minor(low):
            notes.append(f"{name} {version} is older than the course was tested with ({low} and newer)")
        elif minor(version) > minor(high):
            notes.append(f"{name} {version} is newer than the course was tested with (up to {high})")
    return notes


def report() -> None:
    """Print the one line; warn for each version outside the tested ranges."""
    found = installed()
    have = ", ".join(f"{name} {version}" for name, version in found.items())
    tested = ", ".join(f"{name} {low}-{high}" for name, (low, high) in TESTED.items())
    print(f"gancourse: {have} (tested with {tested})")
    for note in outside(found):
        warnings.warn(f"{note}. If a cell fails, read its error with this line in mind, and report it with this "
                      f"line at https://github.com/{settings.REPOSITORY}/issues.", UntestedVersionWarning, stacklevel=2)
