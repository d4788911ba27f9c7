"""Benchmark: questions spanning centuries, on fresh calendars (nothing cached), in CPU time.

Each scenario once cold (a new calendar instance: its years, holidays and
year totals worked out on the way) and then warm (the same call again).
The clock's promise is that no call on any input takes over a second.

Usage::

    python bench/clock_far.py

Prints Markdown to stdout. It measures and reports; it never fails on a figure.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sla_timers import BusinessCalendar
from sla_timers.clock.calendar import BusinessCalendar as _Calendar

UTC = UTC
FIRST = datetime.min.replace(tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)
NOW = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)


def _fresh(name: str) -> BusinessCalendar:
    return _Calendar(BusinessCalendar.load(name).spec)


def _holiday_in_9990() -> BusinessCalendar:
    spec = BusinessCalendar.load("24x7").spec
    return _Calendar(dataclasses.replace(spec, closed_dates=frozenset({date(9990, 6, 15)})))


#: (scenario, calendar maker, call)
SCENARIOS: list[tuple[str, Callable[[], BusinessCalendar], Callable[[BusinessCalendar], object]]] = [
    ("elapsed(datetime.min, now)", lambda: _fresh("us-ny-9x5"), lambda c: c.elapsed(FIRST, NOW)),
    ("elapsed(datetime.min, datetime.max)", lambda: _fresh("de-by-8x5-lunch"), lambda c: c.elapsed(FIRST, LAST)),
    (
        "add 1,400 years of business time (about 7,000 years on)",
        lambda: _fresh("us-ny-9x5"),
        lambda c: c.add(NOW, timedelta(days=7000 * 365 * 0.2)),
    ),
    ("add 7,000 years", lambda: _fresh("24x7"), lambda c: c.add(NOW, timedelta(days=7000 * 365))),
    ("add past year 9999 (refused)", lambda: _fresh("us-ny-9x5"), lambda c: c.add(NOW, timedelta(days=9000 * 365))),
    (
        "end_of_business_day(t, 10**7) (refused)",
        lambda: _fresh("us-ny-9x5"),
        lambda c: c.end_of_business_day(NOW, 10**7),
    ),
    ("end_of_business_day(t, 10**6)", lambda: _fresh("us-ny-9x5"), lambda c: c.end_of_business_day(NOW, 10**6)),
    ("next_close(now), 24x7 with one holiday in 9990", _holiday_in_9990, lambda c: c.next_close(NOW)),
    ("next_open(datetime.min)", lambda: _fresh("au-nsw-9x5"), lambda c: c.next_open(FIRST)),
]


def _timed(call: Callable[[], object]) -> tuple[float, str]:
    started = time.process_time()
    try:
        call()
        outcome = "answer"
    except Exception as error:  # noqa: BLE001 - a refusal is a result to show
        outcome = type(error).__name__
    return (time.process_time() - started) * 1000, outcome


def main() -> int:
    """Run every scenario cold and warm; print the table."""
    lines = [
        "## Far spans: cold and warm calls (CPU ms)",
        "",
        "| scenario | calendar | cold ms | warm ms | outcome |",
        "|---|---|---:|---:|---|",
    ]
    for label, make, call in SCENARIOS:
        cal = make()
        cold, outcome = _timed(lambda call=call, cal=cal: call(cal))
        warm, _ = _timed(lambda call=call, cal=cal: call(cal))
        lines.append(f"| {label} | {cal.name} | {cold:,.1f} | {warm:,.2f} | {outcome} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
