"""Shipped calendar definitions (TOML), installed as ``sla_timers.calendars``.

Load one by name with ``BusinessCalendar.load("us-ny-9x5")``.
"""
