"""keepalivedd -C against keepalived -C in the lab VM: the same config must give the same IPVS table.

For each config the scenario runs the real keepalived (checker/LVS half only, real servers without checkers,
which both count as alive), captures `ipvsadm -Sn` once the table has settled, stops it, then does the same
with keepalivedd. keepalivedd must build exactly keepalived's table, leave it empty after SIGTERM, set and
restore `lvs_timeouts` the same way, and, restarted over a table it left behind with kill -9, perform zero
operations. The binary is $KEEPALIVEDD, by default .build/debug/keepalivedd (make test builds it first).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from ipvsadm_table import parse_save, parse_timeouts
from labsession import lab_scenario
from test_lab_ipvs import KEEPALIVED_CONF as BASIC_CONF

REPO = Path(__file__).resolve().parents[3]
KEEPALIVEDD = Path(os.environ.get("KEEPALIVEDD", REPO / ".build" / "debug" / "keepalivedd")).resolve()

SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"]


def _schedulers_conf() -> str:
    blocks = []
    for index, scheduler in enumerate(SCHEDULERS):
        blocks.append(f"""\
virtual_server 10.20.0.1 {8000 + index} {{
    protocol TCP
    lb_algo {scheduler}
    lb_kind NAT
    real_server 10.20.1.1 {9000 + index} {{
        weight 2
    }}
    real_server 10.20.1.2 {9000 + index} {{
        weight 1
    }}
}}
""")
    return "".join(blocks)


GROUPS_CONF = """\
global_defs {
    router_id lab_groups
}

virtual_server_group WEB {
    10.30.0.1-3 80
    10.30.1.0/30 8080
    fwmark 9
}

virtual_server group WEB {
    protocol TCP
    lb_algo wlc
    lb_kind DR
    persistence_timeout 300
    real_server 10.30.9.1 80 {
        weight 2
    }
    real_server 10.30.9.2 80 {
        weight 1
    }
}

! Quorum 10 cannot be met by two servers of weight 1: the sorry server stands in.
virtual_server 10.30.2.1 443 {
    protocol TCP
    lb_algo rr
    lb_kind NAT
    quorum 10
    sorry_server 10.30.9.9 8443
    real_server 10.30.9.3 8443 {
        weight 1
    }
    real_server 10.30.9.4 8443 {
        weight 1
    }
}

! Quorum met: no sorry server in the table.
virtual_server 10.30.2.2 443 {
    protocol TCP
    lb_algo rr
    lb_kind NAT
    sorry_server 10.30.9.9 8443
    real_server 10.30.9.5 8443 {
        weight 3
    }
}

virtual_server 2001:db8:30::1 80 {
    protocol TCP
    lb_algo sh
    lb_kind TUN
    persistence_timeout 60
    persistence_granularity 64
    real_server 2001:db8:30::10 80 {
        weight 1
    }
}

virtual_server 10.30.3.1 53 {
    protocol UDP
    lb_algo rr
    lb_kind DR
    persistence_timeout
    real_server 10.30.9.6 53 {
        weight 1
    }
}
"""

# Runs one daemon, waits until its table has settled, captures it, stops it.
COMPARE_SCRIPT = """\
kd={keepalivedd}
if [[ ! -x $kd ]]; then note "no keepalivedd at $kd"; exit 2; fi

# The table is settled when `ipvsadm -Sn` is non-empty and unchanged for 1.5 s.
wait_stable() {{
    local deadline=$((SECONDS + $1)) last="" same=0 now
    while ((SECONDS < deadline)); do
        now=$(ipvsadm -Sn)
        if [[ -n $now && $now == "$last" ]]; then
            same=$((same + 1))
            ((same >= 5)) && return 0
        else
            same=0
        fi
        last=$now
        sleep 0.3
    done
    note "table did not settle in $1 s"
    return 1
}}

capture before_timeout ipvsadm -L --timeout

keepalived -n -l -D -C -f keepalived.conf -p "$LAB_TMP/k.pid" -c "$LAB_TMP/kc.pid" >"$LAB_TMP/k.log" 2>&1 &
echo $! >"$LAB_TMP/k.daemon"
wait_stable 40
capture k_save ipvsadm -Sn
capture k_timeout ipvsadm -L --timeout
stop_daemon "$LAB_TMP/k.daemon" 20
capture k_down ipvsadm -Sn
capture k_down_timeout ipvsadm -L --timeout
capture k_log cat "$LAB_TMP/k.log"

"$kd" -n -l -D -C -f keepalived.conf -p "$LAB_TMP/d.pid" -c "$LAB_TMP/dc.pid" >"$LAB_TMP/d.log" 2>&1 &
echo $! >"$LAB_TMP/d.daemon"
wait_stable 40
capture d_save ipvsadm -Sn
capture d_timeout ipvsadm -L --timeout

# kill -9 leaves the table (and stale pid files); a restart must adopt it with zero operations.
kill -KILL "$(cat "$LAB_TMP/d.daemon")"
wait_until 10 bash -c '! kill -0 '"$(cat "$LAB_TMP/d.daemon")"' 2>/dev/null'
capture d_after_kill ipvsadm -Sn
"$kd" -n -l -D -C -f keepalived.conf -p "$LAB_TMP/d.pid" -c "$LAB_TMP/dc.pid" >"$LAB_TMP/d2.log" 2>&1 &
echo $! >"$LAB_TMP/d.daemon"
wait_until 30 grep -q "IPVS start:" "$LAB_TMP/d2.log"
capture d_restart_save ipvsadm -Sn
stop_daemon "$LAB_TMP/d.daemon" 20
capture d_down ipvsadm -Sn
capture d_down_timeout ipvsadm -L --timeout
capture d_log cat "$LAB_TMP/d.log"
capture d2_log cat "$LAB_TMP/d2.log"
"""


def _scenario(name: str, conf: str) -> str:
    script = COMPARE_SCRIPT.format(keepalivedd=shlex.quote(str(KEEPALIVEDD)))
    return lab_scenario(name, script, files={"keepalived.conf": conf}, timeout=180)


BASIC = _scenario("keepalivedd_vs_keepalived_basic", BASIC_CONF)
SCHEDULERS_SCENARIO = _scenario("keepalivedd_vs_keepalived_schedulers", _schedulers_conf())
GROUPS = _scenario("keepalivedd_vs_keepalived_groups", GROUPS_CONF)
ALL = [BASIC, SCHEDULERS_SCENARIO, GROUPS]


@pytest.fixture(params=ALL)
def compared(request, lab_result):
    result = lab_result(request.param)
    assert result.returncode == 0, result.describe()
    return result


def _logs(result) -> str:
    return "\n--- keepalived log\n" + result.output("k_log") + "\n--- keepalivedd log\n" + result.output("d_log")


@pytest.mark.lab(*ALL)
def test_same_table_as_keepalived(compared):
    expected = parse_save(compared.output("k_save"))
    assert expected, "keepalived built no table\n" + _logs(compared)
    assert parse_save(compared.output("d_save")) == expected, \
        compared.output("k_save") + "\n!= keepalivedd:\n" + compared.output("d_save") + _logs(compared)


@pytest.mark.lab(*ALL)
def test_same_timeouts_as_keepalived(compared):
    assert parse_timeouts(compared.output("d_timeout")) == parse_timeouts(compared.output("k_timeout"))
    assert parse_timeouts(compared.output("d_down_timeout")) == parse_timeouts(compared.output("k_down_timeout"))


@pytest.mark.lab(*ALL)
def test_sigterm_leaves_an_empty_table(compared):
    assert parse_save(compared.output("k_down")) == [], compared.output("k_down")
    assert parse_save(compared.output("d_down")) == [], compared.output("d_down") + _logs(compared)
    assert "Stopped Keepalived" in compared.output("d2_log"), compared.output("d2_log")


def _start_counts(log: str) -> tuple[int, int, int]:
    """(operations, applied, failed) from keepalivedd's `-D` line about its start-up reconcile."""
    match = re.search(r"IPVS start: (\d+) operations \((\d+) applied, \d+ already present, \d+ already absent, "
                      r"(\d+) failed\)", log)
    assert match, log
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


@pytest.mark.lab(*ALL)
def test_restart_over_its_own_table_performs_zero_operations(compared):
    assert parse_save(compared.output("d_after_kill")) == parse_save(compared.output("d_save"))
    first = _start_counts(compared.output("d_log"))
    again = _start_counts(compared.output("d2_log"))
    # Nothing is applied again; only what the kernel refused the first time (a scheduler this kernel
    # lacks) is tried again, and refused again.
    assert again[1] == 0, compared.output("d2_log")
    assert again[0] == again[2] == first[2], compared.output("d_log") + compared.output("d2_log")
    assert parse_save(compared.output("d_restart_save")) == parse_save(compared.output("d_save"))


def _in_table(line: str, saved: str) -> bool:
    """Whether the virtual server a log line names was in the table (`ipvsadm -Sn` text)."""
    match = re.search(r"VS (FWM (\d+)|\[([^\]]+)\]:\w+:(\d+))$", line)
    if not match:
        return True
    if match.group(2):
        return f"-f {match.group(2)} " in saved
    address, port = match.group(3), match.group(4)
    return (f"[{address}]:{port} " if ":" in address else f"{address}:{port} ") in saved


@pytest.mark.lab(*ALL)
def test_shutdown_lines_match_keepalived(compared):
    def lines(text: str) -> set[str]:
        return {line.split(": ", 1)[1] for line in text.splitlines()
                if ": Shutting down service " in line or ": Removing service " in line}
    # keepalived also logs servers of a service the kernel refused (one it never had); keepalivedd
    # logs what it removes, so compare the services that were in the table.
    saved = compared.output("k_save")
    theirs = {line for line in lines(compared.output("k_log")) if _in_table(line, saved)}
    ours = lines(compared.output("d2_log"))
    assert theirs <= ours, f"missing: {sorted(theirs - ours)}" + _logs(compared)


@pytest.mark.lab(BASIC)
def test_basic_table_is_the_known_one(lab_result):
    from test_lab_ipvs import EXPECTED_SAVE
    result = lab_result(BASIC)
    assert parse_save(result.output("d_save")) == EXPECTED_SAVE, result.output("d_save")
