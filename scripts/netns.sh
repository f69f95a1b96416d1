#!/usr/bin/env bash
# Throwaway network namespaces with interfaces eth0 and eth1, for config tests that check
# interfaces (keepalived -t and keepalivedd -t both report interfaces the host lacks).
#
#   scripts/netns.sh up NAME     create namespace NAME with lo, eth0, eth1 (all up)
#   scripts/netns.sh down NAME   delete it (its veth pairs go with it); no error if absent
#
# Each interface is one end of a veth pair created directly inside the namespace and named
# there, so nothing in the host namespace is ever called eth0/eth1 by us. The host ends
# (kd<hash>a / kd<hash>b) disappear when the namespace is deleted. Needs root; this kernel
# has no dummy module, hence veth.
set -euo pipefail

usage() { echo "usage: $0 up|down NAME" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
action=$1 ns=$2

# Host-side names must be unique and at most 15 characters.
tag=$(printf '%s' "$ns" | cksum | awk '{print $1}' | cut -c1-8)
host0="kd${tag}a" host1="kd${tag}b"

down() {
    if ip netns list | awk '{print $1}' | grep -qx -- "$ns"; then
        ip netns del "$ns"
    fi
    # Host ends normally vanish with the namespace; remove leftovers of a half-made setup.
    for link in "$host0" "$host1"; do
        if ip link show "$link" >/dev/null 2>&1; then ip link del "$link"; fi
    done
}

up() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "$0: creating network namespaces needs root" >&2
        exit 1
    fi
    down
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "$host0" type veth peer name eth0 netns "$ns"
    ip link add "$host1" type veth peer name eth1 netns "$ns"
    ip link set "$host0" up
    ip link set "$host1" up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set eth1 up
}

case $action in
    up) up ;;
    down) down ;;
    *) usage ;;
esac
