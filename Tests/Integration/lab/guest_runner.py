#!/usr/bin/env python3
"""Runs inside the lab VM: executes every scenario of a plan, each in a fresh network namespace.

Usage (in the guest, as root): guest_runner.py PLAN.json

The plan (written by labsession.py on the host) is {"results": DIR, "scenarios": [{"name", "dir",
"timeout", "netns"}]}. For each scenario the runner creates the namespace `lab-<index>` (IPVS tables are
per namespace, so scenarios cannot see each other's services), brings its loopback up, runs
`bash script.sh` from the scenario's directory with LAB_OUT pointing at a per-scenario capture directory,
kills whatever the scenario left running in its namespace, deletes the namespace and writes
RESULTS/<name>.json: {"name", "returncode", "seconds", "timed_out", "log", "captures": {NAME: {"output",
"returncode"}}}. RESULTS/_guest.json records the kernel release and whether `modprobe ip_vs` worked.
Only the standard library is used: the guest runs the host's Python from the shared root file system.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent


def run_quiet(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, errors="replace")


def kill_namespace_processes(netns: str) -> None:
    """SIGKILLs what a scenario left running in its namespace (daemons it did not stop)."""
    for _ in range(3):
        pids = [int(pid) for pid in run_quiet("ip", "netns", "pids", netns).stdout.split() if pid.isdigit()]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)


def read_captures(directory: Path) -> dict[str, dict[str, object]]:
    captures: dict[str, dict[str, object]] = {}
    if not directory.is_dir():
        return captures
    for path in sorted(directory.glob("*.out")):
        name = path.name[:-len(".out")]
        rc_path = directory / f"{name}.rc"
        rc_text = rc_path.read_text().strip() if rc_path.exists() else ""
        captures[name] = {
            "output": path.read_text(errors="replace"),
            "returncode": int(rc_text) if rc_text.lstrip("-").isdigit() else None,
        }
    return captures


def run_scenario(index: int, scenario: dict[str, object], results: Path) -> dict[str, object]:
    name = str(scenario["name"])
    directory = Path(str(scenario["dir"]))
    timeout = float(scenario.get("timeout", 60))  # type: ignore[arg-type]
    use_netns = bool(scenario.get("netns", True))
    out = results / name
    (out / "captures").mkdir(parents=True, exist_ok=True)
    scratch = Path("/tmp/lab") / name
    scratch.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({
        "LAB_NAME": name,
        "LAB_OUT": str(out / "captures"),
        "LAB_TMP": str(scratch),
        "LAB_DIR": str(LAB_DIR),
        "LAB_SCENARIO_DIR": str(directory),
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    })
    netns = f"lab-{index}"
    argv = ["bash", str(directory / "script.sh")]
    if use_netns:
        created = run_quiet("ip", "netns", "add", netns)
        if created.returncode != 0:
            return {"name": name, "returncode": None, "seconds": 0.0, "timed_out": False,
                    "log": f"ip netns add {netns} failed: {created.stderr}", "captures": {}}
        run_quiet("ip", "-n", netns, "link", "set", "lo", "up")
        env["LAB_NETNS"] = netns
        argv = ["ip", "netns", "exec", netns, *argv]
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=directory, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)
    timed_out = False
    try:
        log, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        log, _ = process.communicate()
    seconds = time.monotonic() - started
    if use_netns:
        kill_namespace_processes(netns)
        run_quiet("ip", "netns", "del", netns)
    return {
        "name": name,
        "returncode": None if timed_out else process.returncode,
        "seconds": round(seconds, 3),
        "timed_out": timed_out,
        "log": log,
        "captures": read_captures(out / "captures"),
    }


def main() -> int:
    plan = json.loads(Path(sys.argv[1]).read_text())
    results = Path(plan["results"])
    results.mkdir(parents=True, exist_ok=True)
    modprobe = run_quiet("modprobe", "ip_vs")
    guest = {"kernel": platform.release(), "modprobe_ip_vs": modprobe.returncode,
             "modprobe_stderr": modprobe.stderr, "started": time.time()}
    (results / "_guest.json").write_text(json.dumps(guest, indent=1))
    failures = 0
    for index, scenario in enumerate(plan["scenarios"]):
        result = run_scenario(index, scenario, results)
        (results / f"{result['name']}.json").write_text(json.dumps(result, indent=1))
        status = "timed out" if result["timed_out"] else f"exit {result['returncode']}"
        print(f"lab: scenario {result['name']}: {status} in {result['seconds']:.1f} s", flush=True)
        failures += result["returncode"] != 0
    guest["finished"] = time.time()
    (results / "_guest.json").write_text(json.dumps(guest, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
