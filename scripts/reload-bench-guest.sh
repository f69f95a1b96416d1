#!/usr/bin/env bash
# Runs inside the lab VM (scripts/reload-bench.py boots it): for each tool in $TOOLS, in a fresh network
# namespace with eth0 (VI_1's interface) and a listener on 127.0.0.1:$PORT (every TCP_CHECK's target),
# starts the daemon with both halves on $CONF, waits for the full table and MASTER, then $REPEATS times:
# changes one real server's weight in the file, and $PROBE SIGHUPs the daemon and times until the kernel's
# table has the new weight (asked over generic netlink every millisecond; `ipvsadm -Ln -t $TARGET_SERVICE`
# must then list it too), then waits for the process tree to go idle.
# Results go as KEY=VALUE lines to $OUT/results.txt (a read-write shared directory), progress to
# $OUT/progress.txt, so a hung phase still tells how far it got. Every wait is bounded.
#
# Environment: CONF, LAST, EXPECTED, REALS_PER_SERVICE, TARGET_SERVICE, TARGET_REAL, WEIGHT_LINE, OLD_WEIGHT,
# NEW_WEIGHT, PORT, KEEPALIVEDD, PROBE (reload-probe.c's binary), OUT; optional TOOLS, REPEATS, START_TIMEOUT,
# RELOAD_TIMEOUT.
set -u
: "${CONF:?}" "${LAST:?}" "${EXPECTED:?}" "${TARGET_SERVICE:?}" "${TARGET_REAL:?}" "${WEIGHT_LINE:?}"
: "${OLD_WEIGHT:?}" "${NEW_WEIGHT:?}" "${PORT:?}" "${KEEPALIVEDD:?}" "${PROBE:?}" "${OUT:?}"
REALS_PER_SERVICE=${REALS_PER_SERVICE:-20} TOOLS=${TOOLS:-keepalived keepalivedd} REPEATS=${REPEATS:-3}
START_TIMEOUT=${START_TIMEOUT:-1200} RELOAD_TIMEOUT=${RELOAD_TIMEOUT:-600}
. "$(dirname "${BASH_SOURCE[0]}")/bench-guest-lib.sh"
all_destinations() { in_ns ipvsadm -Ln | grep -cE '^  -> [0-9]' || true; }
last_destinations() { in_ns ipvsadm -Ln -t "$LAST" 2>/dev/null | grep -cE '^  -> [0-9]' || true; }
# The weight `ipvsadm -Ln -t TARGET_SERVICE` shows for the target real server (empty when not listed).
target_weight() { in_ns ipvsadm -Ln -t "$TARGET_SERVICE" 2>/dev/null | awk -v r="$TARGET_REAL" '$1 == "->" && $2 == r { print $4 }'; }
wait_full() {
    local deadline=$((SECONDS + $1)) n=0
    while ((SECONDS < deadline)); do
        pid_alive "$2" || { step "daemon exited while filling"; return 1; }
        if [[ $(last_destinations) -eq $REALS_PER_SERVICE ]]; then
            n=$(all_destinations)
            [[ $n -eq $EXPECTED ]] && return 0
        fi
        sleep 1
    done
    step "table not full after $1 s ($n listed)"
    return 1
}
# CPU ticks (utime+stime) of PID and its descendants.
tree_ticks() {
    local total=0 pid stat fields
    for pid in $1 $(pgrep -P "$1" 2>/dev/null); do
        { stat=$(<"/proc/$pid/stat"); } 2>/dev/null || continue
        read -ra fields <<<"${stat##*) }"
        total=$((total + fields[11] + fields[12]))
    done
    echo "$total"
}
# Waits (at most $2 s) until PID's process tree used under 5 % CPU for 2 s (VRRP adverts and timers go on):
# a reload has settled.
wait_idle() {
    local deadline=$((SECONDS + $2)) before after
    while ((SECONDS < deadline)); do
        before=$(tree_ticks "$1"); sleep 2; after=$(tree_ticks "$1")
        ((after - before <= 10)) && return 0
    done
    step "pid $1 still busy after $2 s"
    return 1
}

modprobe ip_vs || { step "modprobe ip_vs failed"; exit 1; }
ulimit -n 65536
step "$EXPECTED destinations; target $TARGET_REAL in $TARGET_SERVICE (line $WEIGHT_LINE); tools: $TOOLS"

for tool in $TOOLS; do
    ip netns add bench && ip -n bench link set lo up
    in_ns sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
    ip -n bench link add eth0 type veth peer name peer0
    ip -n bench addr add 10.61.0.1/24 dev eth0
    ip -n bench link set eth0 up && ip -n bench link set peer0 up
    ip netns exec bench python3 -c "
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $PORT))
s.listen(65535)
while True:
    c, _ = s.accept()
    c.close()
" &
    lpid=$!
    conf=/tmp/reload-$tool.conf
    cp "$CONF" "$conf"
    log=$OUT/$tool.log
    if [[ $tool == keepalived ]]; then
        ip netns exec bench keepalived -n -l -D -f "$conf" -p "$OUT/k.pid" -r "$OUT/kv.pid" -c "$OUT/kc.pid" >"$log" 2>&1 &
    else
        ip netns exec bench "$KEEPALIVEDD" -n -l -D -f "$conf" -p "$OUT/d.pid" -r "$OUT/dv.pid" -c "$OUT/dc.pid" >"$log" 2>&1 &
    fi
    dpid=$!
    t=$(now)
    if wait_full "$START_TIMEOUT" "$dpid" && wait_log "$log" 120 "(VI_1) Entering MASTER STATE"; then
        result "${tool}_start_s" "$(since "$t")"
        wait_idle "$dpid" 120
        weight=$OLD_WEIGHT
        for i in $(seq 1 "$REPEATS"); do
            old=$weight
            if [[ $weight == "$OLD_WEIGHT" ]]; then weight=$NEW_WEIGHT; else weight=$OLD_WEIGHT; fi
            sed -i "${WEIGHT_LINE}s/weight $old\$/weight $weight/" "$conf"
            mark=$(wc -l <"$log")
            t=$(now)
            # The probe sends the SIGHUP and asks the kernel for the target's weight every millisecond.
            seen=$(in_ns "$PROBE" "$dpid" "${TARGET_SERVICE%:*}" "${TARGET_SERVICE##*:}" "${TARGET_REAL%:*}" \
                "${TARGET_REAL##*:}" "$weight" "$RELOAD_TIMEOUT")
            [[ -n $seen ]] || seen=failed
            # ipvsadm, the oracle, must list the weight the probe saw.
            if [[ $seen != failed && $(target_weight) != "$weight" ]]; then
                step "$tool: the probe saw weight $weight but ipvsadm lists $(target_weight)"
                seen=failed
            fi
            result "${tool}_reload${i}_s" "$seen"
            result "${tool}_reload${i}_weight" "$old->$weight"
            if [[ $tool == keepalivedd ]]; then
                deadline=$((SECONDS + RELOAD_TIMEOUT))
                until tail -n +$((mark + 1)) "$log" | grep -q 'Reload finished in'; do
                    ((SECONDS < deadline)) || break
                    sleep 0.2
                done
                result "${tool}_reload${i}_finished" "\"$(tail -n +$((mark + 1)) "$log" | grep -o 'Reload finished in .*' | head -1)\""
                result "${tool}_reload${i}_ipvs" "\"$(tail -n +$((mark + 1)) "$log" | grep -o 'IPVS reload: .*' | head -1)\""
                result "${tool}_reload${i}_checkers" "\"$(tail -n +$((mark + 1)) "$log" | grep -o 'Health checkers after reload: .*' | head -1)\""
            fi
            wait_idle "$dpid" 120
            result "${tool}_reload${i}_settled_s" "$(since "$t")"
            result "${tool}_reload${i}_entering" "$(tail -n +$((mark + 1)) "$log" | grep -c 'Entering')"
            # A reload that did not land within the timeout is not tried again (keepalived's takes
            # longer than any timeout this bench can afford; repeating it only costs time).
            if [[ $seen == failed ]]; then step "$tool: reload $i did not land; no further reloads"; break; fi
        done
        result "${tool}_destinations_after" "$(all_destinations)"
    else
        result "${tool}_start_s" failed
    fi
    t=$(now)
    stop_pid "$dpid" 300
    result "${tool}_stop_s" "$(since "$t")"
    stop_pid "$lpid" 10
    in_ns ipvsadm -C
    ip netns pids bench 2>/dev/null | xargs -r kill -KILL
    ip netns del bench
done
result phase done
