"""Escalation steps: the values a ladder is made of, and the parser of one step's table. No I/O here.

A step falls due at a fraction of the target (``at = 0.5``; ``1.0`` is the
breach) or at an offset from the due time (``offset = "-30m"`` before,
``"1h"`` after). Its actions: notify users, groups, roles or webhooks
(optionally held to business hours), raise the priority, reassign to a group,
add tags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from ..timers import TicketEvent
from . import _schema as s

#: The kinds of recipient a step may notify.
NOTIFY_KINDS = ("user", "group", "role", "webhook")
_STEP_KEYS = ("id", "at", "offset", "notify", "hold_to_business_hours", "raise_priority", "reassign", "add_tags")
_ACTIONS = ("notify", "raise_priority", "reassign", "add_tags")


@dataclass(frozen=True, slots=True)
class Notify:
    """One recipient: ``kind`` is ``user``, ``group``, ``role`` or ``webhook``; ``name`` as the host knows it."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Step:
    """One rung of a ladder. Exactly one of ``fraction`` and ``offset`` is set."""

    #: Stable name within the ladder; part of the :class:`StepKey`, so renaming a step re-arms it.
    id: str
    #: Fraction of the target (``0.5``; ``1.0`` is the breach; ``1.5`` past it), or None.
    fraction: float | None
    #: Business time from the due time (negative: before it), or None.
    offset: timedelta | None
    notify: tuple[Notify, ...] = ()
    #: Deliver notifications at the calendar's next opening when the step falls due while closed.
    hold_to_business_hours: bool = False
    #: Levels to raise the ticket's priority by (0: none); capped at the top level.
    raise_priority: int = 0
    #: Group to reassign the ticket to, or None.
    reassign: str | None = None
    add_tags: tuple[str, ...] = ()

    def lead(self, target: timedelta) -> timedelta:
        """How long before the due time the step falls due (negative: after it), for a target."""
        if self.fraction is not None:
            return target - target * self.fraction
        assert self.offset is not None
        return -self.offset


@dataclass(frozen=True, slots=True)
class Ladder:
    """The ordered steps of one policy's metric."""

    policy: str
    metric: str
    steps: tuple[Step, ...]


class StepKey(NamedTuple):
    """Identity of one firing: a store records each at most once (unique in its table)."""

    ticket: str
    metric: str
    cycle: int
    step: str

    def __str__(self) -> str:
        return f"{self.ticket}/{self.metric}/{self.cycle}/{self.step}"


@dataclass(frozen=True, slots=True)
class DueStep:
    """A step that has fallen due and is not in the fired keys."""

    key: StepKey
    step: Step
    #: When the step fell due (UTC, like timer states): for a breach step, the timer's ``breached_at``.
    due_at: datetime
    #: When its notifications go out (UTC): ``due_at``, or the calendar's next
    #: opening when held and due while closed; None for a step that notifies nobody.
    notify_at: datetime | None
    #: The ticket's priority after this step, when it raised it; else None.
    priority: str | None
    #: Events to append to the ticket's log (a ``priority`` event for a raise),
    #: each with an id derived from the key, so ingesting one twice is a no-op.
    events: tuple[TicketEvent, ...]


def parse_step(spec: object, where: str, priorities: Sequence[str]) -> Step:
    """Validate one step's table found at ``where``; ``priorities`` are needed to raise.

    :raises RulesError: naming the bad part, e.g. ``ladders.standard.resolution[1].at``.
    """
    step = s.table(spec, where)
    s.check_keys(step, where, _STEP_KEYS)
    if "id" not in step:
        s.fail(s.join(where, "id"), "is required: a stable name for the step (its firings are keyed by it)")
    step_id = s.string(step["id"], s.join(where, "id"))
    if ("at" in step) == ("offset" in step):
        s.fail(
            where,
            'give exactly one of "at" (a fraction of the target, 0.75 or "75%") '
            'and "offset" (from the due time, "-30m" or "1h")',
        )
    fraction = _fraction(step["at"], s.join(where, "at")) if "at" in step else None
    offset = s.duration(step["offset"], s.join(where, "offset"), signed=True) if "offset" in step else None
    if not any(key in step for key in _ACTIONS):
        s.fail(where, f"a step needs at least one action ({', '.join(_ACTIONS)})")
    notify: list[Notify] = []
    if "notify" in step:
        notify_at = s.join(where, "notify")
        for i, entry in enumerate(s.array(step["notify"], notify_at)):
            entry_at = s.join(notify_at, i)
            target = s.table(entry, entry_at)
            s.check_keys(target, entry_at, NOTIFY_KINDS)
            if len(target) != 1:
                s.fail(entry_at, f"name exactly one recipient: one of {', '.join(NOTIFY_KINDS)}")
            ((kind, name),) = target.items()
            notify.append(Notify(kind, s.string(name, s.join(entry_at, kind))))
    hold = (
        s.boolean(step["hold_to_business_hours"], s.join(where, "hold_to_business_hours"))
        if "hold_to_business_hours" in step
        else False
    )
    if hold and not notify:
        s.fail(s.join(where, "hold_to_business_hours"), "holds notifications, but the step notifies nobody")
    raise_by = 0
    if "raise_priority" in step:
        raise_by = s.positive_int(step["raise_priority"], s.join(where, "raise_priority"))
        if not priorities:
            s.fail(
                s.join(where, "raise_priority"),
                "needs the priority levels; build the ladders with priorities=matrix.priorities",
            )
    reassign = s.optional_string(step, "reassign", where)
    tags = s.strings(step["add_tags"], s.join(where, "add_tags")) if "add_tags" in step else ()
    return Step(step_id, fraction, offset, tuple(notify), hold, raise_by, reassign, tags)


def _fraction(value: object, where: str) -> float:
    """``0.75`` or ``"75%"``; above zero, at most 10 (ten times the target)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            number: float = float(value.strip()[:-1]) / 100
        except ValueError:
            s.fail(where, f'"{value}" is not a percentage; write e.g. "75%" or 0.75')
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        s.fail(where, f'expected a fraction of the target such as 0.75 or "75%", got {s.type_name(value)} {value!r}')
    if not 0 < number <= 10:
        s.fail(where, f"must be above 0 and at most 10 (a fraction of the target), got {value!r}")
    return number
