"""Host side of the IPVS lab: scenarios are registered by test modules and all run in ONE VM boot.

A test module declares what it needs at import time:

    BASIC = lab_scenario("keepalived_basic", script='''
        keepalived -n -l -D -C -f keepalived.conf -p "$LAB_TMP/k.pid" -c "$LAB_TMP/c.pid" &
        wait_services 20 3
        capture table ipvsadm -Ln
    ''', files={"keepalived.conf": CONF})

    @pytest.mark.lab(BASIC)
    def test_table(lab_result):
        result = lab_result(BASIC)
        ...

The session fixture (conftest.py) gathers the scenarios named by the `lab` markers of the collected tests,
writes each one (script.sh, with lab.sh sourced first, plus its files) under a work directory, boots the VM
once with that directory shared read-write, and guest_runner.py runs the scenarios one after another, each in
its own network namespace, leaving RESULTS/<name>.json for the tests to assert on. A boot costs about 20 s of
emulation, so scenarios should be many and small rather than one boot each.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import vmrun

LAB_DIR = Path(__file__).resolve().parent
GUEST_RUNNER = LAB_DIR / "guest_runner.py"

#: Seconds allowed for booting and shutting down the VM on top of the scenarios' own timeouts.
BOOT_ALLOWANCE = 120.0


@dataclass(frozen=True)
class Scenario:
    """A bash script run as root in the lab VM, in a fresh network namespace, from a directory holding `files`."""

    name: str
    script: str
    files: tuple[tuple[str, str], ...] = ()
    timeout: float = 60.0
    netns: bool = True


REGISTRY: dict[str, Scenario] = {}


def lab_scenario(name: str, script: str, *, files: dict[str, str] | None = None, timeout: float = 60.0,
                 netns: bool = True) -> str:
    """Registers a scenario and returns its name (for `@pytest.mark.lab(name)` and `lab_result(name)`)."""
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"lab scenario name {name!r}: use letters, digits, '_' and '-'")
    scenario = Scenario(name=name, script=textwrap.dedent(script), files=tuple(sorted((files or {}).items())),
                        timeout=timeout, netns=netns)
    existing = REGISTRY.get(name)
    if existing is not None and existing != scenario:
        raise ValueError(f"lab scenario {name!r} registered twice with different contents")
    REGISTRY[name] = scenario
    return name


@dataclass
class ScenarioResult:
    """What one scenario left behind: exit status, its log, and the outputs it captured by name."""

    name: str
    returncode: int | None
    seconds: float
    timed_out: bool
    log: str
    captures: dict[str, dict[str, object]] = field(default_factory=dict)

    def describe(self) -> str:
        status = "timed out" if self.timed_out else f"exit {self.returncode}"
        return f"--- lab scenario {self.name}: {status} after {self.seconds:.1f} s\n{self.log.rstrip()}\n"

    def output(self, capture: str) -> str:
        """The text a `capture NAME ...` step recorded; AssertionError (with the log) when it is missing."""
        if capture not in self.captures:
            raise AssertionError(f"scenario {self.name} captured no {capture!r} "
                                 f"(have {sorted(self.captures)})\n{self.describe()}")
        return str(self.captures[capture]["output"])

    def returncode_of(self, capture: str) -> int | None:
        self.output(capture)
        value = self.captures[capture]["returncode"]
        return value if isinstance(value, int) else None


@dataclass
class LabRun:
    """One boot: the VM's result, the guest's facts (kernel, modprobe) and every scenario's result."""

    vm: vmrun.VMResult
    guest: dict[str, object]
    results: dict[str, ScenarioResult]
    workdir: Path

    @property
    def scenario_seconds(self) -> float:
        return sum(result.seconds for result in self.results.values())

    def summary(self) -> str:
        overhead = self.vm.seconds - self.scenario_seconds
        return (f"lab: 1 boot, {len(self.results)} scenarios, {self.vm.seconds:.1f} s in all "
                f"({self.scenario_seconds:.1f} s scenarios, {overhead:.1f} s boot and shutdown); "
                f"kernel {self.guest.get('kernel', '?')}; work dir {self.workdir}")


def _guest_python() -> str:
    """Debian's python3 when installed (it is on the shared root), else the interpreter running pytest."""
    return "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def prepare(scenarios: Iterable[Scenario], workdir: Path) -> tuple[Path, float]:
    """Writes the scenarios and the plan under `workdir`; returns the plan's path and the total timeout."""
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "results").mkdir(parents=True)
    entries = []
    total = BOOT_ALLOWANCE
    for scenario in scenarios:
        directory = workdir / "scenarios" / scenario.name
        directory.mkdir(parents=True)
        for relative, content in scenario.files:
            path = directory / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        header = 'set -u\n. "$LAB_DIR/lab.sh"\ncd "$LAB_SCENARIO_DIR"\n'
        (directory / "script.sh").write_text(header + scenario.script)
        entries.append({"name": scenario.name, "dir": str(directory), "timeout": scenario.timeout,
                        "netns": scenario.netns})
        total += scenario.timeout
    plan = workdir / "plan.json"
    plan.write_text(json.dumps({"results": str(workdir / "results"), "scenarios": entries}, indent=1))
    return plan, total


def run_scenarios(scenarios: Iterable[Scenario], workdir: Path) -> LabRun:
    """Boots the lab once and runs `scenarios` in it; raises vmrun.LabUnavailable if the host cannot boot it."""
    scenarios = list(scenarios)
    workdir = workdir.resolve()
    plan, timeout = prepare(scenarios, workdir)
    command = f"{_guest_python()} {GUEST_RUNNER} {plan}"
    vm = vmrun.boot(command, rw_dirs=[workdir], timeout=timeout)
    (workdir / "vm-console.log").write_text(vm.output)
    results_dir = workdir / "results"
    guest_file = results_dir / "_guest.json"
    guest = json.loads(guest_file.read_text()) if guest_file.exists() else {}
    results: dict[str, ScenarioResult] = {}
    for scenario in scenarios:
        path = results_dir / f"{scenario.name}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        results[scenario.name] = ScenarioResult(
            name=scenario.name, returncode=data["returncode"], seconds=float(data["seconds"]),
            timed_out=bool(data["timed_out"]), log=str(data["log"]), captures=data["captures"])
    (workdir / "timing.json").write_text(json.dumps({
        "vm_seconds": round(vm.seconds, 2), "scenario_seconds": round(sum(r.seconds for r in results.values()), 2),
        "scenarios": {name: r.seconds for name, r in results.items()}, "finished": time.time()}, indent=1))
    return LabRun(vm=vm, guest=guest, results=results, workdir=workdir)
