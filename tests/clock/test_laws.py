"""The clock laws (elapsed, add and their inverses, zones, holidays, cost), as
property tests over random calendars.

Calendars are drawn as windows on the circle of a week's minutes (so split,
touching, overnight and whole-day windows all occur, never overlapping), with
edges at the hours where the five zones change their clocks; instants cluster
around those zones' 2026 DST nights and the turn of the year.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from specs import make_spec

from bench._reference import reference_add, reference_elapsed, reference_is_open
from sla_timers.clock.calendar import BusinessCalendar
from sla_timers.clock.spec import WEEKDAYS, CalendarSpec, DatedWindow, Window
from sla_timers.errors import DurationOutOfRangeError

UTC = UTC
KATHMANDU = ZoneInfo("Asia/Kathmandu")
ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Europe/Dublin",  # tzdata models Irish summer time as standard, winter as negative DST
    "Africa/Casablanca",  # clocks go back for Ramadan: +01 -> +00 -> +01 within weeks
    "Pacific/Chatham",  # +12:45 / +13:45, changing at 02:45 and 03:45 local
]
# Window edges (minutes after midnight): around every zone's DST change, plus office hours.
EDGES = [0, 60, 90, 120, 150, 165, 180, 225, 360, 540, 720, 780, 1020, 1080, 1320]
WEEK = 7 * 1440
# 2026 DST nights of the zones above, a quiet day, and the turn of the year.
ANCHORS = [
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 2, 15),
    date(2026, 3, 22),
    date(2026, 9, 27),
    date(2026, 6, 17),
    date(2026, 12, 31),
]
ZERO = timedelta(0)
US = timedelta(microseconds=1)


def _window(start: int, end: int) -> Window:
    """A window from minute ``start`` to ``end`` of its day (end may pass midnight)."""
    return Window(time(start // 60, start % 60), time((end % 1440) // 60, end % 60))


# Each zone's 2026 DST nights (local dates); every zone also gets a quiet day and the turn of the year.
ZONE_ANCHORS = {
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Europe/London": [date(2026, 3, 29), date(2026, 10, 25)],
    "Australia/Sydney": [date(2026, 4, 5), date(2026, 10, 4)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],
    "Asia/Kolkata": [],
    "Europe/Dublin": [date(2026, 3, 29), date(2026, 10, 25)],
    "Africa/Casablanca": [date(2026, 2, 15), date(2026, 3, 22)],
    "Pacific/Chatham": [date(2026, 4, 5), date(2026, 9, 27)],
}
COMMON_ANCHORS = [date(2026, 6, 17), date(2026, 12, 31)]
#: A drawn calendar and instants near one of its zone's DST nights.
Case = tuple[CalendarSpec, tuple[datetime, ...]]


def _pairs(rng: random.Random, points: list[int]) -> list[tuple[int, int]]:
    """Consecutive points as windows; now and then a window runs on to touch the next."""
    pairs = list(zip(points[::2], points[1::2]))
    out = []
    for i, (s, e) in enumerate(pairs):
        if i + 1 < len(pairs) and rng.random() < 0.3:
            e = pairs[i + 1][0]
        out.append((s, e))
    return out


def daily_hours(rng: random.Random) -> tuple[tuple[Window, ...], ...]:
    """One day's pattern (split, touching, overnight or whole-day) on some weekdays.

    Drawn on the circle of a day's minutes, so repeating it every day never
    overlaps, overnight windows included; edges stay on the DST hours.
    """
    if rng.random() < 0.2:
        start = rng.choice(EDGES)
        windows = [(start, start + 1440)]
    else:
        points = sorted(rng.sample(EDGES, 2 * rng.randint(1, 4)))
        if rng.random() < 0.35:
            # Pair from the second point, the last window running overnight to the first.
            points = points[1:] + [points[0] + 1440]
        windows = _pairs(rng, points)
    pattern = tuple(sorted((_window(s, e) for s, e in windows), key=lambda w: w.start_minute))
    return tuple(pattern if rng.random() < 0.75 else () for _ in range(7))


def circle_hours(rng: random.Random) -> tuple[tuple[Window, ...], ...]:
    """Windows drawn on the circle of the week's minutes (each at most 24 h)."""
    candidates = [day * 1440 + m for day in range(7) for m in EDGES]
    points = sorted(rng.sample(candidates, 2 * rng.randint(2, 10)))
    windows = [(s, e) for s, e in _pairs(rng, points) if e - s <= 1440]
    rotation = rng.choice([0, 1440, 3 * 1440, 5 * 1440])
    days: list[list[Window]] = [[] for _ in range(7)]
    for s, e in windows:
        start = (s + rotation) % WEEK
        days[start // 1440].append(_window(start % 1440, start % 1440 + (e - s)))
    return tuple(tuple(sorted(day, key=lambda w: w.start_minute)) for day in days)


def random_spec(rng: random.Random, zone: str) -> CalendarSpec:
    hours = daily_hours(rng) if rng.random() < 0.6 else circle_hours(rng)
    anchors = ZONE_ANCHORS[zone] + COMMON_ANCHORS

    def near() -> date:
        return rng.choice(anchors) + timedelta(days=rng.randint(-3, 3))

    def dated() -> DatedWindow:
        start = rng.choice(EDGES)
        return DatedWindow(near(), _window(start, start + rng.choice([30, 60, 120, 600, 1440])))

    return CalendarSpec(
        name="drawn",
        timezone=zone,
        hours=hours,
        closed_dates=frozenset(near() for _ in range(rng.randint(0, 3))),
        closures=tuple(dated() for _ in range(rng.randint(0, 2))),
        openings=tuple(dated() for _ in range(rng.randint(0, 2))),
    )


@st.composite
def cases(draw: st.DrawFn, count: int, *, minute_only: bool = False) -> tuple[CalendarSpec, tuple[datetime, ...]]:
    """A random calendar and ``count`` instants (UTC) within two days of one of
    its zone's DST nights (or a quiet day, or the turn of the year).

    Shapes come from a drawn seed: hypothesis' own shrinking favours empty
    calendars and one-minute spans, which would rarely touch a DST night.
    """
    zone = draw(st.sampled_from(ZONES))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    spec = random_spec(rng, zone)
    anchor = rng.choice(ZONE_ANCHORS[zone] + COMMON_ANCHORS)
    midnight = datetime(anchor.year, anchor.month, anchor.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    found = tuple(
        midnight
        + timedelta(
            minutes=rng.randint(-2 * 1440, 2 * 1440),
            microseconds=0 if minute_only else rng.choice([0, 1, rng.randint(0, 59_999_999)]),
        )
        for _ in range(count)
    )
    return spec, found


def instants(minute_only: bool = False) -> st.SearchStrategy[datetime]:
    """Aware instants within four days of an anchor, in UTC."""
    micro = st.just(0) if minute_only else st.integers(0, 59_999_999)
    return st.builds(
        lambda anchor, minutes, us: (
            datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC) + timedelta(minutes=minutes, microseconds=us)
        ),
        st.sampled_from(ANCHORS),
        st.integers(-4 * 1440, 4 * 1440),
        micro,
    )


durations = st.one_of(
    st.builds(lambda minutes: timedelta(minutes=minutes), st.integers(0, 40 * 60)),
    st.builds(
        lambda minutes, us: timedelta(minutes=minutes, microseconds=us),
        st.integers(0, 40 * 60),
        st.integers(0, 59_999_999),
    ),
)


def utc(value: datetime) -> datetime:
    """Arithmetic on results goes through UTC: same-zone datetimes add as wall time."""
    return value.astimezone(UTC)


def has_open_time(spec: CalendarSpec) -> bool:
    return any(spec.hours)


# ---------------------------------------------------------------- laws 1 and 2


@given(cases(3))
def test_law1_elapsed_is_additive_in_any_order(case: Case) -> None:
    spec, (a, b, c) = case
    cal = BusinessCalendar(spec)
    assert cal.elapsed(a, b) + cal.elapsed(b, c) == cal.elapsed(a, c)


@given(cases(2))
def test_law2_antisymmetric_and_bounded_by_real_time(case: Case) -> None:
    spec, (a, b) = case
    cal = BusinessCalendar(spec)
    assert cal.elapsed(a, b) == -cal.elapsed(b, a)
    low, high = min(a, b), max(a, b)
    assert ZERO <= cal.elapsed(low, high) <= high - low


# ---------------------------------------------------------------- laws 3 to 6


@given(cases(1), durations)
def test_law3_add_inverts_elapsed_at_the_earliest_instant(case: Case, d: timedelta) -> None:
    spec, (t,) = case
    assume(has_open_time(spec))
    cal = BusinessCalendar(spec)
    due = cal.add(t, d)
    assert due.utcoffset() is not None and due >= t
    assert cal.elapsed(t, due) == d
    if d > ZERO:
        assert cal.elapsed(t, utc(due) - US) < d


@given(cases(1), durations)
def test_law3_negative_add_is_the_latest_instant(case: Case, d: timedelta) -> None:
    spec, (t,) = case
    assume(has_open_time(spec) and d > ZERO)
    cal = BusinessCalendar(spec)
    back = cal.add(t, -d)
    assert back <= t
    assert cal.elapsed(back, t) == d
    assert cal.elapsed(utc(back) + US, t) < d


@given(cases(1), durations, durations)
def test_law4_add_composes(case: Case, d: timedelta, e: timedelta) -> None:
    spec, (t,) = case
    assume(has_open_time(spec))
    cal = BusinessCalendar(spec)
    assert utc(cal.add(cal.add(t, d), e)) == utc(cal.add(t, d + e))


@given(cases(1), durations)
def test_law5_there_and_back_is_next_open(case: Case, d: timedelta) -> None:
    spec, (t,) = case
    assume(has_open_time(spec) and d > ZERO)
    cal = BusinessCalendar(spec)
    assert utc(cal.add(cal.add(t, d), -d)) == utc(cal.next_open(t))


@given(cases(1))
def test_law6_next_open_and_next_close(case: Case) -> None:
    spec, (t,) = case
    assume(has_open_time(spec))
    cal = BusinessCalendar(spec)
    opens = cal.next_open(t)
    assert opens >= t and cal.is_open(opens)
    assert cal.elapsed(t, opens) == ZERO
    assert (utc(opens) == t) == cal.is_open(t)
    try:
        closes = cal.next_close(t)
    except DurationOutOfRangeError:
        # Only a calendar open around the clock from its next opening on never
        # closes (t itself may still be in a closed stretch before it).
        # Add the month in UTC: in the calendar's zone it would be wall time.
        month = timedelta(days=30)
        assert cal.elapsed(opens, utc(opens) + month) == month
        return
    assert utc(closes) > utc(opens) and not cal.is_open(closes)
    assert cal.is_open(utc(closes) - US)
    # Open all the way from the opening to the close (real time: subtract in UTC).
    assert cal.elapsed(opens, closes) == utc(closes) - utc(opens)
    # The business day owns the open time there and is a business day.
    assert cal.is_business_day(cal.business_day(t))
    assert utc(cal.end_of_business_day(t)) > utc(opens)


@given(cases(2))
def test_open_intervals_measure_elapsed_and_reverse(case: Case) -> None:
    spec, (a, b) = case
    cal = BusinessCalendar(spec)
    forward = list(cal.open_intervals(a, b))
    assert sum((utc(e) - utc(s) for s, e in forward), ZERO) == max(cal.elapsed(a, b), ZERO)
    backward = list(cal.open_intervals(a, b, reverse=True))
    assert [(utc(s), utc(e)) for s, e in backward] == [(utc(s), utc(e)) for s, e in forward[::-1]]
    for (_, e1), (s2, _) in zip(forward, forward[1:]):
        assert utc(e1) < utc(s2)  # touching stretches come out merged
    for s, e in forward:
        assert a <= utc(s) < utc(e) <= b and cal.is_open(s) and cal.is_open(utc(e) - US)


# ---------------------------------------------------------------- laws 7 and 8


@given(cases(2), durations)
def test_law7_the_same_instant_in_any_zone_gives_the_same_answers(case: Case, d: timedelta) -> None:
    spec, (a, b) = case
    assume(has_open_time(spec))
    cal = BusinessCalendar(spec)
    zone = ZoneInfo(spec.timezone)
    for a2, b2 in ((a.astimezone(KATHMANDU), b.astimezone(zone)), (a.astimezone(zone), b)):
        assert cal.elapsed(a2, b2) == cal.elapsed(a, b)
        assert utc(cal.add(a2, d)) == utc(cal.add(a, d))
        assert cal.is_open(a2) == cal.is_open(a)
        assert utc(cal.next_open(a2)) == utc(cal.next_open(a))
        assert cal.business_day(a2) == cal.business_day(a)


@given(cases(3), durations)
def test_law8_a_new_holiday_never_adds_time_nor_brings_a_due_date_forward(case: Case, d: timedelta) -> None:
    spec, (a, b, day) = case
    assume(has_open_time(spec))
    holiday = day.astimezone(ZoneInfo(spec.timezone)).date()
    before = BusinessCalendar(spec)
    after = BusinessCalendar(
        CalendarSpec(
            name=spec.name,
            timezone=spec.timezone,
            hours=spec.hours,
            closed_dates=spec.closed_dates | {holiday},
            closures=spec.closures,
            openings=spec.openings,
        )
    )
    low, high = min(a, b), max(a, b)
    assert after.elapsed(low, high) <= before.elapsed(low, high)
    assert utc(after.add(low, d)) >= utc(before.add(low, d))


@given(st.sampled_from(WEEKDAYS), instants(), durations)
def test_single_weekday_due_dates_fall_on_that_weekday(day: str, t: datetime, d: timedelta) -> None:
    assume(d > ZERO)  # add(t, 0) is t itself, any day
    spec = make_spec("America/New_York", {day: ["08:00-17:00"]})
    due = BusinessCalendar(spec).add(t, d)
    assert WEEKDAYS[due.weekday()] == day


# ---------------------------------------------------------------- law 9: the brute-force reference


@settings(max_examples=60)
@given(cases(2, minute_only=True))
def test_law9_elapsed_and_is_open_agree_with_the_reference(case: Case) -> None:
    spec, (a, b) = case
    cal = BusinessCalendar(spec)
    assert cal.elapsed(a, b) == reference_elapsed(spec, a, b)
    assert cal.is_open(a) == reference_is_open(spec, a)


@settings(max_examples=60)
@given(cases(1, minute_only=True), st.integers(-16 * 60, 16 * 60))
def test_law9_add_agrees_with_the_reference(case: Case, minutes: int) -> None:
    spec, (t,) = case
    assume(has_open_time(spec))
    cal = BusinessCalendar(spec)
    d = timedelta(minutes=minutes)
    assert utc(cal.add(t, d)) == reference_add(spec, t, d)


@settings(max_examples=10)
@given(st.sampled_from(ZONES), instants(minute_only=True), st.integers(0, 2 * 1440))
def test_law9_with_public_holidays(zone: str, a: datetime, minutes: int) -> None:
    # New Year's Day and Christmas (US) fall inside the anchors' reach.
    spec = make_spec(zone, {"daily": ["09:00-17:00", "22:00-02:00"]}, country="US", subdiv="NY")
    b = a + timedelta(minutes=minutes)
    assert BusinessCalendar(spec).elapsed(a, b) == reference_elapsed(spec, a, b)


# ---------------------------------------------------------------- law 10: cost


def calls_made(call: Callable[[], object]) -> int:
    """How many Python and C functions ``call()`` runs: a cost that, unlike a
    timing, a loaded machine does not stretch."""
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return count


def test_law10_a_five_year_span_costs_about_what_an_hour_does() -> None:
    spec = make_spec("America/New_York", {d: ["09:00-12:00", "13:00-17:00"] for d in WEEKDAYS[:5]})
    cal = BusinessCalendar(spec)
    start = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("America/New_York"))
    hour, years = start + timedelta(hours=1), start + timedelta(days=5 * 365)
    cal.elapsed(start, years)  # build the years once
    cal.add(start, timedelta(hours=9000))
    # Five years hold about 1,300 business days; a walk over them would make
    # thousands of calls. The closed form over whole weeks makes a few more
    # than an hour's answer (the years at either end), never one per day.
    short = calls_made(lambda: cal.elapsed(start, hour))
    long = calls_made(lambda: cal.elapsed(start, years))
    assert long <= 10 * short
    due_short = calls_made(lambda: cal.add(start, timedelta(hours=1)))
    due_long = calls_made(lambda: cal.add(start, timedelta(hours=9000)))
    assert due_long <= 10 * due_short
