"""Errors of the notification delivery and the worker (each an :class:`~sla_timers.SLAError`)."""

from __future__ import annotations

from ..errors import SLAError


class DeliveryConfigError(SLAError, ValueError):
    """A delivery or worker setting is invalid (a webhook URL, a secret, a retry limit, ...); the field names it."""

    code = "invalid_delivery"
