"""`lvs_sync_daemon` in the lab VM: the VRRP half drives the kernel's IPVS connection sync daemon.

keepalived starts the sync daemon from its VRRP process: as backup at start-up, as master once the
named instance is MASTER, and stops it when it stops. A director alone on its link becomes MASTER
after Master_Down_Interval, so `ipvsadm -L --daemon` must show the master daemon (interface, sync id)
with keepalived -P and with keepalivedd -P alike, and nothing after SIGTERM.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from labsession import lab_scenario

REPO = Path(__file__).resolve().parents[3]
KEEPALIVEDD = Path(os.environ.get("KEEPALIVEDD", REPO / ".build" / "debug" / "keepalivedd")).resolve()

SYNCD_CONF = """\
global_defs {
    router_id lab_syncd
    lvs_sync_daemon eth0 VI_1 id 7
}

vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.60.0.100/24
    }
}
"""

SYNCD_SCRIPT = """\
kd={keepalivedd}
if [[ ! -x $kd ]]; then note "no keepalivedd at $kd"; exit 2; fi
ip link add eth0 type veth peer name peer0
ip addr add 10.60.0.1/24 dev eth0
ip link set eth0 up
ip link set peer0 up

run() {{
    local who=$1
    shift
    "$@" -n -l -D -P -f keepalived.conf -p "$LAB_TMP/$who.pid" -r "$LAB_TMP/${{who}}v.pid" >"$LAB_TMP/$who.log" 2>&1 &
    echo $! >"$LAB_TMP/$who.daemon"
    wait_until 30 bash -c "ipvsadm -L --daemon | grep -q 'master sync daemon'"
    wait_until 10 bash -c "ip -o addr show dev eth0 | grep -q 10.60.0.100"
    capture "${{who}}_master" ipvsadm -L --daemon
    capture "${{who}}_vip" ip -o addr show dev eth0
    stop_daemon "$LAB_TMP/$who.daemon" 20
    wait_until 10 bash -c "! ipvsadm -L --daemon | grep -q 'sync daemon'"
    capture "${{who}}_stopped" ipvsadm -L --daemon
    capture "${{who}}_log" cat "$LAB_TMP/$who.log"
}}

run k keepalived
run d "$kd"
"""

SYNCD = lab_scenario("syncd_keepalivedd_vs_keepalived", SYNCD_SCRIPT.format(keepalivedd=shlex.quote(str(KEEPALIVEDD))),
                     files={"keepalived.conf": SYNCD_CONF}, timeout=120)


def _daemons(text: str) -> list[str]:
    return sorted(line.strip() for line in text.splitlines() if "sync daemon" in line)


@pytest.fixture
def syncd(lab_result):
    result = lab_result(SYNCD)
    assert result.returncode == 0, result.describe()
    return result


@pytest.mark.lab(SYNCD)
def test_master_sync_daemon_runs_while_master_as_with_keepalived(syncd):
    theirs = _daemons(syncd.output("k_master"))
    assert any(re.search(r"master sync daemon \(mcast=eth0, syncid=7", line) for line in theirs), theirs
    ours = _daemons(syncd.output("d_master"))
    assert ours == theirs, f"{ours} != {theirs}\n" + syncd.output("d_log")
    assert "10.60.0.100/24" in syncd.output("d_vip"), syncd.output("d_log")


@pytest.mark.lab(SYNCD)
def test_sync_daemons_stop_with_the_vrrp_half(syncd):
    assert _daemons(syncd.output("k_stopped")) == []
    assert _daemons(syncd.output("d_stopped")) == [], syncd.output("d_log")


COMBINED_CONF = SYNCD_CONF + """
virtual_server 10.60.0.100 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.60.0.11 80 {
        weight 2
    }
    real_server 10.60.0.12 80 {
        weight 1
    }
}
"""

# Neither -P nor -C: one process runs both halves, as keepalived's parent runs both children.
COMBINED_SCRIPT = """\
kd={keepalivedd}
if [[ ! -x $kd ]]; then note "no keepalivedd at $kd"; exit 2; fi
ip link add eth0 type veth peer name peer0
ip addr add 10.60.0.1/24 dev eth0
ip link set eth0 up
ip link set peer0 up

run() {{
    local who=$1
    shift
    "$@" -n -l -D -f keepalived.conf -p "$LAB_TMP/$who.pid" -r "$LAB_TMP/${{who}}v.pid" -c "$LAB_TMP/${{who}}c.pid" \\
        >"$LAB_TMP/$who.log" 2>&1 &
    echo $! >"$LAB_TMP/$who.daemon"
    wait_until 30 bash -c "ipvsadm -L --daemon | grep -q 'master sync daemon'"
    wait_until 10 bash -c "ip -o addr show dev eth0 | grep -q 10.60.0.100"
    wait_destinations 20 2
    capture "${{who}}_table" ipvsadm -Sn
    capture "${{who}}_daemons" ipvsadm -L --daemon
    capture "${{who}}_vip" ip -o addr show dev eth0
    stop_daemon "$LAB_TMP/$who.daemon" 20
    wait_until 10 bash -c "! ipvsadm -L --daemon | grep -q 'sync daemon'"
    capture "${{who}}_after_stop" ipvsadm -Sn
    capture "${{who}}_vip_after_stop" ip -o addr show dev eth0
    capture "${{who}}_log" cat "$LAB_TMP/$who.log"
}}

run k keepalived
run d "$kd"
"""

COMBINED = lab_scenario("combined_keepalivedd_vs_keepalived",
                        COMBINED_SCRIPT.format(keepalivedd=shlex.quote(str(KEEPALIVEDD))),
                        files={"keepalived.conf": COMBINED_CONF}, timeout=120)


@pytest.mark.lab(COMBINED)
def test_both_halves_in_one_process_as_keepalived(lab_result):
    from ipvsadm_table import parse_save
    result = lab_result(COMBINED)
    assert result.returncode == 0, result.describe()
    log = result.output("d_log")
    assert parse_save(result.output("k_table")), result.output("k_log")
    assert parse_save(result.output("d_table")) == parse_save(result.output("k_table")), log
    assert _daemons(result.output("d_daemons")) == _daemons(result.output("k_daemons")), log
    assert "10.60.0.100/24" in result.output("d_vip"), log
    assert parse_save(result.output("d_after_stop")) == [], log
    assert "10.60.0.100" not in result.output("d_vip_after_stop"), log
