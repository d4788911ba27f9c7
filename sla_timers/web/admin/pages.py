"""The admin blueprint and what every admin page shares: the host's admin check,
the per-session CSRF token, the actor named in the audit log, HTML error pages.

The blueprint is nested in ``sla`` under ``/admin``, so its pages live at
``<SLA_URL_PREFIX>/admin/...`` and its endpoints are ``sla.admin.*``.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request, session
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, ServiceUnavailable

from ..state import app_state

#: The admin pages; nested in the ``sla`` blueprint under ``/admin``.
admin_pages = Blueprint(
    "admin", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)

_log = logging.getLogger("sla_timers.web")

#: Session key of the CSRF token; one token per session, checked on every POST.
CSRF_KEY = "sla_admin_csrf"

#: The pages in the navigation: (endpoint, label). Other admin pages add theirs here.
NAV: list[tuple[str, str]] = [
    ("sla.admin.matrix", "Priority matrix"),
    ("sla.admin.policies", "Policies"),
    ("sla.admin.calendars", "Calendars"),
    ("sla.admin.history", "Versions and audit"),
]


class MissingSecretKey(HTTPException):
    """The host app has no ``SECRET_KEY``: no session, so no CSRF token."""

    code = 500
    description = (
        "The SLA admin pages need the host app's SECRET_KEY (Flask sessions carry the form token); set app.secret_key."
    )


def csrf_token() -> str:
    """This session's form token, made on first use."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def actor() -> str | None:
    """Who the audit log names: ``g.sla_actor`` when the host sets it, else the server's ``REMOTE_USER``."""
    found = g.get("sla_actor") or request.remote_user
    return str(found)[:255] if found else None


def now() -> datetime:
    """The store's clock (tests give the store one)."""
    from .data import admin_store

    return admin_store().now()


@admin_pages.before_request
def _guard() -> None:
    check = app_state().admin_check()
    if check is None or not check():
        raise Forbidden("Only SLA administrators may see these pages (the host's SLA_ADMIN_AUTHORIZER said no).")
    if not current_app.secret_key:
        raise MissingSecretKey()
    if request.method == "POST":
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get(CSRF_KEY)
        if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise BadRequest(
                "The form's security token is missing or out of date (CSRF check); reload the page and try again. "
                "Nothing was changed."
            )


@admin_pages.after_request
def _headers(response: Response) -> Response:
    # Admin pages hold configuration: never cached, never framed by another site.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    )
    return response


@admin_pages.errorhandler(HTTPException)
def _error_page(exc: HTTPException) -> tuple[str, int]:
    return render_template("sla_admin/error.html", error=exc), exc.code or 500


@admin_pages.errorhandler(DBAPIError)
def _database_down(exc: DBAPIError) -> tuple[str, int]:
    # Every write is one transaction, so a failure part-way wrote nothing.
    _log.error("SLA admin page: the database failed: %s", exc.orig if exc.orig is not None else exc)
    error = ServiceUnavailable(
        "The SLA database cannot be reached just now; nothing was changed. Try again in a moment."
    )
    return render_template("sla_admin/error.html", error=error), 503


@admin_pages.context_processor
def _shared() -> dict[str, Any]:
    return {"nav": NAV, "csrf_token": csrf_token, "now_utc": datetime.now(UTC)}
