"""sla_timers: SLA timers for helpdesk software.

The pure engine (no I/O but reading calendar files): a business-hours clock
(:class:`BusinessCalendar`), SLA timers over a ticket's events (:class:`Policy`,
:class:`TicketEvent`, :func:`evaluate`), and priority rules with escalation
ladders (:class:`PriorityMatrix`, :class:`EscalationLadders`).
"""

from .clock import BusinessCalendar as BusinessCalendar
from .clock import OpenTime as OpenTime
from .errors import SLAError as SLAError
from .rules import Classification as Classification
from .rules import EscalationLadders as EscalationLadders
from .rules import PriorityMatrix as PriorityMatrix
from .timers import Evaluation as Evaluation
from .timers import Policy as Policy
from .timers import PolicySet as PolicySet
from .timers import TicketEvent as TicketEvent
from .timers import TimerState as TimerState
from .timers import evaluate as evaluate
from .timers import evaluate_ticket as evaluate_ticket
from .timers import next_change as next_change

__all__ = [
    "BusinessCalendar",
    "Classification",
    "EscalationLadders",
    "Evaluation",
    "OpenTime",
    "Policy",
    "PolicySet",
    "PriorityMatrix",
    "SLAError",
    "TicketEvent",
    "TimerState",
    "evaluate",
    "evaluate_ticket",
    "next_change",
]
