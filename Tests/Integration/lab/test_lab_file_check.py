"""FILE_CHECK in the lab VM: keepalivedd -C must weigh and remove real servers from their track files as keepalived -C does.

Six real servers of weight 10 behind one DR virtual server follow four track files: a file weight taken over
from the track_file (5, and 2 reverse), one of its own (3 reverse, -1), weight 0 (a non-zero value removes the
server), and two files on one server. keepalived 2.2.7 and then keepalivedd (both -C -D) go through the same
writes: numbers up and down (a negative weight is held at 0), faults and recoveries, a file removed and one
moved in with text in it (both count 0), a hex number, a number outside C's int (ignored with keepalived's
"Invalid number" line), and a SIGHUP with an unchanged and a changed file. After every step `ipvsadm -Sn` must be
the same, and before the first reload both logs must hold the same "tracked file", "Changing weight",
"Removing/Adding service" and "Invalid number" lines.

Left out on purpose: a weight-0 `reverse` file. keepalived 2.2.7 reads it without `reverse` at start (a zero
keeps the server, a non-zero value takes it down) and with `reverse` after the first change; keepalivedd applies
`reverse` from the start (unit test HealthCoreFileCheckTests). Also after a reload keepalived removes and adds back
servers whose file is in FAULT; keepalivedd leaves them as they are, so only the tables are compared there.

Needs root and the QEMU lab; $KEEPALIVEDD is the binary (default .build/debug/keepalivedd).
"""

from __future__ import annotations

import os
import re
import shlex
from collections import Counter
from pathlib import Path

import pytest

from lab_compare import assert_table_matches_keepalived, both_logs
from labsession import lab_scenario

REPO = Path(__file__).resolve().parents[3]
KEEPALIVEDD = Path(os.environ.get("KEEPALIVEDD", REPO / ".build" / "debug" / "keepalivedd")).resolve()

FILE_CONF = """\
global_defs {
    router_id lab_file
}
track_file tfA {
    file @DIR@/a
    weight 5
}
track_file tfB {
    file @DIR@/b
}
track_file tfC {
    file @DIR@/c
    weight 0
}
track_file tfD {
    file @DIR@/d
    weight 2 reverse
}
virtual_server 10.60.0.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.60.1.1 80 {
        weight 10
        FILE_CHECK {
            track_file tfA
        }
    }
    real_server 10.60.1.2 80 {
        weight 10
        FILE_CHECK {
            track_file tfB
            weight 0
        }
    }
    real_server 10.60.1.3 80 {
        weight 10
        FILE_CHECK {
            track_file tfC
        }
    }
    real_server 10.60.1.4 80 {
        weight 10
        FILE_CHECK {
            track_file tfD
        }
    }
    real_server 10.60.1.5 80 {
        weight 10
        inhibit_on_failure
        FILE_CHECK {
            track_file tfA
            weight 3 reverse
        }
    }
    real_server 10.60.1.7 80 {
        weight 10
        FILE_CHECK {
            track_file tfB
        }
        FILE_CHECK {
            track_file tfA
            weight -1
        }
    }
}
"""

FILE_SCRIPT = """\
kd={keepalivedd}

# One daemon through the steps; $1 names it in the captures (k or d).
steps() {{
    local who=$1
    shift
    local dir="$LAB_TMP/files-$who"
    mkdir -p "$dir"
    sed "s|@DIR@|$dir|" keepalived.conf >"$LAB_TMP/$who.conf"
    echo 1 >"$dir/a"; echo 0 >"$dir/b"; echo 0 >"$dir/c"; echo 3 >"$dir/d"
    "$@" -n -l -D -C -f "$LAB_TMP/$who.conf" -p "$LAB_TMP/$who.pid" -c "$LAB_TMP/${{who}}c.pid" >"$LAB_TMP/$who.log" 2>&1 &
    echo $! >"$LAB_TMP/$who.daemon"
    wait_until 60 bash -c "ipvsadm -Sn | grep -q '^-a'"
    sleep 2
    capture "${{who}}_start" ipvsadm -Sn
    step() {{ sleep 2; capture "${{who}}_$1" ipvsadm -Sn; }}
    echo 2 >"$dir/a"; step a2
    echo -4 >"$dir/a"; step a_minus4
    echo 7 >"$dir/b"; echo 1 >"$dir/c"; step faults
    echo 0 >"$dir/c"; echo 6 >"$dir/d"; step recovery
    rm "$dir/a"; echo abc >"$dir/x"; mv "$dir/x" "$dir/b"; step removed_and_text
    echo 100000 >"$dir/a"; step large
    echo 0x10 >"$dir/c"; step hex
    echo 99999999999 >"$dir/d"; step invalid
    echo 0 >"$dir/c"; echo 1 >"$dir/a"; echo 0 >"$dir/d"; echo 0 >"$dir/b"; step reset
    kill -HUP "$(cat "$LAB_TMP/$who.daemon")"; step reload
    echo 4 >"$dir/c"; echo 2 >"$dir/a"; step after_reload
    kill -HUP "$(cat "$LAB_TMP/$who.daemon")"; step reload_in_fault
    stop_daemon "$LAB_TMP/$who.daemon" 20
    capture "${{who}}_after_stop" ipvsadm -Sn
    capture "${{who}}_log" cat "$LAB_TMP/$who.log"
}}

steps k keepalived
ipvsadm -C
steps d "$kd"
"""

FILE = lab_scenario("file_check_keepalivedd_vs_keepalived",
                    FILE_SCRIPT.format(keepalivedd=shlex.quote(str(KEEPALIVEDD))),
                    files={"keepalived.conf": FILE_CONF}, timeout=240)
STEPS = ["start", "a2", "a_minus4", "faults", "recovery", "removed_and_text", "large", "hex", "invalid", "reset",
         "reload", "after_reload", "reload_in_fault"]


@pytest.fixture
def file_check(lab_result):
    result = lab_result(FILE)
    assert result.returncode == 0, result.describe()
    return result



@pytest.mark.lab(FILE)
@pytest.mark.parametrize("step", STEPS)
def test_table_matches_keepalived_at_every_step(file_check, step):
    assert_table_matches_keepalived(file_check, step)


@pytest.mark.lab(FILE)
def test_the_files_moved_the_weights_as_documented(file_check):
    """The oracle itself: keepalived's weights are 10 plus value times weight, held at 0, and faults remove."""
    start = file_check.output("k_start")
    assert "-a -t 10.60.0.1:80 -r 10.60.1.1:80 -g -w 15" in start
    assert "-a -t 10.60.0.1:80 -r 10.60.1.4:80 -g -w 4" in start
    minus = file_check.output("k_a_minus4")
    assert "-r 10.60.1.1:80 -g -w 0" in minus and "-r 10.60.1.5:80 -g -w 22" in minus
    faults = file_check.output("k_faults")
    assert "10.60.1.2:80" not in faults and "10.60.1.3:80" not in faults
    assert "-r 10.60.1.1:80 -g -w 500010" in file_check.output("k_large")
    assert file_check.output("k_after_stop").count("-a ") == 0


def _file_lines(log: str) -> Counter[str]:
    """The lines of the changes, up to the first reload, as a multiset (keepalived's order of a server's
    FAULT line and its table change differs when one file has several servers)."""
    kept: Counter[str] = Counter()
    for line in log.splitlines():
        message = line.split(": ", 1)[-1] if re.match(r"\w{3} \w{3} [ \d]\d ", line) else line
        if message.startswith("Reloading"):
            break
        if re.match(r"\(\[.*\]:tcp:80\): tracked file |Changing weight from |(Removing|Adding|Disabling|Enabling) service |"
                    r"Invalid number ", message):
            kept[re.sub(r"/\S*/files-[kd]/", "DIR/", message)] += 1
    return kept


@pytest.mark.lab(FILE)
def test_log_has_keepalived_lines_for_the_changes(file_check):
    theirs = _file_lines(file_check.output("k_log"))
    ours = _file_lines(file_check.output("d_log"))
    assert any(line.startswith("([10.60.1.2]:tcp:80): tracked file tfB now FAULT state") for line in theirs), \
        f"keepalived logged no FAULT line: {theirs}"
    assert any(line.startswith("Invalid number 99999999999 read from DIR/d") for line in theirs), theirs
    assert ours == theirs, f"keepalived: {sorted(theirs.items())}\nkeepalivedd: {sorted(ours.items())}" + both_logs(file_check)
