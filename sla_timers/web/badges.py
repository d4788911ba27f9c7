"""Badges: the ``sla_badge(ticket_id)`` Jinja helper and the opt-in injection of the badge
script into the host's HTML pages (``SLA_INJECT_BADGES``)."""

from __future__ import annotations

from flask import Flask, Response


def register_template_helpers(app: Flask) -> None:
    """Make ``sla_badge`` and ``sla_badge_script`` available in the app's templates."""


def inject_badges(response: Response) -> Response:
    """Add the badge script to an HTML response of the host."""
    return response
