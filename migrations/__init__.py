"""Alembic environment and versions for sla_timers' own tables (``sla_*``).

Shipped in the wheel as ``sla_timers.migrations``; run through
:mod:`sla_timers.store.migrate` or ``sla-timers db upgrade``.
"""
