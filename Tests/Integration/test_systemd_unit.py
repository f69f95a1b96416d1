"""systemd/keepalivedd.service: systemd accepts it, and it has the settings the daemon relies on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support import REPO, describe, run

UNIT = REPO / "systemd" / "keepalivedd.service"
INSTALLED_BINARY = "/usr/local/sbin/keepalivedd"
CAPABILITIES = {"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_NET_BIND_SERVICE", "CAP_SYS_MODULE", "CAP_KILL",
                "CAP_SETUID", "CAP_SETGID", "CAP_DAC_READ_SEARCH"}


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Sections -> key -> values in order (systemd allows repeated keys, so no configparser)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"setting outside a section: {raw!r}"
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


@pytest.fixture(scope="module")
def unit() -> dict[str, dict[str, list[str]]]:
    return parse_unit(UNIT.read_text())


def single(unit: dict, section: str, key: str) -> str:
    values = unit.get(section, {}).get(key, [])
    assert len(values) == 1, f"[{section}] {key}= should be set exactly once, found {values}"
    return values[0]


def words(unit: dict, section: str, key: str) -> set[str]:
    return {word for value in unit.get(section, {}).get(key, []) for word in value.split()}


def test_systemd_analyze_verify(keepalivedd: Path, tmp_path: Path):
    """systemd's own check, silent. verify insists that ExecStart's binary exists, so a copy of the
    unit pointing at the build under test is verified unless the binary is installed."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    text = UNIT.read_text()
    if not Path(INSTALLED_BINARY).exists():
        text = text.replace(INSTALLED_BINARY, str(keepalivedd))
    copy = tmp_path / UNIT.name
    copy.write_text(text)
    result = run(["systemd-analyze", "verify", "--man=no", copy])
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), \
        describe("systemd-analyze verify", result)


def test_service_runs_in_foreground_with_notify(unit):
    assert single(unit, "Service", "Type") == "notify"
    exec_start = single(unit, "Service", "ExecStart").split()
    assert exec_start[0] == INSTALLED_BINARY
    assert "--dont-fork" in exec_start
    assert "$KEEPALIVED_OPTIONS" in exec_start
    assert single(unit, "Service", "EnvironmentFile") == "-/etc/default/keepalived"
    assert single(unit, "Service", "PIDFile") == "/run/keepalived.pid"


def test_reload_and_stop_like_keepalived(unit):
    assert single(unit, "Service", "ExecReload") == "/bin/kill -HUP $MAINPID"
    assert single(unit, "Service", "KillMode") == "process"


def test_ordering_and_install(unit):
    assert {"network-online.target", "syslog.target"} <= words(unit, "Unit", "After")
    assert "network-online.target" in words(unit, "Unit", "Wants")
    assert "multi-user.target" in words(unit, "Install", "WantedBy")


@pytest.mark.parametrize("key", ["CapabilityBoundingSet", "AmbientCapabilities"])
def test_capabilities(unit, key: str):
    assert words(unit, "Service", key) == CAPABILITIES
