"""The calendars pages: the week's windows, a year's holidays and closures on a month
grid, adding a closed day or a closure, a due-date preview, and what a change does
to open tickets before it is saved."""

from __future__ import annotations

import calendar as month_math
import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from ...clock import BusinessCalendar
from ...errors import SLAError
from ...store.models import TicketRow, TimerRow
from ...validation import parse_duration
from . import data
from .forms import FormError, place, split_list
from .history import store_definition
from .pages import admin_pages, now

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Open timers an impact preview looks at; beyond it the preview says it sampled.
IMPACT_LIMIT = 20_000


@admin_pages.get("/calendars")
def calendars() -> str:
    """Every calendar: stored, registered by the host, shipped."""
    stored = {v.name for v in data.versions("calendar")}
    rows = []
    for name in data.calendar_names():
        definition, version = data.current_calendar(name)
        rows.append((name, (definition or {}).get("timezone", ""), version, name in stored))
    return render_template("sla_admin/calendars.html", rows=rows)


@dataclass
class Day:
    """One day of the month grid."""

    day: date
    kind: str  # open, closed (no hours), holiday, closure, opening
    label: str = ""


@dataclass
class Month:
    """A month of the grid: weeks of days (None outside the month)."""

    name: str
    weeks: list[list[Day | None]] = field(default_factory=list)


def year_grid(cal: BusinessCalendar, definition: dict[str, Any], year: int) -> list[Month]:
    """Twelve months of ``year``: each day open, closed, a holiday (named), a partial closure or an extra opening."""
    holidays = dict(cal.holidays_between(date(year, 1, 1), date(year, 12, 31)))
    closures: dict[str, list[str]] = {}
    for item in definition.get("closures", []) or []:
        if isinstance(item, dict):
            closures.setdefault(str(item.get("date")), []).append(f"closed {item.get('from')}-{item.get('to')}")
    openings: dict[str, list[str]] = {}
    for item in definition.get("openings", []) or []:
        if isinstance(item, dict):
            openings.setdefault(str(item.get("date")), []).append(f"open {item.get('from')}-{item.get('to')}")
    months = []
    for number in range(1, 13):
        month = Month(date(year, number, 1).strftime("%B"))
        for week in month_math.Calendar().monthdatescalendar(year, number):
            row: list[Day | None] = []
            for day in week:
                if day.month != number:
                    row.append(None)
                elif str(day) in openings:
                    row.append(Day(day, "opening", "; ".join(openings[str(day)])))
                elif day in holidays:
                    row.append(Day(day, "holiday", holidays[day]))
                elif str(day) in closures:
                    row.append(Day(day, "closure", "; ".join(closures[str(day)])))
                elif cal.is_business_day(day):
                    row.append(Day(day, "open"))
                else:
                    row.append(Day(day, "closed", "no hours"))
            month.weeks.append(row)
        months.append(month)
    return months


@dataclass(frozen=True)
class Impact:
    """What a calendar change would do to the running timers on it."""

    looked_at: int
    moved: int
    later: int
    earlier: int
    largest: timedelta
    total: timedelta
    sampled: bool

    @property
    def average(self) -> timedelta:
        """Mean shift of the timers that move."""
        return self.total / self.moved if self.moved else timedelta(0)


def impact(name: str, old: BusinessCalendar, new: BusinessCalendar, change: datetime) -> Impact:
    """How many running timers on calendar ``name`` would move, and by how much, if
    ``new`` replaced ``old`` at ``change``: each keeps the business time it had
    left (``new.add(change, old.elapsed(change, due))``), as the store re-dates them."""
    query = (
        select(TimerRow.due_at)
        .join(TicketRow, TicketRow.id == TimerRow.ticket_id)
        .where(
            TicketRow.calendar == name,
            TimerRow.stopped_at.is_(None),
            TimerRow.paused_since.is_(None),
            TimerRow.clock == "business",
            TimerRow.due_at.is_not(None),
        )
        .limit(IMPACT_LIMIT + 1)
    )
    with data.admin_store().engine.connect() as connection:
        dues = [due for due in connection.execute(query).scalars() if due is not None]
    sampled = len(dues) > IMPACT_LIMIT
    dues = dues[:IMPACT_LIMIT]
    moved = later = earlier = 0
    largest = total = timedelta(0)
    cache: dict[datetime, datetime] = {}
    for due in dues:
        if due <= change:
            continue
        if due not in cache:
            cache[due] = new.add(change, old.elapsed(change, due))
        shift = cache[due] - due
        if shift:
            moved += 1
            later += shift > timedelta(0)
            earlier += shift < timedelta(0)
            largest = max(largest, abs(shift))
            total += abs(shift)
    return Impact(len(dues), moved, later, earlier, largest, total, sampled)


def _due_preview(cal: BusinessCalendar, values: Any) -> tuple[datetime, str, datetime] | None:
    start_text, span_text = values.get("from", "").strip(), values.get("in", "").strip()
    if not span_text:
        return None
    span = parse_duration(span_text, "in", error=FormError)
    if start_text:
        try:
            start = datetime.fromisoformat(start_text)
        except ValueError:
            raise FormError(f'from: "{start_text}" is not a date and time', field="from") from None
        start = start if start.tzinfo else start.replace(tzinfo=cal.zone)
    else:
        start = now().astimezone(cal.zone)
    return start, span_text, cal.add(start, span).astimezone(cal.zone)


def _render(
    name: str,
    definition: dict[str, Any],
    stored: data.Version | None,
    *,
    error: SLAError | None = None,
    effect: Impact | None = None,
    status: int = 200,
    add: dict[str, str] | None = None,
) -> tuple[str, int]:
    year_text = request.args.get("year", "")
    year = int(year_text) if year_text.isdigit() and 1900 < int(year_text) < 2200 else now().year
    months: list[Month] = []
    shown: BusinessCalendar | None = None
    grid_error = None
    try:
        shown = BusinessCalendar.from_dict(definition)
        months = year_grid(shown, definition, year)
    except SLAError as exc:
        grid_error = str(exc)
    due = None
    due_error: SLAError | None = None
    if shown is not None:
        try:
            due = _due_preview(shown, request.args)
        except SLAError as exc:
            due_error = exc
    closures = list(definition.get("closures", []) or [])
    openings = list(definition.get("openings", []) or [])
    known = ["name", "timezone", "hours", "holidays", "holidays.country", "holidays.subdiv", "holidays.dates"]
    known += [f"hours.{d}" for d in DAYS] + ["closures", "openings", "effective_from", "add_date", "add_from"]
    known += [
        f"{k}[{i}]" for k, items in (("closures", closures), ("openings", openings)) for i in range(len(items) + 1)
    ]
    anchor = place(error.field if error else None, known)
    return (
        render_template(
            "sla_admin/calendar.html",
            name=name,
            definition=definition,
            stored=stored,
            days=DAYS,
            months=months,
            year=year,
            grid_error=grid_error,
            closures=closures,
            openings=openings,
            error=error,
            anchor=anchor,
            effect=effect,
            due=due,
            due_error=due_error,
            add=add or {},
            zone=str(shown.zone) if shown else definition.get("timezone", ""),
            span=span,
        ),
        status,
    )


@admin_pages.get("/calendars/<name>")
def calendar(name: str) -> tuple[str, int]:
    """One calendar: its form, its year on a month grid, the due-date preview."""
    definition, stored = data.current_calendar(name)
    if definition is None:
        abort(404, f"No calendar is named {name!r}.")
    return _render(name, definition, stored)


def calendar_from_form(name: str, base: dict[str, Any], form: Any) -> dict[str, Any]:
    """The calendar the form describes (not validated here)."""
    draft: dict[str, Any] = {"name": name, "timezone": form.get("timezone", "").strip()}
    hours = {}
    for day in DAYS:
        windows = split_list(form.get(f"hours.{day}", ""))
        if windows or day in (base.get("hours") or {}):
            hours[day] = windows
    draft["hours"] = hours
    holidays: dict[str, Any] = {}
    for key in ("country", "subdiv"):
        value = form.get(f"holidays.{key}", "").strip()
        if value:
            holidays[key] = value
    dates = split_list(form.get("holidays.dates", "").replace("\n", ","))
    if dates:
        holidays["dates"] = dates
    if holidays:
        draft["holidays"] = holidays
    for key in ("closures", "openings"):
        items = []
        count = form.get(f"{key}_count", "0")
        for i in range(int(count) + 1 if count.isdigit() and int(count) < 1000 else 0):
            item = {k: form.get(f"{key}[{i}].{k}", "").strip() for k in ("date", "from", "to")}
            if any(item.values()) and not form.get(f"{key}[{i}].delete"):
                items.append(item)
        if items:
            draft[key] = items
    return draft


def _change(name: str, draft: dict[str, Any], stored: data.Version | None, values: Any) -> Response | tuple[str, int]:
    """Preview the change's effect on open tickets (``do=impact``), or save it."""
    if values.get("do") == "save":
        try:
            message = store_definition("calendar", copy.deepcopy(draft), values)
        except SLAError as exc:
            return _render(name, draft, stored, error=exc, status=422)
        flash(message)
        return redirect(url_for("sla.admin.calendar", name=name))
    try:
        new = BusinessCalendar.from_dict(draft)
    except SLAError as exc:
        return _render(name, draft, stored, error=exc, status=422)
    old = data.calendar_object(name)
    return _render(name, draft, stored, effect=impact(name, old, new, now()))


@admin_pages.post("/calendars/<name>")
def calendar_save(name: str) -> Response | tuple[str, int]:
    """The week, holidays, closures and openings as submitted: preview or save."""
    base, stored = data.current_calendar(name)
    if base is None:
        abort(404, f"No calendar is named {name!r}.")
    return _change(name, calendar_from_form(name, base, request.form), stored, request.form)


@admin_pages.post("/calendars/<name>/add")
def calendar_add(name: str) -> Response | tuple[str, int]:
    """Add a closed day (no times) or a partial closure (from, to) to the calendar: preview or save."""
    base, stored = data.current_calendar(name)
    if base is None:
        abort(404, f"No calendar is named {name!r}.")
    draft = copy.deepcopy(base)
    day = request.form.get("add_date", "").strip()
    start, end = request.form.get("add_from", "").strip(), request.form.get("add_to", "").strip()
    add = {"date": day, "from": start, "to": end}
    if not day:
        return _render(name, base, stored, error=FormError("add_date: choose a date", field="add_date"), add=add)
    if start or end:
        closures = list(draft.get("closures", []) or [])
        closures.append({"date": day, "from": start, "to": end})
        draft["closures"] = closures
    else:
        holidays = dict(draft.get("holidays", {}) or {})
        holidays["dates"] = [*(holidays.get("dates") or []), day]
        draft["holidays"] = holidays
    if request.form.get("do") != "save":
        try:
            new = BusinessCalendar.from_dict(draft)
        except SLAError as exc:
            return _render(name, base, stored, error=_added_error(exc), status=422, add=add)
        # The grid shows the calendar as it would be; nothing is stored until "Add and save".
        return _render(name, draft, stored, effect=impact(name, data.calendar_object(name), new, now()), add=add)
    try:
        message = store_definition("calendar", draft, request.form)
    except SLAError as exc:
        return _render(name, base, stored, error=_added_error(exc), status=422, add=add)
    flash(message)
    return redirect(url_for("sla.admin.calendar", name=name, year=day[:4] if day[:4].isdigit() else None))


def _added_error(exc: SLAError) -> SLAError:
    # The error names the new entry's place in the definition; on this form it is the "add" fields.
    where = exc.field or ""
    if where.startswith(("closures", "holidays.dates")):
        target = "add_from" if where.endswith((".from", ".to")) else "add_date"
        return FormError(str(exc), field=target)
    return exc


def span(value: timedelta) -> str:
    """A shift as an admin reads it: ``1d 2h 30m``, ``45m``, ``20s``."""
    seconds = int(abs(value).total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts) or f"{seconds}s"
