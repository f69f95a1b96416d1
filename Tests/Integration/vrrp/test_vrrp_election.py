"""Scenario 1: election. The highest priority becomes MASTER and holds the VIP; the others stay BACKUP."""

from __future__ import annotations

import pytest

from vrrp_config import VIP, DirectorConfig, Instance, master_down_interval
from vrrp_lab import PAIR_IDS, PAIRS, Lab
from vrrp_wire import decode_advert, tshark_decode

TOLERANCE = 1.5


def instance(priority: int, version: int) -> Instance:
    return Instance(priority=priority, version=version, advert_int=1.0 if version == 2 else 0.5)


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_higher_priority_wins(lab: Lab, impl_a: str, impl_b: str, version: int) -> None:
    a, b = lab.director(impl_a), lab.director(impl_b)
    a.start(DirectorConfig("A", [instance(150, version)]))
    b.start(DirectorConfig("B", [instance(100, version)]))
    advert_int = 1.0 if version == 2 else 0.5

    lab.wait_until(lambda: a.state() == "MASTER" and a.holds(VIP),
                   master_down_interval(150, advert_int) + TOLERANCE + 1, "A (150) MASTER with the VIP")
    lab.wait_until(lambda: b.state() == "BACKUP", 2, "B (100) in BACKUP")
    lab.hold_for(lambda: a.holds(VIP) and not b.holds(VIP) and b.state() == "BACKUP", 2 * advert_int,
                 "A holds the VIP, B stays BACKUP without it")
    assert "MASTER" not in b.state_lines(), lab.report()

    lab.wait_until(lambda: len(lab.capture.adverts(vrid=51, port=a.port())) >= 3, 4 * advert_int,
                   "three adverts from A")
    adverts = lab.capture.adverts(vrid=51)
    from_a = [ad for ad in adverts if ad.port == a.port()]
    for advert in from_a:
        assert (advert.version, advert.type, advert.priority) == (version, 1, 150)
        assert (advert.src_ip, advert.dst_ip, advert.ttl) == (a.address(), "224.0.0.18", 255)
        assert advert.src_mac == a.mac()
        assert advert.addresses == (VIP,)
        assert advert.interval == advert_int
        assert advert.checksum_ok
        if version == 2:
            assert (advert.auth_type, advert.auth_data) == (1, b"vrrpLab1")
    assert not [ad for ad in adverts if ad.port == b.port()], "the BACKUP must not advertise\n" + lab.report()
    frames = [f for f in lab.capture.frames() if f.port == a.port() and decode_advert(f) is not None]
    decoded = tshark_decode(lab.capture.write_pcap(lab.workdir / "adverts.pcap", frames))
    if decoded is not None:  # an independent decoder agrees (when tshark is installed)
        assert decoded.count("Virtual Router Redundancy Protocol") == len(frames), decoded[-3000:]
        assert decoded.count("Priority: 150") == len(frames), decoded[-3000:]

    lab.wait_until(lambda: "INSTANCE VI_1 MASTER 150" in a.notifications(), 2, "A's MASTER notification")
    lab.wait_until(lambda: "INSTANCE VI_1 BACKUP 100" in b.notifications(), 2, "B's BACKUP notification")
    assert not [n for n in b.notifications() if "MASTER" in n], b.notifications()


@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_three_directors(lab: Lab, impl_a: str, impl_b: str) -> None:
    """A (150) wins over B (100) and C (50); when A stops, B (the next highest) takes over, not C."""
    a, b, c = lab.director(impl_a), lab.director(impl_b), lab.director(impl_a)
    for director, prio in ((a, 150), (b, 100), (c, 50)):
        director.start(DirectorConfig(director.label.upper(), [instance(prio, 3)]))

    lab.wait_until(lambda: a.state() == "MASTER" and a.holds(VIP), master_down_interval(150, 0.5) + TOLERANCE + 1,
                   "A (150) MASTER with the VIP")
    lab.wait_until(lambda: b.state() == "BACKUP" and c.state() == "BACKUP", 2, "B and C in BACKUP")
    lab.hold_for(lambda: not b.holds(VIP) and not c.holds(VIP) and b.state() == c.state() == "BACKUP", 1.5,
                 "B and C stay BACKUP without the VIP")

    a.stop()
    lab.wait_until(lambda: b.state() == "MASTER" and b.holds(VIP), master_down_interval(100, 0.5) + TOLERANCE,
                   "B (100) MASTER after A stopped")
    lab.hold_for(lambda: c.state() == "BACKUP" and not c.holds(VIP), 1.5, "C (50) stays BACKUP")
    assert not a.holds(VIP), "a stopped director must release its VIP\n" + lab.report()
    assert "MASTER" not in c.state_lines(), lab.report()
