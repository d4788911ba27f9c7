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
    default="-",
    metavar="FILE",
    show_default=True,
    help="JSON lines of timer records or tickets ('-': standard input)",
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
    source: str,
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
    """Compliance, service levels or a review of targets, from JSON lines."""
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
    with _opened(source) as (stream, size):
        records = _records(stream, size, loaded_policy, end_at)
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


class _opened:
    """The input as a text stream and its size in bytes (None for standard input)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.stream: IO[str] | None = None

    def __enter__(self) -> tuple[IO[str], int | None]:
        if self.source == "-":
            return sys.stdin, None
        try:
            self.stream = open(self.source, encoding="utf-8")
            return self.stream, os.fstat(self.stream.fileno()).st_size
        except OSError as exc:
            raise UsageError(f"--input: cannot read {self.source}: {exc.strerror}") from None

    def __exit__(self, *exc: object) -> None:
        if self.stream is not None:
            self.stream.close()


def _records(stream: IO[str], size: int | None, policy: Policy | None, now: Any) -> Iterator[TimerLike]:
    """Timer records from the lines of ``stream``, one line at a time."""
    show = size is not None and size > 1_000_000 and sys.stderr.isatty()
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
