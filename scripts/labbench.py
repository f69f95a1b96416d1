"""Host side shared by the benchmarks that run in the lab VM (scripts/ipvs-bench.py, health-bench.py,
reload-bench.py): a fresh work directory, the guest script run in one VM boot with its environment,
and the KEY=VALUE results it leaves in the shared directory (see scripts/bench-guest-lib.sh)."""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def fresh_workdir(out: Path, name: str) -> Path:
    """OUT/NAME, created, with the files of an earlier run removed."""
    work = (out / name).resolve()
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.iterdir():
        if stale.is_file():
            stale.unlink()
    return work


def parse_results(text: str) -> dict[str, str]:
    """The guest's `KEY=VALUE` lines (quotes around values dropped)."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key and " " not in key:
            values[key] = value.strip().strip('"')
    return values


def run_in_vm(guest_script: str, env: dict[str, object], work: Path,
              timeout: float) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Boots the lab VM once with `work` shared read-write and runs scripts/GUEST_SCRIPT there with `env`
    exported; keeps the VM's output in WORK/vm.log and returns it with the parsed WORK/results.txt."""
    with tempfile.NamedTemporaryFile("w", suffix=".sh", dir="/tmp", delete=False) as wrapper:
        wrapper.write("export " + " ".join(f"{key}={shlex.quote(str(value))}" for key, value in env.items()) + "\n")
        wrapper.write(f"bash {REPO / 'scripts' / guest_script}\n")
    try:
        vm = subprocess.run([sys.executable, str(REPO / "Tests/Integration/lab/vmrun.py"), "--timeout", str(timeout),
                             "--rw", str(work), "--script", wrapper.name], capture_output=True, text=True)
    finally:
        Path(wrapper.name).unlink(missing_ok=True)
    (work / "vm.log").write_text(vm.stdout + vm.stderr)
    results_file = work / "results.txt"
    return vm, parse_results(results_file.read_text()) if results_file.exists() else {}


def report_unfinished(what: str, vm: subprocess.CompletedProcess[str], work: Path) -> None:
    """Says on stderr that a bench did not finish, with how far the guest got."""
    print(f"{what} did not finish (VM exit {vm.returncode}); progress:", file=sys.stderr)
    progress = work / "progress.txt"
    print(progress.read_text() if progress.exists() else (vm.stdout + vm.stderr)[-3000:], file=sys.stderr)
