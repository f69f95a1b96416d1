#!/usr/bin/env python3
"""Boots Debian's kernel (which has IPVS) under QEMU emulation with virtme-ng and runs a command in it.

The host's kernel has no IPVS, so every test that needs a real IPVS table runs inside a throwaway VM:
`vng --run KERNEL --user root --disable-kvm --exec CMD` boots the packaged kernel with the host's file
system shared read-only (/tmp, /etc, /var, ... get writable overlays that vanish with the VM). Directories
given as `rw_dirs` are shared read-write, which is how results come back to the host. KVM is never used:
on the project's machines guests hang under KVM, so the kernel is emulated (a boot takes about 20 s).

Command line (for trying things by hand):

    python3 Tests/Integration/lab/vmrun.py [--timeout S] [--rw DIR]... -- 'modprobe ip_vs && ipvsadm -Ln'
    python3 Tests/Integration/lab/vmrun.py --script path/to/script.sh

It prints the guest's console output and exits with the guest command's exit status (124 on timeout).
Environment: LAB_KERNEL (path of a vmlinuz to boot), LAB_VNG (the vng program), LAB_MEMORY (e.g. 1G),
LAB_CPUS (default 2), LAB_CLOCKSOURCE (default tsc; `hpet` gives the emulated HPET the kernel picks alone).

The guest reads its clock from the TSC (`tsc=reliable clocksource=tsc`), as a director on real hardware or
KVM does through the vDSO. Left alone, the kernel finds the emulated vCPUs' TSCs unsynchronised and falls
back to the emulated HPET, where every clock read is a trap to QEMU under its big lock (about 1.5 us idle,
far more when both vCPUs and the I/O thread compete): daemons that read the clock often would pay for the
emulation rather than for their own work. Under TCG the TSC follows the host's monotonic clock.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parents[3]

#: What `scripts/install-deps.sh` installs for the lab; named in error messages.
INSTALL_HINT = ("install the lab packages with `scripts/install-deps.sh` (qemu-system-x86, linux-image-amd64, "
                "busybox-static, ipvsadm, and virtme-ng from PyPI)")


class LabUnavailable(RuntimeError):
    """The lab cannot boot here: a kernel, its IPVS modules, qemu or vng is missing."""


@dataclass
class VMResult:
    """What one boot produced: the guest command's exit status, the console output and the wall time."""

    returncode: int
    output: str
    seconds: float
    timed_out: bool
    command: list[str]


def _version_key(version: str) -> list[tuple[int, str]]:
    """Sort key for kernel release strings: numeric parts compare as numbers ("6.1.0-10" < "6.1.0-9" is wrong)."""
    return [(int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", version) if part]


def find_kernel() -> Path:
    """The kernel image to boot: $LAB_KERNEL, else the newest /boot/vmlinuz-* whose modules include IPVS.

    `linux-image-amd64` installs /boot/vmlinuz-<release> and /lib/modules/<release>/; a kernel without its
    module tree (or without ip_vs.ko) cannot load IPVS in the guest, so it is not a candidate.
    """
    override = os.environ.get("LAB_KERNEL")
    if override:
        path = Path(override)
        if not path.is_file():
            raise LabUnavailable(f"LAB_KERNEL={override} is not a file")
        return path
    candidates: list[tuple[list[tuple[int, str]], Path]] = []
    for image in Path("/boot").glob("vmlinuz-*"):
        release = image.name[len("vmlinuz-"):]
        ipvs = Path("/lib/modules") / release / "kernel" / "net" / "netfilter" / "ipvs"
        if ipvs.is_dir() and any(ipvs.glob("ip_vs.ko*")):
            candidates.append((_version_key(release), image))
    if not candidates:
        raise LabUnavailable(f"no /boot/vmlinuz-* with IPVS modules under /lib/modules; {INSTALL_HINT}")
    # Prefer Debian's generic amd64 flavour when several are installed (cloud kernels lack some drivers).
    candidates.sort(key=lambda item: (item[1].name.endswith("-amd64"), item[0]))
    return candidates[-1][1]


def find_vng() -> list[str]:
    """How to run virtme-ng: $LAB_VNG, `vng` on PATH, or next to this Python (pip installs it there)."""
    override = os.environ.get("LAB_VNG")
    if override:
        return shlex.split(override)
    found = shutil.which("vng")
    if found:
        return [found]
    beside = Path(sys.executable).parent / "vng"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    raise LabUnavailable(f"virtme-ng (vng) not found; {INSTALL_HINT}")


def check_host() -> None:
    """Raises LabUnavailable naming what is missing before a boot is attempted."""
    find_kernel()
    find_vng()
    if shutil.which("qemu-system-x86_64") is None:
        raise LabUnavailable(f"qemu-system-x86_64 not found; {INSTALL_HINT}")
    static = [Path("/bin/busybox"), Path("/usr/bin/busybox")]
    if not any(path.exists() for path in static):
        raise LabUnavailable(f"busybox not found (vng needs busybox-static); {INSTALL_HINT}")


def vng_command(command: str, *, rw_dirs: Sequence[Path] = (), cwd: Path | None = None) -> list[str]:
    """The vng argument list that boots the lab kernel and runs `command` (a shell command line) as root."""
    argv = [*find_vng(), "--run", str(find_kernel()), "--user", "root", "--disable-kvm",
            "--cpus", os.environ.get("LAB_CPUS", "2"), "--memory", os.environ.get("LAB_MEMORY", "1G")]
    clocksource = os.environ.get("LAB_CLOCKSOURCE", "tsc")
    if clocksource == "tsc":
        argv += ["--append", "tsc=reliable clocksource=tsc"]
    elif clocksource:
        argv += ["--append", f"clocksource={clocksource}"]
    for directory in rw_dirs:
        argv.append(f"--rwdir={Path(directory).resolve()}")
    argv += ["--cwd", str((cwd or REPO).resolve()), "--exec", command]
    return argv


def boot(command: str, *, rw_dirs: Sequence[Path] = (), cwd: Path | None = None,
         timeout: float = 600) -> VMResult:
    """Boots the lab VM, runs `command` inside and returns its exit status and console output.

    The whole VM is killed (its process group) when `timeout` seconds pass; the result then has
    `timed_out` set and returncode 124.
    """
    check_host()
    argv = vng_command(command, rw_dirs=rw_dirs, cwd=cwd)
    started = time.monotonic()
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace", start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
        timed_out = False
        returncode = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        output, _ = process.communicate()
        timed_out = True
        returncode = 124
    return VMResult(returncode=returncode, output=output, seconds=time.monotonic() - started,
                    timed_out=timed_out, command=argv)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a command in the IPVS lab VM (virtme-ng, no KVM).")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before the VM is killed")
    parser.add_argument("--rw", action="append", default=[], type=Path, help="host directory shared read-write")
    parser.add_argument("--script", type=Path, help="run this shell script (bash) in the guest")
    parser.add_argument("command", nargs="*", help="shell command line to run in the guest")
    args = parser.parse_args(argv)
    if args.script:
        command = f"bash {shlex.quote(str(args.script.resolve()))}"
    elif args.command:
        command = " ".join(args.command)
    else:
        parser.error("give a command or --script")
    try:
        result = boot(command, rw_dirs=args.rw, timeout=args.timeout)
    except LabUnavailable as error:
        print(f"vmrun: {error}", file=sys.stderr)
        return 3
    sys.stdout.write(result.output)
    note = " (timed out)" if result.timed_out else ""
    print(f"vmrun: exit {result.returncode}{note} after {result.seconds:.1f} s", file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
