"""Errors the store raises on purpose (each an :class:`~sla_timers.SLAError` with a stable code)."""

from __future__ import annotations

from ..errors import SLAError


class EventConflict(SLAError, ValueError):
    """An event id already seen (or given twice in a batch) came with another payload; nothing was written."""

    code = "event_conflict"


class EventInFutureError(SLAError, ValueError):
    """An event is dated later than the store's clock allows (now plus the skew); nothing was written."""

    code = "event_in_future"


class ConfigChangeError(SLAError, ValueError):
    """A configuration change is refused (an existing version changed, a calendar dated in the past, ...)."""

    code = "config_change_refused"


class UnknownPolicyError(SLAError, LookupError):
    """No stored policy has that name (or no version is in force when it is needed)."""

    code = "policy_not_found"
