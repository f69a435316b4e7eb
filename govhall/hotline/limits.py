"""Time limits of work orders by type (DESIGN 3.12; docs/hotline.md).

``GOVHALL_HOTLINE_LIMITS`` in the settings overrides any entry: type →
(kind, amount), kind "hours" (clock hours from the dispatch) or "workdays"
(working days after the dispatch's day of receipt, ending at the close of
office hours), counted with govhall/timing through the calendars selector.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from govhall.calendars.selectors import work_calendar
from govhall.cases.deadlines import office_hours, received_on
from govhall.hotline.models import DueKind, OrderType

DEFAULT_LIMITS = {
    OrderType.CONSULT: (DueKind.HOURS, 22),
    OrderType.HELP: (DueKind.WORKDAYS, 5),
    OrderType.COMPLAINT: (DueKind.WORKDAYS, 5),
    OrderType.REPORT: (DueKind.WORKDAYS, 5),
    OrderType.SUGGEST: (DueKind.WORKDAYS, 5),
    OrderType.PRAISE: (DueKind.WORKDAYS, 5),
}
# How many working days a unit may ask for, once.
EXTENSION_DAYS_MAX = 10
# Signing (签收): an order with a limit in hours must be signed within this
# many clock hours of its dispatch (``GOVHALL_HOTLINE_SIGN_HOURS``); one with
# a limit in working days by the close of office hours of its day of receipt.
SIGN_HOURS = 2
# The reply's limit is near (yellow) this many clock hours before it for a
# limit in hours, and on its own day for a limit in working days.
REPLY_NEAR_HOURS = 4


def limit_for(order_type: str) -> tuple[str, int]:
    return {**DEFAULT_LIMITS, **getattr(settings, "GOVHALL_HOTLINE_LIMITS", {})}[order_type]


def _close_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, office_hours()[1]))


def due_at(order_type: str, dispatched_at: datetime) -> tuple[datetime, str]:
    """When a unit must have replied to an order of this type dispatched at
    ``dispatched_at``, and the kind of limit."""
    kind, amount = limit_for(order_type)
    if kind == DueKind.HOURS:
        return dispatched_at + timedelta(hours=amount), kind
    return _close_of(work_calendar().add_workdays(received_on(dispatched_at), amount)), kind


def sign_hours() -> int:
    return getattr(settings, "GOVHALL_HOTLINE_SIGN_HOURS", SIGN_HOURS)


def sign_due_at(kind: str, dispatched_at: datetime) -> datetime:
    """When a unit must have signed an order dispatched at ``dispatched_at``
    whose reply limit is of ``kind``."""
    if kind == DueKind.HOURS:
        return dispatched_at + timedelta(hours=sign_hours())
    return _close_of(received_on(dispatched_at))


def sign_late_before(kind: str, at: datetime) -> datetime:
    """The dispatch moments before which an order of ``kind`` still unsigned
    at ``at`` is late: ``sign_due_at(kind, d) < at`` exactly when ``d`` is
    before it (for working days: the close of the last working day that
    closed before ``at`` — a dispatch from then on is received later)."""
    if kind == DueKind.HOURS:
        return at - timedelta(hours=sign_hours())
    calendar = work_calendar()
    day = timezone.localtime(at).date()
    while not (calendar.is_workday(day) and _close_of(day) < at):
        day -= timedelta(days=1)
    return _close_of(day)


def reply_near_from(kind: str, due: datetime) -> datetime:
    """From when the reply's limit ``due`` counts as near."""
    if kind == DueKind.HOURS:
        return due - timedelta(hours=REPLY_NEAR_HOURS)
    return timezone.make_aware(datetime.combine(timezone.localtime(due).date(), datetime.min.time()))


def reply_near_until(at: datetime) -> tuple[datetime, datetime]:
    """The limits that are near or past at ``at``: (for hours, for working
    days) — a limit in hours up to ``at`` + REPLY_NEAR_HOURS, one in working
    days before the end of ``at``'s day."""
    today: date = timezone.localtime(at).date()
    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    return at + timedelta(hours=REPLY_NEAR_HOURS), tomorrow


def extended(due: datetime, days: int) -> datetime:
    """The time limit moved by ``days`` working days (an approved extension)."""
    return _close_of(work_calendar().add_workdays(timezone.localtime(due).date(), days))
