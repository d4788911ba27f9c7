"""Calendar definitions (a dict, or a TOML file's contents) to :class:`CalendarSpec`. No I/O here.

The schema (README, "Calendar files")::

    name = "us-ny-9x5"
    timezone = "America/New_York"
    [hours]                  # mon..sun -> ["HH:MM-HH:MM", ...]; a missing day is closed
    mon = ["09:00-12:00", "13:00-17:00"]
    [holidays]
    country = "US"           # optional; ``subdiv`` needs it
    subdiv = "NY"
    dates = ["2026-12-24"]   # extra whole closed dates
    [[closures]]             # partial closures: date, from, to
    [[openings]]             # extra open windows: date, from, to

Every error names the field at fault (``hours.mon[1]``, ``closures[0].from``) in
its message and in ``field``, and derives from :class:`CalendarError`.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from ..errors import (
    CalendarError,
    InvalidWindowError,
    NoOpenTimeError,
    OverlappingWindowsError,
    UnknownTimezoneError,
)
from ..validation import (
    check_depth,
    check_keys,
    describe,
    quote,
    require_list,
    require_str,
    require_table,
    suggest,
)
from .spec import WEEKDAYS, CalendarSpec, DatedWindow, Window

__all__ = ["parse_calendar", "spec_to_dict"]

_TOP_KEYS = ("name", "timezone", "hours", "holidays", "closures", "openings")
_HOLIDAY_KEYS = ("country", "subdiv", "dates")
_DATED_KEYS = ("date", "from", "to")
# The holidays package's deprecated keyword names for a subdivision.
_HOLIDAY_RENAMED = {
    "state": "subdiv (the holidays package's name for a state or province)",
    "prov": "subdiv (the holidays package's name for a state or province)",
}
_DAY = 1440
_WEEK = 7 * _DAY
# ASCII only: ``\d`` would also accept other scripts' digits.
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})", re.ASCII)
_CLOCK_WITH_SECONDS = re.compile(r"[0-9]{1,2}:[0-9]{2}:[0-9]{2}", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# Zone names that load on some hosts but are not portable IANA names: the
# host's own zone, and a tzcode build artefact.
_NOT_PORTABLE_ZONES = frozenset({"localtime", "posixrules"})


def parse_calendar(data: Mapping[str, Any]) -> CalendarSpec:
    """Validate a calendar definition and return its :class:`CalendarSpec`.

    ``data`` is a TOML file's contents or the same structure as a dict. Windows
    come back sorted by start; closures and openings sorted by date and start.
    Holidays are checked against the ``holidays`` package's supported countries
    and subdivisions; the dates themselves are the engine's business.

    :raises UnknownTimezoneError: for a zone ``zoneinfo`` does not list exactly.
    :raises InvalidWindowError: for a malformed or empty window or time of day.
    :raises OverlappingWindowsError: for windows that overlap, also across midnight.
    :raises NoOpenTimeError: when there are no weekly hours and no openings.
    :raises CalendarError: for anything else (unknown keys, wrong types, bad dates,
        unknown holiday country or subdivision, a closure that closes nothing,
        nesting deeper than :data:`~sla_timers.validation.MAX_DEPTH`).
    """
    data = require_table(data, "", error=CalendarError, what="a calendar table")
    check_depth(data, error=CalendarError)
    check_keys(data, "", _TOP_KEYS, error=CalendarError, required=("name",))
    name = require_str(data["name"], "name", error=CalendarError)
    if not name.strip():
        raise CalendarError("name: must not be empty", field="name")
    timezone = _parse_timezone(data.get("timezone"))
    hours = _parse_hours(data.get("hours", {}))
    country, subdiv, closed_dates = _parse_holidays(data.get("holidays", {}))
    closures = _parse_dated_windows(data.get("closures", []), "closures")
    openings = _parse_dated_windows(data.get("openings", []), "openings")
    _check_openings_do_not_overlap(openings)
    if not any(day for day in hours) and not openings:
        raise NoOpenTimeError(
            "hours: the calendar is never open (no weekly hours and no openings); "
            'add e.g. mon = ["09:00-17:00"] under [hours]',
            field="hours",
        )
    hours_sorted = tuple(tuple(sorted((w for w, _ in day), key=_window_key)) for day in hours)
    _check_closures_close_something(closures, hours_sorted, openings, closed_dates)
    return CalendarSpec(
        name=name,
        timezone=timezone,
        hours=hours_sorted,
        holiday_country=country,
        holiday_subdiv=subdiv,
        closed_dates=frozenset(closed_dates),
        closures=tuple(sorted((dw for dw, _ in closures), key=_dated_key)),
        openings=tuple(sorted((dw for dw, _ in openings), key=_dated_key)),
    )


def spec_to_dict(spec: CalendarSpec) -> dict[str, Any]:
    """The dict form of ``spec``: ``parse_calendar(spec_to_dict(spec)) == spec``.

    Every weekday is written (``[]`` when closed); ``holidays`` only when the
    spec has a country or extra closed dates; dates as ``YYYY-MM-DD`` strings.
    """
    result: dict[str, Any] = {
        "name": spec.name,
        "timezone": spec.timezone,
        "hours": {day: [str(w) for w in windows] for day, windows in zip(WEEKDAYS, spec.hours)},
    }
    holidays: dict[str, Any] = {}
    if spec.holiday_country is not None:
        holidays["country"] = spec.holiday_country
    if spec.holiday_subdiv is not None:
        holidays["subdiv"] = spec.holiday_subdiv
    if spec.closed_dates:
        holidays["dates"] = [d.isoformat() for d in sorted(spec.closed_dates)]
    if holidays:
        result["holidays"] = holidays
    for key, dated in (("closures", spec.closures), ("openings", spec.openings)):
        if dated:
            result[key] = [_dated_to_dict(dw) for dw in dated]
    return result


# --- fields -----------------------------------------------------------------


def _parse_timezone(value: object) -> str:
    if value is None:
        raise UnknownTimezoneError(
            'timezone: missing; write an IANA zone name such as "America/New_York"',
            field="timezone",
        )
    if not isinstance(value, str):
        raise UnknownTimezoneError(f"timezone: expected a string, got {describe(value)}", field="timezone")
    if value in _NOT_PORTABLE_ZONES:
        raise UnknownTimezoneError(
            f'timezone: {quote(value)} is not a portable IANA zone name; write the zone itself, e.g. "Europe/Berlin"',
            field="timezone",
        )
    zones = _available_zones()
    if value in zones:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise UnknownTimezoneError(
                f"timezone: {quote(value)} is listed but does not load ({exc})", field="timezone"
            ) from exc
        return value
    hint = suggest(value, zones)
    raise UnknownTimezoneError(
        f"timezone: {quote(value)} is not a known IANA zone (names match exactly, case included){hint}",
        field="timezone",
    )


@cache
def _available_zones() -> frozenset[str]:
    # Walks the zone directories once per process (~20 ms).
    return frozenset(zoneinfo.available_timezones())


def _parse_hours(value: object) -> list[list[tuple[Window, str]]]:
    """Seven lists (Monday first) of (window, field path), in input order."""
    value = require_table(value, "hours", error=CalendarError, what="a table of weekday -> windows")
    check_keys(value, "hours", WEEKDAYS, error=CalendarError)
    days: list[list[tuple[Window, str]]] = []
    for day in WEEKDAYS:
        path = f"hours.{day}"
        items = require_list(value.get(day, []), path, error=CalendarError, example='["09:00-17:00"]')
        windows = []
        for index, item in enumerate(items):
            item_path = f"{path}[{index}]"
            windows.append((_parse_window(item, item_path), item_path))
        days.append(windows)
    _check_weekly_overlaps(days)
    return days


def _parse_window(value: object, path: str) -> Window:
    """One ``"HH:MM-HH:MM"``: ``end < start`` crosses midnight, ``24:00`` only ends."""
    if not isinstance(value, str):
        raise InvalidWindowError(f'{path}: expected a string like "09:00-17:00", got {describe(value)}', field=path)
    parts = value.split("-")
    if len(parts) != 2:
        raise InvalidWindowError(
            f'{path}: {quote(value)} is not a window; write "HH:MM-HH:MM", e.g. "09:00-17:00"',
            field=path,
        )
    start = _parse_clock(parts[0], path, value, may_be_24=False)
    end = _parse_clock(parts[1], path, value, may_be_24=True)
    if start == end:
        raise InvalidWindowError(f'{path}: {quote(value)} is empty; write "00:00-24:00" for a whole day', field=path)
    return _window(start, end)


def _parse_clock(text: str, path: str, whole: str, *, may_be_24: bool) -> int:
    """Minutes since midnight for ``HH:MM``; 1440 for ``24:00`` where allowed."""
    if _CLOCK_WITH_SECONDS.fullmatch(text):
        raise InvalidWindowError(f'{path}: {quote(whole)} has seconds; times are "HH:MM"', field=path)
    match = _CLOCK.fullmatch(text)
    if match is None:
        raise InvalidWindowError(
            f'{path}: {quote(whole)} is not "HH:MM-HH:MM" (two digits each, e.g. "09:00-17:00")',
            field=path,
        )
    hour, minute = int(match[1]), int(match[2])
    if minute > 59:
        raise InvalidWindowError(f"{path}: {quote(whole)}: minute {match[2]} is out of range (00-59)", field=path)
    if hour == 24 and minute == 0:
        if may_be_24:
            return _DAY
        raise InvalidWindowError(
            f"{path}: {quote(whole)}: 24:00 can only end a window; write 00:00 to start at midnight",
            field=path,
        )
    if hour > 23:
        raise InvalidWindowError(
            f"{path}: {quote(whole)}: hour {match[1]} is out of range (00-23, or 24:00 as an end)",
            field=path,
        )
    return hour * 60 + minute


def _parse_holidays(value: object) -> tuple[str | None, str | None, set[date]]:
    value = require_table(value, "holidays", error=CalendarError, what="a table with country, subdiv, dates")
    check_keys(value, "holidays", _HOLIDAY_KEYS, error=CalendarError, renamed=_HOLIDAY_RENAMED)
    country = subdiv = None
    if "country" in value:
        country = require_str(value["country"], "holidays.country", error=CalendarError)
        _check_country(country)
    if "subdiv" in value:
        subdiv = require_str(value["subdiv"], "holidays.subdiv", error=CalendarError)
        if country is None:
            raise CalendarError(
                'holidays.subdiv: needs holidays.country (e.g. country = "US", subdiv = "NY")',
                field="holidays.subdiv",
            )
        _check_subdiv(country, subdiv)
    dates = require_list(value.get("dates", []), "holidays.dates", error=CalendarError, example='["2026-12-24"]')
    closed = {_parse_date(d, f"holidays.dates[{i}]") for i, d in enumerate(dates)}
    return country, subdiv, closed


def _check_country(country: str) -> None:
    supported = _supported_countries()
    if country in supported:
        return
    hint = suggest(country, supported)
    raise CalendarError(
        f"holidays.country: {quote(country)} is not a country code the holidays package "
        f"supports (ISO 3166-1 alpha-2, upper case){hint}",
        field="holidays.country",
    )


def _check_subdiv(country: str, subdiv: str) -> None:
    codes = _supported_countries()[country]
    if subdiv in codes:
        return
    if not codes:
        raise CalendarError(
            f"holidays.subdiv: the holidays package has no subdivisions for {country}; remove subdiv",
            field="holidays.subdiv",
        )
    alias = _subdivision_aliases(country).get(subdiv)
    hint = f"; did you mean {quote(alias)}?" if alias else suggest(subdiv, codes)
    raise CalendarError(
        f"holidays.subdiv: {quote(subdiv)} is not a subdivision of {country} in the holidays "
        f"package (codes: {', '.join(codes)}){hint}",
        field="holidays.subdiv",
    )


@cache
def _supported_countries() -> dict[str, tuple[str, ...]]:
    # Imported here so that a calendar without holidays never pays for the import.
    import holidays

    # Aliases (UK, USA) included: ``holidays.country_holidays`` accepts them too.
    supported = holidays.list_supported_countries(include_aliases=True)
    return {code: tuple(subdivs) for code, subdivs in supported.items()}


def _subdivision_aliases(country: str) -> dict[str, str]:
    """Names the package also accepts for subdivisions (``England`` -> ``ENG``), if any."""
    import holidays

    try:
        aliases = getattr(holidays.country_holidays(country), "subdivisions_aliases", {})
    except (NotImplementedError, ValueError, KeyError):
        return {}
    return dict(aliases) if isinstance(aliases, Mapping) else {}


def _parse_date(value: object, path: str) -> date:
    # TOML gives unquoted dates (2026-12-24) as date objects; a datetime is a
    # date subclass but names an instant, not a day.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise CalendarError(f'{path}: expected a date "YYYY-MM-DD", got {describe(value)}', field=path)
    if not _ISO_DATE.fullmatch(value):
        raise CalendarError(f'{path}: {quote(value)} is not a date "YYYY-MM-DD"', field=path)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CalendarError(f"{path}: {quote(value)} is not a valid date ({exc})", field=path) from exc


def _parse_dated_windows(value: object, key: str) -> list[tuple[DatedWindow, str]]:
    """``[[closures]]`` or ``[[openings]]``: tables of date, from, to."""
    items = require_list(
        value, key, error=CalendarError, example='[{date = "2026-12-31", from = "13:00", to = "17:00"}]'
    )
    result = []
    for index, entry in enumerate(items):
        path = f"{key}[{index}]"
        item = require_table(entry, path, error=CalendarError, what="a table with date, from, to")
        check_keys(item, path, _DATED_KEYS, error=CalendarError, required=_DATED_KEYS)
        day = _parse_date(item["date"], f"{path}.date")
        start = _parse_time_field(item["from"], f"{path}.from", may_be_24=False)
        end = _parse_time_field(item["to"], f"{path}.to", may_be_24=True)
        if start == end:
            raise InvalidWindowError(
                f"{path}: from {quote(item['from'])} to {quote(item['to'])} is empty; "
                'write from = "00:00", to = "24:00" for a whole day',
                field=f"{path}.to",
            )
        if key == "closures" and end < start:
            raise InvalidWindowError(
                f"{path}: a closure cannot cross midnight ({item['from']} to {item['to']}); "
                "split it into one closure per date",
                field=f"{path}.to",
            )
        result.append((DatedWindow(day, _window(start, end)), path))
    return result


def _parse_time_field(value: object, path: str, *, may_be_24: bool) -> int:
    if not isinstance(value, str):
        raise InvalidWindowError(f'{path}: expected a time "HH:MM", got {describe(value)}', field=path)
    return _parse_clock(value, path, value, may_be_24=may_be_24)


# --- cross-field checks ------------------------------------------------------


def _check_weekly_overlaps(days: list[list[tuple[Window, str]]]) -> None:
    """Refuse overlapping windows, also when an overnight one spills into the next day.

    Each window becomes an interval in minutes from Monday 00:00; a copy shifted
    by one week catches a Sunday overnight window running into Monday. Sorted by
    start, any overlap shows between neighbours.
    """
    spans = []
    for weekday, windows in enumerate(days):
        for window, path in windows:
            start = weekday * _DAY + window.start_minute
            spans.append((start, start + _window_length(window), window, path))
    spans += [(s + _WEEK, e + _WEEK, w, p) for s, e, w, p in spans]
    spans.sort(key=lambda span: (span[0], span[1]))
    for (_, end_a, window_a, path_a), (start_b, _, window_b, path_b) in zip(spans, spans[1:]):
        if start_b < end_a:
            spill = (
                f" (it runs past midnight to {window_a.end.strftime('%H:%M')})"
                if window_a.crosses_midnight and path_a.split("[")[0] != path_b.split("[")[0]
                else ""
            )
            raise OverlappingWindowsError(
                f'{path_b}: "{window_b}" overlaps {path_a} "{window_a}"{spill}; windows may touch but not overlap',
                field=path_b,
            )


def _check_openings_do_not_overlap(openings: list[tuple[DatedWindow, str]]) -> None:
    spans = sorted(
        ((_dated_start(dw), _dated_start(dw) + _window_length(dw.window), dw, path) for dw, path in openings),
        key=lambda span: (span[0], span[1]),
    )
    for (_, end_a, dw_a, path_a), (start_b, _, dw_b, path_b) in zip(spans, spans[1:]):
        if start_b < end_a:
            raise OverlappingWindowsError(
                f"{path_b}: {dw_b.day} {dw_b.window} overlaps {path_a} {dw_a.day} {dw_a.window}",
                field=path_b,
            )


def _check_closures_close_something(
    closures: list[tuple[DatedWindow, str]],
    hours: tuple[tuple[Window, ...], ...],
    openings: list[tuple[DatedWindow, str]],
    closed_dates: set[date],
) -> None:
    """A closure must meet some open window of its date or the previous date's spill.

    Weekly windows on ``holidays.dates`` do not count; public holidays are not
    looked up (a closure on one is harmless, and the dates depend on data).
    """
    for closure, path in closures:
        begin = _dated_start(closure)
        end = begin + _window_length(closure.window)
        if not any(
            open_start < end and begin < open_end
            for open_start, open_end in _open_spans_near(closure.day, hours, openings, closed_dates)
        ):
            raise CalendarError(
                f"{path}: {closure.day} {closure.window} is outside every open window of that "
                f"date ({closure.day.strftime('%a')}), so it closes nothing",
                field=path,
            )


def _open_spans_near(
    day: date,
    hours: tuple[tuple[Window, ...], ...],
    openings: list[tuple[DatedWindow, str]],
    closed_dates: set[date],
) -> Iterable[tuple[int, int]]:
    """Open spans (minutes from 0001-01-01) starting on ``day`` or the day before."""
    days = (day,) if day == date.min else (day - timedelta(days=1), day)
    for candidate in days:
        if candidate not in closed_dates:
            base = candidate.toordinal() * _DAY
            for window in hours[candidate.weekday()]:
                start = base + window.start_minute
                yield start, start + _window_length(window)
    for opening, _ in openings:
        if opening.day in days:
            start = _dated_start(opening)
            yield start, start + _window_length(opening.window)


# --- helpers -------------------------------------------------------------------


def _window(start: int, end: int) -> Window:
    return Window(time(start // 60, start % 60), time((end % _DAY) // 60, end % 60))


def _window_length(window: Window) -> int:
    return window.end_minute - window.start_minute


def _window_key(window: Window) -> int:
    return window.start_minute


def _dated_start(dated: DatedWindow) -> int:
    return dated.day.toordinal() * _DAY + dated.window.start_minute


def _dated_key(dated: DatedWindow) -> tuple[date, int]:
    return dated.day, dated.window.start_minute


def _dated_to_dict(dated: DatedWindow) -> dict[str, str]:
    start, end = str(dated.window).split("-")
    return {"date": dated.day.isoformat(), "from": start, "to": end}
