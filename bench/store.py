"""Benchmark: the store on SQLite and PostgreSQL.

- events recorded per second, one event a call and batched (one transaction per
  batch of about 10,000 events), for tickets of 5, 50 and 500 events;
- an idle sweep (nothing due) with 10, 10,000 and 1,000,000 open timers;
- a sweep of 1,000 due tickets (2,000 steps) among 1,000,000 open timers;
- re-dating after a holiday is added to the calendar of 1,000,000 open timers.

The policy has first response and resolution timers on the shipped
``us-ny-9x5`` calendar, a matrix and a three-step ladder (first-response breach;
resolution at 50 % and at the breach). The 1,000,000-timer fixture (500,000
tickets, each with its ``created`` event and two running timers, deadlines all
different) is written in bulk with Core ``INSERT`` executemany, not the ORM.
PostgreSQL runs in a database the benchmark creates (``sla_bench_<random>``) on
``SLA_BENCH_DATABASE_URL`` (default: the test server) and drops at the end.

Usage::

    .venv/bin/python bench/store.py                      # SQLite and PostgreSQL, full size
    .venv/bin/python bench/store.py --backends sqlite --timers 20000 --events 2000   # small

Prints Markdown to stdout. It measures and reports; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# Run from the repository root, this checkout's package wins over an installed one.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, make_url, select, text, update

from bench._machine import cpu_model
from sla_timers import BusinessCalendar, TicketEvent
from sla_timers.store import migrate
from sla_timers.store.engine import make_engine
from sla_timers.store.models import EventRow, TicketRow, TimerRow
from sla_timers.store.store import Store, digest
from sla_timers.store.tables import bulk_insert

NY = ZoneInfo("America/New_York")
POLICY = """
name = "basic"
version = 1
effective_from = "2026-01-01"
calendar = "us-ny-9x5"
[metrics.first_response]
[metrics.resolution]
pauses = true
[targets.urgent]
first_response = "30m"
resolution = "4h"
[targets.high]
first_response = "1h"
resolution = "8h"
[targets.normal]
first_response = "4h"
resolution = "16h"
"""
MATRIX = """
priorities = ["urgent", "high", "normal"]
default_priority = "high"
default_policy = "basic"
default_calendar = "us-ny-9x5"
"""
LADDERS = """
[[ladders.basic.first_response]]
id = "breach"
at = 1.0
notify = [{ group = "desk" }]
[[ladders.basic.resolution]]
id = "half"
at = 0.5
notify = [{ group = "desk" }]
[[ladders.basic.resolution]]
id = "breach"
at = 1.0
notify = [{ role = "manager" }]
"""
HOLIDAY_CALENDAR = """
name = "us-ny-9x5"
timezone = "America/New_York"
[hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
[holidays]
country = "US"
subdiv = "NY"
dates = ["2027-03-15"]
"""
SETUP_AT = datetime(2026, 1, 1, tzinfo=UTC)
#: The fixture's tickets are created from here on, a second apart, all before NOW.
FIXTURE_START = datetime(2027, 1, 4, 9, tzinfo=NY)
NOW = datetime(2027, 3, 1, 12, tzinfo=NY)


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh database URL of the backend, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    url = make_url(os.environ.get("SLA_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    name = f"sla_bench_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def fresh_store(url: str) -> Store:
    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Store(engine)
    store.put_policy(POLICY, now=SETUP_AT)
    store.put_matrix(MATRIX, effective_from=SETUP_AT, now=SETUP_AT)
    store.put_ladders(LADDERS, effective_from=SETUP_AT, now=SETUP_AT)
    return store


def conversation(n: int, start: datetime, prefix: str) -> list[TicketEvent]:
    """A ticket of ``n`` events: created, then customer and agent messages with
    pending spells, a minute or more apart, solved at the end."""
    events = [TicketEvent("created", start, id=f"{prefix}c", priority="high", status="new")]
    t = start
    kinds = [
        ("agent_reply", {"public": True}),
        ("status", {"status": "pending"}),
        ("customer_reply", {}),
        ("status", {"status": "open"}),
    ]
    for i in range(1, n - 1):
        t += timedelta(minutes=1)
        kind, data = kinds[i % len(kinds)]
        events.append(TicketEvent(kind, t, id=f"{prefix}{i}", **data))
    if n > 1:
        events.append(TicketEvent("status", t + timedelta(minutes=1), id=f"{prefix}end", status="solved"))
    return events


def best(func: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """The fastest of ``repeats`` runs: (wall seconds, CPU seconds of this process)."""
    times = []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        func()
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    return min(times)


@contextmanager
def timed(into: list[float]) -> Iterator[None]:
    """Append the wall and CPU seconds of the block to ``into``."""
    t0, c0 = time.perf_counter(), time.process_time()
    yield
    into += [time.perf_counter() - t0, time.process_time() - c0]


def bench_ingest(url: str, sizes: tuple[int, ...], budget: int) -> list[tuple[int, float, float, float, float]]:
    """(events per ticket, events/s one a call, the same by CPU time, events/s batched, the same by CPU)."""
    rows = []
    store = fresh_store(url)
    for size in sizes:
        # One event a call: about budget / 20 calls (at most 500), over whole tickets where they fit.
        calls = max(5, min(budget // 20, 500))
        singles = max(1, calls // size)
        start = datetime(2026, 11, 30, 9, tzinfo=NY)
        now = start + timedelta(minutes=size + 5)
        logs = [conversation(size, start, f"s{size}-{t}/")[:calls] for t in range(singles)]
        one: list[float] = []
        count = 0
        with timed(one):
            for t, log in enumerate(logs):
                for event in log:
                    store.record({f"s{size}-{t}": [event]}, now=now)
                    count += 1
        tickets = max(1, budget // size)
        batch = {f"b{size}-{t}": conversation(size, start, f"b{size}-{t}/") for t in range(tickets)}
        many: list[float] = []
        with timed(many):
            store.record(batch, now=now)
        n = tickets * size
        rows.append((size, count / one[0], count / one[1], n / many[0], n / many[1]))
    store.engine.dispose()
    return rows


def grow_fixture(store: Store, cal: BusinessCalendar, start: int, end: int, due: int = 0) -> None:
    """Tickets ``start`` to ``end - 1`` with a created event and two running timers each,
    written in bulk. The first ``due`` of them are due for a sweep at NOW."""
    first, res = timedelta(hours=1), timedelta(hours=8)
    never = NOW + timedelta(days=365)
    chunk = 20_000
    for lo in range(start, end, chunk):
        hi = min(end, lo + chunk)
        tickets, events, timers = [], [], []
        for i in range(lo, hi):
            tickets.append(
                {
                    "id": i + 1,
                    "host_id": f"F{i}",
                    "inputs": {},
                    "updated_at": NOW,
                    "classification": {
                        "priority": "high",
                        "policy": "basic",
                        "calendar": "us-ny-9x5",
                        "tags": [],
                        "matrix_version": 1,
                    },
                    "trace": [],
                    "matrix_version": 1,
                    "priority": "high",
                    "policy_name": "basic",
                    "policy_version": 1,
                    "calendar": "us-ny-9x5",
                    "created_at": _created(i, due),
                }
            )
        with store.engine.begin() as c:
            bulk_insert(c, TicketRow.__table__, tickets)
        for i in range(lo, hi):
            at = _created(i, due)
            event = TicketEvent("created", at, id="c", priority="high", status="new")
            payload = event.to_dict()
            events.append(
                {
                    "ticket_id": i + 1,
                    "event_id": "c",
                    "kind": "created",
                    "occurred_at": at,
                    "payload": payload,
                    "digest": digest(payload),
                    "received_at": at,
                    "source": "host",
                }
            )
            for metric, target in (("first_response", first), ("resolution", res)):
                due_at = cal.add(at, target)
                timers.append(
                    {
                        "ticket_id": i + 1,
                        "metric": metric,
                        "cycle": 1,
                        "status": "running",
                        "clock": "business",
                        "target_us": target // timedelta(microseconds=1),
                        "elapsed_us": 0,
                        "remaining_us": target // timedelta(microseconds=1),
                        "started_at": at,
                        "due_at": due_at,
                        "running_since": at,
                        "next_check_at": NOW - timedelta(seconds=1) if i < due else never,
                        "evaluated_at": at,
                    }
                )
        with store.engine.begin() as c:
            bulk_insert(c, EventRow.__table__, events)
            bulk_insert(c, TimerRow.__table__, timers)
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            # The fixture wrote its ids itself: move the sequence past them.
            c.execute(
                text("SELECT setval(pg_get_serial_sequence('sla_tickets', 'id'), (SELECT max(id) FROM sla_tickets))")
            )
            c.execute(text("ANALYZE"))


def _created(i: int, due: int = 0) -> datetime:
    # Spread over the fixture's weeks so every deadline differs (no shared work when re-dating).
    return FIXTURE_START + timedelta(seconds=(i * 7) % (40 * 86400))


def bench_sweeps(url: str, sizes: tuple[int, ...], due: int, repeats: int) -> dict[str, Any]:
    store = fresh_store(url)
    cal = BusinessCalendar.load("us-ny-9x5")
    out: dict[str, Any] = {"idle": []}
    have = 0
    for size in sizes:
        grown: list[float] = []
        with timed(grown):
            grow_fixture(store, cal, have // 2, size // 2)
        build = grown[0]
        have = size
        store.sweep(NOW)
        out["idle"].append((size, best(lambda: store.sweep(NOW), repeats), build))
    # Make `due` tickets due: created two days before NOW, so the first-response breach and
    # the resolution's 50 % step are both due at NOW.
    with store.engine.begin() as c:
        c.execute(update(TimerRow).where(TimerRow.ticket_id <= due).values(next_check_at=NOW - timedelta(seconds=1)))
    redo = [i for i in range(due)]
    with store.engine.begin() as c:
        for lo in range(0, len(redo), 5000):
            part = redo[lo : lo + 5000]
            c.execute(
                update(TicketRow)
                .where(TicketRow.id.in_([i + 1 for i in part]))
                .values(created_at=NOW - timedelta(days=2))
            )
            c.execute(
                update(EventRow)
                .where(EventRow.ticket_id.in_([i + 1 for i in part]))
                .values(
                    occurred_at=NOW - timedelta(days=2),
                    payload=TicketEvent(
                        "created", NOW - timedelta(days=2), id="c", priority="high", status="new"
                    ).to_dict(),
                )
            )
    swept: list[float] = []
    with timed(swept):
        result = store.sweep(NOW, batch_size=500)
    out["due"] = (due, result.steps, *swept)
    with store.engine.connect() as c:
        open_timers = c.execute(
            select(TimerRow.id).where(TimerRow.stopped_at.is_(None)).order_by(TimerRow.id.desc()).limit(1)
        ).scalar_one()
    progress: list[tuple[int, int]] = []
    redated: list[float] = []
    with timed(redated):
        store.put_calendar(HOLIDAY_CALENDAR, effective_from=NOW, now=NOW, progress=lambda d, t: progress.append((d, t)))
    out["redate"] = (progress[-1][1] if progress else 0, len(progress), *redated, open_timers)
    store.engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--timers", type=int, default=1_000_000, help="largest open-timer count")
    parser.add_argument("--events", type=int, default=10_000, help="events in a batched record() call")
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    sizes = tuple(s for s in (10, 10_000, 1_000_000) if s < args.timers) + (args.timers,)
    sizes = tuple(sorted(set(sizes)))
    print(f"Command: `python bench/store.py {' '.join(argv if argv is not None else sys.argv[1:])}`  ")
    print(
        f"Machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f} at start  "
    )
    print(
        "Goals (PostgreSQL): >= 5,000 events/s batched; idle sweep flat and < 20 ms; "
        "1,000-due sweep < 2 s; re-dating 1,000,000 timers < 60 s\n"
    )
    for backend in args.backends.split(","):
        with database(backend) as url:
            ingest = bench_ingest(url, (5, 50, 500), args.events)
            print(f"### {backend}: ingestion\n")
            print(
                f"| events per ticket | events/s, one a call (by CPU time) "
                f"| events/s, batched, ~{args.events:,} a call (by CPU time) |"
            )
            print("|---:|---:|---:|")
            for size, single, single_cpu, batched, batched_cpu in ingest:
                print(f"| {size} | {single:,.0f} ({single_cpu:,.0f}) | {batched:,.0f} ({batched_cpu:,.0f}) |")
        with database(backend) as url:
            sweeps = bench_sweeps(url, sizes, args.due, args.repeats)
        print(f"\n### {backend}: sweep and re-dating\n")
        print("| case | open timers | result | wall time | CPU time |")
        print("|---|---:|---|---:|---:|")
        for size, (seconds, cpu), build in sweeps["idle"]:
            print(
                f"| idle sweep (fixture grown in {build:.1f} s) | {size:,} | nothing due "
                f"| {seconds * 1000:.2f} ms | {cpu * 1000:.2f} ms |"
            )
        due, steps, seconds, cpu = sweeps["due"]
        print(f"| sweep of {due:,} due tickets | {sizes[-1]:,} | {steps:,} steps | {seconds:.2f} s | {cpu:.2f} s |")
        total, batches, seconds, cpu, _ = sweeps["redate"]
        print(
            f"| re-dating after a holiday is added | {sizes[-1]:,} | {total:,} running timers moved "
            f"in {batches} batches | {seconds:.1f} s | {cpu:.1f} s |\n"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
