"""sla_timers: SLA timers for helpdesk software.

The pure engine (no I/O but reading calendar files): a business-hours clock
(:class:`BusinessCalendar`), SLA timers over ticket events, and priority rules.
"""

from .clock import BusinessCalendar as BusinessCalendar
from .errors import SLAError as SLAError

__all__ = ["BusinessCalendar", "SLAError"]
