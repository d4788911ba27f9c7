"""Ticket events: validation with field paths, UTC storage, log order; a bad batch is refused whole."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from operator import attrgetter

import pytest
from timer_helpers import ny

from sla_timers.errors import EventError, NaiveDatetimeError
from sla_timers.timers import TicketEvent, parse_events, sort_events

AT = ny(2026, 11, 23, 9)


def test_an_event_reads_like_the_design() -> None:
    event = TicketEvent("created", AT, id="e1", priority="high", status="new")
    assert (event.kind, event.id, event.priority, event.status) == ("created", "e1", "high", "new")
    # Stored in UTC: 09:00 EST is 14:00Z, the same instant.
    assert event.at == datetime(2026, 11, 23, 14, tzinfo=UTC)
    assert event.at.tzinfo is UTC
    assert TicketEvent("created", AT, priority="low").status == "new"  # the default status
    with pytest.raises(AttributeError):
        event.kind = "status"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        _ = event.public


def test_the_same_instant_in_another_offset_is_the_same_event() -> None:
    a = TicketEvent("status", AT, status="open")
    b = TicketEvent("status", datetime(2026, 11, 23, 14, tzinfo=UTC), status="open")
    assert a == b and hash(a) == hash(b)


@pytest.mark.parametrize(
    ("kind", "data", "field", "words"),
    [
        pytest.param("reply", {}, "kind", "not an event kind", id="unknown-kind"),
        pytest.param(5, {}, "kind", "not an event kind", id="kind-type"),
        pytest.param("status", {}, "status", "required", id="missing-status"),
        pytest.param("status", {"status": 3}, "status", "is not a str", id="status-type"),
        pytest.param("status", {"status": ""}, "status", "must not be empty", id="status-empty"),
        pytest.param("agent_reply", {}, "public", "required", id="missing-public"),
        pytest.param("agent_reply", {"public": "yes"}, "public", "is not a bool", id="public-type"),
        pytest.param("agent_reply", {"public": 1}, "public", "is not a bool", id="public-int"),
        pytest.param("agent_reply", {"public": True, "pubic": True}, "pubic", "not a field", id="typo"),
        pytest.param("created", {}, "priority", "required", id="created-priority"),
        pytest.param("pin", {"metric": "resolution"}, "due_at", "required", id="pin-due"),
        pytest.param(
            "pin", {"metric": "resolution", "due_at": "tomorrow"}, "due_at", "not a datetime", id="pin-due-type"
        ),
        pytest.param("assigned", {"group": 7}, "group", "str or null", id="group-type"),
        pytest.param("status", {"status": "open", "id": 5}, "id", "non-empty string", id="id-type"),
    ],
)
def test_bad_events_name_the_field(kind: object, data: dict, field: str, words: str) -> None:
    with pytest.raises(EventError) as info:
        TicketEvent(kind, AT, **data)  # type: ignore[arg-type]
    assert info.value.field == field
    assert words in str(info.value)
    assert info.value.code == "invalid_event"


def test_naive_times_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        TicketEvent("status", datetime(2026, 11, 23, 9), status="open")
    assert info.value.field == "at"
    assert isinstance(info.value, TypeError)
    with pytest.raises(NaiveDatetimeError) as info:
        TicketEvent("pin", AT, metric="resolution", due_at=datetime(2026, 11, 25, 12))
    assert info.value.field == "due_at"


def test_a_batch_names_the_bad_event_by_its_place() -> None:
    # Event 2 of 3 is bad; nothing is returned and the path says where.
    batch = [
        {"kind": "created", "at": "2026-11-23T09:00:00-05:00", "priority": "high"},
        {"kind": "status", "at": "2026-11-23T10:00:00-05:00", "status": "pending"},
        {"kind": "reply", "at": "2026-11-23T11:00:00-05:00"},
    ]
    with pytest.raises(EventError) as info:
        parse_events(batch)
    assert info.value.field == "events[2].kind"
    assert str(info.value).startswith("events[2].kind: 'reply' is not an event kind")
    batch[2] = {"kind": "status", "at": "2026-11-23T11:00:00", "status": "open"}
    with pytest.raises(NaiveDatetimeError) as naive:
        parse_events(batch)
    assert naive.value.field == "events[2].at"
    batch[2] = {"kind": "status", "at": "23/11/2026", "status": "open"}
    with pytest.raises(EventError, match=r"events\[2\]\.at: '23/11/2026' is not an ISO 8601 time"):
        parse_events(batch)
    batch[2] = {"at": "2026-11-23T11:00:00Z", "status": "open"}
    with pytest.raises(EventError) as missing:
        parse_events(batch)
    assert missing.value.field == "events[2].kind"


def test_parse_events_round_trips_to_dict() -> None:
    event = TicketEvent("pin", AT, id="p1", metric="resolution", due_at=ny(2026, 11, 25, 12))
    assert parse_events([event.to_dict()]) == [event]


def test_log_order_is_time_then_kind_then_id_whatever_the_arrival() -> None:
    # At one instant: created first; the customer's message before the agent's
    # answer; a reply before the status set with it ("reply and solve").
    events = [
        TicketEvent("status", AT, id="s", status="solved"),
        TicketEvent("agent_reply", AT, id="a", public=True),
        TicketEvent("customer_reply", AT, id="c"),
        TicketEvent("created", AT, id="0", priority="high"),
        TicketEvent("priority", AT - timedelta(minutes=1), id="p", priority="low"),
    ]
    expected = ["p", "0", "c", "a", "s"]
    for seed in range(20):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        assert [e.id for e in sort_events(shuffled)] == expected


@pytest.mark.parametrize("seed", range(20))
def test_evaluation_sorts_as_sort_key_orders(seed: int) -> None:
    # evaluate sorts by a key read without a call, comparing data only on a tie of
    # instant, kind and id; it must give sort_key's order, ties on data included
    # (the same id on two payloads, a field's value 1 or "1", no id at all).
    rng = random.Random(seed)
    instants = [AT + timedelta(minutes=m) for m in (0, 0, 5)]
    pool = [
        TicketEvent(
            "status", rng.choice(instants), id=rng.choice(["a", "b", None]), status=rng.choice(["open", "pending"])
        )
        for _ in range(6)
    ] + [
        TicketEvent(
            "field", rng.choice(instants), id=rng.choice(["f", None]), name="n", value=rng.choice([1, "1", 2.5])
        )
        for _ in range(6)
    ]
    rng.shuffle(pool)
    by_key = sorted(pool, key=TicketEvent.sort_key)
    by_order = sorted(pool, key=attrgetter("_order"))
    assert [e.sort_key() for e in by_order] == [e.sort_key() for e in by_key]
