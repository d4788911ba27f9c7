"""Delivery of outbox rows: signals, signed webhooks to a real local server, retries, dead letters, leases."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update
from webhook_server import WebhookServer, webhook_server

from sla_timers.errors import SLAError
from sla_timers.store import migrate
from sla_timers.store.delivery import Deliverer, Webhook, database_now, verify_signature
from sla_timers.store.delivery_errors import DeliveryConfigError
from sla_timers.store.engine import make_engine
from sla_timers.store.models import OutboxRow
from sla_timers.store.signals import escalation, notification

SECRET = "s3cret-shared-with-the-host"
# Monday 2026-11-23 09:00 in New York is 14:00 UTC: a notification held to business hours.
NOTIFY_AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[WebhookServer]:
    with webhook_server() as running:
        yield running


@pytest.fixture
def db(engine: Engine) -> Engine:
    migrate.upgrade(engine)
    return engine


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Engine]:
    """SQLite only, for what concerns the sending rather than the database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sla.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def add_rows(engine: Engine, count: int = 1, *, notify_at: datetime = NOTIFY_AT, kind: str = "escalation") -> list[str]:
    keys = [f"T-{n}/resolution/1/warn-{n % 3}" for n in range(count)]
    rows = [
        {
            "key": key,
            "kind": kind,
            "notify_at": notify_at,
            "next_attempt_at": notify_at,
            "status": "pending",
            "attempts": 0,
            "created_at": notify_at - timedelta(hours=60),
            "payload": {
                "ticket": key.split("/")[0],
                "metric": "resolution",
                "cycle": 1,
                "step": key.rsplit("/")[-1],
                "notify": ["team-lead"],
            },
        }
        for key in keys
    ]
    with engine.begin() as connection:
        connection.execute(insert(OutboxRow), rows)
    return keys


def row(engine: Engine, key: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(select(OutboxRow).where(OutboxRow.key == key)).one()


def test_a_due_row_is_posted_once_signed_with_its_key(db: Engine, server: WebhookServer) -> None:
    [key] = add_rows(db)
    deliverer = Deliverer(db, webhooks=[Webhook(server.url, SECRET, timeout=2)], signals=False)
    # Held to business hours: at 08:59 New York time (13:59 UTC) the row is not due yet.
    assert deliverer.deliver(NOTIFY_AT - timedelta(minutes=1)).claimed == 0
    assert server.received == []
    result = deliverer.deliver(NOTIFY_AT)
    assert (result.claimed, result.delivered) == (1, 1)
    [request] = server.received
    assert request.headers["idempotency-key"] == key
    assert request.headers["content-type"] == "application/json"
    # The signature, computed here independently: HMAC-SHA256 over "<timestamp>." + body.
    stamp = request.headers["x-sla-timestamp"]
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-sla-signature"] == f"sha256={expected}"
    body = request.json()
    assert (body["key"], body["kind"], body["attempt"]) == (key, "escalation", 1)
    assert body["payload"]["notify"] == ["team-lead"]
    stored = row(db, key)
    assert (stored.status, stored.attempts, stored.delivered_at, stored.leased_until) == (
        "delivered",
        1,
        NOTIFY_AT,
        None,
    )
    # Delivered rows are never sent again.
    assert deliverer.deliver(NOTIFY_AT + timedelta(days=1)).claimed == 0
    assert len(server.received) == 1


def test_signals_carry_the_key_payload_and_attempt(sqlite_db: Engine) -> None:
    [key] = add_rows(sqlite_db)
    seen: list[tuple[str, dict[str, Any]]] = []

    def on_escalation(sender: Any, **kw: Any) -> None:
        seen.append(("escalation", kw))

    def on_any(sender: Any, **kw: Any) -> None:
        seen.append(("notification", kw))

    with escalation.connected_to(on_escalation), notification.connected_to(on_any):
        assert Deliverer(sqlite_db).deliver(NOTIFY_AT).delivered == 1
    assert [name for name, _ in seen] == ["escalation", "notification"]
    for _, kw in seen:
        assert (kw["key"], kw["kind"], kw["attempt"], kw["payload"]["ticket"]) == (key, "escalation", 1, "T-0")


def test_an_unknown_kind_still_goes_to_the_catch_all_signal(sqlite_db: Engine) -> None:
    add_rows(sqlite_db, kind="report")
    kinds: list[str] = []
    with notification.connected_to(lambda sender, **kw: kinds.append(kw["kind"])):
        assert Deliverer(sqlite_db).deliver(NOTIFY_AT).delivered == 1
    assert kinds == ["report"]


def test_a_failure_is_recorded_and_retried_later_with_backoff(db: Engine, server: WebhookServer) -> None:
    server.mode = "error"
    [key] = add_rows(db)
    deliverer = Deliverer(
        db,
        webhooks=[Webhook(server.url, SECRET, timeout=2)],
        signals=False,
        backoff=timedelta(seconds=30),
        rng=random.Random(7),
    )
    assert deliverer.deliver(NOTIFY_AT).retried == 1
    first = row(db, key)
    assert (first.status, first.attempts, first.leased_until) == ("pending", 1, None)
    assert "HTTP 500" in first.last_error and "database is on fire" in first.last_error
    # First wait: 30 s jittered to between half and all of it.
    assert NOTIFY_AT + timedelta(seconds=15) <= first.next_attempt_at <= NOTIFY_AT + timedelta(seconds=30)
    # Not due before then: nothing is claimed and the server hears nothing more.
    assert deliverer.deliver(first.next_attempt_at - timedelta(microseconds=1)).claimed == 0
    later = first.next_attempt_at
    assert deliverer.deliver(later).retried == 1
    second = row(db, key)
    # Second wait: 60 s, jittered to 30..60 s.
    assert later + timedelta(seconds=30) <= second.next_attempt_at <= later + timedelta(seconds=60)
    assert second.attempts == 2
    # Every attempt carried the same idempotency key; the body says which attempt it was.
    assert server.keys() == [key, key]
    assert [r.json()["attempt"] for r in server.received] == [1, 2]
    server.mode = "ok"
    assert deliverer.deliver(second.next_attempt_at).delivered == 1
    assert (row(db, key).status, row(db, key).attempts, row(db, key).last_error) == ("delivered", 3, None)


def test_backoff_is_capped_and_jittered(sqlite_db: Engine) -> None:
    deliverer = Deliverer(
        sqlite_db, backoff=timedelta(seconds=10), backoff_cap=timedelta(minutes=5), rng=random.Random(1)
    )
    waits = [deliverer.backoff_for(n) for n in range(1, 12)]
    # Ceilings 10, 20, 40, 80, 160 s, then the 300 s cap; each wait is half to all of its ceiling.
    ceilings = [10, 20, 40, 80, 160] + [300] * 6
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert timedelta(seconds=ceiling / 2) <= wait <= timedelta(seconds=ceiling)
    assert len(set(waits[5:])) > 1  # jitter: capped waits differ


def test_a_row_is_dead_after_max_attempts(db: Engine, server: WebhookServer) -> None:
    server.mode = "error"
    [key] = add_rows(db)
    deliverer = Deliverer(db, webhooks=[Webhook(server.url, SECRET, timeout=2)], signals=False, max_attempts=3)
    when = NOTIFY_AT
    outcomes = []
    for _ in range(3):
        result = deliverer.deliver(when)
        outcomes.append((result.retried, result.dead))
        when = row(db, key).next_attempt_at
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    dead = row(db, key)
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert "HTTP 500" in dead.last_error
    assert deliverer.deliver(when + timedelta(days=30)).claimed == 0
    assert len(server.received) == 3
    # The receiver is fixed: the dead letter is revived with the same key and goes out.
    server.mode = "ok"
    assert deliverer.revive(["no-such-key"], now=when) == 0
    assert deliverer.revive([key], now=when) == 1
    assert deliverer.deliver(when).delivered == 1
    assert (row(db, key).status, len(server.received)) == ("delivered", 4)
    assert server.received[-1].headers["idempotency-key"] == key
    assert deliverer.revive(now=when) == 0  # nothing dead any more


def test_a_receiver_that_raises_fails_the_delivery_and_is_retried(sqlite_db: Engine) -> None:
    [key] = add_rows(sqlite_db)
    calls: list[int] = []

    def flaky(sender: Any, **kw: Any) -> None:
        calls.append(kw["attempt"])
        if kw["attempt"] == 1:
            raise RuntimeError("mail server down")

    with escalation.connected_to(flaky):
        deliverer = Deliverer(sqlite_db)
        assert deliverer.deliver(NOTIFY_AT).retried == 1
        failed = row(sqlite_db, key)
        assert "signal escalation: RuntimeError: mail server down" in failed.last_error
        assert deliverer.deliver(failed.next_attempt_at).delivered == 1
    assert calls == [1, 2]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("redirect", "302 redirect to 'http://169.254.169.254/latest/meta-data/' not followed"),
        ("huge", "HTTP 500: 'xxxx"),
        ("silent", "no complete reply within 0.5s"),
        ("dribble", "no complete reply within 0.5s"),
        ("garbage", "RemoteProtocolError"),
    ],
)
def test_hostile_replies_are_bounded_failures(
    sqlite_db: Engine, server: WebhookServer, mode: str, expected: str
) -> None:
    server.mode = mode
    [key] = add_rows(sqlite_db)
    deliverer = Deliverer(sqlite_db, webhooks=[Webhook(server.url, SECRET, timeout=0.5)], signals=False)
    result = deliverer.deliver(NOTIFY_AT)
    assert (result.claimed, result.retried) == (1, 1)
    failed = row(sqlite_db, key)
    assert failed.status == "pending" and failed.attempts == 1 and failed.leased_until is None
    assert expected in failed.last_error
    assert len(failed.last_error) <= 1000
    assert len(server.received) == 1


def test_a_refused_connection_is_a_failure(sqlite_db: Engine) -> None:
    [key] = add_rows(sqlite_db)
    # Port 9 (discard) on the loopback: nothing listens there on a test machine, so the connection is refused.
    deliverer = Deliverer(sqlite_db, webhooks=[Webhook("http://127.0.0.1:9/hook", SECRET, timeout=1)], signals=False)
    assert deliverer.deliver(NOTIFY_AT).retried == 1
    assert "ConnectError" in row(sqlite_db, key).last_error


def test_a_live_lease_keeps_a_row_from_other_deliverers(db: Engine) -> None:
    [key] = add_rows(db)
    first, second = Deliverer(db), Deliverer(db)
    claimed, lease_until = first._claim(NOTIFY_AT)
    assert [c.key for c in claimed] == [key]
    assert second.deliver(NOTIFY_AT).claimed == 0
    with db.connect() as connection:
        db_now = database_now(connection)
    # The lease is dated by the database's clock, not by the `now` the deliverer was asked about.
    assert db_now < lease_until <= db_now + first.lease


@pytest.mark.parametrize("lease", [timedelta(seconds=-1), timedelta(hours=2)], ids=["expired", "future"])
def test_an_expired_or_future_dated_lease_is_taken_over(db: Engine, lease: timedelta) -> None:
    [key] = add_rows(db)
    with db.begin() as connection:
        stale = database_now(connection) + lease
        connection.execute(update(OutboxRow).values(leased_until=stale))
    # A deliverer that died holding the row (expired), or a lease dated an hour past the longest
    # a deliverer takes (a clock that jumped): either way another deliverer sends it.
    assert Deliverer(db).deliver(NOTIFY_AT).delivered == 1
    assert row(db, key).status == "delivered"


def test_an_outcome_is_not_recorded_over_another_deliverers_lease(db: Engine) -> None:
    [key] = add_rows(db)
    deliverer = Deliverer(db)
    claimed, lease_until = deliverer._claim(NOTIFY_AT)
    # Meanwhile the lease ran out and another deliverer took the row.
    with db.begin() as connection:
        connection.execute(update(OutboxRow).values(leased_until=lease_until + timedelta(seconds=1)))
    assert deliverer._finish(claimed[0], lease_until, NOTIFY_AT, None).released == 1
    assert row(db, key).status == "pending"


def test_concurrent_deliverers_send_each_row_once(db: Engine, server: WebhookServer) -> None:
    keys = add_rows(db, 120)
    results = []

    def run() -> None:
        results.append(
            Deliverer(db, webhooks=[Webhook(server.url, SECRET, timeout=5)], signals=False, batch_size=7).deliver(
                NOTIFY_AT
            )
        )

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(server.keys()) == sorted(keys)
    assert sum(r.delivered for r in results) == 120
    with db.connect() as connection:
        statuses = connection.execute(select(OutboxRow.status).distinct()).scalars().all()
    assert statuses == ["delivered"]


def test_verify_signature_accepts_ours_and_refuses_tampering_and_old_requests() -> None:
    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    stamp = int(now.timestamp())
    body = json.dumps({"key": "T-1/resolution/1/breach"}).encode()
    good = "sha256=" + hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert verify_signature(SECRET, str(stamp), body, good, now=now)
    assert not verify_signature(SECRET, str(stamp), body + b" ", good, now=now)
    assert not verify_signature("other", str(stamp), body, good, now=now)
    assert not verify_signature(SECRET, "not a number", body, good, now=now)
    # Six minutes later the same request is a replay (tolerance five minutes).
    assert not verify_signature(SECRET, str(stamp), body, good, now=now + timedelta(minutes=6))


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Webhook("ftp://example.com/x", SECRET), "webhook.url"),
        (lambda: Webhook("/relative", SECRET), "webhook.url"),
        (lambda: Webhook("http://example.com/x", ""), "webhook.secret"),
        (lambda: Webhook("http://example.com/x", SECRET, timeout=0), "webhook.timeout"),
        (lambda: Webhook("http://example.com/x", SECRET, timeout=float("nan")), "webhook.timeout"),
        (lambda: Deliverer(None, max_attempts=0), "max_attempts"),  # type: ignore[arg-type]
        (lambda: Deliverer(None, batch_size=True), "batch_size"),  # type: ignore[arg-type]
        (lambda: Deliverer(None, backoff=timedelta(0)), "backoff"),  # type: ignore[arg-type]
        (lambda: Deliverer(None, backoff=timedelta(hours=2)), "backoff_cap"),  # type: ignore[arg-type]
        (lambda: Deliverer(None, webhooks=["http://example.com"]), "webhooks"),  # type: ignore[arg-type, list-item]
    ],
)
def test_bad_settings_are_refused_naming_the_field(make: Any, field: str) -> None:
    with pytest.raises(DeliveryConfigError) as caught:
        make()
    assert isinstance(caught.value, SLAError)
    assert caught.value.field == field
    assert caught.value.code == "invalid_delivery"


def test_the_secret_is_not_in_the_webhooks_repr() -> None:
    assert SECRET not in repr(Webhook("http://example.com/x", SECRET))
