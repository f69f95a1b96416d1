#!/usr/bin/env bash
# make bench: generate the big config (2,000 virtual servers x 20 real servers) and compare
# keepalivedd -t with keepalived -t on it (time and peak memory), inside a throwaway network
# namespace with eth0 and eth1 so both pass their interface checks.
#
#   scripts/bench.sh [KEEPALIVEDD]     (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."

keepalivedd=${1:-.build/release/keepalivedd}
out=bench-out
config=$out/keepalived-bench.conf
ns="kdd-bench-$$"
python=${PYTHON:-python3}

mkdir -p "$out"
"$python" scripts/gen-bench-config.py --services 2000 --reals 20 -o "$config"

cleanup() { scripts/netns.sh down "$ns"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
scripts/netns.sh up "$ns"

ip netns exec "$ns" "$python" scripts/bench.py --config "$config" --keepalivedd "$keepalivedd" \
    --json "$out/bench-conftest.json"

# IPVS: 2,000 x 20 applied to an empty kernel table and reconciled unchanged, keepalived beside,
# in the lab VM (this kernel has no IPVS). Skipped with BENCH_IPVS=0.
if [[ ${BENCH_IPVS:-1} != 0 ]]; then
    "$python" scripts/ipvs-bench.py --keepalivedd "$keepalivedd" --out "$out"
fi
