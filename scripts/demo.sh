#!/usr/bin/env bash
# make demo: validate and summarise a config with keepalivedd -t, inside a throwaway network
# namespace that has eth0 and eth1, and show keepalived's verdict on the same file beside ours.
# Exits with keepalivedd's status (0 = the config can run).
#
#   scripts/demo.sh [KEEPALIVEDD [CONFIG]]
set -euo pipefail
cd "$(dirname "$0")/.."

keepalivedd=${1:-.build/release/keepalivedd}
config=${2:-etc/keepalived.conf.sample}
ns="kdd-demo-$$"

cleanup() { scripts/netns.sh down "$ns"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
scripts/netns.sh up "$ns"

echo "== keepalivedd -t --summary -f $config   (namespace $ns: lo, eth0, eth1)"
set +e
ip netns exec "$ns" "$keepalivedd" -t --summary -f "$config"
ours=$?
reference="not installed"
if command -v keepalived >/dev/null 2>&1; then
    echo
    echo "== keepalived -t -f $config   (the reference, Debian's keepalived $(keepalived -v 2>&1 | head -1 | awk '{print $2}'))"
    ip netns exec "$ns" keepalived -t -f "$config"
    theirs=$?
    reference="exit $theirs ($([[ $theirs -eq 0 ]] && echo valid || echo invalid))"
fi
set -e

echo
echo "== verdicts on $config"
printf '   %-12s %s\n' \
    "keepalivedd" "exit $ours ($([[ $ours -eq 0 ]] && echo valid || echo invalid))" \
    "keepalived" "$reference"
exit "$ours"
