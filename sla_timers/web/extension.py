"""The Flask extension: ``SLATimers(app)`` or ``sla = SLATimers(); sla.init_app(app)``."""

from __future__ import annotations

import warnings
from typing import Any

from flask import Flask, Response, request

from ..cli import sla as sla_commands
from . import admin as _admin  # noqa: F401  (nests the admin pages in the blueprint, under /admin)
from . import api as _api  # noqa: F401  (declares the JSON routes on the blueprint)
from . import api_badges as _api_badges  # noqa: F401
from . import api_events as _api_events  # noqa: F401
from . import api_reports as _api_reports  # noqa: F401  (report routes and the admin report page)
from . import api_tickets as _api_tickets  # noqa: F401
from .api_store import StoreAccess
from .badge_data import TimerSource
from .badges import inject_badges, register_template_helpers
from .blueprint import blueprint
from .http import http_error_response, under_prefix
from .registry import Registry
from .settings import DEFAULTS, AdminCheck, AgentCheck, Settings
from .state import AppState, app_state


class SLATimers:
    """Flask extension: ``SLATimers(app)`` or ``sla = SLATimers(); sla.init_app(app)``.

    ``init_app`` reads the ``SLA_`` keys once (see :data:`~.settings.DEFAULTS`),
    registers the blueprint under ``SLA_URL_PREFIX``, the ``flask sla`` commands,
    the ``sla_badge`` Jinja helper, JSON errors under the prefix and, when
    ``SLA_INJECT_BADGES`` is true, the badge script in the host's HTML pages.
    One instance may serve several apps; it keeps no reference to any.
    """

    def __init__(self, app: Flask | None = None) -> None:
        self._agent_check: AgentCheck | None = None
        self._admin_check: AdminCheck | None = None
        self._timer_source: TimerSource | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Set the plugin up on ``app``.

        :raises ConfigError: for a wrong ``SLA_`` key, naming it; nothing is registered then.
        :raises RuntimeError: if ``app`` already has the extension.
        """
        if "sla_timers" in app.extensions:
            raise RuntimeError("SLATimers is already registered on this app; reuse that instance.")
        for key, default in DEFAULTS.items():
            if key != "SLA_DATABASE_URL":
                app.config.setdefault(key, default)
        settings = Settings.from_config(app.config, instance_path=app.instance_path)
        registry = Registry.from_settings(settings.calendars, settings.policies, settings.priority_matrix)
        if settings.admin_authorizer is None and self._admin_check is None:
            warnings.warn(
                "SLA_ADMIN_AUTHORIZER is not set: every admin write of the SLA plugin is refused (403) "
                "until the host says who may (SLA_ADMIN_AUTHORIZER or @sla.admin_authorizer)",
                SLAConfigWarning,
                stacklevel=2,
            )
        app.extensions["sla_timers"] = AppState(settings, registry, self, StoreAccess(settings))
        app.register_blueprint(blueprint, url_prefix=settings.url_prefix)
        app.before_request(_json_routing_errors)
        app.cli.add_command(sla_commands, "sla")
        register_template_helpers(app)
        if settings.inject_badges:
            app.after_request(inject_badges)

    def agent_authorizer(self, func: AgentCheck) -> AgentCheck:
        """Decorator form of ``SLA_AGENT_AUTHORIZER``: ``func(ticket_id)`` (None for reads not
        about one ticket) returns True to let the current user read. With neither, reads get 403."""
        self._agent_check = func
        return func

    def timer_source(self, func: TimerSource) -> TimerSource:
        """Decorator: ``func(ticket_ids)`` returns ``{ticket_id: TicketTimers}`` for badges.

        Ids left out are tickets that do not exist. Without a source, badges come
        from the store (the tickets' timers as the store last wrote them).
        """
        self._timer_source = func
        return func

    def admin_authorizer(self, func: AdminCheck) -> AdminCheck:
        """Decorator form of ``SLA_ADMIN_AUTHORIZER``. With neither, admin writes get 403."""
        self._admin_check = func
        return func


class SLAConfigWarning(UserWarning):
    """A configuration that works but is probably not what the host wants (no admin callback)."""


def _json_routing_errors() -> Response | None:
    """Answer a routing 404 or 405 under our prefix with our JSON error.

    Blueprint error handlers never see routing errors (no blueprint matched), and
    an app-level 404 handler would take the host's pages too; Flask runs
    ``before_request`` functions before it raises the stored routing error.
    """
    failure: Any = request.routing_exception
    if failure is None or not under_prefix(request.path):
        return None
    code = getattr(failure, "code", None)
    if code not in (404, 405):
        return None  # a redirect (trailing slash) stays a redirect
    app_state()  # the prefix is ours only when the extension is on this app
    return http_error_response(failure)
