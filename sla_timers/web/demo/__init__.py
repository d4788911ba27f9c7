"""The demo helpdesk: a small Flask app with the plugin embedded as a host would embed it.

``sla-timers demo`` runs it on an embedded SQLite file, seeded with tickets:
a ticket list with a badge per ticket (its nearest deadline), a ticket page with
a badge per running timer, and the actions that move timers (reply as agent,
reply as customer, set pending, solve, reopen). The helpdesk keeps its own
tables; it tells the plugin what happened as ticket events in its own log and
gives the badges their timers through ``@sla.timer_source``.
"""

from .app import create_app as create_app

__all__ = ["create_app"]
