"""What the extension keeps per app, and the one typed way views reach it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

from .badge_data import TimerSource
from .registry import Registry
from .settings import AdminCheck, AgentCheck, Settings

if TYPE_CHECKING:
    from ..store import Store
    from .api_store import StoreAccess
    from .extension import SLATimers


@dataclass(frozen=True, slots=True)
class AppState:
    """``app.extensions["sla_timers"]``: one app's settings, registry, extension and store."""

    settings: Settings
    registry: Registry
    extension: SLATimers
    #: The app's store, opened on first use (:meth:`store`).
    store_access: StoreAccess

    def store(self) -> Store:
        """The app's :class:`~sla_timers.store.Store`, opened, upgraded and seeded on first use."""
        return self.store_access.get()

    def agent_check(self) -> AgentCheck | None:
        """``SLA_AGENT_AUTHORIZER``, else the extension's decorated one, else None."""
        return self.settings.agent_authorizer or self.extension._agent_check

    def timer_source(self) -> TimerSource:
        """Where badges read tickets' timers: the extension's ``timer_source``, else the store."""
        if self.extension._timer_source is not None:
            return self.extension._timer_source
        from .api_store import store_timers

        return lambda ids: store_timers(self.store(), ids, config_of=self.store_access.config)

    def admin_check(self) -> AdminCheck | None:
        """``SLA_ADMIN_AUTHORIZER``, else the extension's decorated one, else None."""
        return self.settings.admin_authorizer or self.extension._admin_check


def app_state() -> AppState:
    """The current app's :class:`AppState`.

    :raises RuntimeError: outside an app context, or if ``SLATimers`` was not set up on the app.
    """
    state = current_app.extensions.get("sla_timers")
    if state is None:
        raise RuntimeError("SLATimers is not registered on this app; call SLATimers(app) or init_app(app)")
    return state  # type: ignore[no-any-return]
