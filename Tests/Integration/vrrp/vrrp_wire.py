"""What the VRRP lab sees on the wire: a packet capture on the lab's switch, and decoders for the frames
the tests look at (VRRP adverts over IPv4, ARP), plus a pcap writer so `tshark` can read the same frames.

The capture is a plain AF_PACKET socket (no tcpdump needed) opened inside the switch namespace by a thread
that first joins that namespace (setns affects only the calling thread). It keeps each frame once: as it
enters the switch from a director's port (`p<director><n>`), never the copies the bridge sends out.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
PACKET_OUTGOING = 4
SO_TIMESTAMPNS = 35
CLONE_NEWNET = 0x40000000
IPPROTO_VRRP = 112

_libc = ctypes.CDLL(None, use_errno=True)


def enter_netns(name: str) -> None:
    """Moves the calling thread into network namespace `name` (from `ip netns add`)."""
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Frame:
    """One Ethernet frame as it entered the switch."""
    time: float          # kernel receive time, seconds since the epoch
    port: str            # switch-side interface it came in on, e.g. "pa0"
    data: bytes

    @property
    def src_mac(self) -> str:
        return mac_text(self.data[6:12])

    @property
    def dst_mac(self) -> str:
        return mac_text(self.data[0:6])

    @property
    def ethertype(self) -> int:
        return struct.unpack("!H", self.data[12:14])[0]


@dataclass(frozen=True)
class Advert:
    """A decoded VRRP advertisement (IPv4)."""
    time: float
    port: str
    src_mac: str
    src_ip: str
    dst_ip: str
    ttl: int
    version: int
    type: int
    vrid: int
    priority: int
    addresses: tuple[str, ...]
    interval: float       # seconds (v2: whole seconds, v3: centiseconds)
    auth_type: int | None  # v2 only
    auth_data: bytes | None  # v2 only
    checksum_ok: bool


@dataclass(frozen=True)
class Arp:
    """A decoded ARP frame (Ethernet/IPv4)."""
    time: float
    port: str
    eth_src: str
    eth_dst: str
    opcode: int          # 1 request, 2 reply
    sender_mac: str
    sender_ip: str
    target_mac: str
    target_ip: str

    @property
    def is_gratuitous(self) -> bool:
        return self.sender_ip == self.target_ip


def mac_text(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def inet_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def decode_advert(frame: Frame) -> Advert | None:
    """The VRRP advert in `frame`, or None when it is something else."""
    data = frame.data
    if len(data) < 14 + 20 or frame.ethertype != ETH_P_IP:
        return None
    ip = data[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ip[9] != IPPROTO_VRRP or len(ip) < ihl + 8:
        return None
    total_len = struct.unpack("!H", ip[2:4])[0]
    src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    vrrp = ip[ihl:total_len]
    version, vtype = vrrp[0] >> 4, vrrp[0] & 0x0F
    vrid, priority, count = vrrp[1], vrrp[2], vrrp[3]
    addresses = tuple(socket.inet_ntoa(vrrp[8 + 4 * i: 12 + 4 * i]) for i in range(count)
                      if len(vrrp) >= 12 + 4 * i)
    if version == 2:
        auth_type, interval = vrrp[4], float(vrrp[5])
        auth_data = vrrp[8 + 4 * count: 16 + 4 * count]
        checksum_ok = inet_checksum(vrrp) == 0
    else:
        auth_type, auth_data = None, None
        interval = (struct.unpack("!H", vrrp[4:6])[0] & 0x0FFF) / 100.0
        pseudo = ip[12:20] + struct.pack("!BBH", 0, IPPROTO_VRRP, len(vrrp))
        checksum_ok = inet_checksum(pseudo + vrrp) == 0
    return Advert(frame.time, frame.port, frame.src_mac, src, dst, ip[8], version, vtype, vrid, priority,
                  addresses, interval, auth_type, auth_data, checksum_ok)


def decode_arp(frame: Frame) -> Arp | None:
    """The ARP packet in `frame`, or None when it is something else."""
    data = frame.data
    if len(data) < 14 + 28 or frame.ethertype != ETH_P_ARP:
        return None
    htype, ptype, hlen, plen, opcode = struct.unpack("!HHBBH", data[14:22])
    if htype != 1 or ptype != ETH_P_IP or hlen != 6 or plen != 4:
        return None
    body = data[22:42]
    return Arp(frame.time, frame.port, frame.src_mac, frame.dst_mac, opcode,
               mac_text(body[0:6]), socket.inet_ntoa(body[6:10]),
               mac_text(body[10:16]), socket.inet_ntoa(body[16:20]))


class Capture:
    """Every frame entering the switch namespace `netns` from a director port, from start() to stop()."""

    def __init__(self, netns: str, port_prefix: str = "p") -> None:
        self.netns = netns
        self.port_prefix = port_prefix
        self._frames: list[Frame] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"capture-{netns}", daemon=True)

    def start(self) -> "Capture":
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError(f"capture in {self.netns} did not start")
        if self._error is not None:
            raise RuntimeError(f"capture in {self.netns} failed: {self._error}")
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        try:
            enter_netns(self.netns)
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            sock.settimeout(0.1)
        except BaseException as error:  # reported by start()
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        with sock:
            while not self._stop.is_set():
                try:
                    data, ancillary, _flags, address = sock.recvmsg(65535, socket.CMSG_SPACE(16))
                except socket.timeout:
                    continue
                ifname, _proto, pkttype = address[0], address[1], address[2]
                if pkttype == PACKET_OUTGOING or not ifname.startswith(self.port_prefix):
                    continue
                stamp = time.time()
                for level, kind, value in ancillary:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                        seconds, nanos = struct.unpack("qq", value[:16])
                        stamp = seconds + nanos / 1e9
                with self._lock:
                    self._frames.append(Frame(stamp, ifname, data))

    def frames(self) -> list[Frame]:
        with self._lock:
            return list(self._frames)

    def adverts(self, *, vrid: int | None = None, port: str | None = None, since: float = 0.0) -> list[Advert]:
        """Decoded VRRP adverts, optionally only for one VRID / from one switch port / after a time."""
        found = []
        for frame in self.frames():
            if frame.time < since or (port is not None and frame.port != port):
                continue
            advert = decode_advert(frame)
            if advert is not None and (vrid is None or advert.vrid == vrid):
                found.append(advert)
        return found

    def arps(self, *, port: str | None = None, since: float = 0.0) -> list[Arp]:
        found = []
        for frame in self.frames():
            if frame.time < since or (port is not None and frame.port != port):
                continue
            arp = decode_arp(frame)
            if arp is not None:
                found.append(arp)
        return found

    def write_pcap(self, path: Path, frames: list[Frame] | None = None) -> Path:
        """Writes `frames` (default: all) as a classic pcap file (Ethernet link type)."""
        chosen = self.frames() if frames is None else frames
        with open(path, "wb") as out:
            out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))  # nanosecond pcap
            for frame in chosen:
                seconds = int(frame.time)
                nanos = int(round((frame.time - seconds) * 1e9))
                if nanos >= 1_000_000_000:
                    seconds, nanos = seconds + 1, nanos - 1_000_000_000
                out.write(struct.pack("<IIII", seconds, nanos, len(frame.data), len(frame.data)))
                out.write(frame.data)
        return path

    def summary(self, limit: int = 60) -> str:
        """The last `limit` VRRP/ARP frames as text, for assertion messages."""
        lines = []
        for frame in self.frames():
            advert = decode_advert(frame)
            if advert is not None:
                lines.append(f"{frame.time:.3f} {frame.port} VRRPv{advert.version} vrid {advert.vrid} "
                             f"prio {advert.priority} from {advert.src_ip} int {advert.interval}")
                continue
            arp = decode_arp(frame)
            if arp is not None:
                lines.append(f"{frame.time:.3f} {frame.port} ARP op {arp.opcode} {arp.sender_ip} "
                             f"({arp.sender_mac}) -> {arp.target_ip}")
        return "\n".join(lines[-limit:]) or "(no VRRP or ARP frames captured)"


def tshark_decode(pcap: Path) -> str | None:
    """`tshark -r PCAP -V` output when tshark is installed (an independent decoder), else None; raises
    AssertionError when tshark cannot read the file or warns about malformed frames."""
    tshark = shutil.which("tshark")
    if tshark is None:
        return None
    result = subprocess.run([tshark, "-n", "-r", str(pcap), "-V"], capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stdout.splitlines() if "Malformed" in line or "Expert Info (Warning" in line]
    if result.returncode != 0 or problems:
        raise AssertionError(f"tshark could not decode {pcap} cleanly (exit {result.returncode}):\n"
                             f"{result.stderr}\n" + "\n".join(problems))
    return result.stdout
