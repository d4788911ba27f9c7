"""SLA policies, ticket events and timer states: a ticket's event log in, the
state of each timer out. Pure functions over the clock. No I/O here."""

from .durations import MAX_TARGET as MAX_TARGET
from .durations import EndOfDay as EndOfDay
from .durations import Target as Target
from .durations import format_target as format_target
from .durations import parse_duration as parse_duration
from .durations import parse_target as parse_target
from .engine import CalendarSource as CalendarSource
from .engine import evaluate as evaluate
from .engine import evaluate_ticket as evaluate_ticket
from .events import KINDS as KINDS
from .events import TicketEvent as TicketEvent
from .events import parse_events as parse_events
from .events import sort_events as sort_events
from .policy import METRIC_KINDS as METRIC_KINDS
from .policy import MetricSettings as MetricSettings
from .policy import Policy as Policy
from .policy import PolicySet as PolicySet
from .policy import WarningMark as WarningMark
from .policy import select_policy as select_policy
from .state import Evaluation as Evaluation
from .state import Measures as Measures
from .state import Problem as Problem
from .state import TimerState as TimerState
from .state import TimerStatus as TimerStatus
from .state import next_change as next_change

__all__ = [
    "KINDS",
    "MAX_TARGET",
    "METRIC_KINDS",
    "CalendarSource",
    "EndOfDay",
    "Evaluation",
    "Measures",
    "MetricSettings",
    "Policy",
    "PolicySet",
    "Problem",
    "Target",
    "TicketEvent",
    "TimerState",
    "TimerStatus",
    "WarningMark",
    "evaluate",
    "evaluate_ticket",
    "format_target",
    "next_change",
    "parse_duration",
    "parse_events",
    "parse_target",
    "select_policy",
    "sort_events",
]
