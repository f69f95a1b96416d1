"""The real keepalived drives a real IPVS table in the lab VM: the oracle later tests compare keepalivedd with.

keepalived 2.2.7 runs checker-only (-C) on a config with TCP, UDP, fwmark and IPv6 virtual servers
(DR/NAT/TUN, wrr/sh/lc/mh, persistence with and without granularity, scheduler flags, one-packet
scheduling, thresholds, a zero weight) and real servers without checkers, which keepalived counts as
alive. The scenario captures `ipvsadm -Ln`, `-Sn` and `--timeout` once the table is complete, sends
SIGTERM, and captures the table again, which must then be empty.
"""

from __future__ import annotations

import pytest

from ipvsadm_table import parse_list, parse_save, parse_timeouts
from labsession import lab_scenario

KEEPALIVED_CONF = """\
global_defs {
    router_id lab_ipvs
    lvs_timeouts tcp 7200 tcpfin 60 udp 200
}

virtual_server 10.10.0.1 80 {
    protocol TCP
    lvs_sched wrr
    lvs_method DR
    persistence_timeout 600
    persistence_granularity 255.255.255.0
    real_server 10.10.1.1 80 {
        weight 3
    }
    real_server 10.10.1.2 80 {
        weight 1
        uthreshold 100
        lthreshold 10
    }
}

virtual_server 10.10.0.2 53 {
    protocol UDP
    lvs_sched sh
    sh-port
    sh-fallback
    ops
    lvs_method NAT
    real_server 10.10.2.1 5353 {
        weight 2
    }
    real_server 10.10.2.2 5353 {
    }
}

virtual_server fwmark 7 {
    lvs_sched lc
    lvs_method TUN
    persistence_timeout 120
    real_server 10.10.3.1 {
        weight 4
    }
    real_server 10.10.3.2 {
        lvs_method DR
    }
}

virtual_server 2001:db8::10 443 {
    protocol TCP
    lvs_sched mh
    mh-port
    lvs_method DR
    real_server 2001:db8::1:1 443 {
        weight 5
    }
    real_server 2001:db8::1:2 443 {
        weight 0
    }
}
"""

# keepalived -C: checkers/LVS only, no fork into the background (-n), log to the console (-l -D).
KEEPALIVED_SCRIPT = """\
capture version keepalived -v
capture before ipvsadm -Ln
capture before_timeout ipvsadm -L --timeout
keepalived -n -l -D -C -f keepalived.conf -p "$LAB_TMP/keepalived.pid" -c "$LAB_TMP/checkers.pid" \\
    >"$LAB_TMP/keepalived.log" 2>&1 &
daemon=$!
started=$SECONDS
wait_services 30 4 && wait_destinations 10 8 || note "table incomplete"
note "table complete after $((SECONDS - started)) s"
capture up ipvsadm -Ln
capture up_save ipvsadm -Sn
capture up_timeout ipvsadm -L --timeout
capture up_thresholds ipvsadm -Ln --thresholds
capture up_tun ipvsadm -Ln --tun-info
echo "$daemon" >"$LAB_TMP/daemon.pid"
stop_daemon "$LAB_TMP/daemon.pid" 20
capture down ipvsadm -Ln
capture down_timeout ipvsadm -L --timeout
capture log cat "$LAB_TMP/keepalived.log"
"""

KEEPALIVED_BASIC = lab_scenario("keepalived_checker_basic", KEEPALIVED_SCRIPT,
                                files={"keepalived.conf": KEEPALIVED_CONF}, timeout=90)


#: The table keepalived builds from KEEPALIVED_CONF (what `ipvsadm -Ln` shows, as parsed values).
EXPECTED_TABLE = {
    "TCP 10.10.0.1:80": {
        "scheduler": "wrr", "flags": [], "ops": False, "persistent": 600, "mask": "255.255.255.0", "pe": None,
        "destinations": {"10.10.1.1:80": ("Route", 3), "10.10.1.2:80": ("Route", 1)},
    },
    "UDP 10.10.0.2:53": {
        "scheduler": "sh", "flags": ["sh-fallback", "sh-port"], "ops": True, "persistent": None, "mask": None,
        "pe": None, "destinations": {"10.10.2.1:5353": ("Masq", 2), "10.10.2.2:5353": ("Masq", 1)},
    },
    # fwmark real servers have port 0; the per-server lvs_method overrides the virtual server's TUN.
    "FWM 7": {
        "scheduler": "lc", "flags": [], "ops": False, "persistent": 120, "mask": None, "pe": None,
        "destinations": {"10.10.3.1:0": ("Tunnel", 4), "10.10.3.2:0": ("Route", 1)},
    },
    "TCP [2001:db8::10]:443": {
        "scheduler": "mh", "flags": ["mh-port"], "ops": False, "persistent": None, "mask": None, "pe": None,
        "destinations": {"[2001:db8::1:1]:443": ("Route", 5), "[2001:db8::1:2]:443": ("Route", 0)},
    },
}

#: The same table in `ipvsadm -Sn` form (sorted): the canonical text later comparisons use.
EXPECTED_SAVE = sorted([
    "-A -t 10.10.0.1:80 -s wrr -p 600 -M 255.255.255.0",
    "-a -t 10.10.0.1:80 -r 10.10.1.1:80 -g -w 3",
    "-a -t 10.10.0.1:80 -r 10.10.1.2:80 -g -w 1",
    "-A -u 10.10.0.2:53 -s sh -o -b sh-fallback,sh-port",
    "-a -u 10.10.0.2:53 -r 10.10.2.1:5353 -m -w 2",
    "-a -u 10.10.0.2:53 -r 10.10.2.2:5353 -m -w 1",
    "-A -f 7 -s lc -p 120",
    "-a -f 7 -r 10.10.3.1:0 -i -w 4 --tun-type ipip",
    "-a -f 7 -r 10.10.3.2:0 -g -w 1",
    "-A -t [2001:db8::10]:443 -s mh -b mh-port",
    "-a -t [2001:db8::10]:443 -r [2001:db8::1:1]:443 -g -w 5",
    "-a -t [2001:db8::10]:443 -r [2001:db8::1:2]:443 -g -w 0",
])

#: The kernel's defaults in a fresh network namespace, as `ipvsadm -L --timeout` shows them.
KERNEL_DEFAULT_TIMEOUTS = (900, 120, 300)


@pytest.fixture
def basic(lab_result):
    result = lab_result(KEEPALIVED_BASIC)
    assert result.returncode == 0, result.describe()
    return result


@pytest.mark.lab(KEEPALIVED_BASIC)
def test_table_is_empty_before_keepalived_starts(basic):
    assert parse_list(basic.output("before")) == {}, basic.describe()


@pytest.mark.lab(KEEPALIVED_BASIC)
def test_keepalived_builds_the_whole_table(basic):
    table = {key: service.summary() for key, service in parse_list(basic.output("up")).items()}
    assert table == EXPECTED_TABLE, basic.output("up") + basic.output("log")


@pytest.mark.lab(KEEPALIVED_BASIC)
def test_saved_rules_match(basic):
    assert parse_save(basic.output("up_save")) == EXPECTED_SAVE, basic.output("up_save")


@pytest.mark.lab(KEEPALIVED_BASIC)
def test_thresholds_reach_the_kernel(basic):
    table = parse_list(basic.output("up_thresholds"))
    thresholds = {(key, address): (dest.columns["Uthreshold"], dest.columns["Lthreshold"])
                  for key, service in table.items() for address, dest in service.destinations.items()}
    assert thresholds[("TCP 10.10.0.1:80", "10.10.1.2:80")] == ("100", "10"), basic.output("up_thresholds")
    others = {value for where, value in thresholds.items() if where != ("TCP 10.10.0.1:80", "10.10.1.2:80")}
    assert others == {("0", "0")}, basic.output("up_thresholds")


@pytest.mark.lab(KEEPALIVED_BASIC)
def test_tunnel_destination_is_ipip(basic):
    table = parse_list(basic.output("up_tun"))
    tunnel = table["FWM 7"].destinations["10.10.3.1:0"]
    assert (tunnel.forward, tunnel.columns.get("TunnelInfo")) == ("Tunnel", "ipip"), basic.output("up_tun")


@pytest.mark.lab(KEEPALIVED_BASIC)
def test_lvs_timeouts_are_set_and_restored_on_stop(basic):
    assert parse_timeouts(basic.output("before_timeout")) == KERNEL_DEFAULT_TIMEOUTS
    assert parse_timeouts(basic.output("up_timeout")) == (7200, 60, 200), basic.output("up_timeout")
    # Observed: after SIGTERM the namespace shows the kernel's defaults again.
    assert parse_timeouts(basic.output("down_timeout")) == KERNEL_DEFAULT_TIMEOUTS, basic.output("down_timeout")


@pytest.mark.lab(KEEPALIVED_BASIC)
def test_sigterm_empties_the_table(basic):
    assert "exited after SIGTERM" in basic.log, basic.describe()
    assert parse_list(basic.output("down")) == {}, basic.output("down") + basic.output("log")
    log = basic.output("log")
    assert "Stopped Keepalived" in log, log
    # keepalived names every real server it removes.
    removed = [line for line in log.splitlines() if "Shutting down service" in line]
    assert len(removed) == 8, log
