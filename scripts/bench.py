#!/usr/bin/env python3
"""Times `keepalivedd -t` against `keepalived -t` on one config, side by side, and measures the
peak memory of each. Run it inside a network namespace that has the interfaces the config
names (scripts/bench.sh does that), so both config tests pass their interface checks.

Timing uses hyperfine (warmup, several runs) when it is installed, else repeated runs timed
here. Peak memory is GNU time's "Maximum resident set size". Prints one table and writes the
numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GNU_TIME = "/usr/bin/time"


def exit_status(argv: list[str]) -> tuple[int, str]:
    result = subprocess.run(argv, capture_output=True, text=True, errors="replace")
    return result.returncode, result.stderr


def time_with_hyperfine(tools: dict[str, list[str]], runs: int, warmup: int) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as scratch:
        export = Path(scratch) / "hyperfine.json"
        command = ["hyperfine", "-N", "--ignore-failure", "--warmup", str(warmup), "--runs", str(runs),
                   "--export-json", str(export)]
        for name, argv in tools.items():
            command += ["-n", name, shlex.join(argv)]
        subprocess.run(command, check=True)
        results = json.loads(export.read_text())["results"]
    return {entry["command"]: {"mean": entry["mean"], "min": entry["min"], "max": entry["max"],
                               "stddev": entry.get("stddev"), "runs": len(entry["times"]),
                               "timer": "hyperfine"}
            for entry in results}


def time_in_python(tools: dict[str, list[str]], runs: int, warmup: int) -> dict[str, dict]:
    timings = {}
    for name, argv in tools.items():
        samples = []
        for index in range(warmup + runs):
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            if index >= warmup:
                samples.append(elapsed)
        timings[name] = {"mean": statistics.mean(samples), "min": min(samples), "max": max(samples),
                         "stddev": statistics.stdev(samples) if len(samples) > 1 else 0.0, "runs": runs,
                         "timer": "python"}
    return timings


def peak_rss_kib(argv: list[str], repeats: int = 3) -> int | None:
    """The largest "Maximum resident set size" GNU time reports over a few runs, in KiB."""
    if not os.access(GNU_TIME, os.X_OK):
        return None
    peak = 0
    for _ in range(repeats):
        result = subprocess.run([GNU_TIME, "-v", *argv], capture_output=True, text=True, errors="replace")
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
        if match:
            peak = max(peak, int(match.group(1)))
    return peak or None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--keepalivedd", type=Path, default=Path(".build/release/keepalivedd"))
    parser.add_argument("--keepalived", default=shutil.which("keepalived") or "/usr/sbin/keepalived")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--json", type=Path, default=Path("bench-out/bench-conftest.json"))
    args = parser.parse_args()

    config = args.config.resolve()
    tools = {
        "keepalivedd -t": [str(args.keepalivedd.resolve()), "-t", "-f", str(config)],
        "keepalived -t": [args.keepalived, "-t", "-f", str(config)],
    }
    with config.open() as handle:
        lines = sum(1 for _ in handle)

    statuses = {}
    for name, argv in tools.items():
        status, stderr = exit_status(argv)
        statuses[name] = status
        if status != 0:
            shown = "\n    ".join(stderr.strip().splitlines()[:5]) or "(no message)"
            print(f"warning: {name} exits {status} on {config.name}:\n    {shown}", file=sys.stderr)

    if shutil.which("hyperfine"):
        timings = time_with_hyperfine(tools, args.runs, args.warmup)
    else:
        print("hyperfine not found: timing in python", file=sys.stderr)
        timings = time_in_python(tools, args.runs, args.warmup)
    memory = {name: peak_rss_kib(argv) for name, argv in tools.items()}

    print()
    print(f"Config test on {config} ({lines} lines), {args.runs} runs after {args.warmup} warmup runs:")
    header = f"{'tool':<16} {'exit':>4} {'mean':>10} {'min':>10} {'peak RSS':>11}"
    print(header)
    print("-" * len(header))
    for name in tools:
        t = timings[name]
        rss = f"{memory[name] / 1024:.1f} MiB" if memory[name] else "n/a"
        print(f"{name:<16} {statuses[name]:>4} {t['mean'] * 1000:>8.1f}ms {t['min'] * 1000:>8.1f}ms {rss:>11}")
    ours, theirs = timings["keepalivedd -t"]["mean"], timings["keepalived -t"]["mean"]
    ratio = ours / theirs if theirs else float("nan")
    print(f"\nkeepalivedd/keepalived mean time: {ratio:.2f} (goal <= 0.50); "
          f"keepalivedd peak RSS goal < 200 MiB")

    report = {
        "config": str(config), "lines": lines, "runs": args.runs, "warmup": args.warmup,
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "kernel": platform.release()},
        "tools": {name: {"argv": tools[name], "exit_status": statuses[name],
                         "mean_s": timings[name]["mean"], "min_s": timings[name]["min"],
                         "max_s": timings[name]["max"], "stddev_s": timings[name]["stddev"],
                         "timer": timings[name]["timer"], "peak_rss_kib": memory[name]}
                  for name in tools},
        "time_ratio": ratio,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
