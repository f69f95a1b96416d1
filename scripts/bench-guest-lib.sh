# Sourced by the lab-VM halves of the benchmarks (scripts/*-bench-guest.sh): progress and result
# files under $OUT, timing, the `bench` namespace, and waiting for or stopping a process.
# Results go as KEY=VALUE lines to $OUT/results.txt (a read-write shared directory), progress to
# $OUT/progress.txt, so a hung phase still tells how far it got.
# pid_alive (and the lab's other process helpers) come from the lab scenarios' library.
. "$(dirname "${BASH_SOURCE[0]}")/../Tests/Integration/lab/lab.sh"

results=$OUT/results.txt
progress=$OUT/progress.txt
: >"$results"
: >"$progress"

step() { echo "$(date +%T) $*" >>"$progress"; }
result() { echo "$1=$2" >>"$results"; step "$1=$2"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# Background processes are started with `ip netns exec` directly, not through this function:
# `func &` runs in a subshell, and its $! would be that subshell, not the daemon.
in_ns() { ip netns exec bench "$@"; }
# Waits (at most $2 s) until file $1 has a line matching $3; status 1 when it has not.
wait_log() {
    local deadline=$((SECONDS + $2))
    until grep -q "$3" "$1" 2>/dev/null; do ((SECONDS < deadline)) || return 1; sleep 0.1; done
}
# SIGTERM, then SIGKILL after $2 seconds; waits for the process (a child of this shell) to go.
stop_pid() {
    kill -TERM "$1" 2>/dev/null
    local deadline=$((SECONDS + $2))
    while pid_alive "$1" && ((SECONDS < deadline)); do sleep 0.2; done
    pid_alive "$1" && { step "pid $1 ignored SIGTERM for $2 s: SIGKILL"; kill -KILL "$1"; }
    wait "$1" 2>/dev/null
    return 0
}
