"""keepalivedd -t must give the same verdict (valid / invalid) as keepalived -t.

Every sample config Debian's keepalived package ships, plus our own sample, is checked by both
programs inside a network namespace that has eth0 and eth1, so interface checks behave the same
for both. Each config is its own test; on a mismatch both outputs are shown.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support import REPO, describe, network_namespace, run

SAMPLES_DIR = Path("/usr/share/doc/keepalived/samples")
DEBIAN_SAMPLE = Path("/etc/keepalived/keepalived.conf.sample")
OUR_SAMPLE = REPO / "etc" / "keepalived.conf.sample"

# keepalivedd's documented config-test exit codes; anything else (a crash, a signal) is a failure
# even when keepalived also rejects the config.
DOCUMENTED_STATUSES = {0, 3, 4, 5}


def _configs() -> list:
    configs = [pytest.param(path, id=f"samples/{path.name}")
               for path in sorted(SAMPLES_DIR.glob("keepalived.conf.*"))
               if not path.name.endswith(".gz")]
    if DEBIAN_SAMPLE.exists():
        configs.append(pytest.param(DEBIAN_SAMPLE, id="etc-keepalived/keepalived.conf.sample"))
    configs.append(pytest.param(OUR_SAMPLE, id="repo/etc/keepalived.conf.sample"))
    return configs


CONFIGS = _configs()


@pytest.fixture(scope="module")
def netns():
    with network_namespace(f"kdd-cmp-{os.getpid()}") as name:
        yield name


@pytest.fixture(scope="module")
def keepalived() -> str:
    path = shutil.which("keepalived") or ("/usr/sbin/keepalived" if os.access("/usr/sbin/keepalived", os.X_OK) else None)
    if path is None:
        pytest.fail("keepalived (the reference) is not installed: run `make deps`")
    return path


def test_reference_samples_present():
    """The comparison is only meaningful with Debian's samples installed (make deps installs them)."""
    assert len(CONFIGS) >= 20, (f"expected keepalived's samples in {SAMPLES_DIR} and {DEBIAN_SAMPLE}; "
                                f"found {len(CONFIGS) - 1}: run `make deps`")


@pytest.mark.parametrize("config", CONFIGS)
def test_same_verdict_as_keepalived(config: Path, netns: str, keepalived: str, keepalivedd: Path, tmp_path: Path):
    theirs = run([keepalived, "-t", "-f", config], netns=netns, cwd=tmp_path)
    ours = run([keepalivedd, "-t", "-f", config], netns=netns, cwd=tmp_path)
    details = describe(f"keepalived -t -f {config}", theirs) + describe(f"keepalivedd -t -f {config}", ours)
    assert ours.returncode in DOCUMENTED_STATUSES, f"keepalivedd exited outside 0/3/4/5:\n{details}"
    verdict = {True: "valid", False: "invalid"}
    assert (ours.returncode == 0) == (theirs.returncode == 0), (
        f"{config}: keepalived says {verdict[theirs.returncode == 0]}, "
        f"keepalivedd says {verdict[ours.returncode == 0]}\n{details}")


def test_our_sample_is_clean_for_keepalived(netns: str, keepalived: str, tmp_path: Path):
    """etc/keepalived.conf.sample must not draw a single message from keepalived."""
    theirs = run([keepalived, "-t", "-l", "-f", OUR_SAMPLE], netns=netns, cwd=tmp_path)
    assert theirs.returncode == 0 and not theirs.stderr.strip() and not theirs.stdout.strip(), \
        describe("keepalived -t -l", theirs)
