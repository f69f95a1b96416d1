#!/usr/bin/env python3
"""Derives the `make demo` directors' configs from a keepalived.conf sample (etc/keepalived.conf.sample).

    scripts/demo-config.py SAMPLE master|backup > director.conf
    scripts/demo-config.py SAMPLE facts          # shell assignments: VIP=..., RIP1=..., RIP2=..., ...

What is kept from the sample, and what changes for a two-director demo in the lab VM:

- `global_defs` verbatim, except `router_id` (LVS_MASTER / LVS_BACKUP) and the SMTP server lines (there
  is no mail server in the lab, so alerts are not attempted);
- the first `vrrp_instance` (VI_1 in the sample) verbatim: its interface, router id, advert_int,
  authentication and VIPs. The backup gets `state BACKUP` and priority 90, as the sample's header says.
  The sync group and the other instances are left out (the lab's directors have only eth0);
- the first DR `virtual_server` on one of that instance's VIPs, with its first two real servers, its
  lb_algo and its checkers, but with emulation-friendly timing (delay_loop 1, connect_timeout 1,
  retry 1, delay_before_retry 1), without `persistence_timeout` (one client must reach both real
  servers) and without `inhibit_on_failure` (a failed real server is removed, not set to weight 0).

The sample is read with a line-based block reader: one `{` opening a block per line and `}` on a line
of its own, which is how keepalived's samples (and ours) are written.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

TIMING = {"delay_loop": "1", "connect_timeout": "1", "retry": "1", "delay_before_retry": "1"}
DROPPED_GLOBALS = {"smtp_server", "smtp_connect_timeout"}
DROPPED_VS = {"persistence_timeout", "inhibit_on_failure"}


@dataclass
class Block:
    """One `keyword args {` ... `}` block, or a plain line (children empty, closed False)."""

    words: list[str]
    line: str
    children: list["Block"] = field(default_factory=list)
    is_block: bool = False


def parse(text: str) -> list[Block]:
    root = Block(words=[], line="", is_block=True)
    stack = [root]
    for raw in text.splitlines():
        line = re.split(r"[!#]", raw, maxsplit=1)[0].rstrip()
        stripped = line.strip()
        if not stripped:
            continue
        if stripped == "}":
            if len(stack) == 1:
                raise SystemExit(f"demo-config: unbalanced '}}' in the sample: {raw!r}")
            stack.pop()
            continue
        if stripped.endswith("{"):
            block = Block(words=stripped[:-1].split(), line=stripped, is_block=True)
            stack[-1].children.append(block)
            stack.append(block)
            continue
        stack[-1].children.append(Block(words=stripped.split(), line=stripped))
    return root.children


def render(block: Block, depth: int, out: list[str]) -> None:
    pad = "    " * depth
    if not block.is_block:
        out.append(pad + " ".join(block.words))
        return
    out.append(pad + " ".join(block.words) + " {")
    for child in block.children:
        render(child, depth + 1, out)
    out.append(pad + "}")


def first(blocks: list[Block], keyword: str) -> Block | None:
    return next((block for block in blocks if block.words and block.words[0] == keyword), None)


def value(block: Block, keyword: str) -> str | None:
    found = first(block.children, keyword)
    return found.words[1] if found and len(found.words) > 1 else None


def retime(block: Block) -> Block:
    """A copy with the demo's timing, whatever depth the timing keywords sit at."""
    if not block.is_block:
        if block.words[0] in TIMING:
            return Block(words=[block.words[0], TIMING[block.words[0]]], line="")
        return block
    return Block(words=block.words, line=block.line, is_block=True,
                 children=[retime(child) for child in block.children])


def vip_addresses(instance: Block) -> list[str]:
    addresses = first(instance.children, "virtual_ipaddress")
    return [child.words[0].split("/")[0] for child in (addresses.children if addresses else [])]


def pick(blocks: list[Block]) -> tuple[Block, Block, Block]:
    globals_block = first(blocks, "global_defs")
    instance = first(blocks, "vrrp_instance")
    if globals_block is None or instance is None:
        raise SystemExit("demo-config: the sample needs a global_defs and a vrrp_instance block")
    vips = vip_addresses(instance)
    for block in blocks:
        if block.words[:1] == ["virtual_server"] and len(block.words) >= 3 and block.words[1] in vips \
                and (value(block, "lb_kind") or "").upper() == "DR" \
                and sum(child.words[0] == "real_server" for child in block.children) >= 2:
            return globals_block, instance, block
    raise SystemExit(f"demo-config: no DR virtual_server with two real servers on a VIP of "
                     f"{' '.join(instance.words)} ({', '.join(vips)}) in the sample")


def director(blocks: list[Block], role: str) -> str:
    globals_block, instance, server = pick(blocks)
    out = [f"! make demo: the {role.upper()} director, derived from the sample by scripts/demo-config.py", ""]

    kept = [child for child in globals_block.children if child.words[0] not in DROPPED_GLOBALS]
    kept = [Block(words=["router_id", f"LVS_{role.upper()}"], line="") if child.words[0] == "router_id" else child
            for child in kept]
    render(Block(words=["global_defs"], line="", is_block=True, children=kept), 0, out)
    out.append("")

    children = []
    for child in instance.children:
        if role == "backup" and child.words[0] == "state":
            child = Block(words=["state", "BACKUP"], line="")
        elif role == "backup" and child.words[0] == "priority":
            child = Block(words=["priority", "90"], line="")
        children.append(child)
    render(Block(words=instance.words, line="", is_block=True, children=children), 0, out)
    out.append("")

    children, reals = [], 0
    for child in server.children:
        if child.words[0] in DROPPED_VS:
            continue
        if child.words[0] == "real_server":
            reals += 1
            if reals > 2:
                continue
        children.append(retime(child))
    render(Block(words=server.words, line="", is_block=True, children=children), 0, out)
    return "\n".join(out) + "\n"


def facts(blocks: list[Block]) -> str:
    _, instance, server = pick(blocks)
    reals = [child.words[1] for child in server.children if child.words[0] == "real_server"][:2]
    lines = {
        "VIP": server.words[1], "VPORT": server.words[2], "VIP_PREFIX": "",
        "IFACE": value(instance, "interface") or "eth0", "INSTANCE": instance.words[1] if len(instance.words) > 1 else "",
        "RIP1": reals[0], "RIP2": reals[1], "LB_ALGO": value(server, "lb_algo") or "",
    }
    addresses = first(instance.children, "virtual_ipaddress")
    for child in addresses.children if addresses else []:
        if child.words[0].split("/")[0] == server.words[1] and "/" in child.words[0]:
            lines["VIP_PREFIX"] = child.words[0].split("/")[1]
    return "".join(f"{key}={val}\n" for key, val in lines.items())


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[2] not in ("master", "backup", "facts"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    blocks = parse(Path(argv[1]).read_text())
    sys.stdout.write(facts(blocks) if argv[2] == "facts" else director(blocks, argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
