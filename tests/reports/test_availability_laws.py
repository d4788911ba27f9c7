"""Laws of availability over random outages: the figures add up, order does not
matter, and downtime is the measure of the union of the outages."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from report_helpers import utc

from sla_timers import BusinessCalendar
from sla_timers.reports import OutageRecord, availability

OFFICE = BusinessCalendar.from_dict(
    {
        "name": "office",
        "timezone": "America/New_York",
        "hours": {d: ["08:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": {"dates": ["2026-11-26"]},
    }
)
ALWAYS = BusinessCalendar.from_dict(
    {
        "name": "always",
        "timezone": "UTC",
        "hours": {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    }
)
START, END = utc(2026, 11, 1), utc(2026, 12, 1)
HOURS = 30 * 24

outages = st.lists(st.tuples(st.integers(-48, HOURS + 48), st.integers(0, 96)), max_size=12)


def _records(spans: list[tuple[int, int]]) -> list[OutageRecord]:
    return [OutageRecord("svc", START + timedelta(hours=a), START + timedelta(hours=a + length)) for a, length in spans]


@given(outages)
def test_figures_add_up_and_order_does_not_matter(spans: list[tuple[int, int]]) -> None:
    (row,) = availability(_records(spans), calendars=OFFICE, start=START, end=END, services=["svc"])
    assert row.available + row.downtime == row.scheduled
    assert timedelta(0) <= row.downtime <= row.scheduled
    (backwards,) = availability(
        list(reversed(_records(spans))), calendars=OFFICE, start=START, end=END, services=["svc"]
    )
    assert backwards == row


@given(outages)
def test_on_a_24x7_calendar_downtime_is_the_hours_the_union_covers(spans: list[tuple[int, int]]) -> None:
    # Independent count: the whole hours of November that some outage covers.
    covered = {h for a, length in spans for h in range(a, a + length) if 0 <= h < HOURS}
    (row,) = availability(_records(spans), calendars=ALWAYS, start=START, end=END, services=["svc"])
    assert row.downtime == timedelta(hours=len(covered))
    assert row.scheduled == timedelta(hours=HOURS)
