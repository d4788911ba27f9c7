"""Ingestion: idempotent, all or nothing, order-free, held before created, swept at each event."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from store_helpers import counts

from sla_timers import TicketEvent
from sla_timers.errors import EventError
from sla_timers.store.errors import EventConflict, EventInFutureError
from sla_timers.store.models import EscalationRow, OutboxRow
from sla_timers.store.store import Store

NY = ZoneInfo("America/New_York")
# Mon 2026-11-30, New York (EST, UTC-5); the us-ny-9x5 calendar is open 09:00-17:00 Mon-Fri.
MON_9 = datetime(2026, 11, 30, 9, tzinfo=NY)
LATER = datetime(2026, 12, 31, tzinfo=UTC)


def ev(kind: str, at: datetime, **data: object) -> TicketEvent:
    return TicketEvent(kind, at, **data)


def created(at: datetime = MON_9, id: str = "c") -> TicketEvent:
    return ev("created", at, id=id, priority="normal", status="new")


def timers(store: Store, ticket: str) -> dict[str, dict[str, object]]:
    return {f"{r['metric']}/{r['cycle']}": r for r in store.timers(ticket)}


def test_created_starts_timers_with_deadlines_in_business_time(store: Store) -> None:
    result = store.record({"T1": [created()]}, inputs={"T1": {"requester": {"vip": True}}}, now=MON_9)
    assert result.recorded == (("T1", "c"),)
    rows = timers(store, "T1")
    # The matrix makes a VIP's ticket high: first response 1h -> Mon 10:00 EST = 15:00Z;
    # resolution 8h -> Mon 09:00-17:00 exactly, due at the close, 17:00 EST = 22:00Z.
    assert rows["first_response/1"]["due_at"] == datetime(2026, 11, 30, 15, tzinfo=UTC)
    assert rows["resolution/1"]["due_at"] == datetime(2026, 11, 30, 22, tzinfo=UTC)
    assert rows["resolution/1"]["status"] == "running"
    # Next look: the resolution's 50% step, 4h in, at 13:00 EST = 18:00Z.
    assert rows["resolution/1"]["next_check_at"] == datetime(2026, 11, 30, 18, tzinfo=UTC)
    assert rows["first_response/1"]["next_check_at"] == datetime(2026, 11, 30, 15, tzinfo=UTC)


def test_same_id_same_payload_is_a_duplicate_and_changes_nothing(store: Store) -> None:
    store.record({"T1": [created()]}, now=MON_9)
    before = counts(store.engine)
    # The same instant written with another offset is the same payload.
    again = store.record({"T1": [created(MON_9.astimezone(UTC))]}, now=MON_9)
    assert again.duplicates == (("T1", "c"),) and again.recorded == ()
    assert counts(store.engine) == before


def test_same_id_other_payload_is_a_conflict_and_nothing_of_the_batch_is_written(store: Store) -> None:
    store.record({"T1": [created()]}, now=MON_9)
    before = counts(store.engine)
    batch = {"T2": [created()], "T1": [ev("created", MON_9, id="c", priority="urgent")]}
    with pytest.raises(EventConflict) as caught:
        store.record(batch, now=MON_9)
    assert caught.value.code == "event_conflict"
    assert caught.value.field == "T1/events[0]"
    assert counts(store.engine) == before


def test_conflict_inside_one_batch(store: Store) -> None:
    before = counts(store.engine)
    with pytest.raises(EventConflict):
        store.record({"T1": [created(), ev("created", MON_9, id="c", priority="urgent")]}, now=MON_9)
    assert counts(store.engine) == before


def test_a_bad_event_names_its_place_and_writes_nothing(store: Store) -> None:
    before = counts(store.engine)
    items = [{"ticket": "T1", "kind": "created", "at": "2026-11-30T09:00:00-05:00", "priority": "high"}] * 3
    items.append({"ticket": "T1", "kind": "explode", "at": "2026-11-30T09:00:00-05:00"})
    with pytest.raises(EventError) as caught:
        store.record(items, now=MON_9)
    assert caught.value.field == "events[3].kind"
    assert counts(store.engine) == before


def test_an_event_in_the_future_is_refused(store: Store) -> None:
    before = counts(store.engine)
    with pytest.raises(EventInFutureError) as caught:
        store.record({"T1": [created(MON_9 + timedelta(minutes=6))]}, now=MON_9)
    assert caught.value.field == "T1/events[0].at"
    assert counts(store.engine) == before


def test_events_before_created_are_held_then_give_the_in_order_state(store: Store) -> None:
    status = ev("status", MON_9 + timedelta(hours=1), id="s", status="pending")
    held = store.record({"T1": [status]}, now=MON_9 + timedelta(hours=2))
    assert held.held == ("T1",) and store.timers("T1") == []
    store.record({"T1": [created()]}, now=MON_9 + timedelta(hours=2))
    store.record({"T2": [created(), status]}, now=MON_9 + timedelta(hours=2))
    strip = lambda rows: {k: {f: v for f, v in r.items() if f not in ("id", "ticket_id")} for k, r in rows.items()}  # noqa: E731
    assert strip(timers(store, "T1")) == strip(timers(store, "T2"))
    # Pending at 10:00 after 1h of the normal 16h: paused with 15h left.
    assert timers(store, "T1")["resolution/1"]["status"] == "paused"
    assert timers(store, "T1")["resolution/1"]["remaining_us"] == 15 * 3600 * 10**6


def test_arrival_order_never_matters(store: Store) -> None:
    log = [
        created(),
        ev("status", MON_9 + timedelta(hours=1), id="s1", status="pending"),
        ev("customer_reply", MON_9 + timedelta(hours=3), id="r1"),
        ev("status", MON_9 + timedelta(hours=3), id="s2", status="open"),
        ev("agent_reply", MON_9 + timedelta(hours=4), id="a1", public=True),
    ]
    now = MON_9 + timedelta(hours=5)
    results = []
    for n, order in enumerate(itertools.islice(itertools.permutations(log), 0, None, 17)):
        ticket = f"P{n}"
        for event in order:  # one event per call: each a separate delivery
            store.record({ticket: [event]}, now=now)
        results.append(
            {
                k: {f: v for f, v in r.items() if f not in ("id", "ticket_id", "evaluated_at")}
                for k, r in timers(store, ticket).items()
            }
        )
    assert len(results) >= 7
    assert all(r == results[0] for r in results)


def test_a_step_due_while_running_fires_even_when_the_stop_arrives_in_the_same_batch(store: Store) -> None:
    # Normal: resolution 16h. Its 50% step falls due after 8h of business time: Mon 09:00-17:00,
    # so at Mon 17:00 EST (22:00Z). The ticket is solved Tue 10:00, and both events arrive together.
    solved = ev("status", datetime(2026, 12, 1, 10, tzinfo=NY), id="s", status="solved")
    store.record({"T1": [created(), solved]}, now=datetime(2026, 12, 1, 11, tzinfo=NY))
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(EscalationRow.metric, EscalationRow.step, EscalationRow.due_at).order_by(EscalationRow.due_at)
        ).all()
    # first_response (4h, never answered) breached at Mon 13:00 EST = 18:00Z, also before the solve.
    assert [tuple(r) for r in rows] == [
        ("first_response", "breach", datetime(2026, 11, 30, 18, tzinfo=UTC)),
        ("resolution", "half", datetime(2026, 11, 30, 22, tzinfo=UTC)),
    ]
    assert timers(store, "T1")["resolution/1"]["next_check_at"] is None


def test_sweep_fires_once_and_a_raise_enters_the_log(store: Store) -> None:
    store.record({"T1": [created()]}, inputs={"T1": {"requester": {"vip": True}}}, now=MON_9)
    # High: first response 1h (Mon 10:00), resolution 8h (due Mon 17:00 close; half at 13:00).
    at = datetime(2026, 11, 30, 17, 30, tzinfo=NY)
    first = store.sweep(at)
    assert set(first.keys) == {"T1/first_response/1/breach", "T1/resolution/1/half", "T1/resolution/1/breach"}
    again = store.sweep(at)
    assert again.steps == 0 and again.keys == ()
    raises = [e for e in store.events("T1") if e.kind == "priority"]
    # The breach at Mon 17:00 EST (22:00Z) raised high to urgent, dated at the breach.
    assert [(e.at, e.data["priority"]) for e in raises] == [(datetime(2026, 11, 30, 22, tzinfo=UTC), "urgent")]
    with store.engine.connect() as connection:
        outbox = {r.key: r.notify_at for r in connection.execute(select(OutboxRow.key, OutboxRow.notify_at))}
    # The held breach notification waits for Tue 09:00 EST = 14:00Z.
    assert outbox["T1/resolution/1/breach"] == datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert outbox["T1/resolution/1/half"] == datetime(2026, 11, 30, 18, tzinfo=UTC)


def test_idle_sweep_does_nothing(store: Store) -> None:
    store.record({"T1": [created()]}, now=MON_9)
    assert store.sweep(MON_9 + timedelta(minutes=1)).tickets == 0
