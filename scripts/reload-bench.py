#!/usr/bin/env python3
"""Reload benchmark: boots the lab VM (Debian's kernel with IPVS, under QEMU emulation) and, in one guest,
runs `keepalived` and then `keepalivedd` (both halves in one process tree: no -P/-C) on N virtual servers x
M real servers, every real server with a TCP_CHECK against a local listener (delay_loop 3600) and VI_1
MASTER. Once the table is full, one real server's weight changes in the file and the daemon gets SIGHUP;
the time is from the signal until the kernel's table has the new weight (scripts/reload-probe.c sends the
signal and asks the kernel over generic netlink every millisecond; an `ipvsadm` run per poll would itself cost
tens of ms under emulation), and `ipvsadm -Ln -t VS` must then list it. Repeated REPEATS times, alternating
the weight.

For keepalivedd the reload's own lines are kept too: "Reload finished in X ms", "IPVS reload: N operations
(...)" and "Health checkers after reload: K kept, S started". "settled" is until the process tree used under 5 %
CPU for 2 s (those 2 s included). Writes OUT/bench-reload.json and prints a table.
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
PORT = 8765
NEW_WEIGHT = 50


def number(text: str | None, pattern: str) -> float | None:
    match = re.search(pattern, text or "")
    return float(match.group(1)) if match else None


def seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keepalivedd", type=Path, default=REPO / ".build/release/keepalivedd")
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--reals", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tools", default="keepalived keepalivedd")
    parser.add_argument("--reload-timeout", type=int, default=600, help="seconds to wait for one reload")
    parser.add_argument("--start-timeout", type=int, default=1200, help="seconds to wait for the full table")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out")
    parser.add_argument("--timeout", type=float, default=5400, help="seconds before the VM is killed")
    args = parser.parse_args()

    work = fresh_workdir(args.out, "reload")
    config = work / "bench.conf"
    meta = json.loads(subprocess.run(
        [sys.executable, str(REPO / "scripts/gen-reload-bench-config.py"), "--services", str(args.services),
         "--reals", str(args.reals), "--port", str(PORT), "-o", str(config)],
        check=True, capture_output=True, text=True).stdout)
    probe = work / "reload-probe"
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libnl-genl-3.0"], check=True, capture_output=True,
                           text=True).stdout.split()
    subprocess.run(["cc", "-O2", "-o", str(probe), str(REPO / "scripts/reload-probe.c"), *flags], check=True)
    environment = {"CONF": config, "PROBE": probe, "LAST": meta["last"], "EXPECTED": meta["destinations"],
                   "REALS_PER_SERVICE": args.reals, "TARGET_SERVICE": meta["target_service"],
                   "TARGET_REAL": meta["target_real"], "WEIGHT_LINE": meta["weight_line"],
                   "OLD_WEIGHT": meta["target_weight"], "NEW_WEIGHT": NEW_WEIGHT, "PORT": PORT,
                   "KEEPALIVEDD": args.keepalivedd.resolve(), "OUT": work, "TOOLS": args.tools,
                   "REPEATS": args.repeats, "RELOAD_TIMEOUT": args.reload_timeout,
                   "START_TIMEOUT": args.start_timeout}
    vm, results = run_in_vm("reload-bench-guest.sh", environment, work, args.timeout)
    if vm.returncode != 0 or results.get("phase") != "done":
        report_unfinished("reload bench", vm, work)
        return 1

    tools = args.tools.split()
    report: dict[str, object] = {
        "config": {"services": args.services, "reals_per_service": args.reals, "destinations": meta["destinations"],
                   "checker": "TCP_CHECK to 127.0.0.1 (one listener), delay_loop 3600",
                   "vrrp": "VI_1 MASTER, one VIP", "target": f"{meta['target_real']} in {meta['target_service']}"},
        "where": "lab VM: Debian kernel under QEMU emulation (no KVM), same guest for both tools",
        "keepalivedd_binary": str(args.keepalivedd.resolve()),
        "measure": "SIGHUP -> the kernel's IPVS table has the new weight (reload-probe.c: generic netlink every 1 ms, "
                   "then confirmed with ipvsadm -Ln -t VS)",
        "reload_timeout_s": args.reload_timeout,
    }
    for tool in tools:
        reloads = []
        for i in range(1, args.repeats + 1):
            if f"{tool}_reload{i}_weight" not in results:
                break  # not run: an earlier reload did not land (see reload-bench-guest.sh)
            entry: dict[str, object] = {
                "weight": results.get(f"{tool}_reload{i}_weight"),
                "visible_s": seconds(results.get(f"{tool}_reload{i}_s")),
                "settled_s": seconds(results.get(f"{tool}_reload{i}_settled_s")),
                "entering_lines": results.get(f"{tool}_reload{i}_entering"),
            }
            if tool == "keepalivedd":
                finished = results.get(f"{tool}_reload{i}_finished")
                ipvs = results.get(f"{tool}_reload{i}_ipvs")
                entry.update({
                    "reload_finished_line": finished,
                    "reload_finished_ms": number(finished, r"Reload finished in ([\d.]+) ms"),
                    "ipvs_line": ipvs,
                    "ipvs_operations": number(ipvs, r"IPVS reload: (\d+) operations"),
                    "checkers_line": results.get(f"{tool}_reload{i}_checkers"),
                })
            reloads.append(entry)
        report[tool] = {"start_s": seconds(results.get(f"{tool}_start_s")), "reloads": reloads,
                        "destinations_after": results.get(f"{tool}_destinations_after"),
                        "stop_s": seconds(results.get(f"{tool}_stop_s"))}
    (args.out / "bench-reload.json").write_text(json.dumps(report, indent=2) + "\n")

    def cell(value: object, unit: str = "s") -> str:
        return f"{value:.2f} {unit}" if isinstance(value, float) else "not seen"

    def reload_cell(tool: str, index: int, key: str) -> str:
        reloads = report[tool]["reloads"]  # type: ignore[index]
        return cell(reloads[index][key]) if index < len(reloads) else "not run"

    print(f"\nReload of {args.services} services x {args.reals} destinations with TCP_CHECK ({meta['destinations']} "
          f"checkers), one weight changed, in the lab VM ({args.keepalivedd}):")
    print(f"{'':40} " + " ".join(f"{tool:>14}" for tool in tools))
    print(f"{'start -> full table and MASTER':40} " + " ".join(
        f"{cell(report[tool]['start_s']):>14}" for tool in tools))  # type: ignore[index]
    for i in range(args.repeats):
        print(f"{f'reload {i + 1}: SIGHUP -> new weight listed':40} " + " ".join(
            f"{reload_cell(tool, i, 'visible_s'):>14}" for tool in tools))
        print(f"{f'reload {i + 1}: SIGHUP -> tree idle (+2 s)':40} " + " ".join(
            f"{reload_cell(tool, i, 'settled_s'):>14}" for tool in tools))
    print(f"{'SIGTERM -> process gone':40} " + " ".join(
        f"{cell(report[tool]['stop_s']):>14}" for tool in tools))  # type: ignore[index]
    if "keepalivedd" in tools:
        for i, entry in enumerate(report["keepalivedd"]["reloads"], 1):  # type: ignore[index]
            print(f"keepalivedd reload {i} ({entry['weight']}): {entry['reload_finished_line'] or 'no Reload finished line'}; "
                  f"{entry['ipvs_line'] or 'no IPVS reload line'}; {entry['checkers_line'] or 'no checkers line'}; "
                  f"'Entering' lines: {entry['entering_lines']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
