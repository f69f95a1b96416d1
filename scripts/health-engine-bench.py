#!/usr/bin/env python3
"""The health engine alone on this host (no IPVS, no VM): N TCP_CHECK real servers at delay_loop 1 against
127.0.0.1:BASE..BASE+N-1, answered by scripts/bench-listener.c. Runs the release build of
`health-engine-bench` (Sources/health-engine-bench) and prints its JSON: CPU s/min of the engine process,
checks/s and lateness of attempts against delay_loop. Optional: --perf records a cpu-clock profile.

    scripts/health-engine-bench.py [--servers 1000] [--seconds 20] [--perf OUT.data] [--tcp-check-close reset|fin]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def start_listener(base: int, count: int) -> subprocess.Popen:
    """The C accept-and-close listener (scripts/bench-listener.c), built into /tmp on first use."""
    binary = Path("/tmp/keepalivedd-bench-listener")
    source = REPO / "scripts/bench-listener.c"
    if not binary.exists() or binary.stat().st_mtime < source.stat().st_mtime:
        subprocess.run(["cc", "-O2", "-o", str(binary), str(source)], check=True)
    listener = subprocess.Popen([str(binary), "ports", "127.0.0.1", str(base), str(count)], stdout=subprocess.PIPE,
                                text=True)
    if listener.stdout is None or listener.stdout.readline().strip() != "ready":
        raise SystemExit("bench-listener did not start")
    return listener


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--base-port", type=int, default=20000)
    parser.add_argument("--binary", default=str(REPO / ".build/release/health-engine-bench"))
    parser.add_argument("--perf", help="record a perf cpu-clock profile into this file")
    parser.add_argument("--tcp-check-close", choices=["reset", "fin"], default="reset",
                        help="how TCP_CHECK ends its connections (keepalivedd's --tcp-check-close)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.servers + 1024)), hard))
    listener = start_listener(args.base_port, args.servers)
    command = [args.binary, "--servers", str(args.servers), "--base-port", str(args.base_port),
               "--seconds", str(args.seconds), "--tcp-check-close", args.tcp_check_close]
    if args.perf:
        command = ["perf", "record", "-e", "cpu-clock", "-g", "-o", args.perf, "--"] + command
    bench = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output, _ = bench.communicate()
    listener.terminate()
    listener.wait()
    if bench.returncode != 0:
        print(f"health-engine-bench exited {bench.returncode}", file=sys.stderr)
        return 1
    report = json.loads(output.strip().splitlines()[-1])
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
