"""Parsers for ipvsadm's output, so lab tests compare IPVS tables as values, not as text in hash order.

    parse_list(text)      `ipvsadm -Ln` (also with --thresholds, --persistent-conn, --tun-info): services by key
    parse_save(text)      `ipvsadm -Sn`: the rules as a sorted list of lines (a canonical table)
    parse_timeouts(text)  `ipvsadm -L --timeout`: (tcp, tcpfin, udp) seconds
    parse_daemon(text)    `ipvsadm -L --daemon`: one dict per running sync daemon

Service keys are ipvsadm's own spelling: "TCP 10.0.0.1:80", "UDP [2001:db8::1]:53", "FWM 7".
"""

from __future__ import annotations

from dataclasses import dataclass, field

SERVICE_PROTOCOLS = ("TCP", "UDP", "SCTP", "FWM")


@dataclass
class Destination:
    """A real server row: address:port, forwarding method (Masq/Route/Tunnel/Local), weight, other columns
    (ActiveConn, InActConn, Uthreshold, Lthreshold, TunnelInfo... by ipvsadm's header names)."""

    address: str
    forward: str | None
    weight: int | None
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class Service:
    """A virtual service row and its destinations (keyed by "addr:port" as ipvsadm prints them)."""

    key: str
    scheduler: str
    flags: tuple[str, ...] = ()
    ops: bool = False
    persistent: int | None = None
    mask: str | None = None
    pe: str | None = None
    destinations: dict[str, Destination] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """A plain, comparable form (for assertion messages and equality across runs)."""
        return {
            "scheduler": self.scheduler, "flags": list(self.flags), "ops": self.ops, "persistent": self.persistent,
            "mask": self.mask, "pe": self.pe,
            "destinations": {addr: (dest.forward, dest.weight) for addr, dest in sorted(self.destinations.items())},
        }


class TableFormatError(ValueError):
    """ipvsadm printed something this parser does not understand."""


def _parse_service(line: str) -> Service:
    tokens = line.split()
    if len(tokens) < 3:
        raise TableFormatError(f"short service line: {line!r}")
    service = Service(key=f"{tokens[0]} {tokens[1]}", scheduler=tokens[2])
    index = 3
    while index < len(tokens):
        token = tokens[index]
        if token.startswith("(") and token.endswith(")"):
            service.flags = tuple(sorted(flag for flag in token[1:-1].split(",") if flag))
        elif token == "ops":
            service.ops = True
        elif token in ("persistent", "mask", "pe") and index + 1 < len(tokens):
            value = tokens[index + 1]
            index += 1
            if token == "persistent":
                service.persistent = int(value)
            elif token == "mask":
                service.mask = value
            else:
                service.pe = value
        else:
            raise TableFormatError(f"unknown service attribute {token!r} in {line!r}")
        index += 1
    return service


def parse_list(text: str) -> dict[str, Service]:
    """`ipvsadm -Ln [--thresholds|--persistent-conn|--tun-info]` -> {service key: Service}.

    Destination columns are taken from the headers: normally "-> RemoteAddress:Port Forward Weight ...";
    with --thresholds (and --persistent-conn) ipvsadm puts the column names on the "Prot" line instead.
    """
    services: dict[str, Service] = {}
    dest_columns: list[str] = []
    current: Service | None = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("IP Virtual Server"):
            continue
        if line.startswith("Prot "):
            names = line.split()[2:]
            if names[:1] != ["Scheduler"]:
                dest_columns = names
            continue
        if line.startswith("  -> RemoteAddress"):
            names = line.split()[2:]
            if names:
                dest_columns = names
            continue
        if line.startswith("  -> "):
            if current is None:
                raise TableFormatError(f"destination before any service: {line!r}")
            values = line.split()[1:]
            if len(values) != len(dest_columns) + 1:
                raise TableFormatError(f"destination line {line!r} does not match columns {dest_columns}")
            columns = dict(zip(dest_columns, values[1:]))
            weight = columns.pop("Weight", None)
            current.destinations[values[0]] = Destination(
                address=values[0], forward=columns.pop("Forward", None),
                weight=int(weight) if weight is not None else None, columns=columns)
            continue
        if line.split()[0] in SERVICE_PROTOCOLS:
            current = _parse_service(line)
            if current.key in services:
                raise TableFormatError(f"service listed twice: {current.key}")
            services[current.key] = current
            continue
        raise TableFormatError(f"unexpected line: {line!r}")
    return services


def parse_save(text: str) -> list[str]:
    """`ipvsadm -Sn` -> its rule lines, sorted, with runs of blanks collapsed: a canonical table."""
    return sorted(" ".join(line.split()) for line in text.splitlines() if line.strip())


def parse_timeouts(text: str) -> tuple[int, int, int]:
    """`ipvsadm -L --timeout` ("Timeout (tcp tcpfin udp): 900 120 300") -> (900, 120, 300)."""
    for line in text.splitlines():
        if line.startswith("Timeout (tcp tcpfin udp):"):
            tcp, tcpfin, udp = (int(value) for value in line.split(":", 1)[1].split())
            return tcp, tcpfin, udp
    raise TableFormatError(f"no timeout line in {text!r}")


def parse_daemon(text: str) -> list[dict[str, str]]:
    """`ipvsadm -L --daemon` ("master sync daemon (mcast=eth0, syncid=5)") -> [{"state": "master", ...}]."""
    daemons = []
    for line in text.splitlines():
        line = line.strip()
        if "sync daemon" not in line:
            continue
        state = line.split()[0]
        details: dict[str, str] = {"state": state}
        if "(" in line and line.endswith(")"):
            for part in line[line.index("(") + 1:-1].split(","):
                if "=" in part:
                    key, value = part.strip().split("=", 1)
                    details[key] = value
        daemons.append(details)
    return daemons
