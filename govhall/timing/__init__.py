"""Working-day arithmetic for statutory time limits (pure Python, no Django).

Calendar data in (official schedules, administrators' overrides, statutory
rules for years not yet published, local days), dates out.
"""

from .build import build_calendar
from .calendar import CalendarRangeError, WorkCalendar
from .deadline import Deadline, Pause, compute_deadline
from .lights import (
    PROMPT_SCHEME,
    SCHEMES,
    STANDARD,
    Light,
    LightScheme,
    light_changes_on,
    light_for,
    remaining_workdays,
)
from .official import official_years
from .provisional import provisional_year
from .receipt import receipt_date
from .years import YearData

__all__ = [
    "PROMPT_SCHEME",
    "SCHEMES",
    "STANDARD",
    "CalendarRangeError",
    "Deadline",
    "Light",
    "LightScheme",
    "Pause",
    "WorkCalendar",
    "YearData",
    "build_calendar",
    "compute_deadline",
    "light_changes_on",
    "light_for",
    "official_years",
    "provisional_year",
    "receipt_date",
    "remaining_workdays",
]
