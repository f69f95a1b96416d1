"""Health checkers against real servers in the lab VM: keepalivedd -C must change the IPVS table as keepalived -C does.

The scenario operators know from keepalived: two real web servers, each in its own network namespace behind
a veth link, and three virtual servers on the director (the scenario's namespace):

- 10.50.0.1:80, DR, TCP_CHECK: a failed server is removed;
- 10.50.0.2:80, DR, HTTP_GET with inhibit_on_failure: a failed server stays at weight 0;
- 10.50.0.3:80, NAT, HTTP_GET, quorum 2 with a sorry server: losing one server loses quorum;
- 10.50.0.4:80, DR, TCP_CHECK with ha_suspend: its checker runs only while 10.50.0.4 is on the director,
  which it is for a few seconds after both servers are up.

With the same config against the same servers, first keepalived -C and then keepalivedd -C go through the
same steps: both servers up, one stopped, both stopped, both started again, and a reload that drops
10.50.2.1 from 10.50.0.1 (logged as no longer existing, mailed "=> Removing <="). At each step the table
(`ipvsadm -Sn`) must be the same, and keepalivedd's log must carry keepalived's lines for the changes.
The binary is $KEEPALIVEDD, by default .build/debug/keepalivedd (make test builds it first).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from email.parser import Parser
from pathlib import Path

import pytest

from ipvsadm_table import parse_save
from lab_compare import assert_table_matches_keepalived, both_logs
from labsession import lab_scenario

REPO = Path(__file__).resolve().parents[3]
KEEPALIVEDD = Path(os.environ.get("KEEPALIVEDD", REPO / ".build" / "debug" / "keepalivedd")).resolve()

HEALTH_CONF = """\
global_defs {
    router_id lab_health
    notification_email {
        ops@example.com
    }
    notification_email_from lab@example.com
    smtp_server 127.0.0.1 2525
    smtp_connect_timeout 5
    smtp_alert
}

virtual_server 10.50.0.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.50.1.1 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 10.50.2.1 80 {
        weight 2
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}

virtual_server 10.50.0.2 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind DR
    protocol TCP
    inhibit_on_failure
    real_server 10.50.1.1 80 {
        weight 3
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 10.50.2.1 80 {
        weight 4
        HTTP_GET {
            url {
                path /
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}

virtual_server 10.50.0.3 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum 2
    sorry_server 10.50.9.9 80
    real_server 10.50.1.1 80 {
        weight 1
        HTTP_GET {
            url {
                path /
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 10.50.2.1 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}

virtual_server 10.50.0.4 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    ha_suspend
    real_server 10.50.1.1 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
"""

HEALTH_SCRIPT = """\
kd={keepalivedd}
if [[ ! -x $kd ]]; then note "no keepalivedd at $kd"; exit 2; fi
here=${{LAB_NAME:0:12}}

# Two real servers, each in a namespace of its own, linked to the director by a veth pair.
for n in 1 2; do
    ip netns add "rs$n-$here"
    ip link add "d$n" type veth peer name eth0 netns "rs$n-$here"
    ip addr add "10.50.$n.254/24" dev "d$n"
    ip link set "d$n" up
    ip -n "rs$n-$here" addr add "10.50.$n.1/24" dev eth0
    ip -n "rs$n-$here" link set eth0 up
    ip -n "rs$n-$here" link set lo up
    mkdir -p "$LAB_TMP/www$n"
    echo "real server $n" >"$LAB_TMP/www$n/index.html"
done
cleanup() {{ for n in 1 2; do ip netns pids "rs$n-$here" 2>/dev/null | xargs -r kill -KILL; ip netns del "rs$n-$here" 2>/dev/null; done; }}
trap cleanup EXIT

start_server() {{
    ip netns exec "rs$1-$here" python3 -m http.server 80 --bind "10.50.$1.1" --directory "$LAB_TMP/www$1" \\
        >"$LAB_TMP/http$1.log" 2>&1 &
    echo $! >"$LAB_TMP/http$1.pid"
    wait_until 20 bash -c "exec 3<>/dev/tcp/10.50.$1.1/80"
}}
stop_server() {{
    kill -KILL "$(cat "$LAB_TMP/http$1.pid")"
    wait_until 10 bash -c "! exec 3<>/dev/tcp/10.50.$1.1/80"
}}

# The table has settled when `ipvsadm -Sn` is unchanged for 3 s (three check rounds).
wait_stable() {{
    local deadline=$((SECONDS + $1)) last="" same=0 now
    while ((SECONDS < deadline)); do
        now=$(ipvsadm -Sn)
        if [[ $now == "$last" ]]; then
            same=$((same + 1))
            ((same >= 10)) && return 0
        else
            same=0
        fi
        last=$now
        sleep 0.3
    done
    note "table did not settle in $1 s"
    return 1
}}

# One daemon through the four steps; $1 names it in the captures (k or d).
steps() {{
    local who=$1
    shift
    start_server 1
    start_server 2
    # keepalivedd also serves /metrics (its status socket is $LAB_TMP/d.sock, from -p).
    local extra=()
    [[ $who == d ]] && extra=(--metrics 127.0.0.1:9651)
    # An SMTP server (aiosmtpd) on 127.0.0.1:2525 keeps every alert mail of this daemon, one JSON line each.
    {python} {mail_sink} --serve 2525 "$LAB_TMP/$who.mails" >"$LAB_TMP/$who.sink" 2>&1 &
    echo $! >"$LAB_TMP/$who.sinkpid"
    wait_until 30 grep -q ready "$LAB_TMP/$who.sink"
    cp keepalived.conf "$LAB_TMP/$who.conf"
    # Both start with a soft limit of 256 open files, which each raises as far as its checkers need.
    (ulimit -Sn 256 && exec "$@" "${{extra[@]}}" -n -l -D -C -f "$LAB_TMP/$who.conf" -p "$LAB_TMP/$who.pid" \
        -c "$LAB_TMP/${{who}}c.pid") >"$LAB_TMP/$who.log" 2>&1 &
    echo $! >"$LAB_TMP/$who.daemon"
    # A slow start must not pass for a settled table: wait for the daemon's first entries.
    wait_until 60 bash -c "ipvsadm -Sn | grep -q '^-A'"
    wait_stable 40
    capture "${{who}}_both_up" ipvsadm -Sn
    # ha_suspend: 10.50.0.4's checker runs only while that address is on this host.
    ip addr add 10.50.0.4/32 dev lo
    sleep 4
    ip addr del 10.50.0.4/32 dev lo
    sleep 3
    stop_server 1
    wait_stable 40
    capture "${{who}}_one_down" ipvsadm -Sn
    if [[ $who == d ]]; then
        capture d_status "$kd" status --json --socket "$LAB_TMP/d.sock"
        capture d_limits cat "/proc/$(cat "$LAB_TMP/d.daemon")/limits"
        capture d_metrics python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9651/metrics", timeout=10).read().decode())'
    fi
    stop_server 2
    wait_stable 40
    capture "${{who}}_both_down" ipvsadm -Sn
    start_server 1
    start_server 2
    wait_stable 40
    capture "${{who}}_restored" ipvsadm -Sn
    # A reload without 10.50.2.1 in 10.50.0.1: logged, removed from the table, mailed "=> Removing <=".
    {python} -c 'import sys; t = open(sys.argv[1]).read(); b = "    real_server 10.50.2.1 80 {{\\n        weight 2\\n"; i = t.index(b); j = t.index("\\n    }}\\n", i) + 7; open(sys.argv[1], "w").write(t[:i] + t[j:])' "$LAB_TMP/$who.conf"
    kill -HUP "$(cat "$LAB_TMP/$who.daemon")"
    sleep 2
    wait_stable 40
    capture "${{who}}_removed" ipvsadm -Sn
    stop_daemon "$LAB_TMP/$who.daemon" 20
    capture "${{who}}_after_stop" ipvsadm -Sn
    kill -TERM "$(cat "$LAB_TMP/$who.sinkpid")"
    wait "$(cat "$LAB_TMP/$who.sinkpid")" 2>/dev/null
    touch "$LAB_TMP/$who.mails"
    capture "${{who}}_mails" cat "$LAB_TMP/$who.mails"
    stop_server 1
    stop_server 2
    capture "${{who}}_log" cat "$LAB_TMP/$who.log"
}}

steps k keepalived
ipvsadm -C
steps d "$kd"
"""

MAIL_SINK = REPO / "Tests" / "Integration" / "test_smtp_alerts.py"
HEALTH = lab_scenario("health_keepalivedd_vs_keepalived",
                      HEALTH_SCRIPT.format(keepalivedd=shlex.quote(str(KEEPALIVEDD)), python=shlex.quote(sys.executable),
                                           mail_sink=shlex.quote(str(MAIL_SINK))),
                      files={"keepalived.conf": HEALTH_CONF}, timeout=420)
STEPS = ["both_up", "one_down", "both_down", "restored", "removed"]


@pytest.fixture
def health(lab_result):
    result = lab_result(HEALTH)
    assert result.returncode == 0, result.describe()
    return result



@pytest.mark.lab(HEALTH)
@pytest.mark.parametrize("step", STEPS)
def test_table_matches_keepalived_at_every_step(health, step):
    assert_table_matches_keepalived(health, step)


@pytest.mark.lab(HEALTH)
def test_steps_change_the_table_as_operators_expect(health):
    """The oracle itself: keepalived removed, inhibited and replaced by the sorry server as documented."""
    both_up = health.output("k_both_up")
    one_down = health.output("k_one_down")
    both_down = health.output("k_both_down")
    assert "-a -t 10.50.0.1:80 -r 10.50.1.1:80 -g -w 1" in both_up
    assert "-r 10.50.1.1:80" not in one_down.split("-A -t 10.50.0.2:80")[0].split("-A -t 10.50.0.1:80")[1]
    assert "-a -t 10.50.0.2:80 -r 10.50.1.1:80 -g -w 0" in one_down
    assert "-a -t 10.50.0.3:80 -r 10.50.9.9:80 -m -w 1" in both_down
    assert parse_save(health.output("k_restored")) == parse_save(both_up)


@pytest.mark.lab(HEALTH)
def test_log_has_keepalived_lines_for_the_changes(health):
    def lines(text: str) -> set[str]:
        kept = set()
        for line in text.splitlines():
            message = line.split(": ", 1)[-1]
            if re.match(r"(Removing|Adding|Disabling|Enabling) service |(Lost|Gained) quorum |"
                        r"(TCP|HTTP)_CHECK on service |Adding sorry server |Removing sorry server |"
                        r"service \S+ no longer exist", message):
                kept.add(message)
        return kept
    theirs, ours = lines(health.output("k_log")), lines(health.output("d_log"))
    assert theirs, health.output("k_log")
    assert "service [10.50.2.1]:tcp:80 no longer exist" in theirs, health.output("k_log")
    assert theirs <= ours, f"missing: {sorted(theirs - ours)}" + both_logs(health)


def _mails(text: str) -> list[tuple[str, str]]:
    """Subject and body of each mail a sink kept, sorted (mails are sent concurrently)."""
    mails = []
    for line in text.splitlines():
        if line.strip():
            message = Parser().parsestr(json.loads(line)["content"])
            mails.append((message["Subject"], message.get_payload().strip()))
    return sorted(mails)


@pytest.mark.lab(HEALTH)
def test_alert_mails_match_keepalived(health):
    """With smtp_alert, the same steps make both daemons send the same mails: each checker going down or up
    (its own text, the real server's state in the subject) and each quorum decision (at start, lost, regained)."""
    theirs, ours = _mails(health.output("k_mails")), _mails(health.output("d_mails"))
    assert any("Virtualserver" in subject for subject, _ in theirs), f"keepalived mailed no quorum: {theirs}"
    assert any("Realserver" in subject for subject, _ in theirs), f"keepalived mailed no real server: {theirs}"
    assert ours == theirs, ("keepalived mailed:\n" + "\n".join(map(str, theirs))
                            + "\nkeepalivedd mailed:\n" + "\n".join(map(str, ours)) + both_logs(health))


@pytest.mark.lab(HEALTH)
def test_ha_suspend_follows_the_address_as_keepalived_does(health):
    """The ha_suspend checker is suspended at start, activated when 10.50.0.4 is added and suspended again when
    it is removed, with keepalived's lines in keepalived's order."""
    def lines(text: str) -> list[str]:
        return [line.split(": ", 1)[-1] for line in text.splitlines()
                if re.search(r"(Activating|Suspending|Deactivating) healthchecker for service .* for VS \[10\.50\.0\.4\]", line)]
    theirs, ours = lines(health.output("k_log")), lines(health.output("d_log"))
    assert any(line.startswith("Activating") for line in theirs), f"keepalived never activated: {theirs}" + both_logs(health)
    assert ours == theirs, f"keepalived: {theirs}\nkeepalivedd: {ours}" + both_logs(health)


@pytest.mark.lab(HEALTH)
def test_sigterm_leaves_an_empty_table(health):
    assert parse_save(health.output("d_after_stop")) == [], health.output("d_after_stop") + both_logs(health)


@pytest.mark.lab(HEALTH)
def test_open_file_limit_is_raised_for_the_checkers(health):
    """Started with a soft limit of 256 open files, keepalivedd raises it as keepalived's checker does, to two
    descriptors per checker, the sockets kept between TCP_CHECKs (512) and 64 of its own."""
    checkers = len(re.findall(r"^\s+(?:TCP_CHECK|HTTP_GET|SSL_GET|MISC_CHECK|SMTP_CHECK|DNS_CHECK|UDP_CHECK|PING_CHECK)\s*\{",
                              HEALTH_CONF, re.M))
    assert checkers >= 6, HEALTH_CONF
    line = next(line for line in health.output("d_limits").splitlines() if line.startswith("Max open files"))
    soft, hard = (int(value) for value in line.split()[3:5])
    assert soft >= 64 + 2 * checkers + 512, line
    assert soft <= hard, line


@pytest.mark.lab(HEALTH)
def test_status_and_metrics_show_the_stopped_server(health):
    """`keepalivedd status --json` and /metrics, taken with server 1 stopped, agree with the kernel table."""
    report = json.loads(health.output("d_status"))
    servers = [rs for vs in report["virtualServers"] for rs in vs["realServers"]]
    assert servers, f"no real servers in the status report: {report}" + both_logs(health)
    down = [rs for rs in servers if not rs["alive"]]
    up = [rs for rs in servers if rs["alive"]]
    assert down and up, f"expected both dead and live real servers with server 1 stopped: {servers}" + both_logs(health)
    assert all(rs.get("lastCheckResult") for rs in servers), f"a real server without a last check: {servers}"
    assert any(rs["consecutiveFailures"] > 0 for rs in down), f"no failures counted on a dead server: {down}"
    table = health.output("d_one_down")
    for rs in up:
        if rs.get("kernelWeight") is not None:
            address = rs["label"].split(":")[0].strip("[]")
            assert address in table, f"{rs['label']} is alive with a kernel weight but not in the table:\n{table}"
    metrics = health.output("d_metrics")
    assert re.search(r'^keepalivedd_real_server_up\{[^}]*\} 0(\.0)?$', metrics, re.M), \
        "no real server reported down in /metrics:\n" + metrics
    assert re.search(r'^keepalivedd_real_server_up\{[^}]*\} 1(\.0)?$', metrics, re.M), \
        "no real server reported up in /metrics:\n" + metrics
    assert re.search(r'^keepalivedd_check_duration_seconds_count\{[^}]*\} [1-9]', metrics, re.M), \
        "no check durations in /metrics:\n" + metrics
