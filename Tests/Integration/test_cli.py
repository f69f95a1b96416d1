"""keepalivedd's command line as users and scripts see it: flags, exit codes, stderr, JSON."""

from __future__ import annotations

import json
import os
import shutil
import re
from pathlib import Path

import pytest

from support import describe, run


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def dump(keepalivedd: Path, config: Path, *extra: str) -> dict:
    result = run([keepalivedd, "--dump-conf", "-f", config, *extra])
    try:
        document = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        pytest.fail(f"--dump-conf did not print JSON ({error}):\n{describe('keepalivedd --dump-conf', result)}")
    assert isinstance(document, dict), describe("keepalivedd --dump-conf", result)
    return document


def router_id(document: dict) -> str | None:
    """global_defs' router_id in the dump. The model names it `routerID` (Swift style); the lookup
    ignores case and underscores so a rename to routerId/router_id does not break the test."""
    global_defs = document.get("globalDefs")
    assert isinstance(global_defs, dict), f"no globalDefs object in the dump: {sorted(document)}"
    for key, value in global_defs.items():
        if key.replace("_", "").lower() == "routerid":
            return value
    return None


def test_version(keepalivedd: Path):
    result = run([keepalivedd, "-v"])
    assert result.returncode == 0, describe("keepalivedd -v", result)
    assert re.search(r"keepalivedd v\d+\.\d+", result.stdout + result.stderr), describe("keepalivedd -v", result)


def test_help_lists_keepalived_flags(keepalivedd: Path):
    result = run([keepalivedd, "--help"])
    assert result.returncode == 0, describe("keepalivedd --help", result)
    text = result.stdout + result.stderr
    for flag in ("--use-file", "--config-test", "--config-id", "--dont-fork", "--vrrp", "--check", "--dump-conf"):
        assert flag in text, f"{flag} missing from --help:\n{text}"


def test_missing_config_file_exits_3(keepalivedd: Path, tmp_path: Path):
    missing = tmp_path / "does-not-exist.conf"
    result = run([keepalivedd, "-t", "-f", missing])
    assert result.returncode == 3, describe("keepalivedd -t on a missing file", result)
    assert "does-not-exist.conf" in result.stderr, describe("keepalivedd -t on a missing file", result)


def test_syntax_error_exits_4_with_file_and_line(keepalivedd: Path, tmp_path: Path):
    config = write(tmp_path, "bad.conf", "global_defs {\n    router_id LVS_TEST\n}\n}\n")
    result = run([keepalivedd, "-t", "-f", config])
    assert result.returncode == 4, describe("keepalivedd -t on a stray '}'", result)
    assert re.search(r"\((?:\S*/)?bad\.conf: Line 4\)", result.stderr), describe("keepalivedd -t", result)
    assert result.stdout == "", "diagnostics belong on stderr"


def test_script_without_script_security_exits_5(keepalivedd: Path, tmp_path: Path):
    config = write(tmp_path, "scripts.conf", """\
global_defs {
    router_id LVS_TEST
}
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.0.1.1 80 {
        MISC_CHECK {
            misc_path "/bin/true"
        }
    }
}
""")
    result = run([keepalivedd, "-t", "-f", config])
    assert result.returncode == 5, describe("keepalivedd -t with a script and no enable_script_security", result)


def test_dump_conf_is_json_with_the_model_sections(keepalivedd: Path, tmp_path: Path):
    config = write(tmp_path, "plain.conf", "global_defs {\n    router_id LVS_JSON\n}\n")
    document = dump(keepalivedd, config)
    for section in ("globalDefs", "vrrpInstances", "syncGroups", "virtualServers", "virtualServerGroups"):
        assert section in document, f"{section} missing from --dump-conf: {sorted(document)}"
    assert router_id(document) == "LVS_JSON"


CONDITIONAL = """\
global_defs {
@lb1    router_id FIRST
@lb2    router_id SECOND
}
"""

NEGATED = """\
global_defs {
@^lb1   router_id NOT_FIRST
}
"""


@pytest.mark.parametrize("config_id, expected", [("lb1", "FIRST"), ("lb2", "SECOND"), ("lb3", None)])
def test_config_id_selects_at_lines(keepalivedd: Path, tmp_path: Path, config_id: str, expected: str | None):
    config = write(tmp_path, "conditional.conf", CONDITIONAL)
    assert router_id(dump(keepalivedd, config, "-i", config_id)) == expected


@pytest.mark.parametrize("config_id, expected", [("lb1", None), ("lb2", "NOT_FIRST")])
def test_config_id_negated_at_lines(keepalivedd: Path, tmp_path: Path, config_id: str, expected: str | None):
    config = write(tmp_path, "negated.conf", NEGATED)
    assert router_id(dump(keepalivedd, config, f"--config-id={config_id}")) == expected


def test_signum_prints_reload_signal(keepalivedd: Path):
    result = run([keepalivedd, "--signum=RELOAD"])
    assert result.returncode == 0 and result.stdout.strip() == "1", describe("keepalivedd --signum=RELOAD", result)


@pytest.mark.parametrize("function", ["RELOAD", "STOP", "DATA", "STATS", "STATS_CLEAR", "JSON", "TDATA", "nonsense"])
def test_signum_answers_as_keepalived(keepalivedd: Path, function: str):
    """--signum prints what keepalived 2.2.7 prints, with its exit status (TDATA is unknown in packaged builds)."""
    reference = shutil.which("keepalived") or "/usr/sbin/keepalived"
    if not os.access(reference, os.X_OK):
        pytest.fail("keepalived (the reference) is not installed: run `make deps`")
    theirs = run([reference, f"--signum={function}"])
    ours = run([keepalivedd, f"--signum={function}"])
    assert (ours.returncode, ours.stdout.strip(), ours.stderr.strip()) == \
        (theirs.returncode, theirs.stdout.strip(), theirs.stderr.strip()), \
        describe(f"keepalived --signum={function}", theirs) + describe(f"keepalivedd --signum={function}", ours)
