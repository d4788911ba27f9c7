"""The Flask extension: ``SLATimers(app)`` or ``sla = SLATimers(); sla.init_app(app)``."""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, request

from ..cli import sla as sla_commands
from . import admin as _admin  # noqa: F401  (nests the admin pages in the blueprint, under /admin)
from . import api as _api  # noqa: F401  (declares the JSON routes on the blueprint)
from . import api_badges as _api_badges  # noqa: F401
from . import api_events as _api_events  # noqa: F401
from . import api_reports as _api_reports  # noqa: F401  (report routes)
from . import api_tickets as _api_tickets  # noqa: F401
from . import report_page as _report_page  # noqa: F401  (the admin report page, <prefix>/admin/reports)
from .api_store import StoreAccess
from .badge_data import TimerSource
from .badges import inject_badges, register_template_helpers
from .blueprint import blueprint
from .http import http_error_response, under_prefix
from .registry import Registry
from .settings import DEFAULTS, AdminCheck, AgentCheck, Settings
from .state import AppState, app_state
from .watch import Watcher
from .watch_declare import declare


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
        #: Apps set up with this instance (weakly held), so a watch outside an app context finds its store.
        self._apps: weakref.WeakSet[Flask] = weakref.WeakSet()
        #: Declarations made with :meth:`watch`, in order.
        self.watchers: list[Watcher] = []
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
        self._apps.add(app)
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

    def watch(
        self,
        *,
        ticket: type,
        reply: type | None = None,
        id: str | None = None,
        status: str | None = None,
        priority: str | None = None,
        impact: str | None = None,
        urgency: str | None = None,
        requester: str | None = None,
        business_line: str | None = None,
        group: str | None = None,
        created_at: str | None = None,
        changed_at: str | None = None,
        inputs: Mapping[str, str] | None = None,
        default_priority: str = "normal",
        new_status: str = "new",
        reply_ticket: str | None = None,
        reply_at: str | None = None,
        reply_author: str | None = None,
        reply_public: str | bool = True,
        reply_internal: str | None = None,
        reply_by_agent: str | None = None,
        session: Any = None,
    ) -> Watcher:
        """Turn changes of the host's SQLAlchemy models into ticket events, with no event code.

        Each field is an attribute name of the model or a dotted path through
        many-to-one relationships (``status="status.name"``).

        Ticket (``ticket=`` the mapped class): ``id`` (default: its primary key),
        ``status``, ``priority`` or ``impact`` and ``urgency`` (for the matrix),
        ``requester``, ``business_line``, ``group`` (the assignee group),
        ``created_at`` (dates the ``created`` event), ``changed_at`` (dates
        changes; without it, the flush time), ``inputs`` (further fields the
        priority matrix reads: ``{"requester.tier": "customer.tier"}`` gives the
        matrix ``{"requester": {"tier": ...}}``). A ticket without a priority
        column starts at ``default_priority``; without a status, at ``new_status``.

        Replies (``reply=`` the mapped class): ``reply_ticket`` (its ticket's id),
        ``reply_at``, ``reply_author``, ``reply_public`` (a column, or a constant;
        default True) or ``reply_internal`` (a column true for internal notes), ``reply_by_agent`` (a column true for agents; without it a
        reply is the customer's when ``reply_author`` equals the ticket's ``requester``).

        ``session``: a sessionmaker, ``scoped_session`` or Flask-SQLAlchemy's
        ``db.session`` to listen on (default: every SQLAlchemy session), and to read
        tickets from in ``flask sla backfill``. Naive timestamps are read in
        ``SLA_HOST_TIMEZONE``.

        Events reach the store only after the host's commit; what fails is kept
        and retried (:meth:`Watcher.retry`); nothing here raises into a host's request.

        :raises WatchError: naming the first argument that does not fit the models.
        """
        ticket_mapping, reply_mapping = declare(
            ticket=ticket,
            reply=reply,
            id=id,
            status=status,
            priority=priority,
            impact=impact,
            urgency=urgency,
            requester=requester,
            business_line=business_line,
            group=group,
            created_at=created_at,
            changed_at=changed_at,
            inputs=inputs,
            default_priority=default_priority,
            new_status=new_status,
            reply_ticket=reply_ticket,
            reply_at=reply_at,
            reply_author=reply_author,
            reply_public=reply_public,
            reply_internal=reply_internal,
            reply_by_agent=reply_by_agent,
        )
        watcher = Watcher(state_finder(self), ticket_mapping, reply_mapping, session)
        self.watchers.append(watcher)
        return watcher

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
    from .blueprint import safe_headers

    return safe_headers(http_error_response(failure))


def state_finder(extension: Any) -> Callable[[], AppState | None]:
    """The app state a listener should use: the current app's, else the only app the extension is on."""
    apps: weakref.WeakSet[Any] = extension._apps

    def find() -> AppState | None:
        from flask import current_app, has_app_context

        if has_app_context():
            found = current_app.extensions.get("sla_timers")
            if found is not None and found.extension is extension:
                return found  # type: ignore[no-any-return]
        states = [app.extensions["sla_timers"] for app in list(apps) if "sla_timers" in app.extensions]
        return states[0] if len(states) == 1 else None

    return find
