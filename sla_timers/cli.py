"""The ``sla-timers`` command: business-time answers from a calendar, on the command line.

::

    sla-timers due --calendar us-ny-9x5 --from 2026-11-25T16:30 --in 4h
    sla-timers elapsed --calendar my-hours.toml --from 2026-11-25T16:30 --to 2026-11-27T12:30
    sla-timers calendars
    sla-timers calendar show us-ny-9x5 --year 2026
    sla-timers db upgrade --url sqlite:///sla.db      (or SLA_DATABASE_URL; see db_commands)
    sla-timers report --input timers.jsonl --from 2026-10-01 --to 2026-11-01 --group-by priority

The same click commands run as ``flask sla ...`` in a host app that registers
:class:`sla_timers.web.SLATimers` (the group :data:`sla` is added to ``app.cli``
under the name ``sla``); there Flask pushes the host's app context, so a command
may read ``current_app``.

Times are ISO 8601. One without an offset is wall time in the calendar's zone;
a wall time that zone skips (spring forward) or repeats (fall back) is refused
with a hint to add the offset, since either reading could be meant; so is a
time outside years 1 to 9999 in UTC or in the calendar's zone. Durations are
the grammar policies use (:func:`sla_timers.validation.parse_duration`) with
seconds and a sign allowed (``90m``, ``4h``, ``1h30m``, ``45s``, ``-30m``); days
are refused, because a business day's length depends on the calendar. Answers are
printed as ISO 8601 (with the offset) on the first line and in words on the
second. Bad input: one line on stderr and exit status 2.

Adding a command or a group of commands (for example ``sla-timers db upgrade``):
define it with ``@sla.command()`` / ``@sla.group()`` here, or as a click group in
its own module, attached at the bottom of this file with ``sla.add_command(group)``
(the section "command groups from other modules"). Commands and groups made through
:data:`sla` use :class:`SLACommand` / :class:`SLAGroup`, so an :class:`SLAError`
they raise is one line and exit status 2, and usage errors read like the others.
The unknown-command message lists every command, so ``tests/test_cli.py`` names
each one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from dateutil import tz as dateutil_tz

from .clock import BusinessCalendar
from .clock.files import list_shipped_calendars, load_calendar_spec
from .clock.spec import WEEKDAYS, CalendarSpec
from .errors import DurationOutOfRangeError, SLAError
from .validation import aware_utc, quote
from .validation import parse_duration as parse_any_duration

__all__ = ["SLACommand", "SLAGroup", "UsageError", "main", "sla"]

#: Exit status for bad input (argparse's and click's).
EXIT_USAGE = 2


class UsageError(click.ClickException):
    """Bad input found while a command runs; one line, exit status 2."""

    exit_code = EXIT_USAGE


class SLACommand(click.Command):
    """A click command whose parse errors read the same on every command.

    A missing option is "the following arguments are required: --in", a bad
    value "argument --year: ...", and an :class:`SLAError` raised by the
    command becomes a :class:`UsageError` (one line, exit status 2), under
    ``sla-timers`` and ``flask sla`` alike.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse ``args`` as click does, rewording missing and bad options."""
        return _reworded(super().parse_args, ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an :class:`SLAError` is reported as bad input."""
        try:
            return super().invoke(ctx)
        except SLAError as exc:
            raise UsageError(str(exc)) from exc


class SLAGroup(click.Group):
    """A click group of :class:`SLACommand` commands, listed in the order defined.

    A missing command is "the following arguments are required: COMMAND" and an
    unknown one lists the choices, instead of printing the help text.
    """

    command_class = SLACommand
    #: Subgroups are SLAGroups too (click reads ``type`` as "the same class").
    group_class = type

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("no_args_is_help", False)
        super().__init__(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Command names in the order they were added (click sorts them)."""
        return list(self.commands)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse ``args``; with no command at all, say it is required."""
        if not args and not ctx.resilient_parsing:
            raise click.UsageError("the following arguments are required: COMMAND", ctx)
        return _reworded(super().parse_args, ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command named by ``args[0]``; an unknown name lists the choices."""
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-") and not ctx.resilient_parsing:
            choices = ", ".join(repr(choice) for choice in self.list_commands(ctx))
            raise click.UsageError(f"argument COMMAND: invalid choice: {name!r} (choose from {choices})", ctx)
        return super().resolve_command(ctx, args)


def _reworded(parse: Any, ctx: click.Context, args: list[str]) -> list[str]:
    try:
        result: list[str] = parse(ctx, args)
    except click.MissingParameter as exc:
        if exc.param is None:
            raise
        names = "/".join(exc.param.opts) if isinstance(exc.param, click.Option) else exc.param.human_readable_name
        raise click.UsageError(f"the following arguments are required: {names}", ctx) from None
    except click.BadParameter as exc:
        if exc.param is None:
            raise
        names = "/".join(exc.param.opts) if isinstance(exc.param, click.Option) else exc.param.human_readable_name
        raise click.UsageError(f"argument {names}: {exc.message}", ctx) from None
    return result


def _year(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{4}", value, re.ASCII) or not 1 <= int(value) <= 9998:
        raise click.BadParameter(f"{quote(value)} is not a year such as 2026", ctx, param)
    return int(value)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sla-timers`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status: 0 on success, 2 for bad input (a message on stderr).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        status = sla.main(args=args, prog_name="sla-timers", standalone_mode=False)
    except click.UsageError as exc:
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        click.echo(f"sla-timers: error: {exc.format_message()}{where}", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"sla-timers: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except click.Abort:
        click.echo("sla-timers: aborted", err=True)
        return 1
    return status if isinstance(status, int) else 0


@click.group(
    "sla-timers",
    cls=SLAGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
def sla() -> None:
    """Business-hours answers from SLA calendars."""


_CALENDAR_HELP = "a shipped calendar name (see 'sla-timers calendars') or a .toml path"


@sla.command("due")
@click.option("--calendar", required=True, metavar="NAME_OR_PATH", help=_CALENDAR_HELP)
@click.option("--from", "start", required=True, metavar="WHEN", help="start, ISO 8601 (no offset: the calendar's zone)")
@click.option(
    "--in",
    "duration",
    required=True,
    metavar="DURATION",
    help="business time: 90m, 4h, 1h30m, 45s (negative: --in=-30m)",
)
def due(calendar: str, start: str, duration: str) -> None:
    """The instant a business-time duration ends."""
    cal = BusinessCalendar.load(calendar, allow_path=True)
    spec, zone = cal.spec, cal.zone
    start_at = parse_when(start, zone, "--from")
    amount = parse_duration(duration, "--in")
    due_at = cal.add(start_at, amount).astimezone(zone)
    click.echo(due_at.isoformat())
    click.echo(
        f"due {_human(due_at)}: {format_duration(amount)} of business time on "
        f"{spec.name} ({spec.timezone}) from {_human(start_at.astimezone(zone))}"
    )


@sla.command("elapsed")
@click.option("--calendar", required=True, metavar="NAME_OR_PATH", help=_CALENDAR_HELP)
@click.option("--from", "start", required=True, metavar="WHEN", help="start, ISO 8601")
@click.option("--to", "end", required=True, metavar="WHEN", help="end, ISO 8601")
def elapsed(calendar: str, start: str, end: str) -> None:
    """Business time between two instants."""
    cal = BusinessCalendar.load(calendar, allow_path=True)
    spec, zone = cal.spec, cal.zone
    start_at = parse_when(start, zone, "--from")
    end_at = parse_when(end, zone, "--to")
    amount = cal.elapsed(start_at, end_at)
    click.echo(_iso_duration(amount))
    click.echo(
        f"{format_duration(amount)} of business time on {spec.name} ({spec.timezone}) from "
        f"{_human(start_at.astimezone(zone))} to {_human(end_at.astimezone(zone))}"
    )


@sla.command("calendars")
def calendars() -> None:
    """List the shipped calendars."""
    rows = []
    for name in list_shipped_calendars():
        spec = load_calendar_spec(name)
        rows.append((name, spec.timezone, _holiday_source(spec)))
    width = max(len(name) for name, _, _ in rows)
    zone_width = max(len(zone) for _, zone, _ in rows)
    for name, zone, holidays in rows:
        click.echo(f"{name:<{width}}  {zone:<{zone_width}}  {holidays}".rstrip())


@sla.group("calendar")
def calendar() -> None:
    """Inspect one calendar."""


@calendar.command("show")
@click.argument("name_or_path", metavar="NAME_OR_PATH")
@click.option(
    "--year", callback=_year, default=None, metavar="YEAR", help="year whose closed days to list (default: this year)"
)
def show(name_or_path: str, year: int | None) -> None:
    """Weekly hours and a year's holidays of a shipped name or .toml path."""
    cal = BusinessCalendar.load(name_or_path, allow_path=True)
    spec, zone = cal.spec, cal.zone
    if year is None:
        year = datetime.now(zone).year
    click.echo(f"{spec.name} ({spec.timezone}); holidays: {_holiday_source(spec) or 'none'}")
    click.echo("weekly hours:")
    for weekday, windows in zip(WEEKDAYS, spec.hours):
        click.echo(f"  {weekday}  {', '.join(map(str, windows)) if windows else 'closed'}")
    closed = sorted(cal.holidays_between(date(year, 1, 1), date(year, 12, 31)))
    click.echo(f"closed days in {year}:" if closed else f"closed days in {year}: none")
    for day, name in closed:
        click.echo(f"  {day.isoformat()} {day:%a}  {name}")
    for title, dated in (("partial closures", spec.closures), ("extra openings", spec.openings)):
        this_year = [dw for dw in dated if dw.day.year == year]
        if this_year:
            click.echo(f"{title} in {year}:")
            for dw in this_year:
                click.echo(f"  {dw.day.isoformat()} {dw.day:%a}  {dw.window}")


@sla.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="port to listen on")
@click.option(
    "--database",
    default=None,
    metavar="PATH",
    help="SQLite file of the demo (default: a new one in a temporary folder)",
)
def demo(host: str, port: int, database: str | None) -> None:
    """Start the demo helpdesk with the plugin embedded (SQLite, seeded tickets, a sweeping worker)."""
    import tempfile

    from werkzeug.serving import run_simple

    from .web.demo import create_app, start_worker

    path = database or str(Path(tempfile.mkdtemp(prefix="sla-demo-")) / "demo.db")
    app = create_app(path)
    stop_worker = start_worker(app)
    click.echo(f"Demo helpdesk on {path}: http://{host}:{port}/  (Ctrl-C stops it)")
    try:
        run_simple(host, port, app, threaded=True)
    finally:
        stop_worker()


# --- input ---------------------------------------------------------------------------


def parse_when(text: str, zone: ZoneInfo, option: str) -> datetime:
    """An aware datetime from ISO 8601 ``text``; without an offset, wall time in ``zone``.

    :raises UsageError: for text that is not ISO 8601, or a wall time that
        ``zone`` skips or repeats (the message says which and how to fix it).
    :raises DurationOutOfRangeError: for an instant before year 1 or after
        year 9999 in UTC or in ``zone``, where answers cannot be written.
    """
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{option}: {quote(text)} is not an ISO 8601 date-time (e.g. 2026-11-25T16:30 or 2026-11-25T16:30-05:00)"
        ) from None
    if value.tzinfo is not None:
        return _in_range(value, zone, option)
    local = _in_range(value.replace(tzinfo=zone), zone, option)
    before = local.replace(fold=0).utcoffset()
    after = local.replace(fold=1).utcoffset()
    if not dateutil_tz.datetime_exists(local):
        raise UsageError(
            f"{option}: {text} does not exist in {zone.key}: the clocks jump from UTC"
            f"{_offset(before)} to UTC{_offset(after)} over it; give a time after the jump "
            "or an explicit offset"
        )
    if dateutil_tz.datetime_ambiguous(local):
        raise UsageError(
            f"{option}: {text} is ambiguous in {zone.key}: it happens twice, at UTC"
            f"{_offset(before)} and at UTC{_offset(after)}; add the offset you mean, e.g. "
            f"{value.isoformat()}{_offset(before)}"
        )
    return local


def _in_range(value: datetime, zone: ZoneInfo, option: str) -> datetime:
    """``value`` if it has an instant in UTC and a wall time in ``zone`` (both
    within years 1 to 9999), since the answer is computed in one and printed in
    the other; else one line naming the option, not Python's ``OverflowError``."""
    aware_utc(value, option)
    try:
        value.astimezone(zone)
    except OverflowError:
        raise DurationOutOfRangeError(
            f"{option}: {value.isoformat()} is outside the supported range: in {zone.key} "
            "it falls before year 1 or after year 9999",
            field=option,
        ) from None
    return value


def parse_duration(text: str, option: str) -> timedelta:
    """``90m``, ``4h``, ``1h30m``, ``45s``, optionally signed (``-30m``): the
    policies' grammar with seconds and a sign allowed, and the same five-year cap.

    :raises InvalidTargetError: for anything else, days included, or more than five years.
    """
    return parse_any_duration(text, option, signed=True, seconds=True)


# --- output --------------------------------------------------------------------------


def format_duration(value: timedelta) -> str:
    """``4h30m``, ``45s``, ``0s``, ``-30m``; fractions of a second as decimals (``1.5s``)."""
    micros = abs(value) // timedelta(microseconds=1)
    hours, rest = divmod(micros, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, fraction = divmod(rest, 1_000_000)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    if seconds or fraction or not (hours or minutes):
        parts.append(f"{seconds}.{fraction:06d}".rstrip("0").rstrip(".") + "s")
    return ("-" if value < timedelta(0) else "") + "".join(parts)


def _iso_duration(value: timedelta) -> str:
    """ISO 8601 duration in hours, minutes, seconds: ``PT4H30M``, ``PT0S``, ``-PT30M``."""
    return ("-" if value < timedelta(0) else "") + "PT" + format_duration(abs(value)).upper()


def _human(value: datetime) -> str:
    clock = "%H:%M:%S" if value.second or value.microsecond else "%H:%M"
    return value.strftime(f"%a %d %b %Y {clock} %Z")


def _offset(value: timedelta | None) -> str:
    """``+05:30``, ``-04:00``: a UTC offset as ISO 8601 writes it."""
    minutes = (value or timedelta(0)) // timedelta(minutes=1)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _holiday_source(spec: CalendarSpec) -> str:
    if spec.holiday_country is None:
        return ""
    return spec.holiday_country + (f"/{spec.holiday_subdiv}" if spec.holiday_subdiv else "")


# --- command groups from other modules -------------------------------------------------
# Attach each with ``sla.add_command(group)`` here. Such a module imports its
# database or web libraries inside the command functions, so that ``sla-timers due``
# starts without loading them.
from .db_commands import db as _db_group  # noqa: E402 (attached after the group is defined)

sla.add_command(_db_group)

from .report_command import report as _report_command  # noqa: E402 (attached after the group is defined)

sla.add_command(_report_command)

from .worker_commands import worker as _worker_command  # noqa: E402 (attached after the group is defined)

sla.add_command(_worker_command)

from .backfill_command import backfill as _backfill_command  # noqa: E402 (attached after the group is defined)

sla.add_command(_backfill_command)
