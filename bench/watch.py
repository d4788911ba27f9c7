"""Benchmark: what ``sla.watch`` adds to a host's commit.

A host helpdesk (the README's models: status as a related row, replies) does
the commits an agent's day is made of, one transaction each: open a ticket,
reply to it, set it pending. Measured three ways on the same machine:

- ``no watch``: the host's commits alone;
- ``watch``: the same commits with ``sla.watch`` declared, each commit read by
  the listeners and recorded in the store (SQLite file beside the host's) before
  the commit call returns;
- ``watch, store down``: the store refuses every change, so each is kept in
  ``sla_watch_pending`` for a retry (the failure path a host's request sees).

Per commit: wall time (median and p99) and CPU time of the process
(``time.process_time``), since the machine may be loaded.

Usage::

    .venv/bin/python bench/watch.py                 # 300 tickets (900 commits) per variant
    .venv/bin/python bench/watch.py --tickets 30    # small

Prints Markdown to stdout. It measures and reports; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run from the repository root, this checkout's package wins over an installed one.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, mapped_column, relationship, sessionmaker

from bench._machine import cpu_model
from sla_timers.store import Store
from sla_timers.web import SLATimers

ROOT = Path(__file__).resolve().parent.parent


def _models() -> tuple[Any, Any, Any, Any]:
    class Model(DeclarativeBase):
        pass

    class Status(Model):
        __tablename__ = "statuses"
        id = mapped_column(Integer, primary_key=True)
        name = mapped_column(String(20))

    class Ticket(Model):
        __tablename__ = "tickets"
        id = mapped_column(Integer, primary_key=True)
        subject = mapped_column(String(200))
        status_id = mapped_column(ForeignKey("statuses.id"))
        status = relationship(Status)
        priority = mapped_column(String(20))
        requester = mapped_column(String(120))
        opened_at = mapped_column(DateTime)

    class Reply(Model):
        __tablename__ = "replies"
        id = mapped_column(Integer, primary_key=True)
        ticket_id = mapped_column(ForeignKey("tickets.id"))
        author = mapped_column(String(120))
        internal = mapped_column(Boolean, default=False)

    return Model, Status, Ticket, Reply


def run(variant: str, tickets: int, folder: Path) -> tuple[list[float], float]:
    """Per-commit wall times (seconds) and the CPU seconds of all commits."""
    Model, Status, Ticket, Reply = _models()
    slug = variant.replace(" ", "_").replace(",", "")
    engine = create_engine(f"sqlite:///{folder / (slug + '.db')}")
    Model.metadata.create_all(engine)
    sessions = sessionmaker(engine)
    with sessions.begin() as db:
        db.add_all([Status(id=1, name="new"), Status(id=2, name="open"), Status(id=3, name="pending")])
    watcher = None
    app = None
    if variant != "no watch":
        app = Flask("bench", instance_path=str(folder / slug))
        app.config.update(
            SLA_POLICIES=[str(ROOT / "examples" / "policies" / "standard.toml")],
            SLA_ADMIN_AUTHORIZER=lambda: False,
        )
        sla = SLATimers(app)
        watcher = sla.watch(
            ticket=Ticket,
            status="status.name",
            priority="priority",
            requester="requester",
            reply=Reply,
            reply_ticket="ticket_id",
            reply_author="author",
            reply_internal="internal",
            session=sessions,
        )
        with app.app_context():
            app.extensions["sla_timers"].store()  # open and migrate before timing
    if variant == "watch, store down":

        def down(self: Store, *args: Any, **kwargs: Any) -> Any:
            raise OperationalError("INSERT", {}, Exception("store unavailable"))

        Store.record = down  # type: ignore[method-assign]
    walls: list[float] = []
    cpu = time.process_time()
    try:
        for number in range(1, tickets + 1):
            steps = [
                lambda db, n=number: db.add(
                    Ticket(
                        id=n,
                        subject="Printer",
                        status_id=1,
                        priority="high",
                        requester="pat",
                        opened_at=datetime.now(UTC).replace(tzinfo=None),
                    )
                ),
                lambda db, n=number: db.add(Reply(ticket_id=n, author="ann")),
                lambda db, n=number: setattr(db.get(Ticket, n), "status_id", 3),
            ]
            for step in steps:
                start = time.perf_counter()
                with sessions.begin() as db:
                    step(db)
                walls.append(time.perf_counter() - start)
    finally:
        cpu = time.process_time() - cpu
        if watcher is not None:
            watcher.remove()
    return walls, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300, help="tickets per variant (3 commits each)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the store-down variant logs every kept change
    real_record = Store.record
    print(
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "shared with other work while measured (loaded)."
    )
    print()
    print("| variant | commits | median ms/commit | p99 ms/commit | CPU ms/commit |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="sla-bench-watch-") as tmp:
        for variant in ("no watch", "watch", "watch, store down"):
            try:
                walls, cpu = run(variant, args.tickets, Path(tmp))
            finally:
                Store.record = real_record  # type: ignore[method-assign]
            ordered = sorted(walls)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            print(
                f"| {variant} | {len(walls)} | {statistics.median(walls) * 1000:.2f} | {p99 * 1000:.2f} "
                f"| {cpu / len(walls) * 1000:.2f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
