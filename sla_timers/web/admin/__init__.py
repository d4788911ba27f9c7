"""Admin pages: the priority matrix, policies, calendars, versions and the audit log,
server-rendered at ``<SLA_URL_PREFIX>/admin/``, for whoever the host's admin check allows.

Importing this package declares the pages and nests them in the ``sla`` blueprint.
"""

from ..blueprint import blueprint as _blueprint
from . import calendars as _calendars  # noqa: F401  (each module declares its routes)
from . import history as _history  # noqa: F401
from . import matrix as _matrix  # noqa: F401
from . import policies as _policies  # noqa: F401
from .pages import NAV as NAV
from .pages import admin_pages as admin_pages

_blueprint.register_blueprint(admin_pages, url_prefix="/admin")

__all__ = ["NAV", "admin_pages"]
