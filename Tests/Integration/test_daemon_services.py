"""keepalivedd's daemon services end to end: sd_notify, the status socket, Prometheus metrics, the
SIGUSR1 / SIGUSR2 / SIGRTMIN+2 dumps and SIGHUP with a broken configuration.

Each daemon runs as `keepalivedd -P -n -l -D` (the VRRP half; the checker half needs IPVS) in its own
network namespace, with one vrrp_instance VI_1 on eth0 that becomes MASTER after ~3 s. Needs root.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import pytest

from support import describe, network_namespace, require_root, run

T = TypeVar("T")

VIP = "192.0.2.1"
CONFIG = f"""
vrrp_instance VI_1 {{
    interface eth0
    state BACKUP
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {{
        {VIP}/32
    }}
}}
"""
# The same instance with its closing brace missing: `-t` reports the file and line (exit 4).
#: A broken configuration that would also change something visible if it were applied: a second VIP.
OTHER_VIP = "192.0.2.2"
CONFIG_MISSING_BRACE = CONFIG.replace(f"{VIP}/32", f"{VIP}/32\n        {OTHER_VIP}/32").rstrip().removesuffix("}") + "\n"
DUMPS = {name: Path("/tmp") / name for name in ("keepalived.data", "keepalived.stats", "keepalived.json")}


class Daemon:
    """One keepalivedd in namespace `netns`, with its files under `directory`."""

    def __init__(self, binary: Path, netns: str, directory: Path) -> None:
        self.binary = binary
        self.netns = netns
        self.directory = directory
        self.conf = directory / "keepalived.conf"
        self.conf.write_text(CONFIG)
        self.log_path = directory / "keepalivedd.log"
        self.pid_file = directory / "keepalived.pid"
        self.socket = directory / "keepalived.sock"  # derived from -p
        self.process: subprocess.Popen[bytes] | None = None
        self.metrics_port = 0

    def start(self, *extra: str, env: dict[str, str] | None = None) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["ip", "netns", "exec", self.netns, str(self.binary), "-P", "-n", "-l", "-D",
                 "-f", str(self.conf), "-p", str(self.pid_file), "-r", str(self.directory / "vrrp.pid"), *extra],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})})

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else "(no log)"

    def context(self) -> str:
        """The daemon's exit state and log, for assertion messages."""
        exited = self.process.poll() if self.process else None
        state = "running" if exited is None else f"exited with {exited}"
        return f"\n--- keepalivedd ({state}) log:\n{self.log()}"

    @property
    def pid(self) -> int:
        assert self.process is not None, "daemon not started"
        return self.process.pid  # `ip netns exec` execs keepalivedd in place

    def signal(self, number: int) -> None:
        assert self.process is not None and self.process.poll() is None, f"daemon not running{self.context()}"
        os.kill(self.pid, number)

    def status(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run([self.binary, "status", "--socket", self.socket, *args], netns=self.netns, timeout=15)

    def status_json(self) -> dict | None:
        result = self.status("--json")
        if result.returncode != 0:
            return None
        return json.loads(result.stdout)

    def instance(self) -> dict | None:
        report = self.status_json()
        return report["vrrpInstances"][0] if report and report["vrrpInstances"] else None

    def wait_master(self, timeout: float = 15) -> dict:
        instance = wait_for(lambda: self._master_instance(), timeout)
        assert instance is not None, (
            f"VI_1 not MASTER within {timeout} s; last status: {self.status('--json').stdout or '(none)'}"
            f"{self.context()}")
        return instance

    def _master_instance(self) -> dict | None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"keepalivedd exited early{self.context()}")
        instance = self.instance()
        return instance if instance and instance["state"] == "MASTER" else None

    def vip_on_eth0(self) -> bool:
        shown = run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"], netns=self.netns)
        return f" {VIP}/32 " in shown.stdout

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode


def wait_for(probe: Callable[[], T | None], timeout: float, interval: float = 0.2) -> T | None:
    """Calls `probe` until it returns something truthy or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


@contextlib.contextmanager
def daemon_in_namespace(binary: Path, directory: Path, tag: str) -> Iterator[Daemon]:
    """A namespace with 192.0.2.100/24 on eth0 and a (not yet started) keepalivedd for it; the
    daemon is stopped and the namespace removed afterwards."""
    require_root("the daemon services tests (network namespaces)")
    netns = f"kd{tag}{os.getpid()}"
    with network_namespace(netns):
        subprocess.run(["ip", "-n", netns, "addr", "add", "192.0.2.100/24", "dev", "eth0"], check=True)
        daemon = Daemon(binary, netns, directory)
        try:
            yield daemon
        finally:
            daemon.stop()


def free_port(netns: str) -> int:
    """A TCP port nothing listens on inside `netns` (a fresh namespace has its own port space)."""
    probe = run([sys.executable, "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
                 "print(s.getsockname()[1])"], netns=netns)
    assert probe.returncode == 0, describe("port probe", probe)
    return int(probe.stdout)


# --- one MASTER daemon with metrics, shared by the status, metrics and dump tests ---

@pytest.fixture(scope="module")
def master(keepalivedd: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    with daemon_in_namespace(keepalivedd, tmp_path_factory.mktemp("master"), "ms") as daemon:
        daemon.metrics_port = free_port(daemon.netns)
        daemon.start("--metrics", f"127.0.0.1:{daemon.metrics_port}")
        daemon.wait_master()
        yield daemon


# --- 1. sd_notify ---

class NotifyListener:
    """The AF_UNIX datagram socket a service manager would listen on ($NOTIFY_SOCKET)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.received: list[tuple[float, dict[str, str]]] = []

    def next_matching(self, predicate: Callable[[dict[str, str]], bool], timeout: float) -> dict[str, str] | None:
        """Reads datagrams until one satisfies `predicate`; every datagram read is kept in `received`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return None
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            self.received.append((time.monotonic(), fields))
            if predicate(fields):
                return fields
        return None

    def history(self) -> str:
        return "\n".join(f"  {stamp:.2f} {fields}" for stamp, fields in self.received[-30:]) or "  (nothing)"

    def close(self) -> None:
        self.sock.close()


def test_sd_notify_ready_watchdog_reload_stop(keepalivedd: Path, tmp_path: Path) -> None:
    require_root("the sd_notify test (network namespace)")
    listener = NotifyListener(tmp_path / "notify.sock")
    env = {"NOTIFY_SOCKET": str(listener.path), "WATCHDOG_USEC": "400000"}
    try:
        with daemon_in_namespace(keepalivedd, tmp_path, "nt") as daemon:
            daemon.start(env=env)
            def expect(what: str, predicate: Callable[[dict[str, str]], bool], timeout: float) -> dict[str, str]:
                fields = listener.next_matching(predicate, timeout)
                assert fields is not None, (f"no {what} datagram within {timeout} s; received:\n"
                                            f"{listener.history()}{daemon.context()}")
                return fields

            ready = expect("READY=1", lambda f: f.get("READY") == "1", 10)
            assert ready.get("STATUS"), f"READY=1 without STATUS=: {ready}"

            start = time.monotonic()
            pings = 0
            while pings < 2:
                expect("WATCHDOG=1", lambda f: f.get("WATCHDOG") == "1", 1.0)
                pings += 1
            assert time.monotonic() - start <= 1.2, (
                f"2 WATCHDOG=1 pings took {time.monotonic() - start:.2f} s with WATCHDOG_USEC=400000; "
                f"received:\n{listener.history()}")

            daemon.signal(signal.SIGHUP)
            sent_at = time.monotonic()
            reloading = expect("RELOADING=1", lambda f: f.get("RELOADING") == "1", 5)
            stamp = reloading.get("MONOTONIC_USEC", "")
            assert stamp.isdigit(), f"RELOADING=1 without an integer MONOTONIC_USEC=: {reloading}"
            # CLOCK_MONOTONIC is shared across network namespaces; Python's monotonic clock is it.
            assert abs(int(stamp) / 1e6 - sent_at) < 5, (
                f"MONOTONIC_USEC={stamp} is not CLOCK_MONOTONIC now ({sent_at * 1e6:.0f})")
            expect("READY=1 after the reload", lambda f: f.get("READY") == "1", 5)

            daemon.signal(signal.SIGTERM)
            expect("STOPPING=1", lambda f: f.get("STOPPING") == "1", 5)
            assert daemon.process is not None
            assert daemon.process.wait(timeout=10) == 0, f"SIGTERM did not exit 0{daemon.context()}"
    finally:
        listener.close()


# --- 2. status ---

def test_status_text_and_json(master: Daemon) -> None:
    text = master.status()
    assert text.returncode == 0, describe("keepalivedd status", text) + master.context()
    row = next((line.split() for line in text.stdout.splitlines() if line.split()[:1] == ["VI_1"]), None)
    assert row is not None, f"no VI_1 row in `keepalivedd status`:\n{text.stdout}"
    assert row[1:4] == ["eth0", "51", "MASTER"], f"VI_1 row: {row}\n{text.stdout}"

    report = master.status_json()
    assert report is not None, describe("keepalivedd status --json", master.status("--json")) + master.context()
    assert report["virtualServers"] == [], report
    instance = report["vrrpInstances"][0]
    assert (instance["name"], instance["interface"], instance["virtualRouterID"]) == ("VI_1", "eth0", 51), instance
    assert instance["state"] == "MASTER", instance
    assert instance["effectivePriority"] == 100, instance
    assert instance["virtualAddressesSet"] is True, instance
    assert instance["traffic"]["advertsSent"] > 0, instance["traffic"]
    assert instance["traffic"]["becameMaster"] == 1, instance["traffic"]


def test_status_socket_is_private(master: Daemon) -> None:
    mode = os.stat(master.socket).st_mode
    assert stat.S_ISSOCK(mode), f"{master.socket} is not a socket (mode {oct(mode)})"
    assert stat.S_IMODE(mode) == 0o600, f"status socket mode is {oct(stat.S_IMODE(mode))}, expected 0o600"


def test_status_without_daemon_fails_clearly(keepalivedd: Path) -> None:
    result = run([keepalivedd, "status", "--socket", "/nonexistent"])
    assert result.returncode != 0, describe("keepalivedd status --socket /nonexistent", result)
    message = result.stderr + result.stdout
    assert "/nonexistent" in message and "not running" in message, describe("status without daemon", result)


# --- 3. metrics ---

SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)$')


def scrape(daemon: Daemon) -> dict[tuple[str, str], float]:
    """The daemon's /metrics, scraped from inside its namespace, as {(name, labels): value}."""
    url = f"http://127.0.0.1:{daemon.metrics_port}/metrics"
    fetched = run([sys.executable, "-c", "import sys, urllib.request; "
                   "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())", url],
                  netns=daemon.netns, timeout=15)
    assert fetched.returncode == 0, describe(f"GET {url}", fetched) + daemon.context()
    samples = {}
    for line in fetched.stdout.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = SAMPLE.match(line)
        assert match, f"malformed exposition line {line!r}"
        samples[(match["name"], match["labels"] or "")] = float(match["value"])
    return samples


def test_metrics_show_master_and_adverts(master: Daemon) -> None:
    samples = scrape(master)
    state = samples.get(("keepalivedd_vrrp_state", 'instance="VI_1"'))
    assert state == 2, f"keepalivedd_vrrp_state{{instance=\"VI_1\"}} is {state}, expected 2 (MASTER); " \
                       f"samples: {sorted(samples)}"
    sent = samples.get(("keepalivedd_vrrp_adverts_sent_total", 'instance="VI_1"'))
    assert sent is not None and sent > 0, f"keepalivedd_vrrp_adverts_sent_total{{instance=\"VI_1\"}} is {sent}"
    transitions = samples.get(("keepalivedd_vrrp_transitions_total", 'instance="VI_1"'))
    assert transitions is not None and transitions >= 1, f"transitions_total is {transitions}"


def test_metrics_address_is_validated(keepalivedd: Path, tmp_path: Path) -> None:
    conf = tmp_path / "keepalived.conf"
    conf.write_text(CONFIG)
    try:
        result = run([keepalivedd, "-P", "-n", "-l", "-f", conf, "--metrics", "nonsense",
                      "-p", tmp_path / "k.pid", "-r", tmp_path / "v.pid"], timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("keepalivedd --metrics nonsense kept running instead of rejecting the address")
    assert result.returncode != 0, describe("--metrics nonsense", result)
    message = result.stderr + result.stdout
    assert "nonsense" in message and "HOST:PORT" in message, describe("--metrics nonsense", result)


# --- 4. dumps ---

def signal_and_read(daemon: Daemon, number: int, path: Path, ready: Callable[[str], bool]) -> str:
    """Removes `path`, sends `number` and waits (bounded) until the file exists and `ready` holds."""
    path.unlink(missing_ok=True)
    daemon.signal(number)

    def complete() -> str | None:
        text = path.read_text(errors="replace") if path.exists() else None
        return text if text is not None and ready(text) else None

    text = wait_for(complete, timeout=5, interval=0.1)
    assert text is not None, (f"{path} not written (complete) within 5 s of signal {number}; now: "
                              f"{path.read_text(errors='replace') if path.exists() else '(missing)'}{daemon.context()}")
    return text


def test_sigusr1_writes_data_dump(master: Daemon) -> None:
    text = signal_and_read(master, signal.SIGUSR1, DUMPS["keepalived.data"], lambda t: "VRRP Instance = VI_1" in t)
    block = text.split("VRRP Instance = VI_1", 1)[1]
    assert re.search(r"^\s*State = MASTER$", block, re.M), f"no 'State = MASTER' for VI_1 in:\n{text}"


def test_sigusr2_writes_stats(master: Daemon) -> None:
    text = signal_and_read(master, signal.SIGUSR2, DUMPS["keepalived.stats"], lambda t: "VRRP Instance: VI_1" in t)
    match = re.search(r"Advertisements:\n\s*Received: (\d+)\n\s*Sent: (\d+)", text)
    assert match, f"no 'Advertisements:' block with Received:/Sent: in:\n{text}"
    assert int(match[2]) > 0, f"Advertisements Sent is {match[2]}:\n{text}"


def test_sigrtmin_plus_2_writes_json(master: Daemon) -> None:
    def parses(text: str) -> bool:
        try:
            json.loads(text)
            return True
        except ValueError:
            return False

    text = signal_and_read(master, signal.SIGRTMIN + 2, DUMPS["keepalived.json"], parses)
    dump = json.loads(text)
    assert isinstance(dump, list) and dump, f"not a non-empty JSON array: {text[:500]}"
    data = dump[0]["data"]
    assert data["iname"] == "VI_1", data
    assert data["state"] == 2, f"state {data['state']}, expected 2 (MASTER): {data}"
    assert dump[0]["stats"]["advert_sent"] > 0, dump[0]["stats"]


def test_stats_clear_writes_stats_then_counts_from_zero(master: Daemon) -> None:
    """STATS_CLEAR (SIGRTMAX-1, `--signum=STATS_CLEAR`): the stats as they stand, then counters from zero (for the
    JSON dump too, so this runs after the JSON test)."""
    def counts(text: str) -> tuple[int, int]:
        sent = re.search(r"Advertisements:\n\s*Received: \d+\n\s*Sent: (\d+)", text)
        became = re.search(r"Became master: (\d+)", text)
        assert sent and became, f"no Sent:/Became master: in:\n{text}"
        return int(sent[1]), int(became[1])

    number = signal.SIGRTMAX - 1
    before = counts(signal_and_read(master, number, DUMPS["keepalived.stats"], lambda t: "VRRP Instance: VI_1" in t))
    assert before[0] > 0 and before[1] == 1, f"the MASTER's stats before the clear: sent, became master = {before}"
    after = counts(signal_and_read(master, signal.SIGUSR2, DUMPS["keepalived.stats"], lambda t: "VRRP Instance: VI_1" in t))
    # The MASTER stays MASTER: no transition since the clear, and only the adverts sent since then.
    assert after[1] == 0, f"'Became master' not cleared: {after}"
    assert after[0] < before[0] or after[0] <= 2, f"adverts sent not counted from the clear: {before} then {after}"


# --- 5. reload with a broken configuration ---
#
# keepalivedd follows keepalived: a configuration with errors (`-t` exit 4) is applied as corrected
# (here the instance is complete, so it is kept as it is); only one that cannot run (exit 3: the file
# cannot be read) aborts the reload and keeps the running configuration.

def test_reload_with_broken_config_keeps_master(keepalivedd: Path, tmp_path: Path) -> None:
    require_root("the reload test (network namespace)")
    checked = tmp_path / "check.conf"
    checked.write_text(CONFIG_MISSING_BRACE)
    missing_brace = run([keepalivedd, "-t", "-f", checked])
    assert missing_brace.returncode == 4, describe("keepalivedd -t (missing brace)", missing_brace)
    assert f"({checked.name}: Line 2)" in missing_brace.stderr, describe("keepalivedd -t (missing brace)", missing_brace)
    unreadable = run([keepalivedd, "-t", "-f", tmp_path])  # a directory
    assert unreadable.returncode == 3, describe("keepalivedd -t (a directory)", unreadable)

    with daemon_in_namespace(keepalivedd, tmp_path, "rl") as daemon:
        daemon.start()
        daemon.wait_master()
        assert daemon.vip_on_eth0(), f"{VIP} not on eth0 as MASTER{daemon.context()}"

        def reload() -> str:
            before = len(daemon.log())
            daemon.signal(signal.SIGHUP)
            done = wait_for(lambda: re.search(r"Reload aborted|Reload: ", daemon.log()[before:]), timeout=5)
            assert done, f"SIGHUP: no 'Reload: ...' or 'Reload aborted' line within 5 s{daemon.context()}"
            return daemon.log()[before:]

        def still_master(after: str) -> None:
            instance = daemon.instance()
            assert instance is not None and instance["state"] == "MASTER", (
                f"after {after}: {instance}{daemon.context()}")
            assert (instance["traffic"]["becameMaster"], instance["traffic"]["releasedMaster"]) == (1, 0), (
                f"VI_1 left MASTER during {after}: {instance['traffic']}{daemon.context()}")
            assert daemon.vip_on_eth0(), f"{VIP} left eth0 after {after}{daemon.context()}"

        # A syntax error: reported with file and line, and the whole reload refused (its new VIP
        # never appears), as the issue asks (keepalived would apply what it could parse).
        daemon.conf.write_text(CONFIG_MISSING_BRACE)
        reload_log = reload()
        assert f"({daemon.conf.name}: Line 2) There are 1 missing '}}'s" in reload_log, (
            f"the reload's log does not name {daemon.conf.name}, line 2 and the missing brace{daemon.context()}")
        assert f"Reload aborted: the new configuration has 1 error, the first at {daemon.conf}:2" in reload_log, (
            f"the broken configuration did not abort the reload{daemon.context()}")
        assert "Reload: " not in reload_log, f"the broken configuration was applied anyway{daemon.context()}"
        still_master("the reload with a missing brace")
        addresses = subprocess.run(["ip", "-n", daemon.netns, "-o", "addr", "show", "dev", "eth0"],
                                   capture_output=True, text=True).stdout
        assert OTHER_VIP not in addresses, f"the broken configuration's VIP {OTHER_VIP} was added{daemon.context()}"

        # A configuration that cannot run (the file cannot be read): the reload is aborted.
        daemon.conf.unlink()
        daemon.conf.mkdir()
        reload_log = reload()
        assert "Reload aborted" in reload_log, f"an unreadable configuration did not abort the reload{daemon.context()}"
        assert f"'{daemon.conf}' cannot be read" in reload_log, (
            f"the reload's log does not name {daemon.conf}{daemon.context()}")
        assert "Reload: " not in reload_log, f"the aborted reload was applied anyway{daemon.context()}"
        still_master("the aborted reload")


def test_pid_files_refuse_a_second_instance_and_take_over_stale_ones(keepalivedd: Path, tmp_path: Path) -> None:
    """A second keepalivedd with the same pid file refuses to start while the first runs; a pid file
    left by a dead process is taken over; SIGINT stops like SIGTERM and removes the pid files."""
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()
    with daemon_in_namespace(keepalivedd, first_dir, "pf") as first:
        # A stale pid file: the pid of a process that has exited.
        dead = subprocess.Popen(["true"])
        dead.wait()
        first.pid_file.write_text(f"{dead.pid}\n")
        first.start()
        first.wait_master()
        assert first.pid_file.read_text().strip() == str(first.pid), (
            f"the stale pid file was not taken over: {first.pid_file.read_text()!r}{first.context()}")

        second = Daemon(keepalivedd, first.netns, second_dir)
        second.pid_file = first.pid_file  # the same main pid file
        second.start("--status-socket", "none")
        assert second.process is not None
        try:
            code = second.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            second.stop()
            raise AssertionError(f"a second instance with the same pid file kept running{second.context()}")
        assert code != 0, f"the second instance exited 0{second.context()}"
        assert str(first.pid) in second.log(), f"the refusal does not name the running pid {first.pid}{second.context()}"
        assert first.process is not None and first.process.poll() is None, f"the first instance died{first.context()}"
        assert first.pid_file.read_text().strip() == str(first.pid), "the refused instance touched the pid file"

        first.signal(signal.SIGINT)
        assert first.process.wait(timeout=15) == 0, f"SIGINT did not stop cleanly{first.context()}"
        assert not first.pid_file.exists(), "the pid file is left after SIGINT"
        assert not (first_dir / "vrrp.pid").exists(), "the VRRP pid file is left after SIGINT"
        assert not first.vip_on_eth0(), f"{VIP} left on eth0 after SIGINT{first.context()}"
