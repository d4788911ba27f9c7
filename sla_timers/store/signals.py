"""In-process notifications: one blinker signal per kind of outbox row.

A host connects a receiver in the process that runs the delivery (the
``sla-timers worker``, a Celery worker, or its own app calling
:meth:`~sla_timers.store.delivery.Deliverer.deliver`)::

    from sla_timers.store.signals import escalation

    @escalation.connect
    def on_escalation(sender, key, kind, payload, attempt):
        ...   # key: the row's idempotency key; payload: ticket, metric, cycle, step, due_at, notify_at, actions

Signals:

``notification``
    Every outbox row, whatever its kind (sent after the kind's own signal):
    one receiver for everything. Receivers also get ``kind``.

``escalation``
    An escalation step fell due (its notification held to business hours when
    the policy says so). ``payload`` is what the sweep wrote to the outbox.

Every receiver is called with the keywords ``key`` (stable across retries, so a
receiver can drop a repeat), ``kind``, ``payload`` (a dict) and ``attempt`` (1 for the
first try). A receiver that raises fails that delivery: the row is retried
later with the same key, so receivers see each notification at least once.
"""

from __future__ import annotations

from blinker import Namespace, Signal

from .delivery_errors import DeliveryConfigError

__all__ = ["KINDS", "escalation", "namespace", "notification", "signal_for"]

#: The namespace of sla_timers' signals (names are the outbox kinds).
namespace = Namespace()

#: Sent for each escalation step's notification.
escalation: Signal = namespace.signal("escalation", doc="An escalation step's notification is due.")

#: Sent for every outbox row, after its kind's own signal.
notification: Signal = namespace.signal("notification", doc="Any outbox row is due (receivers get its kind).")

#: Outbox kinds that have a signal of their own.
KINDS = {"escalation": escalation}


def signal_for(kind: str) -> Signal:
    """The signal sent for outbox rows of ``kind``.

    :raises DeliveryConfigError: for a kind without a signal.
    """
    try:
        return KINDS[kind]
    except KeyError:
        raise DeliveryConfigError(
            f"kind: no signal for outbox kind {kind!r}; known: {sorted(KINDS)}", field="kind"
        ) from None
