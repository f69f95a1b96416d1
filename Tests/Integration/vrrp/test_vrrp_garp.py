"""Scenario 7: on becoming MASTER a director sends gratuitous ARPs for each VIP: ARP requests from its own
MAC with sender IP = target IP = VIP, `garp_master_repeat` (default 5) per VIP at once, and the same again
`garp_master_delay` seconds later. Decoded here and, when tshark is installed, by tshark as well."""

from __future__ import annotations

from collections import Counter

import pytest

from vrrp_config import VIP, DirectorConfig, Instance, master_down_interval
from vrrp_lab import PAIR_IDS, PAIRS, Director, Lab
from vrrp_wire import Arp, decode_arp, tshark_decode

ADVERT = 0.5
VIP_B = "192.168.77.101"
ZERO_MAC, BROADCAST_MAC = "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"


def become_master(lab: Lab, impl_a: str, impl_b: str, **garp) -> tuple[Director, Director]:
    a, b = lab.director(impl_a), lab.director(impl_b)
    vips = (f"{VIP}/24", f"{VIP_B}/24")
    a.start(DirectorConfig("A", [Instance(priority=150, version=3, advert_int=ADVERT, vips=vips, **garp)]))
    lab.wait_until(lambda: a.state() == "MASTER" and a.holds(VIP) and a.holds(VIP_B),
                   master_down_interval(150, ADVERT) + 2.5, "A MASTER with both VIPs")
    # B starts once A is MASTER: started together, their down timers differ by only Skew_Time
    # differences (0.1 s here), and a loaded machine can let B win the first election briefly.
    b.start(DirectorConfig("B", [Instance(priority=100, version=3, advert_int=ADVERT, vips=vips)]))
    lab.wait_until(lambda: b.state() == "BACKUP", master_down_interval(100, ADVERT) + 2.5, "B BACKUP")
    return a, b


def check_frames(lab: Lab, a: Director, arps: list[Arp]) -> None:
    mac = a.mac()
    for arp in arps:
        assert arp.opcode == 1, f"gratuitous ARP must be a request: {arp}"
        assert arp.eth_src == arp.sender_mac == mac, f"not from A's MAC {mac}: {arp}"
        assert arp.eth_dst == BROADCAST_MAC, arp
        assert arp.sender_ip == arp.target_ip and arp.sender_ip in (VIP, VIP_B), arp
        assert arp.target_mac in (ZERO_MAC, BROADCAST_MAC), arp
    assert not lab.capture.arps(port=lab.directors[1].port()), "the BACKUP sent ARPs\n" + lab.report()
    frames = [f for f in lab.capture.frames() if f.port == a.port() and decode_arp(f) is not None]
    decoded = tshark_decode(lab.capture.write_pcap(lab.workdir / "garp.pcap", frames))
    if decoded is not None:
        assert decoded.count("[Is gratuitous: True]") == len(frames), decoded[-3000:]
        assert decoded.count("Opcode: request (1)") == len(frames), decoded[-3000:]


def per_vip(arps: list[Arp]) -> Counter[str]:
    return Counter(arp.sender_ip for arp in arps)


@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_garp_burst_on_master(lab: Lab, impl_a: str, impl_b: str) -> None:
    """Defaults: 5 per VIP right after the first MASTER advert, then nothing until garp_master_delay (5 s)."""
    a, _b = become_master(lab, impl_a, impl_b)
    first_advert = [ad for ad in lab.capture.adverts(vrid=51, port=a.port()) if ad.priority == 150][0]
    lab.wait_until(lambda: sum(per_vip(lab.capture.arps(port=a.port())).values()) >= 10, 1.5,
                   "10 gratuitous ARPs (5 per VIP)")
    lab.hold_for(lambda: True, 2.0, "quiet period before the second burst")
    arps = lab.capture.arps(port=a.port())
    assert per_vip(arps) == {VIP: 5, VIP_B: 5}, f"{per_vip(arps)}\n" + lab.report()
    assert first_advert.time <= arps[0].time <= first_advert.time + 0.5, (
        "gratuitous ARPs must follow the first MASTER advert\n" + lab.report())
    assert arps[-1].time - arps[0].time < 1.0, lab.report()
    check_frames(lab, a, arps)


@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_garp_repeat_and_delay(lab: Lab, impl_a: str, impl_b: str) -> None:
    """garp_master_repeat 3, garp_master_delay 1: 3 per VIP at once and 3 per VIP again a second later."""
    a, _b = become_master(lab, impl_a, impl_b, garp_master_repeat=3, garp_master_delay=1)
    lab.wait_until(lambda: sum(per_vip(lab.capture.arps(port=a.port())).values()) >= 12, 3.0,
                   "12 gratuitous ARPs (two bursts of 3 per VIP)")
    lab.hold_for(lambda: True, 1.0, "nothing more after the second burst")
    arps = lab.capture.arps(port=a.port())
    assert per_vip(arps) == {VIP: 6, VIP_B: 6}, f"{per_vip(arps)}\n" + lab.report()
    first, second = arps[:6], arps[6:]
    assert per_vip(first) == per_vip(second) == {VIP: 3, VIP_B: 3}, lab.report()
    gap = second[0].time - first[-1].time
    assert 0.7 <= gap <= 1.6, f"second burst {gap:.2f}s after the first, expected about 1s\n" + lab.report()
    check_frames(lab, a, arps)
