"""Priority rules and escalation ladders. Pure: no I/O here.

:class:`PriorityMatrix` decides a ticket's priority, policy, calendar and tags
from admin-written data, with a trace of why; the escalation ladders say which
steps are due as a ticket's SLA timers run down.
"""

from .ladders import DueStep as DueStep
from .ladders import EscalationLadders as EscalationLadders
from .ladders import Ladder as Ladder
from .ladders import Notify as Notify
from .ladders import Step as Step
from .ladders import StepKey as StepKey
from .matrix import Base as Base
from .matrix import Change as Change
from .matrix import Classification as Classification
from .matrix import PriorityMatrix as PriorityMatrix
from .matrix import TraceEntry as TraceEntry

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
