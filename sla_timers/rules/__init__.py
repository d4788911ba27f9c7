"""Priority rules and escalation ladders. Pure: no I/O here.

:class:`PriorityMatrix` decides a ticket's priority, policy, calendar and tags
from admin-written data, with a trace of why; the escalation ladders say which
steps are due as a ticket's SLA timers run down.
"""

from .classification import Base as Base
from .classification import Change as Change
from .classification import Classification as Classification
from .classification import TraceEntry as TraceEntry
from .ladders import DueStep as DueStep
from .ladders import EscalationLadders as EscalationLadders
from .ladders import Ladder as Ladder
from .ladders import Notify as Notify
from .ladders import Step as Step
from .ladders import StepKey as StepKey
from .matrix import PriorityMatrix as PriorityMatrix

__all__ = [
    "Base",
    "Change",
    "Classification",
    "DueStep",
    "EscalationLadders",
    "Ladder",
    "Notify",
    "PriorityMatrix",
    "Step",
    "StepKey",
    "TraceEntry",
]
