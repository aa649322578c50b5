"""Fixtures the test modules share."""

import pytest
from helpers import LoopbackServer


@pytest.fixture
def mirror(tmp_path):
    """(a folder, the URL that serves it on the loopback): put files in the folder to publish them."""
    server = LoopbackServer(tmp_path / "mirror")
    (tmp_path / "mirror").mkdir()
    yield tmp_path / "mirror", server.url
    server.close()
