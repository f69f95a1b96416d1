# Shell helpers for lab scenario scripts (sourced: `. "$LAB_DIR/lab.sh"`); they run inside the lab VM,
# in the scenario's own network namespace, as root. guest_runner.py sets LAB_OUT (capture directory),
# LAB_TMP (scratch directory on the guest's writable /tmp), LAB_NAME and LAB_SCENARIO_DIR.
#
#   capture NAME CMD...        run CMD; its stdout+stderr go to $LAB_OUT/NAME.out, its status to NAME.rc
#   wait_until SECS CMD...     retry CMD every 0.1 s until it succeeds; status 1 after SECS seconds
#   ipvs_service_count         number of virtual services in this namespace's IPVS table
#   wait_services SECS N       wait until the table holds exactly N services
#   ipvs_destination_count     number of real servers (destinations) in the table
#   wait_destinations SECS N   wait until the table holds exactly N destinations
#   stop_daemon PIDFILE [SECS] SIGTERM the pid in PIDFILE and wait until it has exited (SIGKILL after SECS)
#   pid_alive PID              PID is running (not a zombie)
#   note TEXT...               a line in the scenario's log

note() { echo "lab[$LAB_NAME]: $*"; }

capture() {
    local name=$1
    shift
    local status=0
    "$@" >"$LAB_OUT/$name.out" 2>&1 || status=$?
    echo "$status" >"$LAB_OUT/$name.rc"
    note "captured $name (exit $status)"
    return 0
}

wait_until() {
    local seconds=$1
    shift
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            note "timed out after ${seconds}s waiting for: $*"
            return 1
        fi
        sleep 0.1
    done
}

ipvs_service_count() {
    ipvsadm -Ln | grep -cE '^(TCP|UDP|SCTP|FWM) ' || true
}

# True while PID exists and is not a zombie (a background child of the script stays a zombie until waited for).
pid_alive() {
    local stat state
    { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
    state=${stat##*) }
    state=${state%% *}
    [[ -n $state && $state != Z ]]
}

ipvs_destination_count() {
    ipvsadm -Ln | grep -cE '^  -> [0-9[]' || true
}

_services_are() { [[ $(ipvs_service_count) -eq $1 ]]; }

wait_services() {
    wait_until "$1" _services_are "$2"
}

_destinations_are() { [[ $(ipvs_destination_count) -eq $1 ]]; }

wait_destinations() {
    wait_until "$1" _destinations_are "$2"
}

stop_daemon() {
    local pidfile=$1 seconds=${2:-10}
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) || { note "no pid file $pidfile"; return 1; }
    kill -TERM "$pid" 2>/dev/null || { note "pid $pid from $pidfile is not running"; return 1; }
    local deadline=$((SECONDS + seconds))
    while pid_alive "$pid"; do
        if ((SECONDS >= deadline)); then
            note "pid $pid still running ${seconds}s after SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null
            return 1
        fi
        sleep 0.1
    done
    note "pid $pid exited after SIGTERM"
}
