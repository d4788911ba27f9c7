"""Entry point for host helpdesks: ``from plugin import SLATimers``."""

from sla_timers.web import SLATimers, blueprint

__all__ = ["SLATimers", "blueprint"]
