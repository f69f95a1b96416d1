"""`make demo` end to end: scripts/demo.sh boots the lab VM and narrates an LVS pair run by keepalivedd.

The demo (scripts/demo-guest.sh in the VM) has a client, a MASTER and a BACKUP director and two DR real
servers in namespaces, and must show: the master elected with the VIP, requests reaching both real
servers, a stopped real server removed and added back, failover to the backup on SIGTERM, and the
master preempting when it returns. This test runs it with $KEEPALIVEDD (default .build/debug/keepalivedd)
and checks the exit status, the narration and the directors' logs. It boots its own VM (about 2 minutes
in all); KEEPALIVEDD_LAB=skip skips it like the other lab tests.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
KEEPALIVEDD = Path(os.environ.get("KEEPALIVEDD", REPO / ".build" / "debug" / "keepalivedd")).resolve()
SAMPLE = REPO / "etc" / "keepalived.conf.sample"
VIP, RIP2 = "192.168.100.100", "192.168.100.12"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    if os.environ.get("KEEPALIVEDD_LAB") == "skip":
        pytest.skip("KEEPALIVEDD_LAB=skip")
    artifacts = tmp_path_factory.mktemp("demo")
    env = dict(os.environ, DEMO_ARTIFACTS=str(artifacts), DEMO_TIMEOUT="600")
    run = subprocess.run([str(REPO / "scripts" / "demo.sh"), str(KEEPALIVEDD), str(SAMPLE)], cwd=REPO, env=env,
                         capture_output=True, text=True, errors="replace", timeout=700)
    return run, artifacts


def _explain(run: subprocess.CompletedProcess[str], artifacts: Path) -> str:
    logs = "".join(f"\n--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                   for path in sorted(artifacts.glob("*.log")))
    return f"exit {run.returncode}\n--- stdout\n{run.stdout[-6000:]}\n--- stderr\n{run.stderr[-2000:]}{logs}"


def test_demo_passes_every_step(demo):
    run, artifacts = demo
    assert run.returncode == 0, _explain(run, artifacts)
    assert "DEMO PASSED: all 5 steps happened" in run.stdout, _explain(run, artifacts)
    for step in range(1, 6):
        assert f"== Step {step}:" in run.stdout, _explain(run, artifacts)
        assert f"-> step {step} ok:" in run.stdout, _explain(run, artifacts)
    rows = re.findall(r"^   ([1-5])\s{2,}.*?\s{2,}(ok|FAILED|skipped)\s", run.stdout, re.MULTILINE)
    assert rows == [(str(step), "ok") for step in range(1, 6)], _explain(run, artifacts)


def test_demo_shows_what_each_step_observed(demo):
    run, artifacts = demo
    out = run.stdout
    assert re.search(rf"inet {re.escape(VIP)}/24 .*eth0", out), _explain(run, artifacts)
    counts = re.search(r"answers: real server 1 \S+: (\d+), real server 2 \S+: (\d+), failed: 0", out)
    assert counts and int(counts[1]) > 0 and int(counts[2]) > 0 and int(counts[1]) + int(counts[2]) == 20, \
        _explain(run, artifacts)
    assert f"Removing service [{RIP2}]:tcp:80 from VS [{VIP}]:tcp:80" in out, _explain(run, artifacts)
    assert f"Adding service [{RIP2}]:tcp:80 to VS [{VIP}]:tcp:80" in out, _explain(run, artifacts)
    assert "(VI_1) Entering MASTER STATE" in out and "(VI_1) Entering BACKUP STATE" in out, _explain(run, artifacts)


def test_failover_is_quick_because_the_stopping_master_sends_priority_0(demo):
    run, artifacts = demo
    failover = re.search(r"SIGTERM -> VIP on the backup: ([\d.]+) s", run.stdout)
    assert failover, _explain(run, artifacts)
    # With the priority 0 advert the backup waits only Skew_Time (0.65 s at priority 90), not
    # Master_Down_Interval (3.65 s); emulation adds its own delay on top.
    assert float(failover[1]) < 10, _explain(run, artifacts)
    backup_log = (artifacts / "backup.log").read_text(errors="replace")
    assert "(VI_1) Backup received priority 0 advertisement" in backup_log, _explain(run, artifacts)
    preempt = re.search(r"start -> VIP back on the master: ([\d.]+) s", run.stdout)
    assert preempt, _explain(run, artifacts)
