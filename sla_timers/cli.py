"""The ``sla-timers`` command: business-time answers from a calendar, on the command line.

::

    sla-timers due --calendar us-ny-9x5 --from 2026-11-25T16:30 --in 4h
    sla-timers elapsed --calendar my-hours.toml --from 2026-11-25T16:30 --to 2026-11-27T12:30
    sla-timers calendars
    sla-timers calendar show us-ny-9x5 --year 2026
    sla-timers db upgrade --url sqlite:///sla.db      (or SLA_DATABASE_URL)
    sla-timers db downgrade base | current | check

Times are ISO 8601. One without an offset is wall time in the calendar's zone;
a wall time that zone skips (spring forward) or repeats (fall back) is refused
with a hint to add the offset, since either reading could be meant; so is a
time outside years 1 to 9999 in UTC or in the calendar's zone. Durations are
the grammar policies use (:func:`sla_timers.validation.parse_duration`) with
seconds and a sign allowed (``90m``, ``4h``, ``1h30m``, ``45s``, ``-30m``); days
are refused, because a business day's length depends on the calendar. Answers are
printed as ISO 8601 (with the offset) on the first line and in words on the
second. Bad input: one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import NoReturn
from zoneinfo import ZoneInfo

from dateutil import tz as dateutil_tz

from .clock import BusinessCalendar
from .clock.files import list_shipped_calendars, load_calendar_spec
from .clock.spec import WEEKDAYS, CalendarSpec
from .errors import DurationOutOfRangeError, SLAError
from .validation import aware_utc, quote
from .validation import parse_duration as parse_any_duration

__all__ = ["main"]

#: Exit status for bad input (argparse's own).
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad command-line input; ``main`` prints it on one line and exits with status 2."""


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, not usage text plus a line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sla-timers`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status: 0 on success, 2 for bad input (a message on stderr).
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except (UsageError, SLAError) as exc:
        print(f"sla-timers: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0


def _build_parser() -> _Parser:
    parser = _Parser(prog="sla-timers", description="Business-hours answers from SLA calendars.")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    due = commands.add_parser("due", help="the instant a business-time duration ends")
    _calendar_option(due)
    due.add_argument("--from", dest="start", required=True, metavar="WHEN",
                     help="start, ISO 8601 (no offset: the calendar's zone)")
    due.add_argument("--in", dest="duration", required=True, metavar="DURATION",
                     help="business time: 90m, 4h, 1h30m, 45s (negative: --in=-30m)")
    due.set_defaults(handler=_due)

    elapsed = commands.add_parser("elapsed", help="business time between two instants")
    _calendar_option(elapsed)
    elapsed.add_argument("--from", dest="start", required=True, metavar="WHEN")
    elapsed.add_argument("--to", dest="end", required=True, metavar="WHEN")
    elapsed.set_defaults(handler=_elapsed)

    listing = commands.add_parser("calendars", help="list the shipped calendars")
    listing.set_defaults(handler=_calendars)

    calendar = commands.add_parser("calendar", help="inspect one calendar")
    calendar_commands = calendar.add_subparsers(title="commands", required=True, metavar="COMMAND")
    show = calendar_commands.add_parser("show", help="weekly hours and a year's holidays")
    show.add_argument("calendar", metavar="NAME_OR_PATH", help="shipped name or .toml path")
    show.add_argument("--year", type=_year, default=None,
                      help="year whose closed days to list (default: this year)")
    show.set_defaults(handler=_show)
    _db_parser(commands)
    return parser


def _calendar_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--calendar", required=True, metavar="NAME_OR_PATH",
                        help="a shipped calendar name (see 'sla-timers calendars') or a .toml path")


# --- commands ------------------------------------------------------------------------


def _due(args: argparse.Namespace) -> int:
    cal = BusinessCalendar.load(args.calendar)
    spec, zone = cal.spec, cal.zone
    start = parse_when(args.start, zone, "--from")
    duration = parse_duration(args.duration, "--in")
    due_at = cal.add(start, duration).astimezone(zone)
    print(due_at.isoformat())
    print(f"due {_human(due_at)}: {format_duration(duration)} of business time on "
          f"{spec.name} ({spec.timezone}) from {_human(start.astimezone(zone))}")
    return 0


def _elapsed(args: argparse.Namespace) -> int:
    cal = BusinessCalendar.load(args.calendar)
    spec, zone = cal.spec, cal.zone
    start = parse_when(args.start, zone, "--from")
    end = parse_when(args.end, zone, "--to")
    elapsed = cal.elapsed(start, end)
    print(_iso_duration(elapsed))
    print(f"{format_duration(elapsed)} of business time on {spec.name} ({spec.timezone}) from "
          f"{_human(start.astimezone(zone))} to {_human(end.astimezone(zone))}")
    return 0


def _calendars(args: argparse.Namespace) -> int:
    rows = []
    for name in list_shipped_calendars():
        spec = load_calendar_spec(name)
        rows.append((name, spec.timezone, _holiday_source(spec)))
    width = max(len(name) for name, _, _ in rows)
    zone_width = max(len(zone) for _, zone, _ in rows)
    for name, zone, holidays in rows:
        print(f"{name:<{width}}  {zone:<{zone_width}}  {holidays}".rstrip())
    return 0


def _show(args: argparse.Namespace) -> int:
    cal = BusinessCalendar.load(args.calendar)
    spec, zone = cal.spec, cal.zone
    year = args.year if args.year is not None else datetime.now(zone).year
    print(f"{spec.name} ({spec.timezone}); holidays: {_holiday_source(spec) or 'none'}")
    print("weekly hours:")
    for weekday, windows in zip(WEEKDAYS, spec.hours):
        print(f"  {weekday}  {', '.join(map(str, windows)) if windows else 'closed'}")
    closed = sorted(cal.holidays_between(date(year, 1, 1), date(year, 12, 31)))
    print(f"closed days in {year}:" if closed else f"closed days in {year}: none")
    for day, name in closed:
        print(f"  {day.isoformat()} {day:%a}  {name}")
    for title, dated in (("partial closures", spec.closures), ("extra openings", spec.openings)):
        this_year = [dw for dw in dated if dw.day.year == year]
        if this_year:
            print(f"{title} in {year}:")
            for dw in this_year:
                print(f"  {dw.day.isoformat()} {dw.day:%a}  {dw.window}")
    return 0


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
            f"{option}: {quote(text)} is not an ISO 8601 date-time "
            "(e.g. 2026-11-25T16:30 or 2026-11-25T16:30-05:00)"
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


def _year(text: str) -> int:
    if not re.fullmatch(r"[0-9]{4}", text, re.ASCII) or not 1 <= int(text) <= 9998:
        raise argparse.ArgumentTypeError(f"{quote(text)} is not a year such as 2026")
    return int(text)


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


if __name__ == "__main__":
    raise SystemExit(main())


# --- db: the store's migrations ------------------------------------------------------


def _db_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    db = commands.add_parser("db", help="create, upgrade or check the store's tables (sla_*)")
    db_commands = db.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for name, help_text in (("upgrade", "upgrade the sla_ tables to a revision (default: head)"),
                            ("downgrade", "downgrade the sla_ tables to a revision (base drops them)"),
                            ("current", "print the revision the database is at"),
                            ("check", "exit 1 when the database differs from the models")):
        command = db_commands.add_parser(name, help=help_text)
        command.add_argument("--url", default=None, metavar="URL",
                             help="SQLAlchemy database URL (default: $SLA_DATABASE_URL)")
        if name in ("upgrade", "downgrade"):
            command.add_argument("revision", nargs="?" if name == "upgrade" else None,
                                 default="head" if name == "upgrade" else None, metavar="REVISION")
        command.set_defaults(handler=_db, db_command=name)


def _db(args: argparse.Namespace) -> int:
    import os

    # Imported here: the clock commands need no database driver.
    from .store import migrate

    url = args.url or os.environ.get("SLA_DATABASE_URL")
    if not url:
        raise UsageError("db: give --url or set SLA_DATABASE_URL")
    if args.db_command == "upgrade":
        migrate.upgrade(url, args.revision)
        print(f"at {migrate.current(url)}")
    elif args.db_command == "downgrade":
        migrate.downgrade(url, args.revision)
        print(f"at {migrate.current(url) or 'base'}")
    elif args.db_command == "current":
        print(migrate.current(url) or "base (no sla_ tables)")
    else:
        try:
            migrate.check(url)
        except migrate.MigrationError as exc:
            print(f"sla-timers: {exc}", file=sys.stderr)
            return 1
        print(f"up to date at {migrate.head()}")
    return 0
