"""Availability of a service inside a calendar's business hours ("99.5%
between 08:00 and 18:00 on business days"), from the down intervals its
outage tickets give, measured in that calendar's business time, so holidays
and closed nights are not counted and a DST night counts its real length.
No I/O here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction

from ..clock import BusinessCalendar
from ..errors import ReportError
from ..validation import aware_utc, quote, require_type
from ._rows import Row, check_range
from ._stats import ratio, ratio_percent
from .periods import Period, PeriodKind, check_kind, check_zone, periods_between
from .records import OutageRecord

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class AvailabilityRow(Row):
    """A service's availability over one period (or the whole range).

    ``percent`` is ``available / scheduled`` rounded down to 0.01; the exact
    share is :attr:`share`, which credits compare with tier thresholds.
    """

    service: str
    #: The period, or None for the whole range.
    period: Period | None
    #: The calendar's business time in the period (within ``[start, end)``).
    scheduled: timedelta
    #: Business time the service was down, less ``customer_held``.
    downtime: timedelta
    #: Business time of outages while the outage ticket waited on the customer:
    #: shown, never counted against the provider.
    customer_held: timedelta
    available: timedelta
    #: None when the calendar had no business time in the period.
    percent: Decimal | None
    #: Outage records that overlap the period.
    outages: int

    @property
    def share(self) -> Fraction | None:
        """``available / scheduled``, exact; None when nothing was scheduled."""
        return ratio(self.available, self.scheduled)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping or touching intervals joined; sorted, empty ones dropped."""
    out: list[Interval] = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def subtract(base: list[Interval], cut: list[Interval]) -> list[Interval]:
    """``base`` less ``cut`` (both merged, as :func:`merge` gives them)."""
    out: list[Interval] = []
    j = 0
    for a, b in base:
        while j < len(cut) and cut[j][1] <= a:
            j += 1
        k = j
        while k < len(cut) and cut[k][0] < b:
            if cut[k][0] > a:
                out.append((a, cut[k][0]))
            a = max(a, cut[k][1])
            k += 1
        if a < b:
            out.append((a, b))
    return out


def _clip(intervals: list[Interval], a: datetime, b: datetime) -> list[Interval]:
    return [(max(s, a), min(e, b)) for s, e in intervals if s < b and e > a]


def _business(calendar: BusinessCalendar, intervals: list[Interval]) -> timedelta:
    return sum((calendar.elapsed(s, e) for s, e in intervals), timedelta(0))


def availability(
    outages: Iterable[OutageRecord],
    *,
    calendars: Mapping[str, BusinessCalendar] | BusinessCalendar,
    start: datetime,
    end: datetime,
    period: PeriodKind | None = None,
    zone: tzinfo | str | None = None,
    services: Iterable[str] = (),
) -> list[AvailabilityRow]:
    """Availability of each service over ``[start, end)``, per ``period`` when given.

    ``calendars`` is the business calendar of every service (a mapping by
    service name), or one calendar for all. Periods are local dates in
    ``zone``, by default each service's calendar's zone. ``services`` lists
    services to report even without an outage (at 100%). Overlapping outages
    of a service count once; a still-open one (``end_at`` None) runs to ``end``.
    Memory grows with the number of outages in the range, not of tickets.

    :raises ReportError: for a range in the wrong order, a bad period, a service
        with no calendar (field ``calendars``).
    """
    start_utc, end_utc = check_range(aware_utc(start, "start"), aware_utc(end, "end"))
    assert start_utc is not None and end_utc is not None
    kind = None if period is None else check_kind(period)
    report_zone = None if zone is None else check_zone(zone)
    if not isinstance(calendars, BusinessCalendar):
        require_type(calendars, Mapping, "calendars", "mapping of service -> BusinessCalendar or a BusinessCalendar")
    down: dict[str, list[Interval]] = {name: [] for name in services}
    held: dict[str, list[Interval]] = {name: [] for name in services}
    for i, outage in enumerate(outages):
        require_type(outage, OutageRecord, f"outages[{i}]")
        stop = end_utc if outage.end_at is None else outage.end_at.astimezone(UTC)
        begin = outage.start_at.astimezone(UTC)
        down.setdefault(outage.service, [])
        held.setdefault(outage.service, [])
        if begin < end_utc and stop > start_utc:
            down[outage.service].append((max(begin, start_utc), min(stop, end_utc)))
            held[outage.service].extend((a.astimezone(UTC), b.astimezone(UTC)) for a, b in outage.customer_held)
    rows: list[AvailabilityRow] = []
    for service in sorted(down):
        calendar = calendars if isinstance(calendars, BusinessCalendar) else calendars.get(service)
        if not isinstance(calendar, BusinessCalendar):
            raise ReportError(f"calendars: no business calendar for service {quote(service)}", field="calendars")
        raw = down[service]
        merged = merge(raw)
        held_down = _clip_all(merge(held[service]), merged)
        provider_down = subtract(merged, held_down)
        spans: list[tuple[Period | None, datetime, datetime]]
        if kind is None:
            spans = [(None, start_utc, end_utc)]
        else:
            in_zone = report_zone or calendar.zone
            spans = [
                (p, max(p.start_at.astimezone(UTC), start_utc), min(p.end_at.astimezone(UTC), end_utc))
                for p in periods_between(start_utc, end_utc, kind, in_zone)
            ]
        for span_period, a, b in spans:
            scheduled = calendar.elapsed(a, b)
            downtime = _business(calendar, _clip(provider_down, a, b))
            available = scheduled - downtime
            rows.append(
                AvailabilityRow(
                    service=service,
                    period=span_period,
                    scheduled=scheduled,
                    downtime=downtime,
                    customer_held=_business(calendar, _clip(held_down, a, b)),
                    available=available,
                    percent=ratio_percent(ratio(available, scheduled)),
                    outages=sum(1 for s, e in raw if s < b and e > a),
                )
            )
    return rows


def _clip_all(intervals: list[Interval], within: list[Interval]) -> list[Interval]:
    """The parts of ``intervals`` inside ``within`` (both merged)."""
    out: list[Interval] = []
    for a, b in within:
        out.extend(_clip(intervals, a, b))
    return merge(out)
