#!/usr/bin/env bash
# Runs inside the lab VM (scripts/ipvs-bench.py boots it): builds the IPVS table of $CONF with
# keepalived -C and with keepalivedd -C in a fresh network namespace and times each phase.
# Results go as KEY=VALUE lines to $OUT/results.txt (a read-write shared directory), progress to
# $OUT/progress.txt, so a hung phase still tells how far it got. Every wait is bounded.
#
# Environment: CONF, LAST (the last service, ADDR:PORT), EXPECTED (destinations), KEEPALIVEDD, OUT.
set -u
: "${CONF:?}" "${LAST:?}" "${EXPECTED:?}" "${KEEPALIVEDD:?}" "${OUT:?}"
REALS_PER_SERVICE=${REALS_PER_SERVICE:-20}
. "$(dirname "${BASH_SOURCE[0]}")/bench-guest-lib.sh"
all_destinations() { in_ns ipvsadm -Ln | grep -cE '^  -> [0-9[]' || true; }
last_destinations() { in_ns ipvsadm -Ln -t "$LAST" 2>/dev/null | grep -cE '^  -> [0-9[]' || true; }

# Start-up is done when the last service has all its destinations and the whole table is complete
# (the cheap poll first: listing 40,000 entries under emulation takes seconds).
wait_full() {
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        if [[ $(last_destinations) -eq $REALS_PER_SERVICE ]] && [[ $(all_destinations) -eq $EXPECTED ]]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}
# SIGTERM and wait for the process to exit, SIGKILL after $2 seconds.
stop_pid() {
    step "SIGTERM to $1 ($(tr '\0' ' ' </proc/$1/cmdline 2>/dev/null))"
    kill -TERM "$1" 2>/dev/null
    local deadline=$((SECONDS + $2))
    while pid_alive "$1" && ((SECONDS < deadline)); do sleep 0.1; done
    pid_alive "$1" && { step "pid $1 ignored SIGTERM for $2 s: SIGKILL"; kill -KILL "$1"; }
    wait "$1" 2>/dev/null
    step "pid $1 exited"
    return 0
}

# Process start-up alone (binaries and libraries come over the VM's 9p share): the fastest of 3.
startup() {
    local best=999 t elapsed
    for _ in 1 2 3; do
        t=$(now); "$@" >/dev/null 2>&1; elapsed=$(since "$t")
        best=$(awk -v a="$best" -v b="$elapsed" 'BEGIN { print (b < a) ? b : a }')
    done
    echo "$best"
}
result keepalived_version_s "$(startup keepalived --version)"
result keepalivedd_version_s "$(startup "$KEEPALIVEDD" --version)"

modprobe ip_vs || { step "modprobe ip_vs failed"; exit 1; }
ip netns add bench && ip -n bench link set lo up
step "namespace ready; $EXPECTED destinations expected"

# keepalived -C: time from exec until the whole table is in the kernel.
t=$(now)
ip netns exec bench keepalived -n -l -C -f "$CONF" -p "$OUT/k.pid" -c "$OUT/kc.pid" >"$OUT/keepalived.log" 2>&1 &
pid=$!
if wait_full 900; then result keepalived_start_s "$(since "$t")"; else result keepalived_start_s failed; fi
# keepalived's parent kills its checker child if it takes too long to stop, which can leave
# entries behind under emulation: the time is until the process exits, and what it left is counted.
t=$(now)
stop_pid "$pid" 120
result keepalived_stop_s "$(since "$t")"
result keepalived_left_after_stop "$(all_destinations)"
grep -q "failed to die" "$OUT/keepalived.log" && result keepalived_checker_killed_by_parent yes
in_ns ipvsadm -C

# keepalivedd -C on the empty table, then killed (-9) and started again over its own table.
t=$(now)
ip netns exec bench "$KEEPALIVEDD" -n -l -D -C -f "$CONF" -p "$OUT/d.pid" -c "$OUT/dc.pid" >"$OUT/keepalivedd-first.log" 2>&1 &
pid=$!
if wait_full 900; then result keepalivedd_start_s "$(since "$t")"; else result keepalivedd_start_s failed; fi
result keepalivedd_first_line "\"$(grep -o 'IPVS start: .*' "$OUT/keepalivedd-first.log")\""
kill -KILL "$pid"; wait "$pid" 2>/dev/null
t=$(now)
ip netns exec bench "$KEEPALIVEDD" -n -l -D -C -f "$CONF" -p "$OUT/d.pid" -c "$OUT/dc.pid" >"$OUT/keepalivedd-again.log" 2>&1 &
pid=$!
if wait_log "$OUT/keepalivedd-again.log" 600 "IPVS start:"; then result keepalivedd_restart_s "$(since "$t")"; else result keepalivedd_restart_s failed; fi
result keepalivedd_again_line "\"$(grep -o 'IPVS start: .*' "$OUT/keepalivedd-again.log")\""
result keepalivedd_table_after_restart "$(all_destinations)"
t=$(now)
stop_pid "$pid" 120
result keepalivedd_stop_s "$(since "$t")"
result keepalivedd_left_after_stop "$(all_destinations)"
step done
