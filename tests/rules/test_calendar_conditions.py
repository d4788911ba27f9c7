"""Calendar conditions of the matrix, against the real clock: business hours,
weekday, date ranges and the last business days of a quarter."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sla_timers.clock import BusinessCalendar
from sla_timers.errors import DurationOutOfRangeError, RulesError
from sla_timers.rules import PriorityMatrix

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
WEEKDAYS_9_TO_5 = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def _calendar(name: str, zone: str, dates: list[str] | None = None) -> BusinessCalendar:
    return BusinessCalendar.from_dict(
        {"name": name, "timezone": zone, "hours": WEEKDAYS_9_TO_5, "holidays": {"dates": dates or []}}
    )


#: No public holidays (pinned dates only), so the expected days below are checked by hand.
CALENDARS = {
    "ny": _calendar("ny", "America/New_York"),
    # Christmas Eve (Thu) and Christmas Day (Fri) 2026 closed.
    "ny-xmas": _calendar("ny-xmas", "America/New_York", ["2026-12-24", "2026-12-25"]),
    "london": _calendar("london", "Europe/London"),
}


def matches(when: dict[str, Any], now: datetime, calendar: str = "ny", rules: list[Any] | None = None) -> bool:
    data = {
        "priorities": ["high", "normal"],
        "default_priority": "normal",
        "default_policy": "standard",
        "default_calendar": calendar,
        "rules": (rules or []) + [{"name": "probe", "when": when, "then": {"add_tags": ["hit"]}}],
    }
    return "hit" in PriorityMatrix.from_dict(data, calendars=CALENDARS).classify({}, now=now).tags


# -- the last N business days of the quarter ----------------------------------------
# Q1 2026 ends Tue 03-31. Counting business days back: Tue 31 (1), Mon 30 (2),
# Fri 27 (3), Thu 26 (4), Wed 25 (5); so "the last 5" runs Wed 03-25 .. Tue 03-31.
# Q2 ends Tue 06-30: Tue 30, Mon 29, Fri 26, Thu 25, Wed 24 -> from Wed 06-24.


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(datetime(2026, 3, 24, 16, 59, tzinfo=NY), False, id="tue-before-the-window"),
        pytest.param(datetime(2026, 3, 25, 0, 0, tzinfo=NY), True, id="wed-first-day-midnight"),
        pytest.param(datetime(2026, 3, 28, 12, 0, tzinfo=NY), True, id="saturday-inside-the-window"),
        pytest.param(datetime(2026, 3, 31, 23, 30, tzinfo=NY), True, id="last-evening"),
        # 2026-04-01 02:00Z is still Tue 03-31 22:00 EDT (UTC-4) in New York: still Q1's last day.
        pytest.param(datetime(2026, 4, 1, 2, 0, tzinfo=UTC), True, id="utc-april-is-ny-march"),
        # 2026-04-01 04:30Z is Wed 04-01 00:30 EDT: Q2, whose window opens 06-24.
        pytest.param(datetime(2026, 4, 1, 4, 30, tzinfo=UTC), False, id="first-hour-of-q2"),
        pytest.param(datetime(2026, 6, 23, 12, 0, tzinfo=NY), False, id="q2-tue-before"),
        pytest.param(datetime(2026, 6, 24, 9, 0, tzinfo=NY), True, id="q2-wed-first-day"),
    ],
)
def test_quarter_end_across_a_quarter_boundary(now: datetime, expected: bool) -> None:
    assert matches({"quarter_end": 5}, now) is expected


# Q4 2026 ends Thu 12-31. Without holidays: Thu 31, Wed 30, Tue 29, Mon 28, Fri 25 -> from Fri 12-25.
# With Thu 12-24 and Fri 12-25 closed: Thu 31, Wed 30, Tue 29, Mon 28, (Sun 27, Sat 26,
# Fri 25 and Thu 24 closed), Wed 23 -> from Wed 12-23.
@pytest.mark.parametrize(
    ("calendar", "now", "expected"),
    [
        pytest.param("ny", datetime(2026, 12, 23, 10, 0, tzinfo=NY), False, id="no-holidays-wed-23"),
        pytest.param("ny", datetime(2026, 12, 24, 10, 0, tzinfo=NY), False, id="no-holidays-thu-24"),
        pytest.param("ny", datetime(2026, 12, 25, 10, 0, tzinfo=NY), True, id="no-holidays-fri-25"),
        pytest.param("ny-xmas", datetime(2026, 12, 22, 16, 0, tzinfo=NY), False, id="holidays-tue-22"),
        pytest.param("ny-xmas", datetime(2026, 12, 23, 10, 0, tzinfo=NY), True, id="holidays-wed-23"),
        pytest.param("ny-xmas", datetime(2026, 12, 24, 10, 0, tzinfo=NY), True, id="holidays-the-holiday-itself"),
        pytest.param("ny-xmas", datetime(2027, 1, 4, 10, 0, tzinfo=NY), False, id="holidays-next-quarter"),
    ],
)
def test_quarter_end_skips_holidays(calendar: str, now: datetime, expected: bool) -> None:
    assert matches({"quarter_end": {"last_business_days": 5}}, now, calendar) is expected


def test_quarter_end_with_a_named_calendar() -> None:
    # The ticket's calendar is "ny" (no holidays), the test names "ny-xmas": Wed 12-23 is inside.
    when = {"quarter_end": {"last_business_days": 5, "calendar": "ny-xmas"}}
    assert matches(when, datetime(2026, 12, 23, 10, 0, tzinfo=NY), "ny")


# -- business hours, weekday, date range ------------------------------------------------


@pytest.mark.parametrize(
    ("when", "now", "expected"),
    [
        pytest.param({"business_hours": True}, datetime(2026, 11, 23, 9, 0, tzinfo=NY), True, id="opening-instant"),
        pytest.param({"business_hours": True}, datetime(2026, 11, 23, 17, 0, tzinfo=NY), False, id="closing-instant"),
        pytest.param({"business_hours": False}, datetime(2026, 11, 21, 12, 0, tzinfo=NY), True, id="saturday-closed"),
        pytest.param(
            {"business_hours": {"open": False}}, datetime(2026, 11, 23, 12, 0, tzinfo=NY), False, id="table-form"
        ),
        # 10:00 EST = 15:00 GMT: open in London; 13:00 EST = 18:00 GMT: closed there.
        pytest.param(
            {"business_hours": {"open": True, "calendar": "london"}},
            datetime(2026, 11, 23, 10, 0, tzinfo=NY),
            True,
            id="london-open",
        ),
        pytest.param(
            {"business_hours": {"open": True, "calendar": "london"}},
            datetime(2026, 11, 23, 13, 0, tzinfo=NY),
            False,
            id="london-closed",
        ),
        pytest.param({"weekday": ["sat", "sun"]}, datetime(2026, 11, 22, 12, 0, tzinfo=NY), True, id="sunday"),
        pytest.param({"weekday": ["sat", "sun"]}, datetime(2026, 11, 23, 12, 0, tzinfo=NY), False, id="monday"),
        # Mon 2026-11-23 04:30Z is Sun 11-22 23:30 EST: Sunday in the calendar's zone.
        pytest.param({"weekday": ["sun"]}, datetime(2026, 11, 23, 4, 30, tzinfo=UTC), True, id="weekday-local"),
        pytest.param(
            {"weekday": {"in": ["mon"], "calendar": "london"}},
            datetime(2026, 11, 23, 4, 30, tzinfo=UTC),
            True,
            id="weekday-london",
        ),
        pytest.param(
            {"date_between": ["2026-12-20", "2027-01-05"]},
            datetime(2026, 12, 19, 23, 59, tzinfo=NY),
            False,
            id="day-before",
        ),
        pytest.param(
            {"date_between": ["2026-12-20", "2027-01-05"]},
            datetime(2026, 12, 20, 0, 0, tzinfo=NY),
            True,
            id="first-day",
        ),
        pytest.param(
            {"date_between": {"from": "2026-12-20", "to": "2027-01-05"}},
            datetime(2027, 1, 5, 23, 59, tzinfo=NY),
            True,
            id="last-day-inclusive",
        ),
        # 2027-01-06 03:00Z is 01-05 22:00 EST: still inside in New York.
        pytest.param(
            {"date_between": ["2026-12-20", "2027-01-05"]},
            datetime(2027, 1, 6, 3, 0, tzinfo=UTC),
            True,
            id="utc-next-day-is-local-last-day",
        ),
        pytest.param(
            {"date_between": ["2026-12-20", "2027-01-05"]}, datetime(2027, 1, 6, 0, 0, tzinfo=NY), False, id="day-after"
        ),
    ],
)
def test_calendar_tests(when: dict[str, Any], now: datetime, expected: bool) -> None:
    assert matches(when, now) is expected


def test_calendar_tests_use_the_calendar_chosen_so_far() -> None:
    # Mon 2026-11-23 08:00 EST = 13:00 GMT: closed in New York, open in London.
    now = datetime(2026, 11, 23, 8, 0, tzinfo=NY)
    assert not matches({"business_hours": True}, now)
    to_london = [{"name": "to london", "then": {"calendar": "london"}}]
    assert matches({"business_hours": True}, now, rules=to_london)


def test_business_line_calendar_is_the_starting_calendar() -> None:
    data = {
        "priorities": ["high", "normal"],
        "default_priority": "normal",
        "default_policy": "standard",
        "default_calendar": "ny",
        "business_lines": {"emea": {"calendar": "london"}},
        "rules": [{"when": {"business_hours": True}, "then": {"priority": "high"}}],
    }
    m = PriorityMatrix.from_dict(data, calendars=CALENDARS)
    now = datetime(2026, 11, 23, 8, 0, tzinfo=NY)  # 13:00 in London
    assert m.classify({"business_line": "emea"}, now=now).priority == "high"
    assert m.classify({"business_line": "other"}, now=now).priority == "normal"


@pytest.mark.parametrize(
    ("when", "field", "message"),
    [
        ({"weekday": ["mondy"]}, "rules[0].when.weekday[0]", 'unknown weekday "mondy"; did you mean "mon"?'),
        ({"weekday": {"days": ["mon"]}}, "rules[0].when.weekday.days", 'unknown key "days"'),
        ({"date_between": ["2027-01-05", "2026-12-20"]}, "rules[0].when.date_between", "ends before it starts"),
        ({"date_between": ["2026-12-20"]}, "rules[0].when.date_between", "expected [from, to]"),
        ({"date_between": ["2026-12-20", "soon"]}, "rules[0].when.date_between[1]", "expected a date"),
        ({"date_between": {"from": "2026-12-20"}}, "rules[0].when.date_between", 'missing "to"'),
        ({"quarter_end": 0}, "rules[0].when.quarter_end", "must be >= 1"),
        (
            {"quarter_end": {"last_business_days": 5, "calendar": "tokyo"}},
            "rules[0].when.quarter_end.calendar",
            'unknown calendar "tokyo"',
        ),
        ({"business_hours": "yes"}, "rules[0].when.business_hours", "expected true or false"),
        ({"buisness_hours": True}, "rules[0].when.buisness_hours", 'did you mean "business_hours"?'),
        ({"quarter_ends": 5}, "rules[0].when.quarter_ends", 'did you mean "quarter_end"?'),
    ],
)
def test_invalid_calendar_tests(when: dict[str, Any], field: str, message: str) -> None:
    data = {
        "priorities": ["high", "normal"],
        "default_priority": "normal",
        "default_policy": "standard",
        "default_calendar": "ny",
        "rules": [{"when": when, "then": {"priority": "high"}}],
    }
    with pytest.raises(RulesError) as info:
        PriorityMatrix.from_dict(data, calendars=CALENDARS)
    assert info.value.field == field
    assert message in str(info.value)


def test_shipped_calendars_resolve_by_default() -> None:
    data = {
        "priorities": ["high", "normal"],
        "default_priority": "normal",
        "default_policy": "standard",
        "default_calendar": "us-ny-9x5",
        "rules": [{"when": {"business_hours": True}, "then": {"priority": "high"}}],
    }
    m = PriorityMatrix.from_dict(data)
    # Thu 2026-11-26 is Thanksgiving, a New York public holiday: closed at noon.
    assert m.classify({}, now=datetime(2026, 11, 26, 12, 0, tzinfo=NY)).priority == "normal"
    assert m.classify({}, now=datetime(2026, 11, 25, 12, 0, tzinfo=NY)).priority == "high"
    with pytest.raises(RulesError) as info:
        PriorityMatrix.from_dict({**data, "default_calendar": "us-nyc-9x5"})
    assert info.value.field == "default_calendar"


# -- the ends of the supported range (years 1 to 9999) --------------------------------


@pytest.mark.parametrize(
    "now",
    [
        # 0001-01-01 00:00Z is 0000-12-31 evening in New York (LMT, UTC-4:56): a date Python cannot hold.
        pytest.param(datetime(1, 1, 1, tzinfo=UTC), id="before-year-1-in-new-york"),
        # 9999-12-31 23:59 at UTC-12 is 10000-01-01 11:59Z: past the last instant there is.
        pytest.param(datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("Etc/GMT+12")), id="after-9999-in-utc"),
    ],
)
@pytest.mark.parametrize(
    "when",
    [
        pytest.param({"business_hours": True}, id="business-hours"),
        pytest.param({"weekday": ["mon"]}, id="weekday"),
        pytest.param({"date_between": ["2026-01-01", "2026-12-31"]}, id="date-between"),
        pytest.param({"quarter_end": 5}, id="quarter-end"),
    ],
)
def test_now_outside_the_range_is_an_sla_error_naming_now(when: dict[str, Any], now: datetime) -> None:
    with pytest.raises(DurationOutOfRangeError) as info:
        matches(when, now)
    assert (info.value.code, info.value.field) == ("duration_out_of_range", "now")
    assert "years 1 to 9999" in str(info.value) and "rules[0].when" in str(info.value)


def test_quarter_end_in_the_last_quarter_of_9999() -> None:
    # 9999-12-31 is a Friday: the Gregorian calendar repeats every 400 years, and 9999 is
    # 20 cycles after 1999, whose 31 December was a Friday.
    # The last 3 business days of Q4 are Wed 29, Thu 30, Fri 31 December.
    assert matches({"quarter_end": 3}, datetime(9999, 12, 29, 9, tzinfo=NY))
    assert not matches({"quarter_end": 3}, datetime(9999, 12, 28, 16, tzinfo=NY))
    # 9999-12-31 23:00Z is 18:00 EST on the last day there is.
    assert matches({"quarter_end": 3}, datetime(9999, 12, 31, 23, tzinfo=UTC))


def test_calendar_tests_on_the_first_day_of_year_1() -> None:
    # 0001-01-01 12:00Z is 07:03:58 on Mon 0001-01-01 in New York (LMT, UTC-4:56:02), as 2001-01-01
    # (400 years x 5 cycles later) is a Monday: a weekday, two hours before the 09:00 opening.
    now = datetime(1, 1, 1, 12, tzinfo=UTC)
    assert matches({"weekday": ["mon"]}, now)
    assert matches({"business_hours": False}, now)
    assert matches({"date_between": ["0001-01-01", "0001-01-01"]}, now)
