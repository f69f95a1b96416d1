#!/usr/bin/env bash
# Runs inside the lab VM (scripts/health-bench.py boots it): for each tool in $TOOLS, starts the epoll
# listener (one socket per real server, namespace `rs`), starts the daemon with -C on $CONF (namespace
# `bench`), waits for the full IPVS table, measures CPU/RSS over a window after a warm-up, closes a few
# real servers' listeners and times their removal from IPVS, then stops both.
# Results go as KEY=VALUE lines to $OUT/results.txt (a read-write shared directory), progress to
# $OUT/progress.txt, so a hung phase still tells how far it got. Every wait is bounded.
#
# Environment: FAULT_AROUND_BYTES (optional), PERF_SECONDS (optional profile after the window), KEEPALIVEDD_ARGS (optional extra arguments), CONF, COUNT (real servers), VICTIMS (REAL@SERVICE,...), KEEPALIVEDD, OUT, BENCH (health-bench.py),
# WARMUP, WINDOW, START_TIMEOUT, TOOLS, LISTENER (bench-listener.c's binary, run in `record` mode on
# $OUT/addresses.txt and $OUT/victims.txt).
set -u
: "${CONF:?}" "${COUNT:?}" "${VICTIMS:?}" "${KEEPALIVEDD:?}" "${OUT:?}" "${BENCH:?}" "${LISTENER:?}"
WARMUP=${WARMUP:-20} WINDOW=${WINDOW:-60} START_TIMEOUT=${START_TIMEOUT:-150} TOOLS=${TOOLS:-keepalived keepalivedd}
PY=/usr/bin/python3
. "$(dirname "${BASH_SOURCE[0]}")/bench-guest-lib.sh"
all_destinations() { in_ns ipvsadm -Ln | grep -cE '^  -> [0-9]' || true; }
wait_file() {
    local deadline=$((SECONDS + $2))
    until [[ -s $1 ]]; do ((SECONDS < deadline)) || return 1; sleep 0.2; done
}
# The table is full when every real server is listed (polled every 2 s: listing is slow under emulation).
wait_full() {
    local deadline=$((SECONDS + $1)) n
    while ((SECONDS < deadline)); do
        n=$(all_destinations)
        [[ $n -eq $COUNT ]] && return 0
        pid_alive "$2" || { step "daemon exited while filling ($n listed)"; return 1; }
        sleep 2
    done
    step "table not full after $1 s ($n listed)"
    return 1
}

modprobe ip_vs || { step "modprobe ip_vs failed"; exit 1; }
# On request, how many pages a page fault maps around the faulting one (the kernel's default is 64 KiB).
if [[ -n ${FAULT_AROUND_BYTES:-} ]]; then
    mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
    echo "$FAULT_AROUND_BYTES" >/sys/kernel/debug/fault_around_bytes && step "fault_around_bytes $FAULT_AROUND_BYTES"
fi
ulimit -n 200000
sysctl -qw net.core.somaxconn=4096
ip netns add bench && ip netns add rs
ip -n bench link set lo up && ip -n rs link set lo up
ip link add hb0 type veth peer name hb1
ip link set hb0 netns bench && ip link set hb1 netns rs
ip -n bench addr add 192.168.77.1/24 dev hb0 && ip -n bench link set hb0 up
ip -n rs addr add 192.168.77.2/24 dev hb1 && ip -n rs link set hb1 up
ip -n bench route add 10.71.0.0/16 via 192.168.77.2
ip -n rs route add local 10.71.0.0/16 dev lo
# Many short connections from one source address: reuse TIME_WAIT ports and widen the range.
ip netns exec bench sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1
# TCP timestamps without a random offset: a SYN's TSval is the sending kernel's CLOCK_MONOTONIC in
# milliseconds, so the listener can tell when each check sent its SYN (bench-listener's DUMP.syn).
ip netns exec bench sysctl -qw net.ipv4.tcp_timestamps=2
ip netns exec rs sysctl -qw net.core.somaxconn=4096
step "namespaces ready; $COUNT real servers; tools: $TOOLS; nproc $(nproc)"

for tool in $TOOLS; do
    rm -f "$OUT/ready-$tool" "$OUT/closed-$tool"
    ip netns exec rs "$LISTENER" record 80 "$OUT/addresses.txt" "$OUT/victims.txt" "$OUT/ready-$tool" \
        "$OUT/closed-$tool" "$OUT/arrivals-$tool.bin" >"$OUT/listener-$tool.log" 2>&1 &
    lpid=$!
    if ! wait_file "$OUT/ready-$tool" 120; then
        result "${tool}_start_s" listener_not_ready
        stop_pid "$lpid" 10
        continue
    fi
    step "$tool: listener $lpid ready"
    if [[ $tool == keepalived ]]; then
        ip netns exec bench keepalived -n -l -C -f "$CONF" -p "$OUT/k.pid" -c "$OUT/kc.pid" >"$OUT/$tool.log" 2>&1 &
    else
        # shellcheck disable=SC2086 # KEEPALIVEDD_ARGS is a list of words
        ip netns exec bench "$KEEPALIVEDD" -n -l -C -f "$CONF" -p "$OUT/d.pid" -c "$OUT/dc.pid" ${KEEPALIVEDD_ARGS:-} >"$OUT/$tool.log" 2>&1 &
    fi
    dpid=$!
    t=$(now)
    if wait_full "$START_TIMEOUT" "$dpid"; then
        result "${tool}_start_s" "$(since "$t")"
        step "$tool: warm-up ${WARMUP} s, window ${WINDOW} s"
        timeout $((${WARMUP%.*} + ${WINDOW%.*} + 60)) "$PY" "$BENCH" window --pid "$dpid" --listener-pid "$lpid" \
            --warmup "$WARMUP" --seconds "$WINDOW" --prefix "$tool" >>"$results" 2>>"$progress"
        # Each process's mappings (what its RSS is made of), and on request a profile.
        for pid in $(pgrep -f -- "-C -f $CONF"); do
            cp "/proc/$pid/smaps" "$OUT/smaps-$tool-$pid.txt" 2>/dev/null
            "$PY" "$(dirname "$BENCH")/resident-pages.py" "$pid" >"$OUT/pages-$tool-$pid.txt" 2>/dev/null
        done
        if ((${PERF_SECONDS:-0} > 0)); then
            pids=$(pgrep -d, -f -- "-C -f $CONF")
            perf record -q -e cpu-clock -g -p "$pids" -o "$OUT/perf-$tool.data" -- sleep "$PERF_SECONDS" >/dev/null 2>&1
            { perf report -i "$OUT/perf-$tool.data" --no-children --sort dso -g none 2>/dev/null | grep -v '^#' | head -25
              perf report -i "$OUT/perf-$tool.data" --children --sort sym -g none 2>/dev/null | grep -v '^#' | head -120
            } >"$OUT/perf-$tool.txt"
            step "$tool: profiled $PERF_SECONDS s"
        fi
        step "$tool: window done; detection"
        timeout 90 ip netns exec bench "$PY" "$BENCH" detect --listener-pid "$lpid" --victims "$VICTIMS" \
            --closed "$OUT/closed-$tool" --timeout 45 --prefix "$tool" >>"$results" 2>>"$progress"
        step "$tool: detection done"
    else
        result "${tool}_start_s" failed
    fi
    t=$(now)
    stop_pid "$dpid" 60
    result "${tool}_stop_s" "$(since "$t")"
    stop_pid "$lpid" 60
    step "$tool: listener dumped ($(stat -c %s "$OUT/arrivals-$tool.bin" 2>/dev/null) bytes)"
    ip netns exec bench ipvsadm -C
done
result phase done
