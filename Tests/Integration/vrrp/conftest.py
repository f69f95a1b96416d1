"""pytest wiring for the VRRP namespace lab (vrrp_lab.py): a fresh lab per test, torn down even on failure.

Needs root (network namespaces, raw sockets); fails, never skips, without it. keepalived is the reference;
keepalivedd is $KEEPALIVEDD or .build/debug/keepalivedd.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

import vrrp_lab


@pytest.fixture(scope="session")
def vrrp_lab_ready() -> None:
    if os.geteuid() != 0:
        pytest.fail("the VRRP lab needs root (network namespaces, raw sockets): run the tests as root")
    for tool in ("ip", vrrp_lab.KEEPALIVED):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: run `make deps` (iproute2, keepalived)")
    vrrp_lab.sweep_stale()


@pytest.fixture
def lab(vrrp_lab_ready: None, tmp_path: Path) -> Iterator[vrrp_lab.Lab]:
    the_lab = vrrp_lab.Lab(tmp_path)
    try:
        yield the_lab
    finally:
        # Shown by pytest only when the test failed (the failure message has the logs and the wire).
        print(the_lab.describe())
        print(f"lab files (configs, daemon logs, notify logs): {tmp_path}")
        the_lab.close()
