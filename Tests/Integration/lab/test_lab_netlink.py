"""keepalivedd's KernelBackend (generic netlink, Sources/IPVSSync/Kernel*.swift) on a real IPVS kernel.

The lab runs the Swift test binary's NetlinkKernelLabTests inside the guest (they are skipped by a
plain `swift test`: they need root and ip_vs) phase by phase, and checks the kernel table with ipvsadm
in between: after phase 1 the table built through KernelBackend must be exactly the table keepalived
builds from the same configuration (test_lab_ipvs.EXPECTED_SAVE), with the same lvs_timeouts.

The binary is $KEEPALIVEDD_TEST_BINARY, by default .build/debug/keepaliveddPackageTests.xctest
(`make test` builds it with `swift test` before the integration tests run).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from ipvsadm_table import parse_daemon, parse_list, parse_save, parse_timeouts
from labsession import lab_scenario
from test_lab_ipvs import EXPECTED_SAVE

REPO = Path(__file__).resolve().parents[3]
TEST_BINARY = Path(os.environ.get("KEEPALIVEDD_TEST_BINARY",
                                  REPO / ".build" / "debug" / "keepaliveddPackageTests.xctest")).resolve()

SCRIPT = f"""\
bin={shlex.quote(str(TEST_BINARY))}
if [[ ! -x $bin ]]; then note "no test binary at $bin"; exit 2; fi
export KEEPALIVEDD_IPVS_LAB=1 NO_COLOR=1
phase() {{ "$bin" --testing-library swift-testing --filter "NetlinkKernelLabTests.*$1"; }}
ip link add lab0 type dummy && ip link set lab0 up
capture phase1 phase labBuildTable
capture p1_save ipvsadm -Sn
capture p1_timeout ipvsadm -L --timeout
capture phase2 phase labErrorsEditsAndDaemon
capture p2_list ipvsadm -Ln
capture p2_daemon ipvsadm -L --daemon
capture phase3 phase labLargeTable
capture p3_list ipvsadm -Ln
"""

NETLINK = lab_scenario("kernel_backend_netlink", SCRIPT, timeout=240)


def _passed(output: str, test: str) -> bool:
    """The Swift test ran and passed (a skipped test prints "skipped", a failed one "failed")."""
    return re.search(rf"Test {test}\(\) passed", output) is not None


@pytest.fixture
def netlink(lab_result):
    result = lab_result(NETLINK)
    assert result.returncode == 0, result.describe()
    return result


@pytest.mark.lab(NETLINK)
def test_kernel_backend_builds_keepalived_table(netlink):
    assert netlink.returncode_of("phase1") == 0 and _passed(netlink.output("phase1"), "labBuildTable"), netlink.output("phase1")
    assert parse_save(netlink.output("p1_save")) == EXPECTED_SAVE, netlink.output("p1_save")
    assert parse_timeouts(netlink.output("p1_timeout")) == (7200, 60, 200)


@pytest.mark.lab(NETLINK)
def test_kernel_backend_errors_edits_and_sync_daemon(netlink):
    assert netlink.returncode_of("phase2") == 0 and _passed(netlink.output("phase2"), "labErrorsEditsAndDaemon"), netlink.output("phase2")
    assert parse_list(netlink.output("p2_list")) == {}, netlink.output("p2_list")
    assert parse_daemon(netlink.output("p2_daemon")) == [], netlink.output("p2_daemon")


@pytest.mark.lab(NETLINK)
def test_kernel_backend_large_table(netlink):
    output = netlink.output("phase3")
    assert netlink.returncode_of("phase3") == 0 and _passed(output, "labLargeTable"), output
    timing = [line for line in output.splitlines() if line.startswith("lab: applied")]
    print(timing)
    assert timing, output
    assert parse_list(netlink.output("p3_list")) == {}
