"""The set-up cell's version line: what it finds, what it was tested with, and a warning outside that."""

import re
import warnings

import pytest
from helpers import ROOT

from gancourse import versions


def test_minor_versions_read_local_and_pre_release_tags():
    assert versions.minor("2.14.1+cu130") == (2, 14)
    assert versions.minor("3.13.0") == (3, 13)
    assert versions.minor("8.1.9") == (8, 1)
    assert versions.minor("2.16.0.dev20261201") == (2, 16)


def test_versions_outside_the_tested_ranges_are_named():
    inside = {name: high for name, (_, high) in versions.TESTED.items()}
    assert versions.outside(inside) == []
    notes = versions.outside({**inside, "torch": "99.0.0", "ipywidgets": "7.6.5", "torchvision": "missing"})
    assert notes == ["torch 99.0.0 is newer than the course was tested with (up to 2.15)",
                     "torchvision is not installed",
                     "ipywidgets 7.6.5 is older than the course was tested with (7.7 and newer)"]


def test_the_report_is_one_line_and_warns_only_outside(capsys, monkeypatch):
    inside = {name: low for name, (low, _) in versions.TESTED.items()}
    monkeypatch.setattr(versions, "installed", lambda: inside)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        versions.report()
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and line.startswith("gancourse: Python 3.10, torch 2.11")
    monkeypatch.setattr(versions, "installed", lambda: {**inside, "torch": "3.0.0"})
    with pytest.warns(versions.UntestedVersionWarning, match="torch 3.0.0 is newer"):
        versions.report()


def test_the_pins_of_make_test_lie_inside_the_tested_ranges():
    pins = dict(re.findall(r"(torch|torchvision)==([\d.]+)", (ROOT / "Makefile").read_text().split("TORCH  ?=")[1]))
    assert versions.outside({"torch": pins["torch"], "torchvision": pins["torchvision"]}) == []


def test_this_runtime_is_reported():
    found = versions.installed()
    assert set(found) == set(versions.TESTED) and found["torch"] != "missing"
