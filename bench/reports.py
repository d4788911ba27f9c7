"""Benchmark: a monthly report over 1,000,000 timer cycles, streamed, in the pure layer.

The records are generated lazily (seeded) as flat rows, the shape the store's
streaming query yields (``sla_timers.reports.records.TimerLike``): a month of cycles of four metrics,
three priorities, five business lines, 50 customer organisations and ten
groups, about 8% breached, 3% still running, some waiting on the customer.
Each report runs in a fresh interpreter that reads the generator once, so its
peak resident memory (``ru_maxrss``) is what one report over a stream costs,
interpreter and imports included. Time is wall time (``time.perf_counter``)
and CPU time of that process; "generate only" is the cost of building the
records alone, which a store pays too when it turns rows into records.

The peer is pandas: the same compliance figures (counts, percent met, median
and 90th percentile) with ``groupby``, over the same records materialized as
a DataFrame, the usual way such a report is written.

The issue's goal (under 10 s and 300 MB) is for the whole report from
PostgreSQL; this measures the pure part, which the store's streaming query
feeds.

Usage::

    /work/venv/bin/python bench/reports.py              # 1,000,000 cycles
    /work/venv/bin/python bench/reports.py --n 100000   # quicker

Prints Markdown to stdout. It measures and reports; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sla_timers.reports import (
    Contract,
    ServiceLevels,
    compliance,
    review,
    service_credits,
    service_levels,
)

GOAL_S, GOAL_MB = 10.0, 300.0
START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
METRICS = {"first_response": 3600, "next_response": 7200, "periodic_update": 14400, "resolution": 28800}
PRIORITIES = ("urgent", "high", "normal")
LINES = ("hardware", "software", "network", "billing", "hr")
ORGS = tuple(f"org{i:02d}" for i in range(50))
GROUPS = tuple(f"tier{i}" for i in range(10))
LEVELS = ServiceLevels.from_dict({"first_response": {"*": "80/30, 95/120"}, "resolution": {"*": "90/480"}})
CONTRACTS = [
    Contract.from_dict(
        {
            "customer": org,
            "monthly_fee": "10000.00",
            "at_risk": "20%",
            "tiers": [
                {"measure": "compliance", "metric": "resolution", "below": 95, "credit": "5%"},
                {"measure": "compliance", "metric": "resolution", "below": 90, "credit": "10%"},
            ],
            "per_breach": [{"metric": "first_response", "priority": "urgent", "credit": "50.00"}],
        }
    )
    for org in ORGS
]


class StoreRow(NamedTuple):
    """A flat row as the store's streaming query yields it (see ``TimerLike``)."""

    ticket_id: str
    metric: str
    status: str
    target: timedelta | None
    started_at: datetime
    stopped_at: datetime | None
    elapsed: timedelta
    paused_for: timedelta
    customer_wait: timedelta
    priority: str | None
    business_line: str | None
    policy: str | None
    group: str | None
    organisation: str | None


def records(n: int, seed: int = 7) -> Iterator[StoreRow]:
    """``n`` rows of November 2026, each built when asked for."""
    rng = random.Random(seed)
    span = int((END - START).total_seconds()) - 86400
    metrics = list(METRICS.items())
    zero = timedelta(0)
    for i in range(n):
        metric, target_s = metrics[i % 4]
        roll = rng.random()
        started = START + timedelta(seconds=int(span * rng.random()))
        # 89% well within target; the rest up to twice the target.
        elapsed = timedelta(seconds=int(target_s * (0.05 + 0.9 * roll / 0.89 if roll < 0.89 else 2 * roll)))
        target = timedelta(seconds=target_s)
        status = "running" if roll > 0.97 else ("met" if elapsed <= target else "breached")
        stopped = None if status == "running" else started + elapsed + timedelta(hours=i % 16)
        wait = timedelta(minutes=i % 240) if i % 5 == 0 else zero
        yield StoreRow(
            f"t{i // 4}",
            metric,
            status,
            target,
            started,
            stopped,
            elapsed,
            wait if metric != "first_response" else zero,
            wait,
            PRIORITIES[i % 3],
            LINES[i % 5],
            "standard",
            GROUPS[i % 10],
            ORGS[i % 50],
        )


def run_one(name: str, n: int) -> dict[str, Any]:
    """Run one report in this process; return its figures."""
    wall, cpu = time.perf_counter(), time.process_time()
    rows: int
    if name == "generate only":
        rows = sum(1 for _ in records(n))
    elif name == "compliance":
        rows = len(
            compliance(
                records(n),
                group_by=["priority", "business_line"],
                period="month",
                zone="America/New_York",
                start=START,
                end=END + timedelta(days=2),
            )
        )
    elif name == "service levels":
        rows = len(service_levels(records(n), LEVELS, group_by=["organisation"], period="month"))
    elif name == "service credits":
        rows = len(service_credits(CONTRACTS, records(n), start=START, end=END + timedelta(days=2)))
    elif name == "review":
        rows = len(review(records(n), start=START, end=END + timedelta(days=2), period="week"))
    elif name == "pandas compliance":
        rows = _pandas(n)
    else:
        raise SystemExit(f"unknown report {name!r}")
    return {
        "rows": rows,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _pandas(n: int) -> int:
    import pandas as pd

    frame = pd.DataFrame.from_records(
        (
            (
                r.metric,
                r.priority,
                r.business_line,
                r.status,
                r.elapsed.total_seconds(),
                r.stopped_at is not None,
                r.customer_wait.total_seconds(),
            )
            for r in records(n)
        ),
        columns=["metric", "priority", "line", "status", "elapsed", "stopped", "wait"],
    )
    grouped = frame.groupby(["metric", "priority", "line"])
    met = grouped["status"].apply(lambda s: (s == "met").sum())
    breached = grouped["status"].apply(lambda s: (s == "breached").sum())
    stopped = frame[frame["stopped"]].groupby(["metric", "priority", "line"])["elapsed"]
    result = pd.DataFrame(
        {
            "met": met,
            "breached": breached,
            "pct": 100 * met / (met + breached),
            "median": stopped.quantile(0.5, interpolation="higher"),
            "p90": stopped.quantile(0.9, interpolation="higher"),
            "wait": grouped["wait"].sum(),
        }
    )
    return len(result)


REPORTS = ("generate only", "compliance", "service levels", "service credits", "review", "pandas compliance")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        figures = run_one(args.one, args.n)
        print(repr(figures))
        return
    load = os.getloadavg()[0]
    print(f"Command: `{' '.join(['python', 'bench/reports.py', *sys.argv[1:]])}`  ")
    print(f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {load:.2f} at start  ")
    print(f"Records: {args.n:,} timer cycles of November 2026, generated lazily; one fresh process per report\n")
    print("| report | rows out | wall s | CPU s | peak RSS MB | goal (< 10 s, < 300 MB) |")
    print("|---|---:|---:|---:|---:|---|")
    for name in REPORTS:
        out = subprocess.run(
            [sys.executable, __file__, "--one", name, "--n", str(args.n)], capture_output=True, text=True, check=True
        ).stdout
        f = eval(out.strip().splitlines()[-1])  # our own repr of a dict of numbers
        goal = (
            ""
            if name in ("generate only", "pandas compliance")
            else ("met" if f["wall"] < GOAL_S and f["rss_mb"] < GOAL_MB else "missed")
        )
        print(f"| {name} | {f['rows']:,} | {f['wall']:.2f} | {f['cpu']:.2f} | {f['rss_mb']:.0f} | {goal} |")


if __name__ == "__main__":
    main()
