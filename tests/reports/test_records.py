"""Timer records from JSON-like data, checked field by field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from report_helpers import utc

from sla_timers.errors import NaiveDatetimeError, ReportError
from sla_timers.reports import (
    TimerRow,
    is_excused,
    provider_elapsed,
    timer_row_from_dict,
)

GOOD = {
    "ticket_id": "t1",
    "metric": "first_response",
    "status": "breached",
    "target": 3600,
    "started_at": "2026-11-02T09:00:00-05:00",
    "stopped_at": "2026-11-02T10:30:00-05:00",
    "elapsed": 5400,
    "customer_wait": 2400.5,
    "priority": "high",
    "cycle": 1,
}


def test_a_good_record() -> None:
    row = timer_row_from_dict(GOOD)
    assert row == TimerRow(
        "t1",
        "first_response",
        "breached",
        timedelta(hours=1),
        utc(2026, 11, 2, 14),
        utc(2026, 11, 2, 15, 30),
        timedelta(minutes=90),
        timedelta(0),
        timedelta(seconds=2400, microseconds=500_000),
        "high",
    )
    # 90m less 40m0.5s of the customer's wait = 49m59.5s <= 1h: an excused breach.
    assert provider_elapsed(row) == timedelta(minutes=49, seconds=59, microseconds=500_000)
    assert is_excused(row)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"elapsed": -1}, "rec.elapsed", "zero or more"),
        ({"elapsed": "90m"}, "rec.elapsed", "number of seconds"),
        ({"target": True}, "rec.target", "number of seconds"),
        ({"started_at": "yesterday"}, "rec.started_at", "not an ISO 8601"),
        ({"priority": 1}, "rec.priority", "expected a string"),
        ({"metrc": "x"}, "rec.metrc", 'did you mean "metric"'),
        ({"elapsed": float("inf")}, "rec.elapsed", "number of seconds"),
    ],
    ids=["negative", "text", "boolean", "bad-instant", "priority", "typo", "infinite"],
)
def test_bad_fields_are_named(change: dict, field: str, words: str) -> None:
    with pytest.raises(ReportError) as caught:
        timer_row_from_dict(GOOD | change, "rec")
    assert caught.value.field == field
    assert words in str(caught.value)


def test_an_instant_without_offset_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        timer_row_from_dict(GOOD | {"stopped_at": "2026-11-02T10:30:00"})
    assert caught.value.field == "stopped_at"


def test_a_records_dict_reads_back_as_the_same_figures() -> None:
    from report_helpers import MIN, record

    from sla_timers.reports import compliance

    records = [
        record("a", status="breached", elapsed=90 * MIN, customer_wait=40 * MIN, organisation="acme"),
        record("b", status="running", elapsed=5 * MIN, group="tier1"),
    ]
    rows = [timer_row_from_dict(r.to_dict()) for r in records]
    assert rows[1].group == "tier1" and rows[0].organisation == "acme"
    assert compliance(rows, group_by=["group", "organisation"]) == compliance(
        records, group_by=["group", "organisation"]
    )
