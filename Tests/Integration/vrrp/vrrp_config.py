"""keepalived.conf text for one lab director: VRRP instances, sync groups, tracked scripts, notify scripts.

The same text is given to keepalived and to keepalivedd, so it only uses keepalived's documented keywords.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

VIP = "192.168.77.100"
VIP2 = "192.168.78.100"


@dataclass
class Instance:
    """One `vrrp_instance` block."""
    name: str = "VI_1"
    interface: str = "eth0"
    vrid: int = 51
    priority: int = 100
    advert_int: float = 1.0
    version: int = 2
    state: str = "BACKUP"
    nopreempt: bool = False
    preempt_delay: float | None = None
    vips: tuple[str, ...] = (f"{VIP}/24",)
    auth_pass: str = "vrrpLab1"          # written for version 2 only
    track_scripts: tuple[str, ...] = ()
    garp_master_repeat: int | None = None
    garp_master_delay: float | None = None


@dataclass
class Script:
    """A `vrrp_script` that succeeds while `ok_file` exists (`test -f`)."""
    name: str
    ok_file: Path
    weight: int = -60
    interval: float = 1.0
    fall: int = 1
    rise: int = 1


@dataclass
class SyncGroup:
    name: str
    members: tuple[str, ...]


@dataclass
class DirectorConfig:
    """Everything one director runs; `notify` is the script every instance and group notifies."""
    router_id: str
    instances: list[Instance] = field(default_factory=list)
    groups: list[SyncGroup] = field(default_factory=list)
    scripts: list[Script] = field(default_factory=list)
    notify: Path | None = None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def render(config: DirectorConfig) -> str:
    lines = ["global_defs {", f"    router_id {config.router_id}", "    script_user root", "}", ""]
    for script in config.scripts:
        lines += [
            f"vrrp_script {script.name} {{",
            f'    script "/usr/bin/test -f {script.ok_file}"',
            f"    interval {_number(script.interval)}",
            f"    weight {script.weight}",
            f"    fall {script.fall}",
            f"    rise {script.rise}",
            "}", "",
        ]
    for group in config.groups:
        lines += [f"vrrp_sync_group {group.name} {{", "    group {"]
        lines += [f"        {member}" for member in group.members]
        lines += ["    }"]
        if config.notify is not None:
            lines += [f'    notify "{config.notify}"']
        lines += ["}", ""]
    for inst in config.instances:
        lines += [
            f"vrrp_instance {inst.name} {{",
            f"    state {inst.state}",
            f"    interface {inst.interface}",
            f"    virtual_router_id {inst.vrid}",
            f"    priority {inst.priority}",
            f"    advert_int {_number(inst.advert_int)}",
            f"    version {inst.version}",
        ]
        if inst.version == 2:
            lines += ["    authentication {", "        auth_type PASS", f"        auth_pass {inst.auth_pass}", "    }"]
        if inst.nopreempt:
            lines += ["    nopreempt"]
        if inst.preempt_delay is not None:
            lines += [f"    preempt_delay {_number(inst.preempt_delay)}"]
        if inst.garp_master_repeat is not None:
            lines += [f"    garp_master_repeat {inst.garp_master_repeat}"]
        if inst.garp_master_delay is not None:
            lines += [f"    garp_master_delay {_number(inst.garp_master_delay)}"]
        if inst.track_scripts:
            lines += ["    track_script {"] + [f"        {name}" for name in inst.track_scripts] + ["    }"]
        if config.notify is not None:
            lines += [f'    notify "{config.notify}"']
        lines += ["    virtual_ipaddress {"] + [f"        {vip} dev {inst.interface}" for vip in inst.vips]
        lines += ["    }", "}", ""]
    return "\n".join(lines)


def skew_time(priority: int, advert_int: float) -> float:
    """RFC 5798: ((256 - Priority) * Master_Adver_Interval) / 256."""
    return (256 - priority) * advert_int / 256


def master_down_interval(priority: int, advert_int: float) -> float:
    """RFC 5798: 3 * Master_Adver_Interval + Skew_Time."""
    return 3 * advert_int + skew_time(priority, advert_int)
