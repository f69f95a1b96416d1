"""Comparing what keepalived -C and keepalivedd -C left in a lab scenario that ran both, one after the other.

Such scenarios capture `k_STEP` / `d_STEP` (`ipvsadm -Sn` after each step) and `k_log` / `d_log` (each daemon's
console log); these helpers make the assertions and their failure messages the same everywhere.
"""

from __future__ import annotations

from ipvsadm_table import parse_save


def both_logs(result) -> str:
    """Both daemons' logs, for a failure message."""
    return "\n--- keepalived log\n" + result.output("k_log") + "\n--- keepalivedd log\n" + result.output("d_log")


def assert_table_matches_keepalived(result, step: str) -> None:
    """keepalived built a table at `step` and keepalivedd built the same one."""
    expected = parse_save(result.output(f"k_{step}"))
    assert expected, f"keepalived built no table at {step}\n" + both_logs(result)
    assert parse_save(result.output(f"d_{step}")) == expected, \
        result.output(f"k_{step}") + "\n!= keepalivedd:\n" + result.output(f"d_{step}") + both_logs(result)
