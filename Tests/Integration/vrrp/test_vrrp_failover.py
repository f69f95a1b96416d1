"""Scenarios 2 and 3: the BACKUP takes over from a hung MASTER after Master_Down_Interval, and from a MASTER
that stops gracefully (priority-0 advert) after Skew_Time. Times are measured on the wire, from the old
master's last advert to the new master's first one."""

from __future__ import annotations

import time

import pytest

from vrrp_config import VIP, DirectorConfig, Instance, master_down_interval, skew_time
from vrrp_lab import PAIR_IDS, PAIRS, Director, Lab

LATE = 0.3      # how much later than the RFC time a takeover may come (scheduling; both measure ~10 ms)
EARLY = 0.2     # how much earlier (timer granularity)


def start_pair(lab: Lab, impl_a: str, impl_b: str, version: int) -> tuple[Director, Director, float]:
    advert_int = 1.0 if version == 2 else 0.5
    a, b = lab.director(impl_a), lab.director(impl_b)
    a.start(DirectorConfig("A", [Instance(priority=150, version=version, advert_int=advert_int)]))
    b.start(DirectorConfig("B", [Instance(priority=100, version=version, advert_int=advert_int)]))
    lab.wait_until(lambda: a.state() == "MASTER" and a.holds(VIP) and b.state() == "BACKUP",
                   master_down_interval(150, advert_int) + 2.5, "A (150) MASTER with the VIP, B BACKUP")
    lab.wait_until(lambda: len(lab.capture.adverts(vrid=51, port=a.port())) >= 2, 3 * advert_int,
                   "A's adverts on the wire")
    intervals = {ad.interval for ad in lab.capture.adverts(vrid=51, port=a.port())}
    assert intervals == {advert_int}, f"A advertises interval {intervals}, configured {advert_int}\n" + lab.report()
    return a, b, advert_int


def first_advert_after(lab: Lab, director: Director, since: float, what: str, timeout: float):
    lab.wait_until(lambda: lab.capture.adverts(vrid=51, port=director.port(), since=since), timeout, what)
    return lab.capture.adverts(vrid=51, port=director.port(), since=since)[0]


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_hung_master_fails_over(lab: Lab, impl_a: str, impl_b: str, version: int,
                                record_property: pytest.RecordProperty) -> None:
    a, b, advert_int = start_pair(lab, impl_a, impl_b, version)
    down_interval = master_down_interval(100, advert_int)

    hung_at = time.time()
    a.hang()
    lab.wait_until(lambda: b.state() == "MASTER" and b.holds(VIP), down_interval + LATE + 1.0,
                   "B MASTER with the VIP after A hung")
    takeover = first_advert_after(lab, b, 0.0, "B's first advert", 2.0)
    last_from_a = [ad for ad in lab.capture.adverts(vrid=51, port=a.port()) if ad.time < takeover.time][-1]
    measured = takeover.time - last_from_a.time
    record_property("failover_seconds", round(measured, 3))
    print(f"hung master: v{version} failover {measured:.3f}s from A's last advert "
          f"(Master_Down_Interval {down_interval:.3f}s)")
    assert last_from_a.time <= hung_at + 0.1, "A advertised after SIGSTOP?\n" + lab.report()
    assert down_interval - EARLY <= measured <= down_interval + LATE, (
        f"takeover {measured:.3f}s after A's last advert, expected Master_Down_Interval {down_interval:.3f}s\n"
        + lab.report())
    assert takeover.priority == 100 and takeover.src_ip == b.address()

    # A wakes up still MASTER at 150: B, now MASTER at 100, must yield to it.
    a.resume()
    lab.wait_until(lambda: b.state() == "BACKUP" and not b.holds(VIP), 4 * advert_int + 1.0,
                   "B back to BACKUP, without the VIP, once A resumed")
    lab.wait_until(lambda: a.state() == "MASTER" and a.holds(VIP), 4 * advert_int + 1.0,
                   "A MASTER with the VIP after resuming")


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_graceful_stop_hands_over(lab: Lab, impl_a: str, impl_b: str, version: int,
                                  record_property: pytest.RecordProperty) -> None:
    a, b, advert_int = start_pair(lab, impl_a, impl_b, version)
    skew = skew_time(100, advert_int)

    status = a.stop()
    assert status == 0, f"{impl_a} exited with {status} on SIGTERM\n" + lab.report()
    assert not a.holds(VIP), "A must remove its VIP when it stops\n" + lab.report()
    goodbye = [ad for ad in lab.capture.adverts(vrid=51, port=a.port()) if ad.priority == 0]
    assert goodbye, "no priority-0 advert from the stopping master\n" + lab.report()
    assert goodbye[0].addresses == (VIP,) and goodbye[0].version == version

    lab.wait_until(lambda: b.state() == "MASTER" and b.holds(VIP), skew + LATE + 1.0,
                   "B MASTER with the VIP after A stopped")
    takeover = first_advert_after(lab, b, goodbye[0].time, "B's first advert", 2.0)
    measured = takeover.time - goodbye[0].time
    record_property("takeover_seconds", round(measured, 3))
    print(f"graceful stop: v{version} takeover {measured:.3f}s after the priority-0 advert (Skew_Time {skew:.3f}s)")
    assert skew - EARLY <= measured <= skew + LATE, (
        f"takeover {measured:.3f}s after the priority-0 advert, expected about Skew_Time {skew:.3f}s\n" + lab.report())
    lab.wait_until(lambda: "INSTANCE VI_1 STOP 150" in a.notifications(), 2, "A's STOP notification")
