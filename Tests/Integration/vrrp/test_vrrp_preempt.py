"""Scenario 4: a returning higher-priority director preempts the MASTER; with nopreempt it does not; with
preempt_delay N it waits about N seconds first. B (100) runs alone first and becomes MASTER; then A (150)
starts. Version 3 with advert_int 0.5 keeps it quick."""

from __future__ import annotations

import time

import pytest

from vrrp_config import VIP, DirectorConfig, Instance, master_down_interval
from vrrp_lab import PAIR_IDS, PAIRS, Director, Lab

ADVERT = 0.5
PREEMPT_DELAY = 3.0


def b_master_alone(lab: Lab, impl_a: str, impl_b: str, **options) -> tuple[Director, Director]:
    a, b = lab.director(impl_a), lab.director(impl_b)
    b.start(DirectorConfig("B", [Instance(priority=100, version=3, advert_int=ADVERT, **options)]))
    lab.wait_until(lambda: b.state() == "MASTER" and b.holds(VIP), master_down_interval(100, ADVERT) + 2.5,
                   "B (100, alone) MASTER with the VIP")
    return a, b


@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_higher_priority_preempts(lab: Lab, impl_a: str, impl_b: str) -> None:
    a, b = b_master_alone(lab, impl_a, impl_b)
    a.start(DirectorConfig("A", [Instance(priority=150, version=3, advert_int=ADVERT)]))
    took = lab.wait_until(lambda: a.state() == "MASTER" and a.holds(VIP),
                          master_down_interval(150, ADVERT) + 2.0, "A (150) preempting B")
    lab.wait_until(lambda: b.state() == "BACKUP" and not b.holds(VIP), 2.0, "B back to BACKUP without the VIP")
    assert b.state_lines()[-2:] == ["MASTER", "BACKUP"], lab.report()
    lab.hold_for(lambda: a.holds(VIP) and not b.holds(VIP), 1.0, "A keeps the VIP")
    print(f"preempted {took:.2f}s after A started")


@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_nopreempt_keeps_master(lab: Lab, impl_a: str, impl_b: str) -> None:
    a, b = b_master_alone(lab, impl_a, impl_b, nopreempt=True)
    a.start(DirectorConfig("A", [Instance(priority=150, version=3, advert_int=ADVERT, nopreempt=True)]))
    lab.wait_until(lambda: a.state() == "BACKUP", 3.0, "A (150, nopreempt) in BACKUP")
    lab.hold_for(lambda: b.state() == "MASTER" and b.holds(VIP) and a.state() == "BACKUP" and not a.holds(VIP),
                 1.5 * master_down_interval(150, ADVERT), "B stays MASTER, A (nopreempt) stays BACKUP")
    assert "MASTER" not in a.state_lines(), lab.report()


@pytest.mark.parametrize("impl_a,impl_b", PAIRS, ids=PAIR_IDS)
def test_preempt_delay_waits(lab: Lab, impl_a: str, impl_b: str, record_property: pytest.RecordProperty) -> None:
    a, b = b_master_alone(lab, impl_a, impl_b)
    started = time.monotonic()
    a.start(DirectorConfig("A", [Instance(priority=150, version=3, advert_int=ADVERT, preempt_delay=PREEMPT_DELAY)]))
    lab.wait_until(lambda: a.state() == "BACKUP", 3.0, "A (150, preempt_delay) in BACKUP")
    lab.hold_for(lambda: b.holds(VIP) and not a.holds(VIP), PREEMPT_DELAY - 0.5 - (time.monotonic() - started),
                 f"B keeps the VIP during A's preempt_delay {PREEMPT_DELAY}s")
    lab.wait_until(lambda: a.state() == "MASTER" and a.holds(VIP),
                   PREEMPT_DELAY + master_down_interval(150, ADVERT) + 2.0 - (time.monotonic() - started),
                   "A MASTER once its preempt_delay is over")
    took = time.monotonic() - started
    record_property("preempt_seconds", round(took, 2))
    print(f"preempt_delay {PREEMPT_DELAY}s: A MASTER {took:.2f}s after it started")
    lab.wait_until(lambda: b.state() == "BACKUP" and not b.holds(VIP), 2.0, "B back to BACKUP without the VIP")
