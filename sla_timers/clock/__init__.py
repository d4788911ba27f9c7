"""The business-hours clock: calendars, windows, holidays, DST. No I/O here but
reading calendar files (in :mod:`sla_timers.clock.files`)."""

from .calendar import BusinessCalendar as BusinessCalendar
from .open_time import OpenTime as OpenTime
from .spec import CalendarSpec as CalendarSpec
from .spec import DatedWindow as DatedWindow
from .spec import Window as Window

__all__ = ["BusinessCalendar", "CalendarSpec", "DatedWindow", "OpenTime", "Window"]
