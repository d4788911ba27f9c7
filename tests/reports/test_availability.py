"""Availability of a service in a calendar's business time, across a holiday and DST nights."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from report_helpers import HOUR, MIN, ny, utc

from sla_timers import BusinessCalendar
from sla_timers.errors import ReportError
from sla_timers.reports import OutageRecord, availability
from sla_timers.reports.availability import merge, subtract

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.fixture(scope="module")
def office() -> BusinessCalendar:
    # "99.5% between 08:00 and 18:00 on business days", Thanksgiving (Thu 2026-11-26) closed.
    return BusinessCalendar.from_dict(
        {
            "name": "office",
            "timezone": "America/New_York",
            "hours": {d: ["08:00-18:00"] for d in WEEKDAYS},
            "holidays": {"dates": ["2026-11-26"]},
        }
    )


@pytest.fixture(scope="module")
def all_day_ny() -> BusinessCalendar:
    return BusinessCalendar.from_dict(
        {
            "name": "ny-24x7",
            "timezone": "America/New_York",
            "hours": {d: ["00:00-24:00"] for d in (*WEEKDAYS, "sat", "sun")},
        }
    )


def test_an_outage_across_a_holiday_counts_only_business_hours(office: BusinessCalendar) -> None:
    # Week Mon 11-23 to Mon 11-30: four business days (Thu is the holiday) of 10h = 40h scheduled.
    # Down Wed 17:00 -> Fri 09:00: Wed 17-18 (1h) + Thu 0 (holiday) + Fri 08-09 (1h) = 2h.
    # 38h / 40h = 95%. (Without the holiday Thu would add 10h: 12h down.)
    outage = OutageRecord("email", ny(2026, 11, 25, 17), ny(2026, 11, 27, 9))
    (row,) = availability([outage], calendars={"email": office}, start=ny(2026, 11, 23), end=ny(2026, 11, 30))
    assert (row.scheduled, row.downtime, row.available) == (40 * HOUR, 2 * HOUR, 38 * HOUR)
    assert (row.percent, row.outages, row.period) == (Decimal("95.00"), 1, None)


def test_the_fall_back_night_has_twenty_five_hours(all_day_ny: BusinessCalendar) -> None:
    # Sun 2026-11-01 in New York lasts 25 real hours (04:00Z to 05:00Z next day).
    # Down 01:00 EDT (05:00Z) to 03:00 EST (08:00Z): 3 real hours, though the wall clock says 2.
    # 22h / 25h = 88%; read on the wall clock it would be 22/24 = 91.67%.
    outage = OutageRecord("vpn", utc(2026, 11, 1, 5), utc(2026, 11, 1, 8))
    (row,) = availability([outage], calendars=all_day_ny, start=ny(2026, 11, 1), end=ny(2026, 11, 2))
    assert (row.scheduled, row.downtime, row.percent) == (25 * HOUR, 3 * HOUR, Decimal("88.00"))


def test_the_spring_forward_night_has_twenty_three_hours(all_day_ny: BusinessCalendar) -> None:
    # Sun 2026-03-08: 23 real hours. Down 01:00 EST (06:00Z) to 04:00 EDT (08:00Z): 2 real hours.
    # 21/23 = 91.3043...% -> 91.30.
    outage = OutageRecord("vpn", utc(2026, 3, 8, 6), utc(2026, 3, 8, 8))
    (row,) = availability([outage], calendars=all_day_ny, start=ny(2026, 3, 8), end=ny(2026, 3, 9))
    assert (row.scheduled, row.downtime, row.percent) == (23 * HOUR, 2 * HOUR, Decimal("91.30"))


def test_overlapping_outages_count_once_and_customer_held_time_is_shown_apart(office: BusinessCalendar) -> None:
    outages = [
        # 10:00-12:00 and 11:00-13:00 overlap: down 10:00-13:00 = 3h.
        OutageRecord("email", ny(2026, 11, 23, 10), ny(2026, 11, 23, 12)),
        OutageRecord(
            "email",
            ny(2026, 11, 23, 11),
            ny(2026, 11, 23, 13),
            # the outage ticket waited on the customer 12:00-12:30 and 17:00-19:00
            # (the latter outside the outage: not counted at all).
            customer_held=(
                (ny(2026, 11, 23, 12), ny(2026, 11, 23, 12, 30)),
                (ny(2026, 11, 23, 17), ny(2026, 11, 23, 19)),
            ),
        ),
    ]
    (row,) = availability(outages, calendars={"email": office}, start=ny(2026, 11, 23), end=ny(2026, 11, 24))
    # Scheduled Mon 08-18 = 10h; down 3h less 30m held = 2h30m; 7h30m / 10h = 75%.
    assert (row.scheduled, row.downtime, row.customer_held, row.percent) == (
        10 * HOUR,
        2 * HOUR + 30 * MIN,
        30 * MIN,
        Decimal("75.00"),
    )
    assert row.outages == 2


def test_per_period_with_an_open_outage_and_a_quiet_service(office: BusinessCalendar) -> None:
    # Down from Fri 11-27 17:00, still open: to the end of the range.
    outage = OutageRecord("email", ny(2026, 11, 27, 17))
    rows = availability(
        [outage], calendars=office, start=ny(2026, 11, 26), end=ny(2026, 12, 1), period="day", services=["chat"]
    )
    by = {(r.service, r.period.label): r for r in rows}
    # Thu 11-26 is the holiday: nothing scheduled, no percentage.
    assert (by[("email", "2026-11-26")].scheduled, by[("email", "2026-11-26")].percent) == (timedelta(0), None)
    # Fri: down 17:00-18:00 of 10h -> 90%.
    assert by[("email", "2026-11-27")].percent == Decimal("90.00")
    # Mon 11-30: down all 10h -> 0%.
    assert by[("email", "2026-11-30")].percent == Decimal("0.00")
    # chat had no outage: 100% every business day.
    assert by[("chat", "2026-11-27")].percent == Decimal("100.00")
    assert [r.period.label for r in rows if r.service == "chat"] == [
        "2026-11-26",
        "2026-11-27",
        "2026-11-28",
        "2026-11-29",
        "2026-11-30",
    ]


def test_a_service_without_a_calendar_is_named() -> None:
    with pytest.raises(ReportError) as caught:
        availability(
            [OutageRecord("sms", utc(2026, 11, 2), utc(2026, 11, 3))],
            calendars={},
            start=utc(2026, 11, 1),
            end=utc(2026, 12, 1),
        )
    assert caught.value.field == "calendars" and '"sms"' in str(caught.value)


def test_an_outage_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ReportError) as caught:
        OutageRecord("sms", utc(2026, 11, 3), utc(2026, 11, 2))
    assert caught.value.field == "end_at"


def test_interval_helpers() -> None:
    a, b, c, d = (utc(2026, 1, 1, h) for h in (1, 2, 3, 4))
    assert merge([(c, d), (a, b), (b, c)]) == [(a, d)]
    assert subtract([(a, d)], [(b, c)]) == [(a, b), (c, d)]
    assert subtract([(a, b), (c, d)], [(a, d)]) == []
