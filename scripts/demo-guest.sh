#!/usr/bin/env bash
# make demo, the guest half: runs as root inside the lab VM (Debian's kernel, which has IPVS), started by
# scripts/demo.sh. It builds a small LVS site from network namespaces joined by one bridge:
#
#     kd-client (.200) --+
#     kd-master (.2)   --+-- bridge kd-br --  kd-rs1 (RIP1), kd-rs2 (RIP2): busybox httpd, VIP on lo
#     kd-backup (.3)   --+                    (arp_ignore=1, arp_announce=2), so DR works
#
# runs keepalivedd on the two directors (configs derived from CONFIG by scripts/demo-config.py) and
# narrates five numbered steps: election, load balancing, a real server failing and returning,
# failover to the backup on SIGTERM, and preemption when the master returns. Every wait is bounded;
# the script exits 1 at the first step that does not happen, and always cleans up.
#
#   scripts/demo-guest.sh KEEPALIVEDD CONFIG [ARTIFACTS]
#
# ARTIFACTS, a directory shared read-write with the host, receives the directors' configs and logs,
# the web servers' and the client's logs when the script ends.
set -uo pipefail

kd=${1:?usage: demo-guest.sh KEEPALIVEDD CONFIG}
sample=${2:?usage: demo-guest.sh KEEPALIVEDD CONFIG}
artifacts=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
work=/tmp/kdd-demo
started_us=${EPOCHREALTIME/./}
step=0
declare -A result detail

. "$here/demo-lib.sh"

# --- the site --------------------------------------------------------------------------------------

namespaces=(kd-client kd-master kd-backup kd-rs1 kd-rs2)

cleanup() {
    exec 2>/dev/null  # no "Killed" notices for the servers stopped below
    [[ -f $work/loop.pid ]] && kill "$(cat "$work/loop.pid")" 2>/dev/null
    for who in master backup; do
        [[ -f $work/$who.pid ]] && kill -TERM "$(cat "$work/$who.pid")" 2>/dev/null
    done
    sleep 0.5
    for ns in "${namespaces[@]}"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    ip link del kd-br 2>/dev/null
    [[ -n $artifacts && -d $artifacts ]] && cp "$work"/*.log "$work"/*.conf "$artifacts"/
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$work"
mkdir -p "$work"
eval "$(python3 "$here/demo-config.py" "$sample" facts)" || { echo "demo: cannot read $sample"; exit 2; }
python3 "$here/demo-config.py" "$sample" master >"$work/master.conf" || exit 2
python3 "$here/demo-config.py" "$sample" backup >"$work/backup.conf" || exit 2
net=${VIP%.*}
declare -A addr=([kd-client]=$net.200 [kd-master]=$net.2 [kd-backup]=$net.3 [kd-rs1]=$RIP1 [kd-rs2]=$RIP2)
url="http://$VIP:$VPORT/"
# Everyone sits in the VIP's /24; the client and the directors take .200, .2 and .3 of it.
for ns in kd-client kd-master kd-backup; do
    case ${addr[$ns]} in "$VIP" | "$RIP1" | "$RIP2")
        echo "demo: ${addr[$ns]} ($ns) is the VIP or a real server in $sample; pick other addresses"; exit 2 ;;
    esac
done
[[ ${RIP1%.*} == "$net" && ${RIP2%.*} == "$net" ]] || { echo "demo: the real servers must share the VIP's /24 (DR)"; exit 2; }

modprobe ip_vs || { echo "demo: modprobe ip_vs failed"; exit 2; }
ip link add kd-br type bridge forward_delay 0
ip link set kd-br up
for ns in "${namespaces[@]}"; do
    ip netns add "$ns"
    ip link add "v-$ns" type veth peer name "$IFACE" netns "$ns"
    ip link set "v-$ns" master kd-br up
    ip -n "$ns" addr add "${addr[$ns]}/24" dev "$IFACE"
    ip -n "$ns" link set "$IFACE" up
    ip -n "$ns" link set lo up
done
for n in 1 2; do
    ns=kd-rs$n
    # DR: the real server accepts packets for the VIP (on lo) but never answers ARP for it.
    ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
        "net.ipv4.conf.$IFACE.arp_ignore=1" "net.ipv4.conf.$IFACE.arp_announce=2"
    ip -n "$ns" addr add "$VIP/32" dev lo
    mkdir -p "$work/www$n"
    echo "real server $n (${addr[$ns]})" >"$work/www$n/index.html"
done

say "lab VM: kernel $(uname -r); keepalivedd: $kd"
say "configs derived from $sample by scripts/demo-config.py: VIP $VIP ($INSTANCE on $IFACE), DR virtual server $VIP:$VPORT ($LB_ALGO) -> $RIP1, $RIP2"
say "namespaces on bridge kd-br: client ${addr[kd-client]}, directors ${addr[kd-master]} (MASTER, priority 100) and ${addr[kd-backup]} (BACKUP, 90), real servers $RIP1 and $RIP2 (busybox httpd, VIP on lo, arp_ignore=1, arp_announce=2)"

# --- 1: election -------------------------------------------------------------------------------
begin_step 1 "start the web servers and both directors; the master is elected and holds the VIP"
start_web 1 || fail "web server 1 did not start"
start_web 2 || fail "web server 2 did not start"
stamp t_start
start_director master
wait_for 40 log_has master "Entering BACKUP STATE (init)" || fail "the master keepalivedd did not start"
start_director backup
wait_for 40 has_vip master || fail "no VIP on the master 40 s after start"
stamp t_elected
wait_for 10 log_has master "Entering MASTER STATE" || fail "the master's log has no 'Entering MASTER STATE'"
director_alive backup || fail "the backup keepalivedd exited"
lacks_vip backup || fail "the backup holds the VIP too"
say "master's log:"; grep -E "Entering (MASTER|BACKUP) STATE" "$work/master.log" | show
say "backup's log:"; grep -E "Entering (MASTER|BACKUP) STATE" "$work/backup.log" | show
say "ip addr on the master:"; ip -n kd-master addr show dev "$IFACE" | show
if log_has backup "Entering MASTER STATE"; then
    note1="the backup was MASTER briefly before it heard the master"
else
    note1="the backup stayed BACKUP"
fi
passed "VIP on the master $(span "$t_start" "$t_elected") s after start; $note1"

# --- 2: load balancing ----------------------------------------------------------------------------
begin_step 2 "20 client requests through the VIP are spread over both real servers"
wait_for 20 table_has master "$RIP1" && wait_for 20 table_has master "$RIP2" ||
    fail "the master's IPVS table lacks a real server: $(ip netns exec kd-master ipvsadm -Ln | tr '\n' ' ')"
answers=$(requests 20)
count1=$(grep -c "^ok real server 1" <<<"$answers")
count2=$(grep -c "^ok real server 2" <<<"$answers")
errors=$((20 - count1 - count2))
say "answers: real server 1 ($RIP1): $count1, real server 2 ($RIP2): $count2, failed: $errors"
say "ipvsadm -Ln --stats on the master:"; ip netns exec kd-master ipvsadm -Ln --stats | show
((count1 > 0 && count2 > 0)) || fail "not both real servers answered ($count1 / $count2, $errors failed)"
((errors == 0)) || fail "$errors of 20 requests failed: $(grep -v '^ok' <<<"$answers" | sort | uniq -c | tr '\n' ';')"
passed "rs1 $count1, rs2 $count2 of 20, 0 failed"

# --- 3: a real server fails and returns -----------------------------------------------------------
begin_step 3 "real server 2 ($RIP2) stops: it leaves the table; it starts again: it comes back"
removed="Removing service [$RIP2]:tcp:$VPORT from VS [$VIP]:tcp:$VPORT"
added="Adding service [$RIP2]:tcp:$VPORT to VS [$VIP]:tcp:$VPORT"
stamp t_stop
stop_web 2
say "stopped the web server on $RIP2"
wait_for 30 log_has master "$removed" || fail "no '$removed' in the master's log within 30 s"
wait_for 10 table_lacks master "$RIP2" || fail "$RIP2 is still in the master's IPVS table"
stamp t_removed
say "master's log: $(grep -F -- "$removed" "$work/master.log" | tail -1)"
say "ipvsadm -Ln on the master:"; ip netns exec kd-master ipvsadm -Ln | show
only1=$(requests 4 | grep -c "^ok real server 1")
say "4 requests now: $only1 answered by real server 1"
((only1 == 4)) || fail "requests failed while $RIP2 was out ($only1 of 4 answered)"
adds_before=$(log_count master "$added")
stamp t_restart
start_web 2 || fail "web server 2 did not start again"
say "started the web server on $RIP2 again"
wait_for 30 log_count_above master "$added" "$adds_before" || fail "no new '$added' in the master's log within 30 s"
wait_for 10 table_has master "$RIP2" || fail "$RIP2 is not back in the master's IPVS table"
stamp t_added
say "master's log: $(grep -F -- "$added" "$work/master.log" | tail -1)"
say "ipvsadm -Ln on the master:"; ip netns exec kd-master ipvsadm -Ln | show
passed "removed $(span "$t_stop" "$t_removed") s after the stop, added back $(span "$t_restart" "$t_added") s after the start"

# --- 4: failover ----------------------------------------------------------------------------------
begin_step 4 "SIGTERM to the master keepalivedd while a client keeps asking: the backup takes the VIP"
start_client_loop
wait_for 20 loop_answers_after 5 0 || fail "the client loop got no answers before the failover"
entering_before=$(log_count backup "Entering MASTER STATE")
stamp t_term
kill -TERM "$(cat "$work/master.pid")"
say "sent SIGTERM to the master keepalivedd (pid $(cat "$work/master.pid"))"
wait_for 20 has_vip backup || fail "the backup did not take the VIP within 20 s"
stamp t_vip
wait_for 10 log_count_above backup "Entering MASTER STATE" "$entering_before" || fail "no 'Entering MASTER STATE' in the backup's log"
stamp t_logged
wait_for 15 pid_gone "$(cat "$work/master.pid")" || fail "the master keepalivedd did not exit within 15 s of SIGTERM"
lacks_vip master || fail "the stopped master left the VIP behind"
wait_for 20 loop_answers_after 5 "$t_vip" || fail "the client got no answers through the backup"
t_answer=$(first_answer_after "$t_vip")
sleep 1
read -r ok4 failed4 gap4 < <(loop_stats "$t_term")
say "backup's log: $(grep -F "Entering MASTER STATE" "$work/backup.log" | tail -1)"
say "ip addr on the backup:"; ip -n kd-backup addr show dev "$IFACE" | show
say "ipvsadm -Ln --stats on the backup (the traffic now goes through it):"; ip netns exec kd-backup ipvsadm -Ln --stats | show
failover=$(span "$t_term" "$t_vip")
say "SIGTERM -> VIP on the backup: $failover s (seen in its log within $(span "$t_term" "$t_logged") s); first answer through the backup $(span "$t_term" "$t_answer") s after SIGTERM"
say "client during the switch: $ok4 answered, $failed4 failed, longest gap between answers $gap4 s"
passed "VIP on the backup $failover s after SIGTERM; $failed4 requests failed (of $((ok4 + failed4))), longest gap $gap4 s"

# --- 5: preemption --------------------------------------------------------------------------------
begin_step 5 "the master keepalivedd starts again: with priority 100 > 90 it preempts and takes the VIP back"
backups_before=$(log_count backup "Entering BACKUP STATE")
masters_before=$(log_count master "Entering MASTER STATE")
stamp t_back
start_director master
say "started the master keepalivedd again (pid $(cat "$work/master.pid"))"
wait_for 40 has_vip master || fail "the master did not take the VIP back within 40 s"
stamp t_vip_back
wait_for 10 lacks_vip backup || fail "the backup kept the VIP after the master returned"
stamp t_released
wait_for 10 log_count_above master "Entering MASTER STATE" "$masters_before" || fail "no new 'Entering MASTER STATE' in the master's log"
wait_for 10 log_count_above backup "Entering BACKUP STATE" "$backups_before" || fail "no 'Entering BACKUP STATE' in the backup's log"
wait_for 20 loop_answers_after 5 "$t_released" || fail "the client got no answers after the master returned"
sleep 1
stop_client_loop
read -r ok5 failed5 gap5 < <(loop_stats "$t_back")
say "master's log: $(grep -F "Entering MASTER STATE" "$work/master.log" | tail -1)"
say "backup's log: $(grep -F "Entering BACKUP STATE" "$work/backup.log" | tail -1)"
say "ip addr on the master:"; ip -n kd-master addr show dev "$IFACE" | show
say "ip addr on the backup:"; ip -n kd-backup addr show dev "$IFACE" | show
say "ipvsadm -Ln --stats on the master:"; ip netns exec kd-master ipvsadm -Ln --stats | show
preempt=$(span "$t_back" "$t_vip_back")
say "start -> VIP back on the master: $preempt s (gone from the backup after $(span "$t_back" "$t_released") s)"
say "client during the switch back: $ok5 answered, $failed5 failed, longest gap between answers $gap5 s"
passed "VIP back on the master $preempt s after its start; $failed5 requests failed (of $((ok5 + failed5)))"

summary
echo
say "DEMO PASSED: all 5 steps happened"
exit 0
