"""When an application counts as received (受理 starts the clock)."""

from __future__ import annotations

from datetime import date, datetime, time

from .calendar import WorkCalendar


def receipt_date(
    cal: WorkCalendar,
    received_at: datetime,
    *,
    office_start: time = time(9, 0),
    office_end: time = time(17, 0),
) -> date:
    """The date an application counts as received.

    Only ``received_at.date()`` and ``.time()`` are used (local wall-clock time;
    convert aware datetimes to the center's zone first). On a working day
    before ``office_end`` it is that day — including before ``office_start``:
    an online filing at 07:00 is treated as received when the office opens
    that morning. At or after ``office_end``, or on a non-working day, it is
    the next working day. Under 民法典 art. 201 the receipt day itself is then
    not counted by :func:`compute_deadline`.
    """
    if office_start >= office_end:
        raise ValueError("office_start must be before office_end")
    day = received_at.date()
    if cal.is_workday(day) and received_at.time() < office_end:
        return day
    return cal.next_workday(day)
