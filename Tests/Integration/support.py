"""Helpers shared by keepalivedd's integration tests (run with `python3 -m pytest Tests/Integration`).

The binary under test is $KEEPALIVEDD, by default the debug build `.build/debug/keepalivedd`
(`make test` builds it first). Tests that need network namespaces need root; CI runs as root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator, Sequence

import pytest

REPO = Path(__file__).resolve().parents[2]
NETNS_SCRIPT = REPO / "scripts" / "netns.sh"


def keepalivedd_path() -> Path:
    """The keepalivedd binary under test: $KEEPALIVEDD or the debug build."""
    return Path(os.environ.get("KEEPALIVEDD", REPO / ".build" / "debug" / "keepalivedd")).resolve()


def require_root(what: str) -> None:
    """Fails (not skips) without root: CI runs as root, and a silent skip would hide the comparison."""
    if os.geteuid() != 0:
        pytest.fail(f"{what} needs root; run the integration tests as root (CI does), e.g. `sudo make test`")


def run(cmd: Sequence[str | os.PathLike[str]], *, netns: str | None = None, cwd: Path | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Runs a command (inside `netns` when given) and captures its output as text."""
    argv = [str(part) for part in cmd]
    if netns is not None:
        argv = ["ip", "netns", "exec", netns, *argv]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=timeout)


def describe(label: str, result: subprocess.CompletedProcess[str]) -> str:
    """Exit status and output of a finished command, for assertion messages."""
    out = result.stdout.strip() or "(no stdout)"
    err = result.stderr.strip() or "(no stderr)"
    return f"--- {label}: exit {result.returncode}\n[stdout]\n{out}\n[stderr]\n{err}\n"


@contextlib.contextmanager
def network_namespace(name: str) -> Iterator[str]:
    """A throwaway network namespace with lo, eth0 and eth1 up (veth pairs), removed afterwards."""
    require_root("creating a network namespace")
    if shutil.which("ip") is None:
        pytest.fail("`ip` (iproute2) is missing: run `make deps`")
    created = subprocess.run([str(NETNS_SCRIPT), "up", name], capture_output=True, text=True)
    if created.returncode != 0:
        subprocess.run([str(NETNS_SCRIPT), "down", name], capture_output=True)
        pytest.fail(f"could not create network namespace {name}:\n{created.stderr}")
    try:
        yield name
    finally:
        subprocess.run([str(NETNS_SCRIPT), "down", name], capture_output=True)
