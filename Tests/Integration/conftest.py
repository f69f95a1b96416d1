"""pytest fixtures for keepalivedd's integration tests; the helpers live in support.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import keepalivedd_path


@pytest.fixture(scope="session")
def keepalivedd() -> Path:
    path = keepalivedd_path()
    if not os.access(path, os.X_OK):
        pytest.fail(f"keepalivedd binary not found at {path}: run `swift build` (or `make test`) first, "
                    f"or point $KEEPALIVEDD at a build")
    return path
