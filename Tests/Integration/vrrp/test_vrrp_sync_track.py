"""Scenario 5: a sync group of two instances on eth0 and eth1 fails over together when one interface of the
MASTER goes down, and comes back together. Scenario 6: a failing track_script (weight -60) lowers the
MASTER's priority below the BACKUP's and hands over; restoring it takes the VIP back."""

from __future__ import annotations

import pytest

from vrrp_config import VIP, VIP2, DirectorConfig, Instance, Script, SyncGroup, master_down_interval
from vrrp_lab import PAIR_IDS, PAIRS, Director, Lab

ADVERT = 0.5


def sync_config(router_id: str, priority: int) -> DirectorConfig:
    return DirectorConfig(
        router_id,
        [Instance("VI_1", "eth0", 51, priority, ADVERT, 3, vips=(f"{VIP}/24",)),
         Instance("VI_2", "eth1", 52, priority, ADVERT, 3, vips=(f"{VIP2}/24",))],
        groups=[SyncGroup("G1", ("VI_1", "VI_2"))])


def holds_both(director: Director) -> bool:
    return director.holds(VIP, "eth0") and director.holds(VIP2, "eth1")


def holds_none(director: Director) -> bool:
    return not director.holds(VIP, "eth0") and not director.holds(VIP2, "eth1")


def masters_of_both(director: Director) -> bool:
    return director.state("VI_1") == director.state("VI_2") == "MASTER" and holds_both(director)


@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_sync_group_fails_over_together(lab: Lab, impl_a: str, impl_b: str) -> None:
    a = lab.director(impl_a, ("eth0", "eth1"))
    b = lab.director(impl_b, ("eth0", "eth1"))
    a.start(sync_config("A", 150))
    b.start(sync_config("B", 100))
    lab.wait_until(lambda: masters_of_both(a) and holds_none(b), master_down_interval(150, ADVERT) + 2.5,
                   "A MASTER of VI_1 and VI_2 with both VIPs, B without")
    lab.wait_until(lambda: b.state("VI_1") == b.state("VI_2") == "BACKUP", 2.0, "B BACKUP on both")
    lab.wait_until(lambda: "GROUP G1 MASTER 0" in a.notifications(), 2.0, "A's `GROUP G1 MASTER 0` notification")

    a.link_down("eth0")
    lab.wait_until(lambda: masters_of_both(b), master_down_interval(100, ADVERT) + 2.5,
                   "B MASTER of both instances after A's eth0 went down")
    lab.wait_until(lambda: holds_none(a), 2.0, "A without either VIP")
    assert a.state("VI_1") == "FAULT", lab.report()
    assert a.state("VI_2") == "FAULT", "the group drags VI_2 into FAULT with VI_1\n" + lab.report()
    lab.wait_until(lambda: "GROUP G1 FAULT 0" in a.notifications(), 2.0, "A's `GROUP G1 FAULT 0` notification")
    lab.wait_until(lambda: "GROUP G1 MASTER 0" in b.notifications(), 2.0, "B's `GROUP G1 MASTER 0` notification")

    a.link_up("eth0")
    lab.wait_until(lambda: masters_of_both(a), master_down_interval(150, ADVERT) + 3.0,
                   "A MASTER of both again once eth0 is back")
    lab.wait_until(lambda: holds_none(b) and b.state("VI_1") == b.state("VI_2") == "BACKUP", 2.0,
                   "B BACKUP on both, without the VIPs")


@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_track_script_hands_over_and_back(lab: Lab, impl_a: str, impl_b: str) -> None:
    a, b = lab.director(impl_a), lab.director(impl_b)
    ok_file = a.dir / "ok"
    ok_file.write_text("")
    a.start(DirectorConfig("A", [Instance(priority=150, version=3, advert_int=ADVERT, track_scripts=("chk",))],
                           scripts=[Script("chk", ok_file, weight=-60, interval=0.5)]))
    b.start(DirectorConfig("B", [Instance(priority=100, version=3, advert_int=ADVERT)]))
    lab.wait_until(lambda: a.state() == "MASTER" and a.holds(VIP) and b.state() == "BACKUP",
                   master_down_interval(150, ADVERT) + 2.5, "A (150) MASTER with the VIP, B BACKUP")

    ok_file.unlink()
    lab.wait_until(lambda: b.state() == "MASTER" and b.holds(VIP) and a.state() == "BACKUP" and not a.holds(VIP),
                   1.0 + master_down_interval(100, ADVERT) + 2.5, "B MASTER once A's script fails (150-60 < 100)")
    lowered = [ad for ad in lab.capture.adverts(vrid=51, port=a.port()) if ad.priority == 90]
    assert lowered, "A never advertised its lowered priority 90\n" + lab.report()

    ok_file.write_text("")
    lab.wait_until(lambda: a.state() == "MASTER" and a.holds(VIP) and b.state() == "BACKUP" and not b.holds(VIP),
                   1.0 + master_down_interval(150, ADVERT) + 2.5, "A MASTER again once its script succeeds")
    latest = lab.capture.adverts(vrid=51, port=a.port())[-1]
    assert latest.priority == 150, lab.report()
