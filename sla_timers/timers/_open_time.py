"""The engine's open-time reader, now the clock primitive :class:`sla_timers.clock.OpenTime`.

Kept as a re-export so existing imports keep working.
"""

from ..clock.open_time import OpenTime as OpenTime

__all__ = ["OpenTime"]
