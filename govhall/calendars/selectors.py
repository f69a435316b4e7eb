"""The working calendar of this installation, built once per process and
rebuilt when an administrator changes the calendar (any process notices at
its next call through the revision counter)."""

import threading
import time
from datetime import date

from django.conf import settings

from govhall.calendars.models import CalendarDay, CalendarRevision, CalendarYear, DayKind, LocalDay
from govhall.timing import SCHEMES, LightScheme, WorkCalendar, YearData, build_calendar

_lock = threading.Lock()
_cached: tuple[int, WorkCalendar] | None = None
_checked_at = 0.0
# How long a process trusts its calendar without asking the database for the
# revision: one transition computes several dates, each would ask again.
# Another process's change is seen within this time; this process's own
# changes at once (calendar_forget), and the deadline recomputation after a
# change always asks (it calls calendar_forget first).
REVISION_CHECK_SECONDS = 1.0


def calendar_revision() -> int:
    return CalendarRevision.objects.filter(pk=1).values_list("revision", flat=True).first() or 0


def _entered_years() -> list[YearData]:
    years: dict[int, dict[str, dict[date, str]]] = {}
    for entry in CalendarYear.objects.all():
        years[entry.year] = {"holidays": {}, "workdays": {}}
    for day in CalendarDay.objects.select_related("calendar_year"):
        bucket = "holidays" if day.kind == DayKind.HOLIDAY else "workdays"
        years[day.calendar_year.year][bucket][day.date] = day.name
    return [YearData(year=y, holidays=d["holidays"], workdays=d["workdays"]) for y, d in sorted(years.items())]


def calendar_build_from_database() -> WorkCalendar:
    """Package years, entered official years, provisional years, local days."""
    return build_calendar(
        overrides=_entered_years(),
        local_days={d.date: d.is_workday for d in LocalDay.objects.all()},
        provisional_years=settings.GOVHALL_CALENDAR_PROVISIONAL_YEARS,
    )


def calendar_forget() -> None:
    """Make the next ``work_calendar()`` ask the database for the revision."""
    global _checked_at
    _checked_at = 0.0


def work_calendar() -> WorkCalendar:
    """The calendar every deadline in govhall is computed with."""
    global _cached, _checked_at
    cached = _cached
    now = time.monotonic()
    if cached is not None and now - _checked_at < REVISION_CHECK_SECONDS:
        return cached[1]
    revision = calendar_revision()
    _checked_at = now
    if cached is not None and cached[0] == revision:
        return cached[1]
    with _lock:
        calendar = calendar_build_from_database()
        _cached = (revision, calendar)
    return calendar


def light_scheme() -> LightScheme:
    """The warning-light scheme chosen by the GOVHALL_LIGHT_SCHEME setting."""
    return SCHEMES[settings.GOVHALL_LIGHT_SCHEME]
