"""Badges in the host's pages: the ``sla_badge(ticket_id)`` Jinja helper, the
``sla_badge_script()`` tag, and the opt-in injection of that tag into the host's
HTML responses (``SLA_INJECT_BADGES``) for hosts whose templates cannot be edited.

Everything written into a page is escaped: ticket ids and configuration go
into attributes through :class:`markupsafe.Markup`'s escaping, and inline badge
data is JSON inside an escaped attribute, never raw in a ``<script>``.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from importlib import resources
from typing import Literal

from flask import Flask, Response, request, url_for
from markupsafe import Markup

from .badge_data import TicketTimers, badges
from .state import app_state

_SCRIPT = "sla-badges.js"
#: Changes when the script does, so browsers never keep an old copy after an upgrade.
_VERSION = hashlib.sha256(resources.files(__package__).joinpath("static", _SCRIPT).read_bytes()).hexdigest()[:12]
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def sla_badge(
    ticket_id: object, mode: Literal["nearest", "all"] = "nearest", timers: TicketTimers | None = None
) -> Markup:
    """A badge placeholder for ``ticket_id`` that the badge script fills and keeps counting.

    ``mode="nearest"`` (a ticket list) shows the timer nearest its deadline;
    ``"all"`` (a ticket page) one badge per running timer. With ``timers``, the
    badge data is written into the page, so it shows before the first poll.
    """
    if mode not in ("nearest", "all"):
        raise ValueError(f'mode must be "nearest" or "all", got {mode!r}')
    inline = Markup("")
    if timers is not None:
        data = badges({str(ticket_id): timers}, datetime.now(UTC))
        inline = Markup(' data-sla-data="{}"').format(json.dumps(data, separators=(",", ":")))
    return Markup(
        '<span class="sla-badge" data-sla-badge="{}" data-sla-mode="{}"{} role="status" '
        'aria-label="SLA timers loading">SLA</span>'
    ).format(str(ticket_id), mode, inline)


def sla_badge_script(place: bool = False) -> Markup:
    """The ``<script>`` tag of the badge script, configured for this app.

    With ``place=True`` the script also adds badges to the elements matching
    ``SLA_BADGE_SELECTOR`` (what injection does).
    """
    settings = app_state().settings
    src = url_for("sla.static", filename=_SCRIPT, v=_VERSION)
    attributes = Markup(' data-sla-api="{}" data-sla-refresh="{}"').format(
        settings.url_prefix + "/api", settings.badge_refresh_seconds
    )
    if place:
        attributes += Markup(' data-sla-selector="{}" data-sla-id-source="{}" data-sla-id-pattern="{}"').format(
            settings.badge_selector, settings.badge_id_source, settings.badge_id_pattern
        )
    return Markup('<script src="{}" defer data-sla-script{}></script>').format(src, attributes)


def register_template_helpers(app: Flask) -> None:
    """Make ``sla_badge`` and ``sla_badge_script`` global in the app's templates."""
    app.add_template_global(sla_badge, "sla_badge")
    app.add_template_global(sla_badge_script, "sla_badge_script")


def inject_badges(response: Response) -> Response:
    """Add the badge script, placing badges by selector, before ``</body>`` of a host HTML page.

    Leaves alone: our own routes, anything but a complete ``200 text/html``
    answer (streamed, compressed, a download), and pages that already have it.
    """
    if (
        response.status_code != 200
        or response.mimetype != "text/html"
        or response.is_streamed
        or response.direct_passthrough
        or "Content-Encoding" in response.headers
        or "attachment" in response.headers.get("Content-Disposition", "")
    ):
        return response
    settings = app_state().settings
    path = request.path
    if path == settings.url_prefix or path.startswith(settings.url_prefix + "/"):
        return response
    page = response.get_data(as_text=True)
    if "data-sla-script" in page:
        return response
    ends = list(_BODY_END.finditer(page))
    tag = str(sla_badge_script(place=True))
    if ends:
        at = ends[-1].start()
        page = page[:at] + tag + page[at:]
    else:
        page += tag
    response.set_data(page)
    return response
