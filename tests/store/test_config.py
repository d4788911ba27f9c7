"""Configuration versions: policies and matrices apply to tickets created after them;
a calendar change applies from the change onward and re-dates open timers; a
deactivated policy stops escalating; new classification inputs reclassify."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from store_helpers import counts

from sla_timers import TicketEvent
from sla_timers.store.errors import ConfigChangeError
from sla_timers.store.models import AuditRow
from sla_timers.store.store import Store

NY = ZoneInfo("America/New_York")
MON_9 = datetime(2026, 11, 30, 9, tzinfo=NY)  # a Monday; us-ny-9x5 opens 09:00-17:00 Mon-Fri

HOLIDAY_TUESDAY = """
name = "us-ny-9x5"
timezone = "America/New_York"
[hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
[holidays]
country = "US"
subdiv = "NY"
dates = ["2026-12-01"]
"""


def created(at: datetime = MON_9, **data: object) -> TicketEvent:
    return TicketEvent("created", at, id="c", priority="normal", status="new", **data)


def rows(store: Store, ticket: str) -> dict[str, dict[str, object]]:
    return {f"{r['metric']}/{r['cycle']}": r for r in store.timers(ticket)}


def test_calendar_change_re_dates_running_timers_from_the_change_on(store: Store) -> None:
    for n in range(5):
        store.record({f"T{n}": [created()]}, now=MON_9)
    # Normal: resolution 16h -> Mon 09-17 (8h) + Tue 09-17 (8h): due Tue 17:00 EST = 22:00Z.
    assert rows(store, "T0")["resolution/1"]["due_at"] == datetime(2026, 12, 1, 22, tzinfo=UTC)
    noon = datetime(2026, 11, 30, 12, tzinfo=NY)
    seen: list[tuple[int, int]] = []
    store.put_calendar(
        HOLIDAY_TUESDAY,
        effective_from=noon,
        now=noon,
        batch_size=4,
        progress=lambda done, total: seen.append((done, total)),
    )
    # The calendars first differ at Tue 09:00 (the new holiday's opening). Of the 5 tickets' 2
    # running timers each, only the 5 resolution timers have an instant after it (due Tue 17:00);
    # first response (due Mon 13:00, its steps before) cannot move and is not read: 5, by 4.
    assert seen == [(4, 5), (5, 5)]
    # At Mon 12:00, 3h counted, 13h left: Mon 12-17 (5h), Tue closed now, Wed 09-17 (8h):
    # due Wed 17:00 EST = 22:00Z. first_response (4h) still due Mon 13:00 EST = 18:00Z.
    after = rows(store, "T0")
    assert after["resolution/1"]["due_at"] == datetime(2026, 12, 2, 22, tzinfo=UTC)
    assert after["first_response/1"]["due_at"] == datetime(2026, 11, 30, 18, tzinfo=UTC)
    # A later event re-evaluates the whole log and reaches the same deadline.
    store.record(
        {"T0": [TicketEvent("agent_reply", noon + timedelta(minutes=30), id="a", public=True)]},
        now=noon + timedelta(minutes=30),
    )
    assert rows(store, "T0")["resolution/1"]["due_at"] == datetime(2026, 12, 2, 22, tzinfo=UTC)


def test_calendar_change_leaves_finished_cycles_and_paused_timers_alone(store: Store) -> None:
    store.record(
        {"T1": [created(), TicketEvent("status", MON_9 + timedelta(hours=1), id="s", status="solved")]},
        now=MON_9 + timedelta(hours=2),
    )
    before = rows(store, "T1")
    noon = datetime(2026, 11, 30, 12, tzinfo=NY)
    store.put_calendar(HOLIDAY_TUESDAY, effective_from=noon, now=noon)
    assert rows(store, "T1")["resolution/1"]["due_at"] == before["resolution/1"]["due_at"]


def test_calendar_change_in_the_past_is_refused(store: Store) -> None:
    before = counts(store.engine)
    with pytest.raises(ConfigChangeError) as caught:
        store.put_calendar(HOLIDAY_TUESDAY, effective_from=MON_9, now=MON_9 + timedelta(hours=1))
    assert caught.value.field == "effective_from"
    assert counts(store.engine) == before


def test_policy_version_applies_to_tickets_created_after_it(store: Store) -> None:
    v2 = (
        store_policy_text()
        .replace("version = 1", "version = 2")
        .replace('effective_from = "2026-01-01"', 'effective_from = "2026-12-01T00:00:00-05:00"')
        .replace('resolution = "16h"', 'resolution = "8h"')
    )
    store.put_policy(v2, now=MON_9)
    store.record({"OLD": [created()]}, now=MON_9)
    tue = datetime(2026, 12, 1, 9, tzinfo=NY)
    store.record({"NEW": [created(tue)]}, now=tue)
    # v1 (16h) for the Monday ticket: Tue 17:00 EST; v2 (8h) for Tuesday's: Tue 17:00 EST too,
    # so compare targets: 16h and 8h.
    assert rows(store, "OLD")["resolution/1"]["target_us"] == 16 * 3600 * 10**6
    assert rows(store, "NEW")["resolution/1"]["target_us"] == 8 * 3600 * 10**6
    with store.engine.connect() as connection:
        actions = connection.execute(
            select(AuditRow.object_type, AuditRow.action).where(AuditRow.object_type == "policy").order_by(AuditRow.id)
        ).all()
    assert [tuple(a) for a in actions] == [("policy", "create"), ("policy", "version")]


def test_a_stored_version_never_changes(store: Store) -> None:
    with pytest.raises(ConfigChangeError, match="version 1"):
        store.put_policy(store_policy_text().replace('resolution = "16h"', 'resolution = "9h"'), now=MON_9)


def test_deactivated_policy_stops_escalating_at_once(store: Store) -> None:
    store.record({"T1": [created()]}, now=MON_9)
    unscheduled = store.deactivate_policy("basic", actor="admin", now=MON_9 + timedelta(minutes=5))
    assert unscheduled == 2
    # Past every step (first response breached Mon 13:00, resolution half at Mon 17:00): nothing fires.
    assert store.sweep(datetime(2026, 12, 2, 12, tzinfo=NY)).steps == 0
    store.record(
        {"T1": [TicketEvent("customer_reply", datetime(2026, 12, 2, 12, tzinfo=NY), id="r")]},
        now=datetime(2026, 12, 2, 12, tzinfo=NY),
    )
    assert all(r["next_check_at"] is None or r["stopped_at"] is not None for r in store.timers("T1"))
    store.activate_policy("basic", now=datetime(2026, 12, 2, 13, tzinfo=NY))
    assert store.sweep(datetime(2026, 12, 2, 13, tzinfo=NY)).steps > 0


def test_new_inputs_reclassify_and_the_change_enters_the_log(store: Store) -> None:
    store.record({"T1": [created()]}, inputs={"T1": {"requester": {"vip": False}}}, now=MON_9)
    ten = datetime(2026, 11, 30, 10, tzinfo=NY)
    store.record({}, inputs={"T1": {"requester": {"vip": True}}}, now=ten)
    raised = [(e.at, e.data["priority"]) for e in store.events("T1") if e.kind == "priority"]
    assert raised == [(ten.astimezone(UTC), "high")]
    # High: resolution 8h, 1h counted by 10:00 -> Mon 17:00 EST = 22:00Z.
    assert rows(store, "T1")["resolution/1"]["due_at"] == datetime(2026, 11, 30, 22, tzinfo=UTC)


def store_policy_text() -> str:
    from store_helpers import POLICY

    return POLICY


def test_first_difference_of_two_calendars() -> None:
    from sla_timers import BusinessCalendar
    from sla_timers.store.redate import first_difference

    old = BusinessCalendar.load("us-ny-9x5")
    new = BusinessCalendar.from_dict(tomllib.loads(HOLIDAY_TUESDAY))
    noon = datetime(2026, 11, 30, 12, tzinfo=NY)
    # Both open Mon until 17:00; Tue 2026-12-01 opens at 09:00 EST (14:00Z) only in the old one.
    assert first_difference(old, new, noon, noon + timedelta(days=30)) == datetime(2026, 12, 1, 14, tzinfo=UTC)
    # Before that instant they agree; a calendar never differs from itself.
    assert first_difference(old, new, noon, datetime(2026, 12, 1, 14, tzinfo=UTC)) is None
    assert first_difference(old, old, noon, noon + timedelta(days=400)) is None
