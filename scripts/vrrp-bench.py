#!/usr/bin/env python3
"""VRRP benchmark: keepalivedd beside keepalived, in the same run, on this machine's kernel in network
namespaces (needs root).

1. Failover after the MASTER hangs (SIGSTOP to its whole process group). A "switch" namespace holds a
   bridge; directors A (priority 150) and B (priority 100) each have eth0 on it. Time measured on the
   wire: from A's LAST advert to B's FIRST advert (B becoming MASTER). Two settings: VRRPv2, PASS auth,
   advert_int 1; VRRPv3, advert_int 0.1. After each sample A is resumed (SIGCONT), takes the role back
   (preempt), and the next sample starts once B has been silent for 2.5 advert intervals.
   Expected: Master_Down_Interval = 3 * advert_int + (256 - 100) * advert_int / 256 (B's skew).

2. Many instances: N VRRP instances (default 1,000) at advert_int 1 (VRRPv2, PASS auth) in one MASTER
   daemon (priority 150), spread over K interfaces (default 4 x 250, because a VRID is 8 bits per
   interface and address family, so 1,000 IPv4 instances cannot share one interface). Each interface is
   its own L2 segment (its own bridge in the switch namespace). Two windows (default 20 s each), both
   opened once the transitions' gratuitous ARPs are over (or after --settle-timeout) plus a warm-up:
   "alone" (the MASTER with no peer), then "with_backup" after a BACKUP daemon of the same kind
   (priority 100, the same instances) has joined (--no-backup skips it). Per window: each daemon's CPU
   (user+sys of all its processes, from /proc/PID/stat, as seconds per minute), RSS, datagrams dropped on
   its VRRP raw sockets (/proc/net/raw), and per MASTER instance the intervals between consecutive adverts
   on the wire: how many exceed advert_int + LATE_MS (100 ms) and the p50/p99/max of |interval - advert_int|;
   adverts from the BACKUP (it took over some instance).

Capture: one AF_PACKET socket (ETH_P_ALL: a bridge port hands frames to the bridge before any
per-protocol socket could see them) in the switch namespace, read by a thread that joined it;
each frame is kept once, as it enters the switch on a director's port (copies the bridge sends out or
delivers to itself are dropped); timestamps are the kernel's receive time (SO_TIMESTAMPNS, CLOCK_REALTIME).

Writes OUT/bench-vrrp.json and prints a table; daemon logs, configs and raw samples go to OUT/vrrp/.
Namespaces and daemons are always removed (finally + SIGINT/SIGTERM handlers; namespaces left by a
killed run are swept at start).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KEEPALIVED = "/usr/sbin/keepalived"
NS_PREFIX = "kvb"
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_TIMESTAMPNS = 35
SO_RCVBUFFORCE = 33
CLONE_NEWNET = 0x40000000
IPPROTO_VRRP = 112
LATE_MS = 100.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

_libc = ctypes.CDLL(None, use_errno=True)


# ----------------------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------------------

def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def ip_batch(commands: list[str], netns: str | None = None) -> None:
    """Runs many `ip` commands in one process (`ip [-n NETNS] -batch -`)."""
    result = subprocess.run(["ip", *(["-n", netns] if netns else []), "-batch", "-"], input="\n".join(commands) + "\n", capture_output=True,
                            text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"ip -batch failed: {result.stderr.strip()[:500]}")


def enter_netns(name: str) -> None:
    """Moves the calling thread into network namespace `name`."""
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


def kill_netns_processes(name: str) -> None:
    pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, timeout=10).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGCONT)
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def sweep_stale() -> None:
    """Deletes namespaces of a previous run of this script whose process is gone."""
    for line in ip("netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        match = re.match(rf"{NS_PREFIX}(\d+)-", name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            kill_netns_processes(name)
            ip("netns", "del", name, check=False)


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (fraction in 0..1)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))  # ceil
    return ordered[min(rank, len(ordered)) - 1]


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def master_down_interval(priority: int, advert_int: float, version: int) -> float:
    """3 * Master_Adver_Interval + Skew_Time, Skew_Time = (256 - priority) * interval / 256 (RFC 5798; for
    RFC 3768 (v2) keepalived uses the same formula with the interval in seconds)."""
    return 3 * advert_int + (256 - priority) * advert_int / 256


# ----------------------------------------------------------------------------------------------------------
# Capture
# ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Advert:
    time: float       # kernel receive time at the switch port (CLOCK_REALTIME seconds)
    port: str         # switch-side interface the advert entered on
    src: str
    vrid: int
    priority: int
    version: int


class Capture:
    """VRRP adverts entering the switch namespace on one of `ports`, from start() to stop()."""

    def __init__(self, netns: str, ports: set[str]) -> None:
        self.netns, self.ports = netns, set(ports)
        self._adverts: list[Advert] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.kernel_drops = 0          # frames the socket's buffer had no room for (PACKET_STATISTICS)
        self.last_arp = 0.0            # receive time of the last ARP frame from a director's port
        self.arp_times: list[float] = []
        self.latest = 0.0              # receive time of the last VRRP advert kept
        self._thread = threading.Thread(target=self._run, name=f"capture-{netns}", daemon=True)

    def start(self) -> "Capture":
        self._thread.start()
        if not self._ready.wait(5) or self._error is not None:
            raise RuntimeError(f"capture in {self.netns} failed to start: {self._error}")
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        try:
            enter_netns(self.netns)
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            try:
                sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
            except OSError:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
            sock.settimeout(0.1)
        except BaseException as error:  # reported by start()
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        ports = self.ports
        cmsg_space = socket.CMSG_SPACE(16)
        with sock:
            while not self._stop.is_set():
                try:
                    data, ancillary, _flags, address = sock.recvmsg(2048, cmsg_space)
                except socket.timeout:
                    continue
                if address[2] == PACKET_OUTGOING or address[0] not in ports:
                    continue
                if data[12:14] == b"\x08\x06":
                    self.last_arp = time.time()
                    self.arp_times.append(self.last_arp)
                    continue
                if len(data) < 14 + 20 + 8 or data[12:14] != b"\x08\x00" or data[14 + 9] != IPPROTO_VRRP:
                    continue
                stamp = None
                for level, kind, value in ancillary:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                        seconds, nanos = struct.unpack("qq", value[:16])
                        stamp = seconds + nanos / 1e9
                if stamp is None:
                    stamp = time.time()
                ihl = (data[14] & 0x0F) * 4
                vrrp = 14 + ihl
                advert = Advert(stamp, address[0], socket.inet_ntoa(data[26:30]), data[vrrp + 1], data[vrrp + 2],
                                data[vrrp] >> 4)
                with self._lock:
                    self._adverts.append(advert)
                    self.latest = stamp
            _packets, drops = struct.unpack("II", sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
            self.kernel_drops += drops

    def adverts(self, *, src: str | None = None, since: float = 0.0) -> list[Advert]:
        with self._lock:
            snapshot = list(self._adverts)
        return [a for a in snapshot if a.time >= since and (src is None or a.src == src)]

    def clear(self) -> None:
        with self._lock:
            self._adverts.clear()


# ----------------------------------------------------------------------------------------------------------
# Daemons
# ----------------------------------------------------------------------------------------------------------

class Daemon:
    """keepalived or keepalivedd running `-n -l -D -P` in a namespace, in its own session."""

    def __init__(self, impl: str, binary: str, netns: str, workdir: Path, label: str) -> None:
        self.impl, self.binary, self.netns, self.label = impl, binary, netns, label
        self.dir = workdir / label
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.dir / "daemon.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, config_text: str) -> None:
        conf = self.dir / "keepalived.conf"
        conf.write_text(config_text)
        for stale in ("keepalived.pid", "vrrp.pid"):
            (self.dir / stale).unlink(missing_ok=True)
        argv = ["ip", "netns", "exec", self.netns, self.binary, "-n", "-l", "-D", "-P", "-f", str(conf),
                "-p", str(self.dir / "keepalived.pid"), "-r", str(self.dir / "vrrp.pid")]
        with open(self.log_path, "ab") as log:
            log.write(f"==== vrrp-bench: {' '.join(argv)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def pids(self) -> list[int]:
        """Every process of the daemon's session (keepalived's parent and VRRP child; keepalivedd's one)."""
        if self.process is None:
            return []
        sid, found = self.process.pid, []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[3]) == sid:  # field 6 (session) counted after pid and comm
                found.append(int(entry))
        return found

    def usage(self) -> tuple[float, int]:
        """(user+sys CPU seconds, RSS bytes) summed over the daemon's processes."""
        cpu, rss = 0.0, 0
        for pid in self.pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            cpu += (int(fields[11]) + int(fields[12])) / CLK_TCK   # utime, stime (fields 14, 15)
            rss += int(fields[21]) * PAGE                           # rss (field 24)
        return cpu, rss

    def signal_group(self, signum: int) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.signal_group(signal.SIGCONT)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self.process.wait(5)
        self.signal_group(signal.SIGKILL)   # leftovers (a child that outlived its parent)

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        return "\n".join(text[-lines:])


# ----------------------------------------------------------------------------------------------------------
# Topology and configs
# ----------------------------------------------------------------------------------------------------------

class Topology:
    """A switch namespace with `segments` bridges (br0..) and director namespaces plugged into them."""

    def __init__(self, tag: str, segments: int) -> None:
        self.prefix = f"{NS_PREFIX}{os.getpid()}-{tag}"
        self.switch = f"{self.prefix}-sw"
        self.namespaces: list[str] = []
        self.ports: set[str] = set()
        self.segments = segments
        try:
            self._add_netns(self.switch)
            ip_batch([f"link add br{i} type bridge forward_delay 0 mcast_snooping 0" for i in range(segments)]
                     + [f"link set br{i} up" for i in range(segments)], self.switch)
        except BaseException:
            self.close()
            raise

    def _add_netns(self, name: str) -> None:
        ip("netns", "add", name)
        self.namespaces.append(name)
        ip("-n", name, "link", "set", "lo", "up")

    def director(self, label: str, index: int) -> str:
        """Namespace `<prefix>-<label>` with eth0..eth<segments-1>, eth<i> on br<i> as 172.(16+i).0.<index>."""
        netns = f"{self.prefix}-{label}"
        self._add_netns(netns)
        links, switch, director = [], [], []
        for i in range(self.segments):
            port = f"p{label}{i}"
            links.append(f"link add {port} netns {self.switch} type veth peer name eth{i} netns {netns}")
            switch += [f"link set {port} master br{i}", f"link set {port} up"]
            director += [f"addr add 172.{16 + i}.0.{index}/24 dev eth{i}", f"link set eth{i} up"]
            self.ports.add(port)
        ip_batch(links)
        ip_batch(switch, self.switch)
        ip_batch(director, netns)
        return netns

    def close(self) -> None:
        for name in reversed(self.namespaces):
            kill_netns_processes(name)
            ip("netns", "del", name, check=False)
        self.namespaces.clear()


def global_defs(router_id: str) -> list[str]:
    return ["global_defs {", f"    router_id {router_id}", "}", ""]


def instance_block(name: str, interface: str, vrid: int, priority: int, advert_int: float, version: int,
                   vip: str) -> list[str]:
    interval = str(int(advert_int)) if float(advert_int).is_integer() else f"{advert_int:g}"
    lines = [f"vrrp_instance {name} {{", "    state BACKUP", f"    interface {interface}",
             f"    virtual_router_id {vrid}", f"    priority {priority}", f"    advert_int {interval}",
             f"    version {version}"]
    if version == 2:
        lines += ["    authentication {", "        auth_type PASS", "        auth_pass bench123", "    }"]
    lines += ["    virtual_ipaddress {", f"        {vip} dev {interface}", "    }", "}", ""]
    return lines


# ----------------------------------------------------------------------------------------------------------
# 1. Failover after a hung master
# ----------------------------------------------------------------------------------------------------------

class BenchError(RuntimeError):
    pass


def wait_for(predicate, timeout: float, what: str, daemons: list[Daemon], interval: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        for daemon in daemons:
            if not daemon.running():
                raise BenchError(f"while waiting for {what}: {daemon.impl} ({daemon.label}) exited\n"
                                 + daemon.log_tail())
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:.1f}s waiting for {what}\n"
                             + "\n".join(f"--- {d.label} ({d.impl}):\n{d.log_tail()}" for d in daemons))
        time.sleep(interval)


def run_failover(binaries: dict[str, str], impl_a: str, impl_b: str, version: int, advert_int: float,
                 repetitions: int, workdir: Path) -> dict:
    """`repetitions` takeovers of B (priority 100) from a hung A (priority 150), timed on the wire."""
    tag = f"f{version}{impl_a[-1]}{impl_b[-1]}"
    topo = Topology(tag, 1)
    capture = None
    daemons: list[Daemon] = []
    a_ip, b_ip = "172.16.0.1", "172.16.0.2"
    expected = master_down_interval(100, advert_int, version)
    run_dir = workdir / f"failover-v{version}-{impl_a}-{impl_b}"
    shutil.rmtree(run_dir, ignore_errors=True)
    samples: list[float] = []
    try:
        ns_a, ns_b = topo.director("a", 1), topo.director("b", 2)
        capture = Capture(topo.switch, topo.ports).start()
        a = Daemon(impl_a, binaries[impl_a], ns_a, run_dir, "a")
        b = Daemon(impl_b, binaries[impl_b], ns_b, run_dir, "b")
        daemons = [a, b]
        vip = "192.168.77.100/24"
        a.start("\n".join(global_defs("A") + instance_block("VI_1", "eth0", 51, 150, advert_int, version, vip)))
        wait_for(lambda: len(capture.adverts(src=a_ip)) >= 2, master_down_interval(150, advert_int, version) + 5,
                 f"A ({impl_a}) advertising as MASTER", [a])
        b.start("\n".join(global_defs("B") + instance_block("VI_1", "eth0", 51, 100, advert_int, version, vip)))
        started = time.time()
        for rep in range(repetitions):
            # Steady state: A advertising, B silent (BACKUP) for 2.5 intervals and up for a while.
            def steady() -> bool:
                now = time.time()
                from_b = capture.adverts(src=b_ip, since=now - 2.5 * advert_int)
                recent_a = capture.adverts(src=a_ip, since=now - 1.5 * advert_int)
                return not from_b and bool(recent_a) and now - started > 3 * advert_int
            wait_for(steady, 4 * expected + 5, "A MASTER and B silent", daemons)
            time.sleep(random.uniform(0, advert_int))   # hang at a random phase of A's advert timer
            hung_at = time.time()
            a.signal_group(signal.SIGSTOP)
            wait_for(lambda: bool(capture.adverts(src=b_ip, since=hung_at)), expected + 3,
                     f"B ({impl_b}) advertising after A hung", [b])
            first_b = capture.adverts(src=b_ip, since=hung_at)[0]
            last_a = [x for x in capture.adverts(src=a_ip) if x.time < first_b.time][-1]
            measured = first_b.time - last_a.time
            if last_a.time > hung_at + 0.05:
                raise BenchError(f"A advertised {last_a.time - hung_at:.3f}s after SIGSTOP")
            if first_b.priority != 100:
                raise BenchError(f"B's first advert has priority {first_b.priority}")
            samples.append(measured)
            print(f"    {impl_a}->{impl_b} v{version} #{rep + 1}: {measured * 1000:.1f} ms "
                  f"(expected {expected * 1000:.1f})", flush=True)
            a.signal_group(signal.SIGCONT)
            started = time.time()
    finally:
        for daemon in daemons:
            daemon.stop()
        if capture is not None:
            capture.stop()
        topo.close()
    return {
        "master": impl_a, "backup": impl_b, "version": version, "advert_int_s": advert_int,
        "auth": "PASS" if version == 2 else None,
        "master_down_interval_s": round(expected, 6),
        "samples_s": [round(s, 6) for s in samples],
        "min_s": round(min(samples), 6), "median_s": round(median(samples), 6), "max_s": round(max(samples), 6),
        "max_over_expected_ms": round((max(samples) - expected) * 1000, 3),
        "over_expected_plus_30ms": sum(1 for s in samples if s > expected + 0.030),
    }


# ----------------------------------------------------------------------------------------------------------
# 2. Many instances
# ----------------------------------------------------------------------------------------------------------

def vrrp_socket_drops(netns: str) -> int:
    """Datagrams the kernel dropped on the namespace's raw IPPROTO_VRRP sockets (full receive queue)."""
    text = subprocess.run(["ip", "netns", "exec", netns, "cat", "/proc/net/raw"], capture_output=True, text=True,
                          timeout=10).stdout
    total = 0
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 12 and fields[1].upper().endswith(f":{IPPROTO_VRRP:04X}"):
            total += int(fields[-1])
    return total


def bulk_config(router_id: str, count: int, segments: int, priority: int, version: int,
                advert_int: float) -> tuple[str, list[tuple[int, int]]]:
    """The config and the (segment, vrid) of each instance: `count` instances spread over `segments`."""
    per = -(-count // segments)
    if per > 255:
        raise SystemExit(f"{count} instances over {segments} interfaces is more than 255 VRIDs per interface")
    lines, keys = global_defs(router_id), []
    for n in range(count):
        seg, vrid = n // per, n % per + 1
        keys.append((seg, vrid))
        lines += instance_block(f"VI_{seg}_{vrid}", f"eth{seg}", vrid, priority, advert_int, version,
                                f"10.{100 + seg}.{vrid}.1/32")
    return "\n".join(lines), keys


class BulkRun:
    """One many-instance run: the MASTER daemon, later its BACKUP, the capture, and windows measured on them."""

    def __init__(self, binaries: dict[str, str], impl: str, count: int, segments: int, version: int,
                 advert_int: float, workdir: Path) -> None:
        self.impl, self.count, self.segments, self.version, self.advert_int = impl, count, segments, version, advert_int
        self.binary = binaries[impl]
        self.dir = workdir / f"bulk-{impl}"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.topo = Topology(f"b{impl[-1]}", segments)
        self.capture: Capture | None = None
        self.daemons: list[Daemon] = []
        self.namespaces: dict[str, str] = {}
        self.masters = {f"172.{16 + seg}.0.1" for seg in range(segments)}
        self.backups = {f"172.{16 + seg}.0.2" for seg in range(segments)}
        self.launched = time.monotonic()

    def start_master(self) -> None:
        self.namespaces["master"] = self.topo.director("m", 1)
        self.namespaces["backup"] = self.topo.director("k", 2)
        self.capture = Capture(self.topo.switch, self.topo.ports).start()
        master = Daemon(self.impl, self.binary, self.namespaces["master"], self.dir, "master")
        self.daemons.append(master)
        self.launched = time.monotonic()
        master.start(bulk_config("M", self.count, self.segments, 150, self.version, self.advert_int)[0])

        def all_advertising() -> bool:
            seen = {(a.src, a.vrid) for a in self.capture.adverts() if a.src in self.masters and a.priority == 150}
            return len(seen) >= self.count
        wait_for(all_advertising, 90, f"all {self.count} instances of {self.impl} advertising", self.daemons,
                 interval=0.5)

    def start_backup(self) -> None:
        """The BACKUP joins the running MASTER (started together, even keepalived's 1,000 pairs flap a while)."""
        backup = Daemon(self.impl, self.binary, self.namespaces["backup"], self.dir, "backup")
        self.daemons.append(backup)
        backup.start(bulk_config("K", self.count, self.segments, 100, self.version, self.advert_int)[0])
        time.sleep(master_down_interval(100, self.advert_int, self.version) + 1)   # would have taken over by now

    def settle(self, timeout: float) -> bool:
        """Waits until no gratuitous ARP for 6 s (a transition sends 5 at once and 5 more garp_master_delay,
        5 s, later; both rounds paced); a backup that keeps taking over keeps ARPing: False after `timeout`
        (measured anyway)."""
        try:
            wait_for(lambda: time.time() - max(self.capture.last_arp, 1.0) >= 6.0, timeout,
                     f"{self.impl}'s gratuitous ARPs to end", self.daemons, interval=0.2)
            return True
        except BenchError:
            if not all(d.running() for d in self.daemons):
                raise
            print(f"    {self.impl}: still sending gratuitous ARPs after {timeout:g} s: measuring anyway", flush=True)
            return False

    def startup(self) -> dict:
        """The MASTER's adverts from its first one until now (its transitions and their gratuitous ARPs):
        per instance the longest gap, and how many gaps were late."""
        by_instance: dict[tuple[str, int], list[float]] = {}
        for advert in self.capture.adverts():
            if advert.src in self.masters and advert.priority == 150:
                by_instance.setdefault((advert.src, advert.vrid), []).append(advert.time)
        gaps = [t2 - t1 for times in by_instance.values() for t1, t2 in zip(times, times[1:])]
        first = min((times[0] for times in by_instance.values()), default=None)
        threshold = self.advert_int + LATE_MS / 1000
        down = master_down_interval(100, self.advert_int, self.version)
        return {
            "seconds_observed": round(time.time() - first, 1) if first else None,
            "gratuitous_arps": len(self.capture.arp_times),
            "intervals": len(gaps),
            "late_intervals": sum(1 for g in gaps if g > threshold),
            "intervals_over_backup_master_down_interval": sum(1 for g in gaps if g > down),
            "instances_with_a_gap_over_master_down_interval": sum(
                1 for times in by_instance.values() if any(t2 - t1 > down for t1, t2 in zip(times, times[1:]))),
            "max_interval_s": round(max(gaps), 3) if gaps else None,
        }

    def measure(self, phase: str, window: float, settled: bool) -> dict:
        capture, advert_int = self.capture, self.advert_int
        roles = {d.label: d for d in self.daemons}
        since_launch = time.monotonic() - self.launched
        before = {label: d.usage() for label, d in roles.items()}
        drops_before = {label: vrrp_socket_drops(self.namespaces[label]) for label in roles}
        t0, window_start = time.monotonic(), time.time()
        time.sleep(window)
        after = {label: d.usage() for label, d in roles.items()}
        elapsed, window_end = time.monotonic() - t0, time.time()
        drops = {label: vrrp_socket_drops(self.namespaces[label]) - drops_before[label] for label in roles}
        for daemon in self.daemons:
            if not daemon.running():
                raise BenchError(f"{self.impl} ({daemon.label}) exited during the window\n{daemon.log_tail()}")
        # The capture thread may be behind: wait until it has read past the end of the window.
        wait_for(lambda: capture.latest > window_end + 0.2, 10, "the capture to catch up", self.daemons)
        in_window = [a for a in capture.adverts(since=window_start) if a.time <= window_end]
        from_master = [a for a in in_window if a.src in self.masters]
        from_backup = [a for a in in_window if a.src in self.backups]

        by_instance: dict[tuple[str, int], list[float]] = {}
        for advert in from_master:
            if advert.priority == 150:
                by_instance.setdefault((advert.src, advert.vrid), []).append(advert.time)
        intervals: list[float] = []
        for times in by_instance.values():
            times.sort()
            intervals += [t2 - t1 for t1, t2 in zip(times, times[1:])]
        deviations = [abs(i - advert_int) * 1000 for i in intervals]
        with open(self.dir / f"adverts-{phase}.csv", "w") as raw:   # the MASTER's adverts, for a closer look
            raw.write("time,source,vrid\n")
            for (src, vrid), times in sorted(by_instance.items()):
                raw.writelines(f"{t:.6f},{src},{vrid}\n" for t in times)
        threshold = advert_int + LATE_MS / 1000
        cpu = {label: after[label][0] - before[label][0] for label in roles}
        result = {
            "phase": phase, "window_opened_after_start_s": round(since_launch, 1), "settled": settled,
            "arp_in_window": capture.last_arp >= window_start, "window_s": round(elapsed, 3),
            "cpu_s_per_min": {label: round(value * 60 / elapsed, 3) for label, value in cpu.items()},
            "cpu_percent": {label: round(value * 100 / elapsed, 3) for label, value in cpu.items()},
            "rss_mib": {label: round(after[label][1] / 2**20, 1) for label in roles},
            "vrrp_socket_drops": drops,
            "master_adverts": len(from_master),
            "master_adverts_expected": round(self.count * elapsed / advert_int),
            "master_adverts_not_priority_150": sum(1 for a in from_master if a.priority != 150),
            "master_instances_seen": len(by_instance),
            "backup_adverts": len(from_backup),
            "backup_instances_advertising": len({(a.src, a.vrid) for a in from_backup}),
            "intervals": len(intervals),
            "late_threshold_s": round(threshold, 3),
            "late_intervals": sum(1 for i in intervals if i > threshold),
            "min_interval_s": round(min(intervals), 6) if intervals else None,
            "max_interval_s": round(max(intervals), 6) if intervals else None,
            "deviation_ms_p50": round(percentile(deviations, 0.50), 3) if deviations else None,
            "deviation_ms_p99": round(percentile(deviations, 0.99), 3) if deviations else None,
            "deviation_ms_max": round(max(deviations), 3) if deviations else None,
        }
        print(f"    {self.impl} ({phase}): CPU {result['cpu_s_per_min']} s/min, drops {drops}, "
              f"{result['late_intervals']} late of {len(intervals)} intervals, p99 |dev| "
              f"{result['deviation_ms_p99']} ms, backup adverts {len(from_backup)}", flush=True)
        return result

    def close(self) -> None:
        for daemon in self.daemons:
            daemon.stop(timeout=20)
        if self.capture is not None:
            self.capture.stop()
        self.topo.close()


def run_bulk(binaries: dict[str, str], impl: str, count: int, segments: int, version: int, advert_int: float,
             warmup: float, window: float, with_backup: bool, settle_timeout: float, workdir: Path) -> dict:
    """The MASTER alone over one window, then (with_backup) with its BACKUP over another."""
    run = BulkRun(binaries, impl, count, segments, version, advert_int, workdir)
    phases = []
    try:
        run.start_master()
        all_up_s = time.monotonic() - run.launched
        settled = run.settle(settle_timeout)
        startup_cpu = run.daemons[0].usage()[0]
        startup = run.startup()
        print(f"    {impl} (startup): all advertising after {all_up_s:.1f} s; until its gratuitous ARPs ended "
              f"{startup['late_intervals']} late intervals, longest {startup['max_interval_s']} s, "
              f"{startup['instances_with_a_gap_over_master_down_interval']} instances silent longer than the "
              f"backup's Master_Down_Interval", flush=True)
        time.sleep(warmup)
        phases.append(run.measure("alone", window, settled))
        if with_backup:
            run.start_backup()
            settled = run.settle(settle_timeout)
            time.sleep(warmup)
            phases.append(run.measure("with_backup", window, settled))
        drops = run.capture.kernel_drops
    finally:
        run.close()
    if run.capture is not None and run.capture.kernel_drops:
        print(f"    warning: the capture socket dropped {run.capture.kernel_drops} frames", flush=True)
    return {"impl": impl, "instances": count, "interfaces": segments, "version": version,
            "advert_int_s": advert_int, "auth": "PASS" if version == 2 else None,
            "all_advertising_after_s": round(all_up_s, 3), "master_cpu_s_until_settled": round(startup_cpu, 2),
            "capture_kernel_drops": drops, "warmup_s": warmup, "startup": startup, "phases": phases}


# ----------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------

def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f}"


def fmt_dev(value: float | None) -> str:
    return f"{'-':>9}" if value is None else f"{value:>9.2f}"


def print_tables(report: dict) -> None:
    print()
    print("VRRP failover after the MASTER hangs (SIGSTOP): MASTER's last advert -> BACKUP's first advert, "
          "on the wire (ms)")
    header = (f"{'setting':<22}{'master->backup':<26}{'expected':>9}{'min':>9}{'median':>9}{'max':>9}{'n':>4}"
              f"{'>exp+30ms':>10}")
    print(header)
    print("-" * len(header))
    for row in report["failover"]:
        setting = f"v{row['version']} advert_int {row['advert_int_s']:g}"
        pair = f"{row['master']}->{row['backup']}"
        print(f"{setting:<22}{pair:<26}{row['master_down_interval_s'] * 1000:>9.1f}{fmt_ms(row['min_s']):>9}"
              f"{fmt_ms(row['median_s']):>9}{fmt_ms(row['max_s']):>9}{len(row['samples_s']):>4}"
              f"{row['over_expected_plus_30ms']:>10}")
    if report["bulk"]:
        first = report["bulk"][0]
        phase0 = first["phases"][0] if first["phases"] else {}
        print()
        print(f"{first['instances']} VRRP instances (v{first['version']}, advert_int {first['advert_int_s']:g}, "
              f"{first['interfaces']} interfaces) in one MASTER daemon, alone then with a BACKUP of the same kind; "
              f"{phase0.get('window_s', 0):.0f} s windows. late = interval > {phase0.get('late_threshold_s', 0):g} s; "
              f"dev = |interval - advert_int|")
        header = (f"{'daemon':<13}{'phase':<13}{'role':<8}{'CPU s/min':>10}{'CPU %':>7}{'RSS MiB':>8}{'rx drops':>9}"
                  f"{'adverts':>8}{'/expect':>8}{'late':>6}{'p50 dev':>9}{'p99 dev':>9}{'max dev':>9}{'bkp adv':>8}")
        print(header + "   (dev in ms)")
        print("-" * len(header))
        for row in report["bulk"]:
            for phase in row["phases"]:
                for role in phase["cpu_s_per_min"]:
                    line = (f"{row['impl']:<13}{phase['phase']:<13}{role:<8}{phase['cpu_s_per_min'][role]:>10.2f}"
                            f"{phase['cpu_percent'][role]:>7.1f}{phase['rss_mib'][role]:>8.1f}"
                            f"{phase['vrrp_socket_drops'][role]:>9}")
                    if role == "master":
                        line += (f"{phase['master_adverts']:>8}{phase['master_adverts_expected']:>8}"
                                 f"{phase['late_intervals']:>6}{fmt_dev(phase['deviation_ms_p50'])}"
                                 f"{fmt_dev(phase['deviation_ms_p99'])}{fmt_dev(phase['deviation_ms_max'])}"
                                 f"{phase['backup_adverts']:>8}{'' if phase['settled'] else '  not settled'}")
                    print(line)
        print("From the MASTER's first advert until its gratuitous ARPs ended (its 1,000 transitions):")
        for row in report["bulk"]:
            st = row["startup"]
            print(f"  {row['impl']:<12} all advertising after {row['all_advertising_after_s']:.1f} s, "
                  f"{st['late_intervals']} late intervals of {st['intervals']}, longest {st['max_interval_s']} s, "
                  f"{st['instances_with_a_gap_over_master_down_interval']} instances silent for longer than a "
                  f"backup's Master_Down_Interval, CPU {row['master_cpu_s_until_settled']:.1f} s")
    if report["goals"]:
        print()
        for goal in report["goals"]:
            print(f"{'PASS' if goal['met'] else 'MISS'}  {goal['goal']}: {goal['detail']}")


def evaluate_goals(report: dict) -> list[dict]:
    goals = []
    for version in (2, 3):
        rows = {(r["master"], r["backup"]): r for r in report["failover"] if r["version"] == version}
        kd, ka = rows.get(("keepalivedd", "keepalivedd")), rows.get(("keepalived", "keepalived"))
        if kd:
            limit = kd["master_down_interval_s"] + 0.030
            also = (f"; keepalived: max {ka['max_s'] * 1000:.1f} ms, {ka['over_expected_plus_30ms']} of "
                    f"{len(ka['samples_s'])} over" if ka else "")
            goals.append({"goal": f"v{version} failover within Master_Down_Interval + 30 ms",
                          "met": kd["max_s"] <= limit,
                          "detail": f"keepalivedd max {kd['max_s'] * 1000:.1f} ms, limit {limit * 1000:.1f} ms, "
                                    f"{kd['over_expected_plus_30ms']} of {len(kd['samples_s'])} over{also}"})
        if kd and ka:
            goals.append({"goal": f"v{version} failover never slower than keepalived",
                          "met": kd["median_s"] <= ka["median_s"] + 0.005 and kd["max_s"] <= ka["max_s"] + 0.005,
                          "detail": f"median {kd['median_s'] * 1000:.1f} vs {ka['median_s'] * 1000:.1f} ms, "
                                    f"max {kd['max_s'] * 1000:.1f} vs {ka['max_s'] * 1000:.1f} ms "
                                    f"(5 ms tolerance)"})
    bulk = {r["impl"]: {p["phase"]: p for p in r["phases"]} for r in report["bulk"]}
    for phase in ("alone", "with_backup"):
        kd, ka = bulk.get("keepalivedd", {}).get(phase), bulk.get("keepalived", {}).get(phase)
        if not kd or not ka:
            continue
        goals.append({"goal": f"many instances ({phase}): no more late adverts than keepalived",
                      "met": kd["late_intervals"] <= ka["late_intervals"],
                      "detail": f"{kd['late_intervals']} vs {ka['late_intervals']} intervals over "
                                f"{kd['late_threshold_s']:g} s; p99 |dev| {kd['deviation_ms_p99']} vs "
                                f"{ka['deviation_ms_p99']} ms"})
        for role in kd["cpu_s_per_min"]:
            if role in ka["cpu_s_per_min"]:
                kd_cpu, ka_cpu = kd["cpu_s_per_min"][role], ka["cpu_s_per_min"][role]
                goals.append({"goal": f"many instances ({phase}): {role} CPU no higher than keepalived's",
                              "met": kd_cpu <= ka_cpu * 1.1 + 0.1,
                              "detail": f"{kd_cpu:.2f} vs {ka_cpu:.2f} s/min (tolerance 10 % + 0.1 s/min: "
                                        f"clock ticks and a shared machine)"})
        if phase == "with_backup":
            goals.append({"goal": "many instances: the BACKUP stays BACKUP (sends no advert in the window)",
                          "met": kd["backup_adverts"] == 0,
                          "detail": f"keepalivedd's BACKUP sent {kd['backup_adverts']} adverts for "
                                    f"{kd['backup_instances_advertising']} instances, keepalived's "
                                    f"{ka['backup_adverts']}; VRRP socket drops {kd['vrrp_socket_drops']} vs "
                                    f"{ka['vrrp_socket_drops']}"})
    return goals


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--keepalivedd", default=str(REPO / ".build/release/keepalivedd"))
    parser.add_argument("--keepalived", default=KEEPALIVED)
    parser.add_argument("--out", type=Path, default=REPO / "bench-out")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and 10 s windows (about 3.5 minutes instead of 4.5)")
    parser.add_argument("--v2-reps", type=int, default=None, help="failover samples, v2 advert_int 1 (default 5)")
    parser.add_argument("--v3-reps", type=int, default=None, help="failover samples, v3 advert_int 0.1 (default 15)")
    parser.add_argument("--mixed", action="store_true", help="also the mixed pairs (keepalivedd master with a "
                        "keepalived backup and the reverse)")
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--interfaces", type=int, default=4)
    parser.add_argument("--window", type=float, default=None, help="each measurement window (alone, with a "
                        "backup), seconds (default 20)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds to wait, once every instance "
                        "advertises and no gratuitous ARP was seen for 6 s, before the window opens")
    parser.add_argument("--no-backup", action="store_true", help="many-instance run with the MASTER alone (by "
                        "default a backup daemon of the same kind joins once every instance advertises)")
    parser.add_argument("--settle-timeout", type=float, default=20.0, help="longest wait for the gratuitous ARPs "
                        "of the transitions to end before the window opens (measured anyway after it)")
    parser.add_argument("--skip", choices=["failover", "bulk"], action="append", default=[])
    args = parser.parse_args()
    v2_reps = args.v2_reps or (3 if args.quick else 5)
    v3_reps = args.v3_reps or (5 if args.quick else 15)
    window = args.window or (10.0 if args.quick else 20.0)

    if os.geteuid() != 0:
        print("vrrp-bench: needs root (network namespaces, raw sockets)", file=sys.stderr)
        return 1
    binaries = {"keepalivedd": str(Path(args.keepalivedd).resolve()), "keepalived": args.keepalived}
    for impl, path in binaries.items():
        if not os.access(path, os.X_OK):
            print(f"vrrp-bench: {impl} not found at {path}", file=sys.stderr)
            return 1
    workdir = (args.out / "vrrp").resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    sweep_stale()

    kd_stat = os.stat(binaries["keepalivedd"])
    report: dict = {
        "keepalivedd": binaries["keepalivedd"],
        "keepalivedd_mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(kd_stat.st_mtime)),
        "keepalived": subprocess.run([args.keepalived, "-v"], capture_output=True, text=True).stderr.splitlines()[0]
        if args.keepalived else None,
        "kernel": os.uname().release, "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "capture": "AF_PACKET (ETH_P_ALL) in the switch namespace, frames as they enter from a director's port, "
                   "kernel receive timestamps (SO_TIMESTAMPNS)",
        "failover": [], "bulk": [], "goals": [],
    }
    pairs = [("keepalived", "keepalived"), ("keepalivedd", "keepalivedd")]
    if args.mixed:
        pairs += [("keepalivedd", "keepalived"), ("keepalived", "keepalivedd")]
    began = time.monotonic()
    status = 0
    try:
        if "failover" not in args.skip:
            for version, advert_int, reps in ((2, 1.0, v2_reps), (3, 0.1, v3_reps)):
                print(f"failover, VRRPv{version} advert_int {advert_int:g}: Master_Down_Interval "
                      f"{master_down_interval(100, advert_int, version) * 1000:.1f} ms", flush=True)
                for impl_a, impl_b in pairs:
                    report["failover"].append(run_failover(binaries, impl_a, impl_b, version, advert_int, reps,
                                                           workdir))
        if "bulk" not in args.skip:
            print(f"{args.instances} instances over {args.interfaces} interfaces, advert_int 1, VRRPv2: "
                  f"{args.warmup:g} s warm-up, {window:g} s window", flush=True)
            for impl in ("keepalived", "keepalivedd"):
                report["bulk"].append(run_bulk(binaries, impl, args.instances, args.interfaces, 2, 1.0,
                                               args.warmup, window, not args.no_backup, args.settle_timeout,
                                               workdir))
    except (BenchError, RuntimeError, OSError, subprocess.SubprocessError) as error:
        print(f"vrrp-bench: {error}", file=sys.stderr)
        report["error"] = str(error)
        status = 1
    except KeyboardInterrupt:
        print("vrrp-bench: interrupted", file=sys.stderr)
        report["error"] = "interrupted"
        status = 130
    finally:
        sweep_stale()
    report["elapsed_s"] = round(time.monotonic() - began, 1)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["goals"] = evaluate_goals(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench-vrrp.json").write_text(json.dumps(report, indent=2) + "\n")
    print_tables(report)
    print(f"\n{args.out / 'bench-vrrp.json'} written ({report['elapsed_s']:.0f} s; load average "
          f"{report['load_average_at_start'][0]:.1f} at start, {report['load_average_at_end'][0]:.1f} at end on "
          f"{report['cpus']} CPUs); logs in {workdir}")
    return status


if __name__ == "__main__":
    sys.exit(main())
