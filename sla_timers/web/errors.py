"""Errors of the web layer and the one table from error codes to HTTP statuses.

Every error the JSON API answers with is an :class:`~sla_timers.SLAError` with a
stable ``code``; :data:`STATUS` maps codes to statuses, and the body is always
``{"error": {"code": ..., "message": ..., "field": ...}}``. Codes absent from the
table are bad input (400): the engine's own errors (``invalid_calendar``,
``naive_datetime``, ``duration_out_of_range``...) reach the API only from
request data.
"""

from __future__ import annotations

from ..errors import SLAError


class ConfigError(SLAError, ValueError):
    """An ``SLA_`` configuration key has a wrong type or value; raised by ``init_app``."""

    code = "invalid_config"


class RequestError(SLAError, ValueError):
    """A request the API refuses; its ``code`` gives the HTTP status through :data:`STATUS`."""

    code = "invalid_request"


class MalformedJSONError(RequestError):
    """The body is not one JSON document we accept (syntax, NaN, duplicate keys, too deep)."""

    code = "malformed_json"


class InvalidTextError(RequestError):
    """A text value holds a NUL character or a lone surrogate, which no database stores."""

    code = "invalid_text"


class PayloadTooLargeError(RequestError):
    """The body is longer than ``SLA_MAX_BODY_BYTES``."""

    code = "payload_too_large"


class UnsupportedMediaTypeError(RequestError):
    """The body is not ``application/json`` (a cross-site form cannot send JSON without a preflight)."""

    code = "unsupported_media_type"


class ForbiddenError(RequestError):
    """The host's authorization callback refused, or none is configured."""

    code = "forbidden"


class NotFoundError(RequestError, LookupError):
    """No route, or nothing with that name or id that this user may see."""

    code = "not_found"


class TicketNotFound(SLAError, LookupError):
    """No ticket with that id in the store, or none this user may see (the two look alike)."""

    code = "ticket_not_found"


class MethodNotAllowedError(RequestError):
    """The route exists but not with this HTTP method."""

    code = "method_not_allowed"


class PolicyNotFound(SLAError, LookupError):
    """No registered policy has that name (or none is in force at that instant)."""

    code = "policy_not_found"


class NotConfiguredError(SLAError, LookupError):
    """The route needs something the host has not configured (a priority matrix, a store)."""

    code = "not_configured"


class DatabaseUnavailable(SLAError):
    """The store's database did not answer (down, unreachable, locked too long); nothing was written."""

    code = "database_unavailable"


class InternalError(SLAError):
    """An unexpected failure inside the plugin; logged with its traceback."""

    code = "internal_error"


#: HTTP status per error code. Any other code of an :class:`SLAError` is 400.
STATUS: dict[str, int] = {
    "invalid_request": 400,
    "malformed_json": 400,
    "invalid_text": 400,
    "csrf_failed": 400,
    "forbidden": 403,
    "not_found": 404,
    "ticket_not_found": 404,
    "calendar_not_found": 404,
    "policy_not_found": 404,
    "method_not_allowed": 405,
    "event_conflict": 409,
    "not_configured": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "internal_error": 500,
    "database_unavailable": 503,
}


def status_of(code: str) -> int:
    """The HTTP status for an error ``code`` (400 for codes outside :data:`STATUS`)."""
    return STATUS.get(code, 400)
