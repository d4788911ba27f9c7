"""Delivery of the outbox: blinker signals in-process and signed webhooks over HTTP.

The sweep writes one outbox row per notification in the transaction that
decided it. :class:`Deliverer` sends each row at least once, at or after its
``notify_at`` (so a notification held to business hours leaves at the next
opening), with the row's stable ``key`` as the idempotency key:

- rows are claimed in batches with ``FOR UPDATE SKIP LOCKED`` (where the
  database has it) and leased until an instant taken from the database's own
  clock, so many deliverers never send one row at the same time, and a
  deliverer that dies leaves its rows to another once the lease ends;
- a failure (a receiver raising, a webhook timing out, refusing, redirecting
  or answering garbage) is recorded in the row (``attempts``, ``last_error``)
  and retried at ``next_attempt_at``, later each time (exponential backoff with
  jitter, capped); after ``max_attempts`` failures the row is ``dead``;
- webhook replies are read to a bounded size within a bounded total time:
  nothing a server answers can crash or stall the deliverer.

A webhook request is a ``POST`` of JSON ``{"key", "kind", "attempt",
"payload"}`` with the headers ``Idempotency-Key`` (the row's key),
``X-SLA-Timestamp`` (Unix seconds) and ``X-SLA-Signature``
(``sha256=<hex HMAC-SHA256 of "<timestamp>." + body with the shared secret>``);
a receiving host checks it with :func:`verify_signature`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Connection, Engine, or_, select, text, update

from ..validation import aware_utc
from .delivery_errors import DeliveryConfigError
from .models import OutboxRow
from .signals import KINDS, notification

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Deliverer",
    "DeliveryResult",
    "Webhook",
    "database_now",
    "sign",
    "verify_signature",
]

log = logging.getLogger("sla_timers.delivery")

IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_HEADER = "X-SLA-Signature"
TIMESTAMP_HEADER = "X-SLA-Timestamp"

#: Most bytes of a webhook's reply read (kept for the error message); the rest is dropped unread.
MAX_REPLY_BYTES = 4096
#: Longest ``last_error`` kept in a row.
MAX_ERROR_CHARS = 1000
#: No lease is longer; a lease dated further ahead of the database's clock (a clock that
#: jumped, a hand edit) is treated as stale rather than trusted for years.
MAX_LEASE = timedelta(hours=1)
#: How long a claimed batch may take beyond its requests' own timeouts.
LEASE_MARGIN = timedelta(seconds=30)


@dataclass(frozen=True)
class Webhook:
    """A URL notifications are posted to, the secret they are signed with, and the time one request may take.

    :raises DeliveryConfigError: for a URL that is not absolute http(s), an empty
        secret, or a timeout outside (0, 300] seconds.
    """

    url: str
    secret: str = field(repr=False)
    #: Seconds one request may take in all: connecting, sending and reading the reply.
    timeout: float = 10.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.url) if isinstance(self.url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeliveryConfigError(f"webhook.url: {self.url!r} is not an absolute http(s) URL", field="webhook.url")
        if not isinstance(self.secret, str) or not self.secret:
            raise DeliveryConfigError(
                "webhook.secret: a webhook needs a non-empty secret to sign with", field="webhook.secret"
            )
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, int | float) or not 0 < self.timeout <= 300:
            raise DeliveryConfigError(
                f"webhook.timeout: {self.timeout!r} must be seconds in (0, 300]", field="webhook.timeout"
            )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-SLA-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of ``"<timestamp>." + body``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes,
    signature: str,
    *,
    tolerance: timedelta = timedelta(minutes=5),
    now: datetime | None = None,
) -> bool:
    """Whether a received webhook is ours: the signature matches and the timestamp is within ``tolerance``.

    For the receiving host: pass the raw body bytes and the ``X-SLA-Timestamp``
    and ``X-SLA-Signature`` headers. The time check stops a captured request
    being replayed later; the ``Idempotency-Key`` header drops honest repeats.
    """
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = (aware_utc(now, "now") if now is not None else datetime.now(UTC)).timestamp()
    if abs(current - stamp) > tolerance.total_seconds():
        return False
    return hmac.compare_digest(sign(secret, stamp, body), str(signature))


def database_now(connection: Connection) -> datetime:
    """The database server's clock, aware UTC: leases are compared with it, never with a worker's clock."""
    name = connection.dialect.name
    value: datetime
    if name == "postgresql":
        value = connection.execute(text("SELECT statement_timestamp()")).scalar_one()
    elif name in ("mysql", "mariadb"):
        value = connection.execute(text("SELECT UTC_TIMESTAMP(6)")).scalar_one()
    else:
        value = datetime.fromisoformat(
            connection.execute(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")).scalar_one()
        )
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class DeliveryResult:
    """What one :meth:`Deliverer.deliver` call did."""

    claimed: int = 0
    delivered: int = 0
    #: Failed and scheduled again.
    retried: int = 0
    #: Failed for the last allowed time: now ``dead``.
    dead: int = 0
    #: Claimed but given back undelivered (the batch's lease ran short) or taken over by another deliverer.
    released: int = 0

    def __add__(self, other: DeliveryResult) -> DeliveryResult:
        return DeliveryResult(
            self.claimed + other.claimed,
            self.delivered + other.delivered,
            self.retried + other.retried,
            self.dead + other.dead,
            self.released + other.released,
        )


@dataclass(frozen=True)
class _Claimed:
    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    attempts: int


class Deliverer:
    """Sends due outbox rows: ``Deliverer(engine, webhooks=[Webhook(url, secret)]).deliver()``.

    :param signals: send the blinker signals (:mod:`sla_timers.store.signals`) in this process.
    :param max_attempts: failures after which a row is ``dead`` (not tried again).
    :param backoff: the wait after the first failure; it doubles with each failure
        up to ``backoff_cap``, and each wait is jittered to between half and all of it
        so rows that failed together do not all retry together.
    :param batch_size: rows claimed at once.
    :param rng: the jitter's random source (seeded in tests).
    :raises DeliveryConfigError: for a setting out of range.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        webhooks: Iterable[Webhook] = (),
        signals: bool = True,
        max_attempts: int = 8,
        backoff: timedelta = timedelta(seconds=30),
        backoff_cap: timedelta = timedelta(hours=1),
        batch_size: int = 20,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.webhooks: tuple[Webhook, ...] = tuple(webhooks)
        for hook in self.webhooks:
            if not isinstance(hook, Webhook):
                raise DeliveryConfigError(f"webhooks: {hook!r} is not a Webhook", field="webhooks")
        self.signals = signals
        _positive_int(max_attempts, "max_attempts", 1000)
        _positive_int(batch_size, "batch_size", 10_000)
        for name, value in (("backoff", backoff), ("backoff_cap", backoff_cap)):
            if not isinstance(value, timedelta) or value <= timedelta(0):
                raise DeliveryConfigError(f"{name}: {value!r} must be a positive timedelta", field=name)
        if backoff_cap < backoff:
            raise DeliveryConfigError("backoff_cap: must not be shorter than backoff", field="backoff_cap")
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.batch_size = batch_size
        self.rng = rng or random.Random()
        per_row = timedelta(seconds=sum(h.timeout for h in self.webhooks) + 5)
        #: How long a claimed batch is reserved: enough for every request of every row to time out.
        self.lease = min(MAX_LEASE, per_row * batch_size + LEASE_MARGIN)

    # -- the public loop ----------------------------------------------------------------

    def deliver(self, now: datetime | None = None, *, max_batches: int | None = None) -> DeliveryResult:
        """Send every row due at ``now`` (default: the present), a batch at a time.

        A row is due when it is ``pending``, its ``next_attempt_at`` (at first its
        ``notify_at``) is at or before ``now``, and no live lease holds it.
        Database errors propagate (the worker backs off and tries again); a
        failed send never does: it is recorded in its row.
        """
        now = aware_utc(now, "now") if now is not None else datetime.now(UTC)
        total = DeliveryResult()
        batches = 0
        while max_batches is None or batches < max_batches:
            claimed, lease_until = self._claim(now)
            batches += 1
            if not claimed:
                break
            total += self._send_batch(claimed, lease_until, now)
            if len(claimed) < self.batch_size:
                break
        return total

    def revive(self, keys: Iterable[str] | None = None, *, now: datetime | None = None) -> int:
        """Give dead notifications (all, or those whose key is in ``keys``) another
        ``max_attempts`` tries from ``now``, once the receiver is fixed. Their key is
        unchanged, so a receiver that did get one drops the repeat. Returns how many.
        """
        now = aware_utc(now, "now") if now is not None else datetime.now(UTC)
        query = update(OutboxRow).where(OutboxRow.status == "dead")
        if keys is not None:
            wanted = [str(k) for k in keys]
            if not wanted:
                return 0
            query = query.where(OutboxRow.key.in_(wanted))
        with self.engine.begin() as connection:
            revived = connection.execute(
                query.values(status="pending", attempts=0, next_attempt_at=now, leased_until=None)
            ).rowcount
        if revived:
            log.info("revived %d dead notifications", revived)
        return int(revived)

    def backoff_for(self, attempt: int) -> timedelta:
        """The jittered wait after failure number ``attempt`` (1 for the first)."""
        ceiling: timedelta = min(self.backoff_cap, self.backoff * (2 ** min(attempt - 1, 40)))
        return ceiling * (0.5 + 0.5 * self.rng.random())

    # -- claiming -----------------------------------------------------------------------

    def _claim(self, now: datetime) -> tuple[list[_Claimed], datetime]:
        with self.engine.begin() as connection:
            db_now = database_now(connection)
            lease_until = db_now + self.lease
            free = or_(
                OutboxRow.leased_until.is_(None),
                OutboxRow.leased_until <= db_now,
                OutboxRow.leased_until > db_now + MAX_LEASE,
            )
            query = (
                select(OutboxRow.id, OutboxRow.key, OutboxRow.kind, OutboxRow.payload, OutboxRow.attempts)
                .where(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now, free)
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                .limit(self.batch_size)
            )
            if connection.dialect.name in ("postgresql", "mysql", "mariadb"):
                query = query.with_for_update(skip_locked=True)
            rows = [_Claimed(*row) for row in connection.execute(query)]
            if rows:
                connection.execute(
                    update(OutboxRow).where(OutboxRow.id.in_([r.id for r in rows])).values(leased_until=lease_until)
                )
        return rows, lease_until

    # -- sending ------------------------------------------------------------------------

    def _send_batch(self, rows: Sequence[_Claimed], lease_until: datetime, now: datetime) -> DeliveryResult:
        started = time.monotonic()
        # Stop starting rows while the slowest possible row could still outrun the lease.
        budget = (self.lease - LEASE_MARGIN).total_seconds()
        per_row = sum(h.timeout for h in self.webhooks) + 5
        result = DeliveryResult(claimed=len(rows))
        for index, row in enumerate(rows):
            if index and time.monotonic() - started + per_row > budget:
                result += self._release(rows[index:], lease_until)
                break
            error = self._send(row)
            result += self._finish(row, lease_until, now, error)
        return result

    def _send(self, row: _Claimed) -> str | None:
        """Send one row everywhere; None when every destination took it, else what went wrong."""
        attempt = row.attempts + 1
        errors: list[str] = []
        if self.signals:
            for name, signal in ((row.kind, KINDS.get(row.kind)), ("notification", notification)):
                if signal is None:
                    continue
                try:
                    signal.send(self, key=row.key, kind=row.kind, payload=row.payload, attempt=attempt)
                except Exception as exc:  # noqa: BLE001  (a host's receiver failed: recorded and retried like a webhook refusal)
                    log.warning("outbox %s: %s receiver failed: %r", row.key, name, exc)
                    errors.append(f"signal {name}: {type(exc).__name__}: {exc}")
        if self.webhooks:
            body = json.dumps(
                {"key": row.key, "kind": row.kind, "attempt": attempt, "payload": row.payload},
                sort_keys=True,
                separators=(",", ":"),
                default=str,
            ).encode()
            for hook, error in zip(self.webhooks, asyncio.run(self._post_all(row.key, body)), strict=True):
                if error is not None:
                    log.warning("outbox %s: webhook %s failed: %s", row.key, hook.url, error)
                    errors.append(f"webhook {hook.url}: {error}")
        return "; ".join(errors) if errors else None

    async def _post_all(self, key: str, body: bytes) -> list[str | None]:
        async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
            return [await self._post(client, hook, key, body) for hook in self.webhooks]

    async def _post(self, client: httpx.AsyncClient, hook: Webhook, key: str, body: bytes) -> str | None:
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "sla-timers",
            IDEMPOTENCY_HEADER: key,
            TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: sign(hook.secret, stamp, body),
        }
        try:
            # wait_for bounds the whole exchange: httpx's own timeouts are per read, so a server
            # that dribbles a byte at a time would otherwise hold the deliverer indefinitely.
            return await asyncio.wait_for(self._exchange(client, hook, headers, body), hook.timeout)
        except TimeoutError:
            return f"no complete reply within {hook.timeout:g}s"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__

    async def _exchange(
        self, client: httpx.AsyncClient, hook: Webhook, headers: Mapping[str, str], body: bytes
    ) -> str | None:
        request = client.build_request(
            "POST", hook.url, content=body, headers=headers, timeout=httpx.Timeout(hook.timeout)
        )
        response = await client.send(request, stream=True)
        try:
            if 200 <= response.status_code < 300:
                return None
            if response.is_redirect:
                return f"HTTP {response.status_code} redirect to {response.headers.get('location', '?')!r} not followed"
            snippet = b""
            async for chunk in response.aiter_raw():
                snippet += chunk
                if len(snippet) >= MAX_REPLY_BYTES:
                    break
            text_ = snippet[:200].decode("utf-8", "replace")
            return f"HTTP {response.status_code}: {text_!r}"
        finally:
            await response.aclose()

    # -- recording ----------------------------------------------------------------------

    def _finish(self, row: _Claimed, lease_until: datetime, now: datetime, error: str | None) -> DeliveryResult:
        attempt = row.attempts + 1
        mine = (OutboxRow.id == row.id) & (OutboxRow.leased_until == lease_until) & (OutboxRow.status == "pending")
        if error is None:
            values: dict[str, Any] = {
                "status": "delivered",
                "delivered_at": now,
                "attempts": attempt,
                "leased_until": None,
                "last_error": None,
            }
            outcome = DeliveryResult(delivered=1)
        elif attempt >= self.max_attempts:
            values = {
                "status": "dead",
                "attempts": attempt,
                "leased_until": None,
                "last_error": error[:MAX_ERROR_CHARS],
            }
            outcome = DeliveryResult(dead=1)
            log.error("outbox %s: dead after %d attempts: %s", row.key, attempt, error[:MAX_ERROR_CHARS])
        else:
            values = {
                "attempts": attempt,
                "leased_until": None,
                "last_error": error[:MAX_ERROR_CHARS],
                "next_attempt_at": now + self.backoff_for(attempt),
            }
            outcome = DeliveryResult(retried=1)
        with self.engine.begin() as connection:
            written = connection.execute(update(OutboxRow).where(mine).values(**values)).rowcount
        if not written:
            # The lease ran out and another deliverer took the row: its outcome stands.
            log.warning("outbox %s: lease lost before the outcome was recorded", row.key)
            return DeliveryResult(released=1)
        if error is None:
            log.info("outbox %s: delivered (attempt %d)", row.key, attempt)
        return outcome

    def _release(self, rows: Sequence[_Claimed], lease_until: datetime) -> DeliveryResult:
        with self.engine.begin() as connection:
            connection.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_([r.id for r in rows]), OutboxRow.leased_until == lease_until)
                .values(leased_until=None)
            )
        return DeliveryResult(released=len(rows))


def _positive_int(value: Any, name: str, most: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise DeliveryConfigError(f"{name}: {value!r} must be a whole number from 1 to {most}", field=name)
