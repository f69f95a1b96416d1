#!/usr/bin/env python3
"""IPVS apply benchmark: boots the lab VM (Debian's kernel with IPVS, under QEMU emulation) and,
in one guest, builds the table of N virtual servers x M real servers (no checkers) with
`keepalived -C` and with `keepalivedd -C`:

- keepalived: from exec until the whole table is in the kernel, and from SIGTERM until it is empty;
- keepalivedd: the same, plus its own count and time of the netlink work (the `-D` line
  "IPVS start: N operations (...) in X ms"), and a restart over the table it left (kill -9),
  which must perform zero operations.

Wall times include process start and config parsing; they are measured in the guest, under
emulation, so they are slower than on hardware. Both tools run in the same guest, one after the
other, on the same config. Writes bench-out/bench-ipvs.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from labbench import fresh_workdir, run_in_vm, report_unfinished

REPO = Path(__file__).resolve().parents[1]


def start_line_numbers(line: str) -> dict[str, float]:
    """The numbers of keepalivedd's "IPVS start: N operations (A applied, P already present, ...) in X ms"."""
    match = re.search(r"IPVS start: (\d+) operations \((\d+) applied, (\d+) already present, (\d+) already absent, "
                      r"(\d+) failed\) in ([\d.]+) ms", line)
    if not match:
        return {}
    keys = ("operations", "applied", "already_present", "already_absent", "failed", "milliseconds")
    return {key: float(value) for key, value in zip(keys, match.groups())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keepalivedd", type=Path, default=REPO / ".build/release/keepalivedd")
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--reals", type=int, default=20)
    parser.add_argument("--out", type=Path, default=REPO / "bench-out")
    parser.add_argument("--timeout", type=float, default=2400, help="seconds before the VM is killed")
    args = parser.parse_args()

    work = fresh_workdir(args.out, "ipvs")
    config = work / "bench.conf"
    last = subprocess.run([sys.executable, str(REPO / "scripts/gen-ipvs-bench-config.py"), "--services",
                           str(args.services), "--reals", str(args.reals), "-o", str(config)],
                          check=True, capture_output=True, text=True).stdout.strip()
    expected = args.services * args.reals
    vm, results = run_in_vm("ipvs-bench-guest.sh", {"CONF": config, "LAST": last, "EXPECTED": expected,
                                                    "REALS_PER_SERVICE": args.reals,
                                                    "KEEPALIVEDD": args.keepalivedd.resolve(), "OUT": work},
                            work, args.timeout)
    if vm.returncode != 0 or "keepalivedd_stop_s" not in results:
        report_unfinished("IPVS bench", vm, work)
        return 1

    first = start_line_numbers(results.get("keepalivedd_first_line", ""))
    again = start_line_numbers(results.get("keepalivedd_again_line", ""))
    report = {
        "config": {"services": args.services, "reals_per_service": args.reals, "destinations": expected},
        "where": "lab VM: Debian kernel under QEMU emulation (no KVM), same guest for both tools",
        "process_start_s": {"keepalived": results.get("keepalived_version_s"),
                            "keepalivedd": results.get("keepalivedd_version_s")},
        "keepalived": {"start_s": results.get("keepalived_start_s"), "stop_s": results.get("keepalived_stop_s"),
                       "left_after_stop": results.get("keepalived_left_after_stop"),
                       "checker_killed_by_parent": results.get("keepalived_checker_killed_by_parent") == "yes"},
        "keepalivedd": {"start_s": results.get("keepalivedd_start_s"), "stop_s": results.get("keepalivedd_stop_s"),
                        "restart_s": results.get("keepalivedd_restart_s"), "first_apply": first,
                        "left_after_stop": results.get("keepalivedd_left_after_stop"),
                        "restart_apply": again,
                        "table_after_restart": results.get("keepalivedd_table_after_restart")},
    }
    (args.out / "bench-ipvs.json").write_text(json.dumps(report, indent=2) + "\n")

    def seconds(value: str | None) -> str:
        try:
            return f"{float(value):8.2f} s"
        except (TypeError, ValueError):
            return f"{value!s:>10}"

    print(f"\nIPVS table of {args.services} services x {args.reals} destinations ({expected} entries), in the lab VM:")
    print(f"{'':34} {'keepalived':>12} {'keepalivedd':>12}")
    print(f"{'process start (--version)':34} {seconds(report['process_start_s']['keepalived']):>12} "
          f"{seconds(report['process_start_s']['keepalivedd']):>12}")
    print(f"{'empty kernel -> full table (wall)':34} {seconds(report['keepalived']['start_s']):>12} "
          f"{seconds(report['keepalivedd']['start_s']):>12}")
    print(f"{'SIGTERM -> process gone':34} {seconds(report['keepalived']['stop_s']):>12} "
          f"{seconds(report['keepalivedd']['stop_s']):>12}")
    print(f"{'destinations left after stop':34} {report['keepalived']['left_after_stop']!s:>12} "
          f"{report['keepalivedd']['left_after_stop']!s:>12}")
    if report["keepalived"]["checker_killed_by_parent"]:
        print("(keepalived's parent killed its checker process before it had emptied the table: "
              "'checker process failed to die - forcing termination')")
    if first:
        print(f"keepalivedd netlink work on start: {first['operations']:.0f} operations "
              f"({first['applied']:.0f} applied) in {first['milliseconds']:.0f} ms")
    if again:
        print(f"keepalivedd restart over its own table (kill -9 first): {again['operations']:.0f} operations, "
              f"reconcile in {again['milliseconds']:.0f} ms, wall {seconds(report['keepalivedd']['restart_s']).strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
