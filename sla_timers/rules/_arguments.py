"""The arguments of the ladders' sweep calls, type-checked once. No I/O here but loading a calendar by name."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..clock import BusinessCalendar
from ..errors import ArgumentTypeError
from ..timers import Evaluation, Policy
from ..validation import python_type_name as type_name
from ..validation import require_aware
from ._timing import LadderCalendar, TimerLike
from .conditions import plain
from .steps import StepKey


@dataclass(frozen=True, slots=True)
class Arguments:
    """The arguments of :meth:`EscalationLadders.due_steps` and ``next_due_at``, checked once."""

    ticket: str
    states: tuple[TimerLike, ...]
    policy: str
    #: The policy version, when the caller gave it (or an Evaluation that has it).
    settings: Policy | None
    calendar: LadderCalendar
    fired: Collection[StepKey | str]
    metric_calendars: Mapping[str, LadderCalendar] | None
    priority: str | None

    @classmethod
    def read(
        cls,
        ticket: object,
        states: object,
        now: object,
        policy: object,
        calendar: object,
        fired: object,
        metric_calendars: object,
        priority: object,
    ) -> Arguments:
        """Check each argument's type and normalise it (names to plain text, calendar names loaded).

        :raises ArgumentTypeError: naming the first argument of the wrong type.
        :raises NaiveDatetimeError: if ``now`` has no time zone.
        """
        if not isinstance(ticket, str):
            raise ArgumentTypeError(
                f"ticket must be the ticket's id as a string, got {type_name(ticket)}", field="ticket"
            )
        require_aware(now, "now")
        settings: Policy | None = None
        if isinstance(policy, Policy):
            settings, name = policy, policy.name
        elif isinstance(policy, str):
            name = plain(policy)
        else:
            raise ArgumentTypeError(
                f"policy must be a policy name or a Policy, got {type_name(policy)}", field="policy"
            )
        if isinstance(states, Evaluation):
            if settings is None and states.policy is not None and states.policy.name == name:
                settings = states.policy
            values: tuple[Any, ...] = tuple(states.states.values())
        elif isinstance(states, Mapping):
            values = tuple(states.values())
        elif isinstance(states, Iterable) and not isinstance(states, str):
            values = tuple(states)
        else:
            raise ArgumentTypeError(
                f"states must be the ticket's timer states (a dict by metric, an iterable "
                f"or an Evaluation), got {type_name(states)}",
                field="states",
            )
        if isinstance(fired, str) or not isinstance(fired, Collection):
            raise ArgumentTypeError(f"fired must be a collection of step keys, got {type_name(fired)}", field="fired")
        if priority is not None and not isinstance(priority, str):
            raise ArgumentTypeError(
                f"priority must be a priority name or None, got {type_name(priority)}", field="priority"
            )
        overrides: dict[str, LadderCalendar] | None = None
        if metric_calendars is not None:
            if not isinstance(metric_calendars, Mapping):
                raise ArgumentTypeError(
                    f"metric_calendars must be a mapping of calendars by metric, got {type_name(metric_calendars)}",
                    field="metric_calendars",
                )
            overrides = {
                metric: calendar_argument(cal, f"metric_calendars[{metric!r}]")
                for metric, cal in metric_calendars.items()
            }
        return cls(
            plain(ticket),
            values,
            name,
            settings,
            calendar_argument(calendar, "calendar"),
            fired,
            overrides,
            None if priority is None else plain(priority),
        )


def calendar_argument(value: object, name: str) -> LadderCalendar:
    """A calendar object as given, or one loaded by name."""
    if isinstance(value, str):
        return BusinessCalendar.load(plain(value))
    if not all(callable(getattr(value, method, None)) for method in ("add", "is_open", "next_open")):
        raise ArgumentTypeError(
            f"{name} must be a BusinessCalendar or a calendar name, got {type_name(value)}", field=name
        )
    return value  # type: ignore[return-value]  # checked above: it has the three methods


def policies_argument(policies: object) -> Iterable[Policy]:
    """``policies`` for :meth:`EscalationLadders.from_dict`: Policy objects only."""
    if isinstance(policies, str) or not isinstance(policies, Iterable):
        raise ArgumentTypeError(
            f"policies must be an iterable of Policy objects, got {type_name(policies)}", field="policies"
        )
    items = list(policies)
    for i, one in enumerate(items):
        if not isinstance(one, Policy):
            raise ArgumentTypeError(f"policies[{i}] must be a Policy, got {type_name(one)}", field=f"policies[{i}]")
    return items
