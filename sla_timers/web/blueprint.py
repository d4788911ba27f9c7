"""The ``sla`` blueprint: JSON API routes (declared in :mod:`.api`), the badge
script under ``<prefix>/static/``, JSON errors and safe headers on every answer."""

from __future__ import annotations

import logging

from flask import Blueprint, Response
from werkzeug.exceptions import HTTPException

from .errors import InternalError

#: Mounted by ``init_app`` at ``SLA_URL_PREFIX``.
blueprint = Blueprint("sla", __name__, static_folder="static", template_folder="templates")

_log = logging.getLogger("sla_timers.web")


@blueprint.after_request
def safe_headers(response: Response) -> Response:
    """Headers every answer of the plugin carries (routing errors under the prefix too)."""
    # A JSON or script answer must never be sniffed into HTML by a browser.
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "application/json":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@blueprint.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    from .http import http_error_response

    return http_error_response(exc)


@blueprint.errorhandler(500)
def _internal_error(exc: Exception) -> Response:
    # Flask has logged the traceback (and re-raises instead when PROPAGATE_EXCEPTIONS is on).
    from .http import error_response

    _log.error("internal error in the SLA plugin: %r", getattr(exc, "original_exception", exc))
    return error_response(InternalError("the SLA plugin failed; the error is logged"))
