"""A VRRP lab in network namespaces on this machine's kernel: one "switch" namespace holding bridges br0
(192.168.77.0/24) and br1 (192.168.78.0/24), and one namespace per director whose eth0 (and optionally
eth1) is a veth into that switch. Each director runs keepalived or keepalivedd (`-n -l -D -P`) with a
rendered config, logs to a file and notifies into a file. Everything is torn down by `Lab.close()`.

Names are unique per test: `kvt<pid>-<counter>-<role>`; `sweep_stale()` removes what a killed run left.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterable

from vrrp_config import DirectorConfig, render
from vrrp_wire import Capture

REPO = Path(__file__).resolve().parents[3]
KEEPALIVED = "/usr/sbin/keepalived"
NS_PREFIX = "kvt"
_counter = itertools.count(1)


def keepalivedd_path() -> Path:
    return Path(os.environ.get("KEEPALIVEDD", REPO / ".build" / "debug" / "keepalivedd"))


def binary_for(impl: str) -> str:
    if impl == "keepalived":
        return KEEPALIVED
    if impl == "keepalivedd":
        return str(keepalivedd_path())
    raise ValueError(f"unknown implementation {impl!r}")


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20)
    if check and result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def sweep_stale() -> None:
    """Deletes lab namespaces whose creating process is gone (a run killed before its cleanup)."""
    listing = ip("netns", "list", check=False).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        match = re.match(rf"{NS_PREFIX}(\d+)-", name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            _kill_netns_processes(name)
            ip("netns", "del", name, check=False)


def _kill_netns_processes(name: str) -> None:
    pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


class LabFailure(AssertionError):
    pass


class Director:
    """One director namespace and the daemon running in it."""

    def __init__(self, lab: "Lab", label: str, index: int, impl: str, interfaces: tuple[str, ...]) -> None:
        self.lab, self.label, self.index, self.impl = lab, label, index, impl
        self.netns = f"{lab.prefix}-{label}"
        self.interfaces = interfaces
        self.dir = lab.workdir / label
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.dir / "daemon.log"
        self.notify_path = self.dir / "notify.log"
        self.notify_script = self.dir / "notify.sh"
        self.notify_script.write_text(f'#!/bin/sh\necho "$@" >> {self.notify_path}\n')
        self.notify_script.chmod(0o755)
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.stopped = False
        self.runs = 0

    # --- addresses and links ---------------------------------------------------------------------------
    def address(self, interface: str = "eth0") -> str:
        subnet = 77 if interface == "eth0" else 78
        return f"192.168.{subnet}.{self.index}"

    def port(self, interface: str = "eth0") -> str:
        """The switch-side name of this director's `interface` (what the capture reports)."""
        return f"p{self.label}{interface[-1]}"

    def mac(self, interface: str = "eth0") -> str:
        data = json.loads(ip("-n", self.netns, "-j", "link", "show", "dev", interface).stdout)
        return data[0]["address"]

    def addresses(self, interface: str = "eth0") -> list[str]:
        out = ip("-n", self.netns, "-o", "-4", "addr", "show", "dev", interface).stdout
        return re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)

    def holds(self, vip: str, interface: str = "eth0") -> bool:
        return vip in self.addresses(interface)

    def link_down(self, interface: str = "eth0") -> None:
        ip("-n", self.netns, "link", "set", interface, "down")

    def link_up(self, interface: str = "eth0") -> None:
        ip("-n", self.netns, "link", "set", interface, "up")

    # --- the daemon --------------------------------------------------------------------------------------
    def start(self, config: DirectorConfig) -> None:
        """Writes the config and starts the daemon in the foreground (`-n -l -D -P`)."""
        if config.notify is None:
            config.notify = self.notify_script
        self.runs += 1
        conf = self.dir / f"keepalived-{self.runs}.conf"
        conf.write_text(render(config))
        binary = binary_for(self.impl)
        if not os.access(binary, os.X_OK):
            raise LabFailure(f"{self.impl} binary not found at {binary}: build it (`make test` builds "
                             f".build/debug/keepalivedd) or point $KEEPALIVEDD at a build")
        argv = ["ip", "netns", "exec", self.netns, binary, "-n", "-l", "-D", "-P", "-f", str(conf),
                "-p", str(self.dir / "keepalived.pid"), "-r", str(self.dir / "vrrp.pid")]
        with open(self.log_path, "ab") as log:
            log.write(f"==== lab: start #{self.runs}: {' '.join(argv)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self.started_at = time.monotonic()
        self.stopped = False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _signal_group(self, signum: int) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                pass

    def hang(self) -> None:
        """SIGSTOP to the daemon and all its processes (keepalived's VRRP child included)."""
        self._signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal_group(signal.SIGCONT)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM to the daemon (the parent, as an init system does); waits for it to exit."""
        if self.process is None:
            return None
        self.stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                raise LabFailure(f"{self.impl} in {self.label} did not exit {timeout}s after SIGTERM\n"
                                 + self.log_tail())
        return self.process.returncode

    def kill(self) -> None:
        if self.process is None:
            return
        self.stopped = True
        self._signal_group(signal.SIGKILL)
        self._signal_group(signal.SIGCONT)
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass

    # --- observations ------------------------------------------------------------------------------------
    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        tail = self.log().splitlines()[-lines:]
        return f"--- {self.label} ({self.impl}) log tail:\n" + "\n".join(tail)

    def state_lines(self, instance: str = "VI_1") -> list[str]:
        """The states in `(VI_1) Entering X STATE` lines, in order (e.g. ["BACKUP", "MASTER"])."""
        pattern = re.compile(rf"\({re.escape(instance)}\) Entering (\w+) STATE")
        return [m.group(1) for m in pattern.finditer(self.log())]

    def state(self, instance: str = "VI_1") -> str | None:
        states = self.state_lines(instance)
        return states[-1] if states else None

    def notifications(self) -> list[str]:
        try:
            return self.notify_path.read_text().splitlines()
        except FileNotFoundError:
            return []

    def describe(self) -> str:
        alive = "running" if self.running() else f"exited {self.process.returncode if self.process else '-'}"
        return (f"{self.label} ({self.impl}, {alive}) states {self.state_lines()} "
                f"eth0 {self.addresses() if self._netns_exists() else '?'}")

    def _netns_exists(self) -> bool:
        return Path(f"/run/netns/{self.netns}").exists()


class Lab:
    """The switch, the directors and the capture of one test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.prefix = f"{NS_PREFIX}{os.getpid()}-{next(_counter)}"
        self.switch = f"{self.prefix}-sw"
        self.directors: list[Director] = []
        self._namespaces: list[str] = []
        self._add_netns(self.switch)
        for bridge in ("br0", "br1"):
            ip("-n", self.switch, "link", "add", bridge, "type", "bridge", "forward_delay", "0")
            ip("-n", self.switch, "link", "set", bridge, "up")
        self.capture = Capture(self.switch).start()

    def _add_netns(self, name: str) -> None:
        ip("netns", "add", name)
        self._namespaces.append(name)
        ip("-n", name, "link", "set", "lo", "up")

    def director(self, impl: str, interfaces: tuple[str, ...] = ("eth0",)) -> Director:
        """A new director namespace (labels a, b, c...; address .1, .2, .3...) with its veths up."""
        index = len(self.directors) + 1
        director = Director(self, "abcdefgh"[index - 1], index, impl, interfaces)
        self._add_netns(director.netns)
        for interface in interfaces:
            port = director.port(interface)
            ip("link", "add", port, "netns", self.switch, "type", "veth",
               "peer", "name", interface, "netns", director.netns)
            ip("-n", self.switch, "link", "set", port, "master", "br0" if interface == "eth0" else "br1")
            ip("-n", self.switch, "link", "set", port, "up")
            ip("-n", director.netns, "addr", "add", f"{director.address(interface)}/24", "dev", interface)
            ip("-n", director.netns, "link", "set", interface, "up")
        self.directors.append(director)
        return director

    def describe(self) -> str:
        return "\n".join(d.describe() for d in self.directors)

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str,
                   alive: Iterable[Director] | None = None, interval: float = 0.05) -> float:
        """Polls `predicate` until true; returns the seconds it took. Fails after `timeout`, or at once
        when a director that should be running (default: every started, not stopped one) has exited."""
        start = time.monotonic()
        deadline = start + timeout
        watched = list(alive) if alive is not None else [d for d in self.directors if d.process and not d.stopped]
        while True:
            if predicate():
                return time.monotonic() - start
            for director in watched:
                if not director.running():
                    raise LabFailure(f"while waiting for {what}: {director.label} ({director.impl}) exited "
                                     f"with status {director.process.returncode if director.process else '-'}\n"
                                     f"{self.report()}")
            if time.monotonic() >= deadline:
                raise LabFailure(f"timed out after {timeout:.1f}s waiting for {what}\n{self.report()}")
            time.sleep(interval)

    def hold_for(self, predicate: Callable[[], bool], duration: float, what: str) -> None:
        """Checks that `predicate` stays true for `duration` seconds."""
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            if not predicate():
                raise LabFailure(f"no longer true: {what}\n{self.report()}")
            time.sleep(0.1)

    def report(self) -> str:
        parts = [self.describe()]
        parts += [d.log_tail() for d in self.directors]
        parts += ["--- capture:", self.capture.summary()]
        return "\n".join(parts)

    def close(self) -> None:
        for director in self.directors:
            director.kill()
        self.capture.stop()
        for name in reversed(self._namespaces):
            _kill_netns_processes(name)
            ip("netns", "del", name, check=False)


# (director A's implementation, director B's): keepalived against itself is the oracle for the scenario.
PAIRS = [("keepalived", "keepalived"), ("keepalivedd", "keepalivedd"),
         ("keepalivedd", "keepalived"), ("keepalived", "keepalivedd")]
PAIR_IDS = ["ka-ka", "kd-kd", "kd-ka", "ka-kd"]
