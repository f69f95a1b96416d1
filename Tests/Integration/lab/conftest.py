"""pytest wiring for the IPVS lab: one VM boot per session runs every scenario the selected tests need.

Tests say which scenarios they read with `@pytest.mark.lab("name", ...)` and get results through the
`lab_result` fixture. The VM boots lazily, the first time a lab test runs, with exactly the scenarios named
by the collected tests (so `pytest -k one_test` boots for that test's scenarios only). Set
KEEPALIVEDD_LAB=skip to skip the lab tests on a machine that cannot run QEMU; otherwise a missing
package is a failure (CI installs them with scripts/install-deps.sh). LAB_WORKDIR keeps the scenario
files and results in a chosen directory instead of pytest's temporary one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

import labsession
import vmrun

_summary: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "lab(*names): lab scenarios (run in the QEMU IPVS VM) this test reads")


def _requested_scenarios(session: pytest.Session) -> list[str]:
    names: list[str] = []
    for item in session.items:
        for marker in item.iter_markers("lab"):
            for name in marker.args:
                if name not in names:
                    names.append(name)
    return names


@pytest.fixture(scope="session")
def lab_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> labsession.LabRun:
    if os.environ.get("KEEPALIVEDD_LAB") == "skip":
        pytest.skip("KEEPALIVEDD_LAB=skip")
    names = _requested_scenarios(request.session)
    unknown = [name for name in names if name not in labsession.REGISTRY]
    if unknown:
        pytest.fail(f"lab markers name unregistered scenarios: {unknown}")
    workdir = Path(os.environ["LAB_WORKDIR"]) if os.environ.get("LAB_WORKDIR") else tmp_path_factory.mktemp("lab")
    try:
        run = labsession.run_scenarios([labsession.REGISTRY[name] for name in names], workdir)
    except vmrun.LabUnavailable as error:
        pytest.fail(f"the IPVS lab cannot boot: {error}")
    _summary.append(run.summary())
    if not run.results:
        pytest.fail(f"the lab VM ran no scenario (exit {run.vm.returncode}, "
                    f"{'timed out' if run.vm.timed_out else 'finished'})\n{run.vm.output[-4000:]}")
    return run


@pytest.fixture
def lab_result(lab_run: labsession.LabRun) -> Callable[[str], labsession.ScenarioResult]:
    """lab_result(name): the scenario's result; fails when it did not run or did not finish."""

    def get(name: str) -> labsession.ScenarioResult:
        result = lab_run.results.get(name)
        if result is None:
            pytest.fail(f"lab scenario {name} has no result (is it in the test's @pytest.mark.lab?)\n"
                        f"{lab_run.vm.output[-4000:]}")
        if result.timed_out:
            pytest.fail(result.describe())
        return result

    return get


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _summary:
        terminalreporter.write_line(line)
