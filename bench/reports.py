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

PostgreSQL mode (``--database URL``, a server the bench may create a database
on) measures the whole path the issue's goal is about: the bench makes its own
database (``sla_bench_reports``, dropped afterwards unless ``--keep``), brings
it to the latest migration, and bulk-loads the store's tables with COPY:
``--n`` cycles of November 2026 (four metrics a ticket) plus a tenth as many of
October, which the month's query must leave out. Each report then runs in a
fresh interpreter that streams the month's cycles from ``sla_timers`` joined
with ``sla_tickets`` (``sla_timers.store.report_source.stream_timers``, a
server-side cursor read in batches) into the pure report. CPU time is the
report process's own; the database server's work shows in wall time only.

    /work/venv/bin/python bench/reports.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

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


def run_one(name: str, n: int, database: str | None = None) -> dict[str, Any]:
    """Run one report in this process; return its figures. With ``database``,
    the records stream from the store there instead of being generated."""
    server_pid = None
    if database is not None:
        engine = _engine(database)
        server_pid = _backend_pid(engine)
    server_cpu = _process_cpu(server_pid)
    wall, cpu = time.perf_counter(), time.process_time()
    rows: int
    if database is not None:

        def records(n: int) -> Iterator[Any]:  # noqa: F811 (the store's rows replace the generated ones)
            from sla_timers.store.report_source import stream_timers

            return stream_timers(engine, start=START, end=END + timedelta(days=2))

    else:
        records = globals()["records"]
    if name == "generate only":
        rows = sum(1 for _ in records(n))
    elif name == "stream only":
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
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = _process_cpu(server_pid)
    if database is not None:
        engine.dispose()
    return {
        "rows": rows,
        "wall": wall,
        "cpu": cpu,
        "server_cpu": None if server_cpu is None or after is None else after - server_cpu,
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
#: What the PostgreSQL mode runs: the query alone, then each report fed by it.
DB_REPORTS = ("stream only", "compliance", "service levels", "service credits", "review")
BENCH_DATABASE = "sla_bench_reports"


def _backend_pid(engine: Any) -> int | None:
    """The server process behind the engine's one pooled connection (the one the report
    then streams through), or None when the server is not PostgreSQL."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _process_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) of process ``pid`` on this machine, from /proc; None
    when it cannot be read (another host, another OS)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _engine(url: str) -> Any:
    from sla_timers.store.engine import make_engine

    return make_engine(url)


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def build_fixture(url: str, n: int, name: str = BENCH_DATABASE) -> dict[str, Any]:
    """Create database ``name`` on the server of ``url``, migrate it, and COPY
    ``n`` November cycles (plus ``n // 10`` of October) into it. Returns the
    bench database's URL and the build's figures."""
    from sqlalchemy import create_engine, make_url, text

    from sla_timers.store import migrate

    server = make_url(url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    bench_url = server.set(database=name).render_as_string(hide_password=False)
    engine = _engine(bench_url)
    migrate.upgrade(engine)
    wall = time.perf_counter()
    october = n // 10
    tickets = (n + october + 3) // 4
    now = END + timedelta(days=2)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(
            "COPY sla_tickets (id, host_id, inputs, priority, policy_name, business_line, assigned_group,"
            " organisation, created_at, updated_at) FROM STDIN"
        ) as copy:
            for t in range(tickets):
                copy.write_row(
                    (t + 1, f"t{t}", "{}", PRIORITIES[t % 3], "standard", LINES[t % 5], GROUPS[t % 10], ORGS[t % 50],
                     START.isoformat(), now.isoformat())
                )  # fmt: skip
        with cursor.copy(
            "COPY sla_timers (ticket_id, metric, cycle, status, clock, target_us, elapsed_us, started_at,"
            " stopped_at, paused_for_us, customer_wait_us, evaluated_at) FROM STDIN"
        ) as copy:
            for i, row in enumerate(records(n)):
                copy.write_row(_timer_copy_row(i // 4 + 1, row, now, shift=timedelta(0)))
            # October's cycles: the same shapes a month earlier, on the last tickets.
            for i, row in enumerate(records(october, seed=11)):
                copy.write_row(_timer_copy_row((n + i) // 4 + 1, row, now, shift=timedelta(days=-31)))
        cursor.execute("ANALYZE sla_tickets")
        cursor.execute("ANALYZE sla_timers")
        raw.commit()
    finally:
        raw.close()
    engine.dispose()
    return {"url": bench_url, "tickets": tickets, "cycles": n + october, "load_s": time.perf_counter() - wall}


def _timer_copy_row(ticket_id: int, row: StoreRow, now: datetime, shift: timedelta) -> tuple[Any, ...]:
    us = timedelta(microseconds=1)
    stopped = None if row.stopped_at is None else row.stopped_at + shift
    return (
        ticket_id,
        row.metric,
        1,
        row.status,
        "business",
        None if row.target is None else row.target // us,
        row.elapsed // us,
        _timestamp(row.started_at + shift),
        _timestamp(stopped),
        row.paused_for // us,
        row.customer_wait // us,
        now.isoformat(),
    )


def drop_fixture(url: str, name: str = BENCH_DATABASE) -> None:
    """Drop the bench's database ``name`` on the server of ``url``."""
    from sqlalchemy import create_engine, text

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _run(name: str, n: int, database: str | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--one", name, "--n", str(n)]
    if database is not None:
        command += ["--database", database, "--fixture-ready"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return eval(out.strip().splitlines()[-1])  # type: ignore[no-any-return]  # our own repr of a dict of numbers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--database", default=None, help="PostgreSQL URL: report from the store there (see the docs)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--fixture-ready", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        figures = run_one(args.one, args.n, args.database)
        print(repr(figures))
        return
    load = os.getloadavg()[0]
    print(f"Command: `{' '.join(['python', 'bench/reports.py', *sys.argv[1:]])}`  ")
    print(f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {load:.2f} at start  ")
    if args.database is None:
        print(f"Records: {args.n:,} timer cycles of November 2026, generated lazily; one fresh process per report\n")
        names: tuple[str, ...] = REPORTS
        source = None
    else:
        built = build_fixture(args.database, args.n)
        source = built["url"]
        print(
            f"Store: PostgreSQL, {built['tickets']:,} tickets and {built['cycles']:,} timer cycles "
            f"({args.n:,} of November 2026) loaded with COPY in {built['load_s']:.1f} s; "
            "one fresh process per report, streaming the month from the store\n"
        )
        names = DB_REPORTS
    if args.database is None:
        print("| report | rows out | wall s | CPU s | peak RSS MB | goal (< 10 s, < 300 MB) |")
        print("|---|---:|---:|---:|---:|---|")
    else:
        print("| report | rows out | wall s | CPU s | server CPU s | peak RSS MB | goal (< 10 s, < 300 MB) |")
        print("|---|---:|---:|---:|---:|---:|---|")
    try:
        for name in names:
            f = _run(name, args.n, source)
            goal = (
                ""
                if name in ("generate only", "stream only", "pandas compliance")
                else ("met" if f["wall"] < GOAL_S and f["rss_mb"] < GOAL_MB else "missed")
            )
            server = "" if source is None else " n/a |" if f["server_cpu"] is None else f" {f['server_cpu']:.2f} |"
            print(f"| {name} | {f['rows']:,} | {f['wall']:.2f} | {f['cpu']:.2f} |{server} {f['rss_mb']:.0f} | {goal} |")
    finally:
        if args.database is not None and not args.keep:
            drop_fixture(args.database)


if __name__ == "__main__":
    main()
