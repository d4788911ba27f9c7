"""Open-time reading answers as the calendar does.

:class:`sla_timers.clock.OpenTime` measures business time by walking the open
stretches it read once (the timers engine replays tickets with it); these laws check every answer against
``BusinessCalendar.elapsed`` and ``add`` themselves, on calendars with weekends,
holidays, an overnight window, DST nights and long closures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sla_timers import BusinessCalendar
from sla_timers.clock import OpenTime

UTC = UTC


def weekly(
    name: str, window: str, days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri"), zone: str = "America/New_York"
) -> BusinessCalendar:
    """A calendar with the same window on ``days`` and no holidays."""
    return BusinessCalendar.from_dict({"name": name, "timezone": zone, "hours": {d: [window] for d in days}})


CALENDARS = {
    "NY95": weekly("NY95", "09:00-17:00"),
    "us-ny-9x5": BusinessCalendar.load("us-ny-9x5"),  # with holidays
    "24x7": BusinessCalendar.always_open(),
    # Crosses midnight and both DST nights; merges into Friday night's close.
    "nights": weekly("nights", "22:00-06:00", ("mon", "tue", "wed", "thu", "fri"), "Europe/London"),
    # Two windows a day: one business day, two stretches.
    "lunch": BusinessCalendar.from_dict(
        {
            "name": "lunch",
            "timezone": "America/New_York",
            "hours": {d: ["09:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    ),
    "closed-winter": BusinessCalendar.from_dict(
        {
            "name": "closed-winter",
            "timezone": "America/New_York",
            "hours": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": {"dates": [f"2026-12-{day:02d}" for day in range(1, 32)]},
        }
    ),
}
# Late October 2026 to early 2027: both fall-back nights, Thanksgiving, a closed December.
START = datetime(2026, 10, 20, tzinfo=UTC)
MINUTES = st.integers(0, 120 * 1440)
# Steps between replay instants: mostly minutes to hours, sometimes weeks (a quiet ticket).
STEPS = st.lists(st.one_of(st.integers(0, 600), st.integers(0, 50_000)), max_size=30)


def at(minutes: int, micros: int = 0) -> datetime:
    return START + timedelta(minutes=minutes, microseconds=micros)


@given(name=st.sampled_from(sorted(CALENDARS)), origin=MINUTES, steps=STEPS, micros=st.integers(0, 59_999_999))
def test_advance_is_the_calendars_elapsed(name: str, origin: int, steps: list[int], micros: int) -> None:
    cal = CALENDARS[name]
    t = at(origin, micros)
    walk = OpenTime(cal, t)
    for step in steps:
        later = t + timedelta(minutes=step)
        assert walk.advance(later) == cal.elapsed(t, later)
        t = later


@given(
    name=st.sampled_from(sorted(CALENDARS)),
    origin=MINUTES,
    steps=STEPS,
    asks=st.lists(st.tuples(st.integers(0, 200 * 1440), st.integers(-10_000, 10_000).filter(bool)), max_size=8),
)
def test_add_is_the_calendars_add(name: str, origin: int, steps: list[int], asks: list[tuple[int, int]]) -> None:
    # Asked after some replay, so part of the answers come from stretches read, part from the calendar.
    cal = CALENDARS[name]
    t0 = t = at(origin)
    walk = OpenTime(cal, t)
    for step in steps:
        t += timedelta(minutes=step)
        walk.advance(t)
    # Mostly between the origin and three days past the replay, where stretches are read.
    reach = (t - t0) // timedelta(minutes=1) + 3 * 1440
    for offset, minutes in asks:
        when = t0 + timedelta(minutes=offset % reach)
        d = timedelta(minutes=minutes)
        got = walk.add(when, d)
        assert got == cal.add(when, d)
        assert got.tzinfo is UTC
        # Open time between two instants, from the blocks read or from the calendar.
        later = when + abs(d)
        assert walk.elapsed(when, later) == cal.elapsed(when, later)


def test_closing_and_opening_times_exactly() -> None:
    # NY95, Mon 2026-11-02: open 14:00Z-22:00Z. 8 h from the opening is the close
    # (the earliest such instant), and 8 h back from Tuesday's opening is Monday's opening.
    cal = CALENDARS["NY95"]
    walk = OpenTime(cal, datetime(2026, 11, 2, 14, tzinfo=UTC))
    assert walk.add(datetime(2026, 11, 2, 14, tzinfo=UTC), timedelta(hours=8)) == datetime(2026, 11, 2, 22, tzinfo=UTC)
    assert walk.add(datetime(2026, 11, 3, 14, tzinfo=UTC), -timedelta(hours=8)) == datetime(2026, 11, 2, 14, tzinfo=UTC)
    assert walk.advance(datetime(2026, 11, 3, 15, tzinfo=UTC)) == timedelta(hours=9)


def test_far_answers_come_from_the_calendar() -> None:
    # 2000 business hours is a year of 9x5, past what one reading reaches; the
    # last days of year 9999 leave no room for a reading at all.
    cal = CALENDARS["NY95"]
    # 2000 h / 8 h = 250 business days = 50 weeks from Mon 2026-11-02 09:00 EST (14:00Z):
    # Mon + 49 weeks + 4 days is Fri 2027-10-15, closing 17:00 EDT = 21:00Z.
    t = datetime(2026, 11, 2, 14, tzinfo=UTC)
    assert OpenTime(cal, t).add(t, timedelta(hours=2000)) == datetime(2027, 10, 15, 21, tzinfo=UTC)
    # 9999-12-01 is a Wednesday; EST, so open 14:00Z-22:00Z. Wed, Thu, Fri: 3 x 8 h by
    # Sat 00:00Z; 8 h from Wed 00:00Z is Wednesday's close, 22:00Z.
    end = datetime(9999, 12, 1, tzinfo=UTC)
    walk = OpenTime(cal, end)
    later = datetime(9999, 12, 4, tzinfo=UTC)
    assert walk.advance(later) == timedelta(hours=24)
    assert walk.add(end, timedelta(hours=8)) == datetime(9999, 12, 1, 22, tzinfo=UTC)


@given(
    name=st.sampled_from(sorted(CALENDARS)),
    base=MINUTES,
    # Within a few days of each other, so several share a business day (and the
    # reader's kept answer) and others do not.
    offsets=st.lists(st.integers(0, 4 * 1440), min_size=1, max_size=8),
    days=st.integers(0, 4),
)
def test_end_of_business_day_is_the_calendars(name: str, base: int, offsets: list[int], days: int) -> None:
    # The shared calendar keeps closes per business day across examples; the
    # reference is a copy built afresh, which has kept nothing yet.
    cal = CALENDARS[name]
    fresh = BusinessCalendar(cal.spec)
    walk = OpenTime(cal, at(base))
    for offset in offsets:
        t = at(base + offset)
        expected = fresh.end_of_business_day(t, days).astimezone(UTC)
        assert walk.end_of_business_day(t, days) == expected
        assert walk.until_end_of_business_day(t, days) == fresh.elapsed(t, expected)
        assert cal.end_of_business_day(t, days) == expected
