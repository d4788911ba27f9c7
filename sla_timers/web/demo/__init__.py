"""The demo helpdesk: a small Flask app with the plugin embedded as a host would embed it.

``sla-timers demo`` runs it on SQLite files (the helpdesk's ``demo.db``, the
plugin's ``sla.db`` beside it), seeded with tickets, with a worker thread
sweeping: a ticket list with a badge per ticket (its nearest deadline), a ticket
page with a badge per running timer, and the actions that move timers (reply as
agent, reply as customer, set pending, solve, reopen). The helpdesk's code knows
nothing of timers: one ``sla.watch(...)`` declaration turns its commits into
ticket events.
"""

from .app import create_app as create_app
from .app import start_worker as start_worker

__all__ = ["create_app", "start_worker"]
