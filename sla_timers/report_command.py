"""``sla-timers report`` (and ``flask sla report``): a report from a JSON-lines file.

::

    sla-timers report --input timers.jsonl --from 2026-10-01 --to 2026-11-01 \\
        --group-by priority --period month --zone America/New_York --format table|csv|json

Each line of the input is one JSON object: a timer record (``ticket_id``,
``metric``, ``status``, ``target``, ``started_at``, ``stopped_at``,
``elapsed``, ``paused_for``, ``customer_wait``, and the dimensions
``priority``, ``business_line``, ``policy``, ``group``, ``organisation``;
durations in seconds, instants ISO 8601 with an offset), or a ticket
(``ticket_id``, ``events``: a list of event objects, and its dimensions),
evaluated as of ``--to`` under ``--policy``. Blank lines are skipped. The file
is read once, line by line, so memory follows the number of groups; on a
terminal a progress bar shows how much of the file was read.

With ``--database URL`` (or ``$SLA_DATABASE_URL`` when no ``--input`` is
given) the cycles come from the store instead, streamed from its tables in
batches, so a month of a million cycles runs in bounded memory::

    sla-timers report --database postgresql+psycopg://app@db/helpdesk \\
        --from 2026-10-01 --to 2026-11-01 --group-by priority --format table

A progress bar (on stderr) shows how many cycles were read: by default on a
terminal and for more than 100,000 cycles or a file over 1 MB; ``--progress``
forces it, ``--no-progress`` hides it.

``--from`` and ``--to`` are ISO 8601 dates or date-times; without an offset
they are wall time in ``--zone`` (default UTC). Bad input is one line on
stderr naming the line and field, and exit status 2.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import click

from .cli import SLACommand, UsageError, parse_when
from .errors import ReportError, SLAError
from .reports import (
    DIMENSIONS,
    ServiceLevels,
    compliance,
    review,
    service_levels,
    timer_records,
    to_csv,
    to_json,
    to_table,
)
from .reports.periods import check_zone
from .reports.records import TimerLike, timer_row_from_dict
from .timers import Policy, evaluate_ticket, parse_events

__all__ = ["report"]

_REPORTS = ("compliance", "service-levels", "review")
_FORMATS = ("table", "csv", "json")


def _group_by(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    names = tuple(name.strip() for value in values for name in value.split(",") if name.strip())
    for name in names:
        if name not in DIMENSIONS:
            raise click.BadParameter(f"{name!r} is not one of {', '.join(DIMENSIONS)}", ctx, param)
    return names


@click.command("report", cls=SLACommand)
@click.option(
    "--input",
    "source",
    default=None,
    metavar="FILE",
    help="JSON lines of timer records or tickets ('-', the default without a database: standard input)",
)
@click.option(
    "--database",
    default=None,
    metavar="URL",
    help="read the store's cycles from this database (default without --input: $SLA_DATABASE_URL)",
)
@click.option(
    "--progress/--no-progress",
    "progress",
    default=None,
    help="show a progress bar on stderr (default: on a terminal, for long runs)",
)
@click.option("--from", "start", required=True, metavar="WHEN", help="first instant counted (ISO 8601)")
@click.option("--to", "end", required=True, metavar="WHEN", help="first instant not counted (ISO 8601)")
@click.option(
    "--group-by",
    "group_by",
    multiple=True,
    callback=_group_by,
    metavar="NAMES",
    help=f"comma-separated, any of: {', '.join(DIMENSIONS)}",
)
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month", "quarter"]),
    default=None,
    help="group by period too (review: month by default)",
)
@click.option(
    "--zone",
    default="UTC",
    show_default=True,
    metavar="ZONE",
    help="IANA zone of periods and of --from/--to without an offset",
)
@click.option("--format", "output", type=click.Choice(_FORMATS), default="table", show_default=True)
@click.option("--report", "kind", type=click.Choice(_REPORTS), default="compliance", show_default=True)
@click.option("--levels", default=None, metavar="FILE", help="service levels TOML (for --report service-levels)")
@click.option("--policy", default=None, metavar="FILE", help="policy TOML, to evaluate ticket lines")
def report(
    source: str | None,
    database: str | None,
    progress: bool | None,
    start: str,
    end: str,
    group_by: tuple[str, ...],
    period: str | None,
    zone: str,
    output: str,
    kind: str,
    levels: str | None,
    policy: str | None,
) -> None:
    """Compliance, service levels or a review of targets, from JSON lines or the store."""
    if source is not None and database is not None:
        raise UsageError("--input: give --input or --database, not both")
    if source is None and database is None:
        database = os.environ.get("SLA_DATABASE_URL") or None
        source = "-" if database is None else None
    tz = check_zone(zone, "--zone")
    assert isinstance(tz, ZoneInfo)
    start_at = parse_when(start, tz, "--from")
    end_at = parse_when(end, tz, "--to")
    if end_at <= start_at:
        raise UsageError(f"--to: {end} is not after --from {start}")
    loaded_policy = Policy.from_toml(_read_text(policy, "--policy")) if policy else None
    if kind == "service-levels" and levels is None:
        raise UsageError("--levels: give a service levels TOML file for --report service-levels")
    goals = ServiceLevels.from_toml(_read_text(levels, "--levels")) if levels else None
    with _opened(source, database, start_at, end_at, progress) as records_of:
        records = records_of(loaded_policy, end_at)
        if kind == "compliance":
            rows: list[Any] = compliance(
                records,
                group_by=group_by,
                period=period,  # type: ignore[arg-type]
                zone=tz,
                start=start_at,
                end=end_at,
            )
        elif kind == "service-levels":
            assert goals is not None
            rows = service_levels(
                records,
                goals,
                group_by=group_by,
                period=period,  # type: ignore[arg-type]
                zone=tz,
                start=start_at,
                end=end_at,
            )
        else:
            rows = review(
                records,
                start=start_at,
                end=end_at,
                period=period or "month",  # type: ignore[arg-type]
                zone=tz,
            )
    if output == "json":
        click.echo(to_json(rows, indent=2))
    elif output == "csv":
        click.echo(to_csv(rows), nl=False)
    else:
        click.echo(to_table(rows), nl=False)


def _read_text(path: str | None, option: str) -> str:
    assert path is not None
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{option}: cannot read {path}: {exc}") from None


#: Cycles from the store past which a terminal shows a progress bar.
_LONG_RUN = 100_000


class _opened:
    """The records' source: a JSON-lines stream, or the store's tables."""

    def __init__(
        self, source: str | None, database: str | None, start_at: Any, end_at: Any, progress: bool | None
    ) -> None:
        self.source = source
        self.database = database
        self.range = (start_at, end_at)
        self.progress = progress
        self.stream: IO[str] | None = None
        self.engine: Any = None

    def __enter__(self) -> Any:
        if self.database is not None:
            return self._store()
        if self.source in (None, "-"):
            return lambda policy, now: _records(sys.stdin, None, policy, now, self.progress)
        try:
            self.stream = open(str(self.source), encoding="utf-8")
            size = os.fstat(self.stream.fileno()).st_size
        except OSError as exc:
            raise UsageError(f"--input: cannot read {self.source}: {exc.strerror}") from None
        stream = self.stream
        return lambda policy, now: _records(stream, size, policy, now, self.progress)

    def _store(self) -> Any:
        # Imported here: the other commands start without a database driver.
        from sqlalchemy.exc import ArgumentError, SQLAlchemyError

        from .store.engine import make_engine
        from .store.report_source import count_timers, stream_timers

        try:
            self.engine = make_engine(str(self.database))
        except (ArgumentError, ValueError) as exc:
            raise UsageError(f"--database: not a database URL: {exc}") from None
        except ImportError as exc:
            raise UsageError(f"--database: the database driver is not installed: {exc}") from None
        start_at, end_at = self.range
        try:
            total = count_timers(self.engine, start=start_at, end=end_at) if self.progress is not False else 0
        except SQLAlchemyError as exc:
            raise UsageError(f"--database: cannot read the store: {type(exc).__name__}: {exc.args[0]}") from None
        show = self.progress or (self.progress is None and total > _LONG_RUN and sys.stderr.isatty())
        engine = self.engine

        def records(policy: Policy | None, now: Any) -> Iterator[TimerLike]:
            if policy is not None:
                raise UsageError("--policy: the store's cycles are evaluated already; --policy is for ticket lines")
            try:
                if not show:
                    yield from stream_timers(engine, start=start_at, end=end_at)
                    return
                with click.progressbar(length=total, label="reading cycles", file=sys.stderr) as bar:
                    yield from stream_timers(engine, start=start_at, end=end_at, progress=bar.update)
            except SQLAlchemyError as exc:
                raise UsageError(f"--database: cannot read the store: {type(exc).__name__}: {exc.args[0]}") from None

        return records

    def __exit__(self, *exc: object) -> None:
        if self.stream is not None:
            self.stream.close()
        if self.engine is not None:
            self.engine.dispose()


def _records(
    stream: IO[str], size: int | None, policy: Policy | None, now: Any, progress: bool | None = None
) -> Iterator[TimerLike]:
    """Timer records from the lines of ``stream``, one line at a time."""
    show = size is not None and (progress or (progress is None and size > 1_000_000 and sys.stderr.isatty()))
    bar = click.progressbar(length=size or 0, label="reading", file=sys.stderr) if show else None
    try:
        for number, line in enumerate(stream, start=1):
            if bar is not None:
                bar.update(len(line.encode("utf-8")))
            if not line.strip():
                continue
            where = f"line {number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"--input {where}: not JSON: {exc.msg} (column {exc.colno})") from None
            try:
                if isinstance(data, dict) and "events" in data:
                    yield from _ticket(data, policy, now, where)
                else:
                    yield timer_row_from_dict(data, where)
            except SLAError as exc:
                raise UsageError(f"--input {exc}") from None
    finally:
        if bar is not None:
            bar.render_finish()


def _ticket(data: dict[str, Any], policy: Policy | None, now: Any, where: str) -> Iterator[TimerLike]:
    if policy is None:
        raise ReportError(f"{where}: a ticket line needs --policy to evaluate its events", field=where)
    known = {"ticket_id", "events", *DIMENSIONS}
    for key in data:
        if key not in known:
            raise ReportError(
                f"{where}.{key}: unknown key; a ticket line has {', '.join(sorted(known))}", field=f"{where}.{key}"
            )
    ticket_id = data.get("ticket_id")
    if not isinstance(ticket_id, str) or not ticket_id:
        raise ReportError(f"{where}.ticket_id: expected a non-empty string", field=f"{where}.ticket_id")
    for name in ("business_line", "group", "organisation"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise ReportError(f"{where}.{name}: expected a string or null", field=f"{where}.{name}")
    events = data["events"]
    if not isinstance(events, list):
        raise ReportError(f"{where}.events: expected a list of events", field=f"{where}.events")
    evaluation = evaluate_ticket(policy, parse_events(events), now=now)
    yield from timer_records(
        ticket_id,
        evaluation,
        business_line=data.get("business_line"),
        assigned_group=data.get("group"),
        organisation=data.get("organisation"),
    )
