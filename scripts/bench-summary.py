#!/usr/bin/env python3
"""make bench's last step: one table of every benchmark, keepalivedd beside keepalived, from the JSON files
the parts wrote (bench-out/bench-{conftest,ipvs,health,health-10k,reload,vrrp}.json; a part that did not
run is left out). Prints the table (Markdown, as the README carries it), writes it as
OUT/bench-summary.json and draws OUT/bench-summary.png (keepalivedd's value as a share of keepalived's,
per row; matplotlib).

    scripts/bench-summary.py [--out bench-out]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path


def load(out: Path, name: str) -> dict | None:
    path = out / f"bench-{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def number(value):
    """Numbers some parts wrote as text (\"15.173\") become numbers; anything else stays."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def row(section: str, metric: str, keepalived, keepalivedd, unit: str, better: str = "lower", goal: str = "") -> dict:
    keepalived, keepalivedd = number(keepalived), number(keepalivedd)
    return {"section": section, "metric": metric, "keepalived": keepalived, "keepalivedd": keepalivedd,
            "unit": unit, "better": better, "goal": goal}


def conftest_rows(data: dict) -> list[dict]:
    tools = data["tools"]
    ka, kd = tools["keepalived -t"], tools["keepalivedd -t"]
    section = f"config test, {data['lines']:,} lines"
    return [row(section, "mean time", ka["mean_s"] * 1000, kd["mean_s"] * 1000, "ms", goal="half keepalived's"),
            row(section, "peak RSS", ka["peak_rss_kib"] / 1024, kd["peak_rss_kib"] / 1024, "MiB", goal="< 200 MiB")]


def ipvs_rows(data: dict) -> list[dict]:
    ka, kd = data["keepalived"], data["keepalivedd"]
    section = f"IPVS, {data['config']['destinations']:,} destinations (lab VM)"
    rows = [row(section, "empty table -> full", ka["start_s"], kd["start_s"], "s"),
            row(section, "SIGTERM -> gone", ka["stop_s"], kd["stop_s"], "s")]
    rows.append(row(section, "destinations left after stop", ka.get("left_after_stop"), kd.get("left_after_stop"), ""))
    return rows


def _mib(kib: float | None) -> float | None:
    return None if kib is None else kib / 1024


def health_rows(data: dict) -> list[dict]:
    ka, kd = data["keepalived"], data["keepalivedd"]
    section = f"health, {data['config']['real_servers']:,} TCP_CHECKs at delay_loop {data['config']['delay_loop']} (lab VM)"

    def detect(side: dict):
        values = side.get("detect_s") or []
        return statistics.median(values) if values else None

    return [row(section, "CPU", ka["cpu_s_per_min"], kd["cpu_s_per_min"], "s/min", goal="below keepalived"),
            row(section, "peak RSS", ka["hwm_kb"] / 1024, kd["hwm_kb"] / 1024, "MiB", goal="below keepalived"),
            row(section, "RSS: own data (RssAnon)", _mib(ka.get("anon_kb")), _mib(kd.get("anon_kb")), "MiB"),
            row(section, "checks/s", ka["lateness"]["checks_per_s"], kd["lateness"]["checks_per_s"], "/s",
                better="higher", goal=f"{ka['lateness']['expected_checks_per_s']:.0f} expected"),
            row(section, "lateness p99", ka["lateness"]["p99_ms"], kd["lateness"]["p99_ms"], "ms", goal="< 20 ms"),
            row(section, "server dies -> removed (median)", detect(ka), detect(kd), "s",
                goal=f"<= {data['detection_bound_s']['refused (RST)']} s + 50 ms")]


def reload_rows(data: dict) -> list[dict]:
    section = "reload, one weight in 2,000 x 20 (lab VM)"
    ka, kd = data.get("keepalived", {}), data.get("keepalivedd", {})

    def median_of(side: dict, key: str, scale: float = 1.0):
        values = [r[key] for r in side.get("reloads", []) if isinstance(r.get(key), (int, float))]
        return statistics.median(values) * scale if values else None

    def visible(side: dict):
        # Reloads that ran but never showed the new weight are reported as such, not as n/a.
        value = median_of(side, "visible_s", 1000)
        if value is None and side.get("reloads"):
            return f"not within {data.get('reload_timeout_s', '?')} s"
        return value

    rows = [row(section, "SIGHUP -> new weight in the kernel (median)", visible(ka), visible(kd), "ms",
                goal="< 200 ms and below keepalived")]
    operations = [r.get("ipvs_operations") for r in kd.get("reloads", []) if r.get("ipvs_operations") is not None]
    if operations:
        rows.append(row(section, "IPVS operations per reload", None, max(operations), "", goal="1"))
    return rows


def vrrp_rows(data: dict) -> list[dict]:
    rows = []
    for version, interval in ((2, 1.0), (3, 0.1)):
        runs = {run["master"]: run for run in data["failover"] if run["version"] == version and run["master"] == run["backup"]}
        if "keepalived" in runs and "keepalivedd" in runs:
            section = f"VRRP failover, v{version} advert_int {interval:g}"
            bound = runs["keepalivedd"]["master_down_interval_s"] * 1000
            rows.append(row(section, "master hangs -> backup adverts (median)", runs["keepalived"]["median_s"] * 1000,
                            runs["keepalivedd"]["median_s"] * 1000, "ms", goal=f"<= {bound:.1f} + 30 ms"))
    bulk = {run["impl"]: run for run in data.get("bulk", [])}
    if "keepalived" in bulk and "keepalivedd" in bulk:
        def phase(run: dict, name: str) -> dict:
            return next((p for p in run["phases"] if p["phase"] == name), {})
        section = f"VRRP, {bulk['keepalivedd']['instances']:,} instances"
        ka, kd = phase(bulk["keepalived"], "with_backup"), phase(bulk["keepalivedd"], "with_backup")
        for who in ("master", "backup"):
            rows.append(row(section, f"{who} CPU", ka.get("cpu_s_per_min", {}).get(who),
                            kd.get("cpu_s_per_min", {}).get(who), "s/min"))
        rows.append(row(section, "late adverts", ka.get("late_intervals"), kd.get("late_intervals"), ""))
    return rows


def fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"  # counts written as text ("0", "1") and read back as floats
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value:,}"


def draw(rows: list[dict], path: Path, title: str) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
    except ImportError:
        print("bench-summary: matplotlib is missing; no chart (pip install matplotlib)")
        return False
    plotted = [r for r in rows if isinstance(r["keepalived"], (int, float)) and isinstance(r["keepalivedd"], (int, float))
               and r["keepalived"] > 0 and r["keepalivedd"] > 0]  # a log axis has no 0
    labels = [f"{r['section']}: {r['metric']}" for r in plotted]
    ratios = [r["keepalivedd"] / r["keepalived"] * 100 for r in plotted]
    colors = ["tab:green" if (ratio <= 100) == (r["better"] == "lower") or ratio == 100 else "tab:red"
              for ratio, r in zip(ratios, plotted)]
    figure, axis = plt.subplots(figsize=(11, 0.42 * len(plotted) + 1.6))
    axis.barh(range(len(plotted)), ratios, color=colors)
    axis.axvline(100, color="black", linewidth=1)
    axis.set_yticks(range(len(plotted)), labels, fontsize=8)
    axis.invert_yaxis()
    axis.set_xscale("log")
    # Percent ticks only (a log axis labels its minor ticks too, and they overlap).
    low, high = min(ratios + [100]) / 1.5, max(ratios + [100]) * 1.5
    axis.set_xlim(low, high)
    ticks = [t for t in (5, 10, 20, 50, 100, 200, 500, 1000, 2000) if low <= t <= high]
    axis.xaxis.set_major_locator(FixedLocator(ticks))
    axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}%"))
    axis.xaxis.set_minor_formatter(NullFormatter())
    axis.set_xlabel("keepalivedd as % of keepalived (log scale; green = better, red = worse)")
    axis.set_title(title, fontsize=9, loc="right")
    for index, ratio in enumerate(ratios):
        axis.text(ratio, index, f" {ratio:.0f}%", va="center", fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "bench-out")
    args = parser.parse_args()
    rows: list[dict] = []
    for name, build in (("conftest", conftest_rows), ("vrrp", vrrp_rows), ("ipvs", ipvs_rows),
                        ("health", health_rows), ("health-10k", health_rows), ("reload", reload_rows)):
        data = load(args.out, name)
        if data is None:
            print(f"bench-summary: no bench-{name}.json (that part did not run)")
            continue
        try:
            rows += build(data)
        except (KeyError, TypeError, ValueError) as error:
            print(f"bench-summary: bench-{name}.json has an unexpected shape ({error!r}); left out")
    when = time.strftime("%Y-%m-%d")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"
    print(f"\nmake bench, {when}, {machine}\n")
    print("| benchmark | metric | keepalived | keepalivedd | unit | goal |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['section']} | {r['metric']} | {fmt(r['keepalived'])} | {fmt(r['keepalivedd'])} | {r['unit']} | {r['goal']} |")
    summary = {"date": when, "machine": machine, "rows": rows}
    (args.out / "bench-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    chart = args.out / "bench-summary.png"
    if draw(rows, chart, f"keepalivedd vs keepalived 2.2.7, make bench {when} ({machine})"):
        print(f"\nwrote {args.out / 'bench-summary.json'} and {chart}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
