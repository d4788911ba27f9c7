"""Report routes: ``<prefix>/api/reports/...`` answer compliance, service levels,
credits, availability and the periodic review from the store, as JSON, or as
CSV with ``format=csv``. Every route is an admin read (denied unless the host's
admin callback says yes); query parameters are checked and a bad one is a 400
naming it.

Contracts, service levels and the calendars of services are the host's, given
once with :func:`configure_reports`. Cycles stream from the store's tables in
batches (:func:`~sla_timers.store.report_source.stream_timers`), so a report's
memory follows its groups, not its cycles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from flask import Flask, Response, current_app

from ..clock import BusinessCalendar
from ..errors import ReportError
from ..reports import (
    DIMENSIONS,
    PERIOD_KINDS,
    Contract,
    ServiceLevels,
    availability,
    compliance,
    review,
    service_credits,
    service_levels,
    to_csv,
    to_json,
)
from ..reports._rows import Row
from ..reports.periods import check_zone
from ..validation import quote
from .errors import NotConfiguredError, RequestError
from .http import api_route
from .schema import Array, DateTime, JSONValue, Object, Prop, Str
from .state import app_state

__all__ = ["ReportSettings", "configure_reports", "report_settings"]

#: Longest range a report route answers for (ten years and leap days).
MAX_RANGE = timedelta(days=3660)

#: Where :func:`configure_reports` keeps its settings on the app.
_KEY = "sla_timers_reports"


@dataclass(frozen=True)
class ReportSettings:
    """What reports need from the host beyond the store: contracts, service-level goals, service calendars."""

    contracts: tuple[Contract, ...] = ()
    service_levels: ServiceLevels | None = None
    #: Business calendar of each service whose availability is reported (by name).
    service_calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)


def configure_reports(
    app: Flask,
    *,
    contracts: Iterable[Contract | Mapping[str, Any]] = (),
    service_levels: ServiceLevels | Mapping[str, Any] | None = None,
    service_calendars: Mapping[str, BusinessCalendar | Mapping[str, Any] | str] | None = None,
) -> ReportSettings:
    """Give the report routes and page the host's contracts (as :class:`Contract`
    or their dict form), service-level goals and each service's business
    calendar (a :class:`BusinessCalendar`, its dict form, or a shipped calendar's
    name). Call it after ``init_app``; calling again replaces the settings.

    :raises ReportError: naming the field of a bad contract or goal.
    :raises CalendarNotFound: for a calendar name that is not shipped.
    """
    made = tuple(
        c if isinstance(c, Contract) else Contract.from_dict(c, path=f"contracts[{i}]") for i, c in enumerate(contracts)
    )
    levels = (
        service_levels
        if service_levels is None or isinstance(service_levels, ServiceLevels)
        else ServiceLevels.from_dict(service_levels, path="service_levels")
    )
    calendars: dict[str, BusinessCalendar] = {}
    for name, calendar in (service_calendars or {}).items():
        if isinstance(calendar, BusinessCalendar):
            calendars[name] = calendar
        elif isinstance(calendar, str):
            calendars[name] = BusinessCalendar.load(calendar) if "/" not in calendar else _no_path(name)
        else:
            calendars[name] = BusinessCalendar.from_dict(calendar)
    settings = ReportSettings(made, levels, calendars)
    app.extensions[_KEY] = settings
    return settings


def _no_path(name: str) -> BusinessCalendar:
    raise ReportError(
        f"service_calendars.{name}: give a shipped calendar's name or a BusinessCalendar, not a path",
        field=f"service_calendars.{name}",
    )


def report_settings() -> ReportSettings:
    """The current app's :class:`ReportSettings` (empty until :func:`configure_reports`)."""
    found = current_app.extensions.get(_KEY)
    return found if isinstance(found, ReportSettings) else ReportSettings()


def report_engine() -> Any:
    """The engine of the app's store (opened, and upgraded when the app says so, on first use)."""
    return app_state().store().engine


# -- query parameters -------------------------------------------------------------

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_WHEN = Str(
    max_length=40,
    description="a date (local midnight in `zone`) or a date-time with its offset, such as 2026-11-01 "
    "or 2026-11-01T00:00:00-04:00",
)
_FORMAT = Str(enum=("json", "csv"), description="json (default) or csv: a text/csv download of the same rows")
_ZONE = Str(max_length=64, description="IANA zone of periods and of dates without an offset; default UTC")
_PERIOD = Str(enum=PERIOD_KINDS, description="group by period too: day, week (ISO), month or quarter")
_DATE_BY = Str(enum=("end", "start"), description="date a cycle by its stop (default; an open one by its start)")
_GROUP_BY = Array(
    Str(enum=DIMENSIONS), max_items=len(DIMENSIONS), unique=True, description="repeat to group by several"
)

_RANGE = {
    "from": Prop(_WHEN, True),
    "to": Prop(_WHEN, True),
    "zone": Prop(_ZONE, default="UTC"),
    "format": Prop(_FORMAT, default="json"),
}
_COMPLIANCE_QUERY = Object(
    {
        **_RANGE,
        "group_by": Prop(_GROUP_BY, default=[]),
        "period": Prop(_PERIOD),
        "metric": Prop(Array(Str(max_length=64), max_items=50, unique=True, description="only these metrics")),
        "date_by": Prop(_DATE_BY, default="end"),
    }
)
_LEVELS_QUERY = Object(
    {
        **_RANGE,
        "group_by": Prop(_GROUP_BY, default=[]),
        "period": Prop(_PERIOD),
        "date_by": Prop(_DATE_BY, default="end"),
        "levels": Prop(
            Array(
                Str(max_length=200),
                max_items=100,
                description="goals as `metric:priority=90/10, 99/300` (`metric=...` for every priority); "
                "default: the host's configured service levels",
            )
        ),
    }
)
_REVIEW_QUERY = Object({**_RANGE, "period": Prop(_PERIOD, default="month"), "date_by": Prop(_DATE_BY, default="end")})
_CREDITS_QUERY = Object({**_RANGE, "date_by": Prop(_DATE_BY, default="end")})
_AVAILABILITY_QUERY = Object(
    {
        **_RANGE,
        "zone": Prop(
            Str(
                max_length=64,
                description="IANA zone of periods and of dates without an offset; default UTC for dates, each service's calendar's zone for periods",
            )
        ),
        "period": Prop(_PERIOD),
        "service": Prop(Array(Str(max_length=255), max_items=100, unique=True, description="only these services")),
        "calendar": Prop(
            Str(max_length=200, description="calendar of services the host configured none for (a registered name)")
        ),
    }
)

_REPORT = Object(
    {
        "report": Prop(Str(max_length=40), True),
        "from": Prop(DateTime(), True),
        "to": Prop(DateTime(), True),
        "rows": Prop(
            Array(
                Object(extra=JSONValue(), description="one row: its group, counts, durations in seconds"),
                max_items=10_000_000,
            ),
            True,
        ),
    },
    name="Report",
    description="A report's rows; with format=csv the same rows as text/csv.",
)


def _instant(text: str, zone: tzinfo, name: str) -> datetime:
    if _DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise RequestError(f"{name}: {quote(text)} is not a valid date", field=name) from None
        try:
            return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        except OverflowError:
            raise RequestError(f"{name}: {quote(text)} is outside years 1 to 9999 in UTC", field=name) from None
    return DateTime().check(text, name)


def _range(query: dict[str, Any], zone: tzinfo) -> tuple[datetime, datetime]:
    start, end = _instant(query["from"], zone, "from"), _instant(query["to"], zone, "to")
    if end <= start:
        raise RequestError(f"to: {query['to']} is not after from {query['from']}", field="to")
    if end - start > MAX_RANGE:
        # Reviews, availability and credits list every period of the range, so its length is bounded.
        raise RequestError(f"to: a report covers at most {MAX_RANGE.days} days; narrow from and to", field="to")
    return start, end


def _answer(name: str, query: dict[str, Any], start: datetime, end: datetime, rows: list[Row]) -> Any:
    if query["format"] == "csv":
        filename = f"{name}-{start.date().isoformat()}-{end.date().isoformat()}.csv"
        return Response(
            to_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return {"report": name, "from": _iso(start), "to": _iso(end), "rows": json.loads(to_json(rows))}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _records(start: datetime, end: datetime, date_by: str, metrics: list[str] | None = None) -> Any:
    from ..store.report_source import stream_timers

    return stream_timers(report_engine(), start=start, end=end, date_by=date_by, metrics=metrics)


def parse_levels(entries: list[str]) -> ServiceLevels:
    """Goals written ``metric:priority=90/10, 99/300`` (``metric=...``: every priority).

    :raises RequestError: naming ``levels`` (or ``levels[i]``) and the problem.
    """
    table: dict[str, dict[str, str]] = {}
    for i, entry in enumerate(entries):
        where = f"levels[{i}]"
        key, sep, goals = entry.partition("=")
        metric, _, priority = key.strip().partition(":")
        if not sep or not metric or not goals.strip():
            raise RequestError(
                f"{where}: {quote(entry)} is not metric:priority=goals, such as first_response:high=90/10", field=where
            )
        table.setdefault(metric, {})[priority.strip() or "*"] = goals.strip()
    try:
        return ServiceLevels.from_dict(table)
    except ReportError as exc:
        raise RequestError(f"levels: {exc}", field="levels") from None


# -- routes -----------------------------------------------------------------------


@api_route(
    "/api/reports/compliance",
    method="GET",
    access="admin",
    query=_COMPLIANCE_QUERY,
    response=_REPORT,
    errors=(
        "unknown_timezone",
        "database_unavailable",
    ),
    summary="Compliance per metric: met, breached, running, percent met, median and p90, the customer's wait",
)
def report_compliance(body: None, query: dict[str, Any]) -> Any:
    """Compliance of the store's cycles in ``[from, to)``, grouped as asked."""
    zone = check_zone(query["zone"], "zone")
    start, end = _range(query, zone)
    rows = compliance(
        _records(start, end, query["date_by"], query["metric"]),
        group_by=query["group_by"],
        period=query["period"],
        zone=zone,
        start=start,
        end=end,
        date_by=query["date_by"],
    )
    return _answer("compliance", query, start, end, list(rows))


@api_route(
    "/api/reports/service-levels",
    method="GET",
    access="admin",
    query=_LEVELS_QUERY,
    response=_REPORT,
    errors=("unknown_timezone", "database_unavailable", "not_configured"),
    summary='Two-tier service levels ("90/10, 99/300"): which goals were kept, and by how much',
)
def report_service_levels(body: None, query: dict[str, Any]) -> Any:
    """Service levels from ``levels`` or the host's configured goals."""
    zone = check_zone(query["zone"], "zone")
    start, end = _range(query, zone)
    goals = parse_levels(query["levels"]) if query["levels"] else report_settings().service_levels
    if goals is None:
        raise NotConfiguredError(
            "levels: no service levels given and none configured (configure_reports(app, service_levels=...))",
            field="levels",
        )
    rows = service_levels(
        _records(start, end, query["date_by"]),
        goals,
        group_by=query["group_by"],
        period=query["period"],
        zone=zone,
        start=start,
        end=end,
        date_by=query["date_by"],
    )
    return _answer("service-levels", query, start, end, list(rows))


@api_route(
    "/api/reports/review",
    method="GET",
    access="admin",
    query=_REVIEW_QUERY,
    response=_REPORT,
    errors=(
        "unknown_timezone",
        "database_unavailable",
    ),
    summary="Periodic review per metric and priority: the trend and the target met 90% of the time",
)
def report_review(body: None, query: dict[str, Any]) -> Any:
    """The review of targets over ``[from, to)``."""
    zone = check_zone(query["zone"], "zone")
    start, end = _range(query, zone)
    rows = review(
        _records(start, end, query["date_by"]),
        start=start,
        end=end,
        period=query["period"],
        zone=zone,
        date_by=query["date_by"],
    )
    return _answer("review", query, start, end, list(rows))


@api_route(
    "/api/reports/credits",
    method="GET",
    access="admin",
    query=_CREDITS_QUERY,
    response=_REPORT,
    errors=(
        "unknown_timezone",
        "database_unavailable",
    ),
    summary="Service credits per customer per month under the host's contracts, with the lines behind each",
)
def report_credits(body: None, query: dict[str, Any]) -> Any:
    """Credits of every configured contract (none configured: no rows)."""
    zone = check_zone(query["zone"], "zone")
    start, end = _range(query, zone)
    settings = report_settings()
    engine = report_engine()
    rows: list[Row] = []
    if settings.contracts:
        customers = [c.customer for c in settings.contracts]
        from ..store.report_source import stream_outages, stream_timers

        outages = list(stream_outages(engine, start=start, end=end)) if settings.service_calendars else []
        rows = list(
            service_credits(
                settings.contracts,
                stream_timers(engine, start=start, end=end, date_by=query["date_by"], organisations=customers),
                start=start,
                end=end,
                outages=outages,
                calendars=dict(settings.service_calendars),
                date_by=query["date_by"],
            )
        )
    return _answer("credits", query, start, end, rows)


@api_route(
    "/api/reports/availability",
    method="GET",
    access="admin",
    query=_AVAILABILITY_QUERY,
    response=_REPORT,
    errors=("unknown_timezone", "database_unavailable", "calendar_not_found"),
    summary="Availability of services in their calendars' business time, from outage tickets",
)
def report_availability(body: None, query: dict[str, Any]) -> Any:
    """Availability of each service with an outage in the range (or each named)."""
    zone = check_zone(query["zone"] or "UTC", "zone")
    start, end = _range(query, zone)
    calendars: dict[str, BusinessCalendar] = dict(report_settings().service_calendars)
    fallback = app_state().registry.calendar(query["calendar"]) if query["calendar"] else None
    from ..store.report_source import stream_outages

    services = query["service"]
    outages = list(stream_outages(report_engine(), start=start, end=end, services=services))
    for name in {o.service for o in outages} | set(services or ()):
        if name not in calendars:
            if fallback is None:
                raise RequestError(
                    f"calendar: service {quote(name)} has no calendar configured; name one with calendar=",
                    field="calendar",
                )
            calendars[name] = fallback
    rows = availability(
        outages,
        calendars=calendars,
        start=start,
        end=end,
        period=query["period"],
        zone=zone if query["zone"] else None,
        services=services or (),
    )
    return _answer("availability", query, start, end, list(rows))
