"""Benchmark: the badges call for 50 tickets, served by a WSGI server on loopback
(waitress, gunicorn or granian), with 10,000 open tickets in the store.

The store runs in a database the benchmark creates (``sla_bench_<random>`` on
``SLA_BENCH_DATABASE_URL``, default the PostgreSQL test server; ``--url`` for any
other, SQLite included) and drops at the end. The fixture is built in bulk: 40
template tickets are recorded through the store (the example policies and matrix,
priorities urgent to low, some answered, some pending, some breached), then their
ticket, event and timer rows are copied with Core ``INSERT`` executemany until
there are ``--tickets`` open tickets, each copy's instants moved by a few
milliseconds so that no two tickets have the same timers.

The app (the example host configuration, every caller allowed) is served by
waitress in a process of its own (``--threads`` threads), by gunicorn's threaded
worker or by granian (``--workers`` processes of ``--threads`` threads). A client
in this process asks for the badges of 50 consecutive tickets from a random place
in the list:

- **open loop** at each of ``--rates`` requests/s for ``--seconds`` s: each request is sent
  at its scheduled instant (by a pool of connections large enough that none waits
  for another) and its latency counted from that instant, so a slow server cannot
  hide its queueing (no coordinated omission);
- **closed loop**: ``--clients`` connections asking back to back for ``--seconds``
  s, for the most it serves.

Latency is wall time on a machine shared with other work: the table gives the
server processes' CPU time per request beside it (and, for PostgreSQL on this
machine, its backends' for the benchmark's database), and the load average.

Usage::

    python bench/web.py                                   # PostgreSQL, 10,000 tickets, waitress
    python bench/web.py --server gunicorn --workers 2     # gunicorn instead
    python bench/web.py --server granian --workers 2 --threads 1
    python bench/web.py --url sqlite:///tmp/b.db --tickets 500 --seconds 3 --rates 20

Prints Markdown to stdout. It measures and reports; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import queue
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, make_url, select, text
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._machine import cpu_model, version  # noqa: E402
from sla_timers.store.models import EventRow, TicketRow, TimerRow  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PER_CALL = 50
TEMPLATES = 40


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """``url`` as given, or a fresh PostgreSQL database dropped afterwards."""
    if url is not None:
        yield url
        return
    server = make_url(os.environ.get("SLA_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    name = f"sla_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def make_app(url: str, threads: int = 1) -> Any:
    """The host app the benchmark serves: the example configuration, every caller allowed,
    with a connection pool of at least ``threads`` connections."""
    from flask import Flask

    from sla_timers.store.engine import make_engine
    from sla_timers.web import SLATimers

    app = Flask("bench")
    app.config.update(
        # SQLAlchemy keeps 5 connections by default: with more threads than that, the
        # ones over it are closed at each return and opened again (a new backend each time).
        SLA_ENGINE=make_engine(url, pool_size=max(5, threads)),
        SLA_POLICIES=[str(EXAMPLES / "policies")],
        SLA_PRIORITY_MATRIX=str(EXAMPLES / "priority_matrix.toml"),
        SLA_AGENT_AUTHORIZER=_allow_ticket,
        SLA_ADMIN_AUTHORIZER=_allow,
    )
    SLATimers(app)
    return app


def _allow() -> bool:
    return True


def _allow_ticket(ticket_id: str | None) -> bool:
    return True


def _template_events(k: int, now: datetime) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Events and matrix inputs of template ticket ``k``: created in the last days, in
    a mix of states (running, answered, pending, breached)."""
    impacts, urgencies = ("company", "department", "person"), ("blocking", "degraded", "cosmetic")
    created = now - timedelta(minutes=37 * k + 5)
    ticket = f"T{k}"
    events = [{"ticket": ticket, "kind": "created", "at": created.isoformat(), "id": "c", "priority": "normal"}]
    if k % 2:
        at = created + timedelta(minutes=3)
        events.append({"ticket": ticket, "kind": "agent_reply", "at": at.isoformat(), "id": "r", "public": True})
    if k % 5 == 1:
        at = created + timedelta(minutes=4)
        events.append({"ticket": ticket, "kind": "status", "at": at.isoformat(), "id": "p", "status": "pending"})
    inputs = {"category": "email", "impact": impacts[k % 3], "urgency": urgencies[(k // 3) % 3]}
    if k % 7 == 0:
        inputs["fields"] = {"business_line": "sales"}
    return events, inputs


def build_fixture(url: str, tickets: int) -> float:
    """``tickets`` open tickets in the store at ``url``; returns the seconds it took."""
    started = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        store = app.extensions["sla_timers"].store()
    now = datetime.now(UTC)
    events: list[dict[str, Any]] = []
    inputs: dict[str, Any] = {}
    for k in range(TEMPLATES):
        more, fields = _template_events(k, now)
        events += more
        inputs[f"T{k}"] = fields
    store.record(events, inputs=inputs)
    with store.engine.connect() as c:
        ticket_rows = [dict(r._mapping) for r in c.execute(select(TicketRow).order_by(TicketRow.id))]
        event_rows = [dict(r._mapping) for r in c.execute(select(EventRow))]
        timer_rows = [dict(r._mapping) for r in c.execute(select(TimerRow))]
        next_id = max(r["id"] for r in ticket_rows) + 1
    copies: list[dict[str, Any]] = []
    by_ticket: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
        r["id"]: (
            [e for e in event_rows if e["ticket_id"] == r["id"]],
            [t for t in timer_rows if t["ticket_id"] == r["id"]],
        )
        for r in ticket_rows
    }
    new_events: list[dict[str, Any]] = []
    new_timers: list[dict[str, Any]] = []
    for n in range(TEMPLATES, tickets):
        template = ticket_rows[n % TEMPLATES]
        # Each copy's instants move by n ms, so no two tickets have the same timers (a
        # badge kept for one ticket's timers is never another's, as on a real helpdesk).
        shift = timedelta(milliseconds=n)
        copies.append(_shifted(template, shift) | {"id": next_id, "host_id": f"T{n}"})
        their_events, their_timers = by_ticket[template["id"]]
        new_events += [_shifted(e, shift, drop="id") | {"ticket_id": next_id} for e in their_events]
        new_timers += [_shifted(t, shift, drop="id") | {"ticket_id": next_id} for t in their_timers]
        next_id += 1
    with store.engine.begin() as c:
        for lo in range(0, len(copies), 5000):
            c.execute(insert(TicketRow), copies[lo : lo + 5000])
        for lo in range(0, len(new_events), 5000):
            c.execute(insert(EventRow), new_events[lo : lo + 5000])
        for lo in range(0, len(new_timers), 5000):
            c.execute(insert(TimerRow), new_timers[lo : lo + 5000])
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            # The copies carry their own ids: move the sequence past them.
            c.execute(
                text("SELECT setval(pg_get_serial_sequence('sla_tickets', 'id'), (SELECT max(id) FROM sla_tickets))")
            )
            c.execute(text("ANALYZE"))
    store.engine.dispose()
    return time.perf_counter() - started


def _shifted(row: dict[str, Any], shift: timedelta, drop: str | None = None) -> dict[str, Any]:
    """``row`` with every instant moved by ``shift`` (and without column ``drop``)."""
    return {k: v + shift if isinstance(v, datetime) else v for k, v in row.items() if k != drop}


def wsgi_app() -> Any:
    """The app for gunicorn and granian (``bench.web:wsgi_app()``), on ``$SLA_BENCH_WSGI_URL``
    with ``$SLA_BENCH_THREADS`` threads."""
    return make_app(os.environ["SLA_BENCH_WSGI_URL"], int(os.environ.get("SLA_BENCH_THREADS", "1")))


def start_server(kind: str, url: str, port: int, threads: int, workers: int) -> tuple[Any, int, list[int]]:
    """Start the server; returns a handle, the pid to watch and a way to list its processes."""
    if kind == "gunicorn":
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            # Threads even at --threads 1 (gunicorn's sync worker closes every connection).
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            # The load generator keeps its connections between requests, idle up to
            # a few seconds at low rates: longer than gunicorn's default 2 s.
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            "bench.web:wsgi_app()",
        ]
        root = Path(__file__).resolve().parents[1]
        env = os.environ | {"SLA_BENCH_WSGI_URL": url, "SLA_BENCH_THREADS": str(threads), "PYTHONPATH": str(root)}
        process = subprocess.Popen(command, cwd=root, env=env)
        return process, process.pid, []
    if kind == "granian":
        command = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--factory",
            "bench.web:wsgi_app",
        ]
        root = Path(__file__).resolve().parents[1]
        path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
        env = os.environ | {"SLA_BENCH_WSGI_URL": url, "SLA_BENCH_THREADS": str(threads), "PYTHONPATH": path}
        process = subprocess.Popen(command, cwd=root, env=env)
        return process, process.pid, []
    context = multiprocessing.get_context("spawn")
    server = context.Process(target=serve, args=(url, port, threads), daemon=True)
    server.start()
    assert server.pid is not None
    return server, server.pid, []


def stop_server(handle: Any) -> None:
    handle.terminate()
    if isinstance(handle, subprocess.Popen):
        handle.wait(10)
    else:
        handle.join(10)


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and its descendants (the servers' workers), so far."""
    total = cpu_seconds(pid)
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        for kid in child.read_text().split():
            try:
                total += tree_cpu_seconds(int(kid))
            except OSError:  # ended in between
                continue
    return total


def database_cpu(url: str) -> dict[int, float] | None:
    """CPU seconds so far of each PostgreSQL backend serving the database at ``url``
    (read from ``/proc``, so only for a server on this machine); None elsewhere."""
    if make_url(url).get_backend_name() != "postgresql":
        return None
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as c:
            pids = c.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            ).scalars()
            out: dict[int, float] = {}
            for pid in pids:
                try:
                    out[pid] = cpu_seconds(pid)
                except OSError:  # not on this machine, or gone already
                    continue
    finally:
        engine.dispose()
    return out if out else None


def serve(url: str, port: int, threads: int) -> None:
    """Run the app under waitress on 127.0.0.1:``port`` (the server process's body)."""
    import logging

    import waitress

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" notes under load
    waitress.serve(make_app(url, threads), host="127.0.0.1", port=port, threads=threads, _quiet=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _path(tickets: int, rng: random.Random) -> str:
    start = rng.randrange(0, max(1, tickets - PER_CALL))
    return "/sla/api/badges?" + "&".join(f"ticket=T{i}" for i in range(start, min(tickets, start + PER_CALL)))


def _get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    answer = conn.getresponse()
    body = answer.read()
    if answer.status == 200:
        json.loads(body)  # a client reads what it asked for
    return answer.status


def wait_until_up(port: int, deadline: float = 60) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if _get(conn, "/sla/api/openapi.json") == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not answer within {deadline} s")


def open_loop(port: int, tickets: int, rate: float, seconds: float, workers: int = 32) -> dict[str, Any]:
    """Requests sent at ``rate`` per second; latency from each request's scheduled instant."""
    jobs: queue.Queue[float | None] = queue.Queue()
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def work(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            scheduled = jobs.get()
            if scheduled is None:
                return
            try:
                status = _get(conn, _path(tickets, rng))
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            done = time.perf_counter()
            with lock:
                latencies.append(done - scheduled)
                statuses.append(status)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    count = int(rate * seconds)
    start = time.perf_counter() + 0.05
    for i in range(count):
        at = start + i / rate
        pause = at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        jobs.put(at)
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return _summary(latencies, statuses, elapsed)


def closed_loop(port: int, tickets: int, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` connections asking back to back."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def work(seed: int) -> None:
        rng = random.Random(1000 + seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            status = _get(conn, _path(tickets, rng))
            with lock:
                latencies.append(time.perf_counter() - sent)
                statuses.append(status)

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _summary(latencies, statuses, time.perf_counter() - start)


def _summary(latencies: list[float], statuses: list[int], elapsed: float) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50": pct(0.50),
        "p90": pct(0.90),
        "p99": pct(0.99),
        "max": ordered[-1] * 1000 if ordered else float("nan"),
        "mean": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        "errors": sum(1 for s in statuses if s != 200),
    }


def run(
    url: str,
    tickets: int,
    rates: list[float],
    seconds: float,
    clients: int,
    threads: int,
    server_kind: str,
    workers: int,
) -> dict[str, Any]:
    """Build the fixture, start the server, run both loads; the figures."""
    build = build_fixture(url, tickets)
    port = free_port()
    server, pid, _ = start_server(server_kind, url, port, threads, workers)
    try:
        wait_until_up(port)
        # Warm up: the store opens, the calendars' years are built, connections pooled.
        closed_loop(port, tickets, 2, 1.0)
        results: dict[str, Any] = {"build": build}
        loads = [(f"open loop, {r:g}/s", lambda r=r: open_loop(port, tickets, r, seconds)) for r in rates]
        loads.append((f"closed loop, {clients} clients", lambda: closed_loop(port, tickets, clients, seconds)))
        results["loads"] = []
        for name, load in loads:
            cpu_before, client_before = tree_cpu_seconds(pid), time.process_time()
            database_before = database_cpu(url)
            figures = load()
            requests = max(1, figures["requests"])
            figures["server_cpu_ms"] = (tree_cpu_seconds(pid) - cpu_before) * 1000 / requests
            figures["client_cpu_s"] = time.process_time() - client_before
            database_after = database_cpu(url)
            figures["database_cpu_ms"] = (
                None
                if database_before is None or database_after is None
                # A backend the pool opened during the load counts from its start.
                else sum(v - database_before.get(k, 0.0) for k, v in database_after.items()) * 1000 / requests
            )
            results["loads"].append((name, figures))
        return results
    finally:
        stop_server(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="database URL (default: a fresh PostgreSQL database)")
    parser.add_argument("--tickets", type=int, default=10_000, help="open tickets in the store")
    parser.add_argument(
        "--rates", default="50,100,200", help="open-loop requests per second, one load each (comma-separated)"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop connections")
    parser.add_argument("--server", choices=("waitress", "gunicorn", "granian"), default="waitress")
    parser.add_argument("--threads", type=int, default=8, help="threads per server process")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with database(args.url) as url:
        backend = make_url(url).get_backend_name()
        rates = [float(r) for r in args.rates.split(",")]
        results = run(url, args.tickets, rates, args.seconds, args.clients, args.threads, args.server, args.workers)
    print(f"Command: `python bench/web.py {' '.join(argv if argv is not None else sys.argv[1:])}`  ")
    print(
        f"Machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"waitress {version('waitress')}, gunicorn {version('gunicorn')}, granian {version('granian')}, "
        f"Flask {version('flask')}, SQLAlchemy {version('sqlalchemy')}, PostgreSQL driver psycopg {version('psycopg')}; "
        f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after (the machine is shared)  "
    )
    print(
        f"Store: {backend}, {args.tickets:,} open tickets (fixture built in {results['build']:.1f} s); "
        f"each request asks for {PER_CALL} tickets' badges; "
        + {
            "gunicorn": f"gunicorn (gthread), {args.workers} workers of {args.threads} threads  ",
            "granian": f"granian (WSGI), {args.workers} workers, {args.threads} blocking thread(s) each  ",
        }.get(args.server, f"waitress, {args.threads} threads  ")
    )
    print("Goal: p99 under 50 ms at 200 requests/s\n")
    print(
        "| load | requests | requests/s | p50 | p90 | p99 | max | errors "
        "| server CPU per request | database CPU per request |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in results["loads"]:
        db_cpu = "n/a" if r["database_cpu_ms"] is None else f"{r['database_cpu_ms']:.2f} ms"
        print(
            f"| {label} | {r['requests']:,} | {r['rps']:.0f} | {r['p50']:.1f} ms | {r['p90']:.1f} ms | "
            f"{r['p99']:.1f} ms | {r['max']:.1f} ms | {r['errors']} | {r['server_cpu_ms']:.2f} ms | {db_cpu} |"
        )
    client = sum(r["client_cpu_s"] for _, r in results["loads"])
    print(f"\nClient CPU (this process, every load): {client:.1f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
