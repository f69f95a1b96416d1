# Helpers for scripts/demo-guest.sh (sourced; it runs in the lab VM as root). They use its globals:
# kd, work, here, url, IFACE, VIP, VPORT, started_us, step and the result/detail arrays.

# --- narration and timing -------------------------------------------------------------------------

# Microseconds since the epoch, into the named variable (no subshell: forks are slow under emulation).
stamp() { printf -v "$1" '%s' "${EPOCHREALTIME/./}"; }
# Seconds between two microsecond stamps, with two decimals.
span() { local d=$(($2 - $1)); printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000)); }
say() {
    local now=${EPOCHREALTIME/./}
    printf '[%6s s] %s\n' "$(span "$started_us" "$now")" "$*"
}
show() { sed 's/^/           | /'; }
begin_step() {
    step=$1
    result[$step]=FAILED
    detail[$step]="did not finish"
    echo
    say "== Step $1: $2"
}
passed() { result[$step]=ok; detail[$step]=$1; say "-> step $step ok: $1"; }
fail() {
    detail[$step]=$1
    say "!! step $step FAILED: $1"
    diagnose
    for log in master backup; do
        [[ -f $work/$log.log ]] && { echo "   --- last lines of the $log director's log"; tail -n 15 "$work/$log.log" | show; }
    done
    summary
    exit 1
}

# Retries CMD every 0.05 s until it succeeds; status 1 after SECS seconds.
wait_for() {
    local seconds=$1 deadline
    shift
    deadline=$((${EPOCHREALTIME/./} + seconds * 1000000))
    until "$@" >/dev/null 2>&1; do
        ((${EPOCHREALTIME/./} >= deadline)) && return 1
        sleep 0.05
    done
}

# What a failed step leaves to look at: the client's view of the VIP and the directors' tables.
diagnose() {
    echo "   --- diagnostics"
    {
        echo "client: ip neigh"; ip -n kd-client neigh
        echo "client: one request"; requests 1
        for who in master backup; do
            echo "$who: ip -4 addr"; ip -n "kd-$who" -4 -o addr
            echo "$who: ipvsadm -Ln --stats"; ip netns exec "kd-$who" ipvsadm -Ln --stats
        done
    } 2>&1 | show
}

summary() {
    local total_us
    stamp total_us
    echo
    echo "== Summary ($(span "$started_us" "$total_us") s in the VM; keepalivedd $("$kd" --version 2>/dev/null | head -1))"
    printf '   %-4s %-42s %-7s %s\n' "step" "what" "result" "observed"
    local names=("" "master elected, holds the VIP" "requests reach both real servers"
                 "real server removed and added back" "backup takes over on SIGTERM" "master returns and preempts")
    for n in 1 2 3 4 5; do
        printf '   %-4s %-42s %-7s %s\n' "$n" "${names[$n]}" "${result[$n]:-skipped}" "${detail[$n]:-}"
    done
}


# --- the site's parts ---------------------------------------------------------------------------

start_web() {
    ip netns exec "kd-rs$1" busybox httpd -f -p "$VPORT" -h "$work/www$1" >"$work/httpd$1.log" 2>&1 &
    echo $! >"$work/httpd$1.pid"
    wait_for 20 ip netns exec "kd-rs$1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$VPORT"
}
stop_web() { kill -TERM "$(cat "$work/httpd$1.pid")" 2>/dev/null; }

start_director() {
    ip netns exec "kd-$1" "$kd" -n -l -D -f "$work/$1.conf" -p "$work/$1.main.pid" -r "$work/$1.vrrp.pid" \
        -c "$work/$1.check.pid" >>"$work/$1.log" 2>&1 &
    echo $! >"$work/$1.pid"
}
# True while PID runs and is not a zombie (our exited children stay zombies until waited for).
pid_alive() {
    local stat state
    { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
    state=${stat##*) }
    [[ ${state%% *} != Z ]]
}
pid_gone() { ! pid_alive "$1"; }
director_alive() { pid_alive "$(cat "$work/$1.pid")"; }
has_vip() { ip -n "kd-$1" -o -4 addr show dev "$IFACE" | grep -q " $VIP/"; }
lacks_vip() { ! has_vip "$1"; }
log_has() { grep -qF -- "$2" "$work/$1.log"; }
log_count() { grep -cF -- "$2" "$work/$1.log"; }
log_count_above() { (($(log_count "$1" "$2") > $3)); }
table_has() { ip netns exec "kd-$1" ipvsadm -Ln | grep -q -- "-> $2:$VPORT"; }
table_lacks() { ! table_has "$1" "$2"; }
# N requests from the client, one line each: "ok <answer>" or "fail <why>".
requests() { ip netns exec kd-client timeout 60 python3 "$here/demo-client.py" count "$1" "$url"; }

# A client that keeps asking through the VIP (every 0.1 s, 1 s per request at most) and logs
# "<usec> ok <answer>" or "<usec> fail <why>".
start_client_loop() {
    rm -f "$work/loop.stop"
    ip netns exec kd-client python3 "$here/demo-client.py" loop "$url" "$work/loop.stop" >"$work/loop.log" 2>&1 &
    echo $! >"$work/loop.pid"
}
stop_client_loop() {
    touch "$work/loop.stop"
    wait_for 10 pid_gone "$(cat "$work/loop.pid")"
    rm -f "$work/loop.pid"
}
# Requests the loop sent from $1 (usec) on: "<ok> <failed> <longest gap between two answers, s>".
loop_stats() {
    awk -v from="$1" '$1 >= from {
        if ($2 == "ok") { ok++; if (last && $1 - last > gap) gap = $1 - last; last = $1 } else failed++
    } END { printf "%d %d %.2f\n", ok, failed, gap / 1e6 }' "$work/loop.log"
}
# True once the loop has had N answers after $2 (usec).
loop_answers_after() { (($(awk -v from="$2" '$1 >= from && $2 == "ok"' "$work/loop.log" | wc -l) >= $1)); }
first_answer_after() { awk -v from="$1" '$1 >= from && $2 == "ok" { print $1; exit }' "$work/loop.log"; }
