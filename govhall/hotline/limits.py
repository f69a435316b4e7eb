"""Time limits of work orders by type (DESIGN 3.12; docs/hotline.md).

``GOVHALL_HOTLINE_LIMITS`` in the settings overrides any entry: type →
(kind, amount), kind "hours" (clock hours from the dispatch) or "workdays"
(working days after the dispatch's day of receipt, ending at the close of
office hours), counted with govhall/timing through the calendars selector.
"""

from datetime import datetime, timedelta

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


def extended(due: datetime, days: int) -> datetime:
    """The time limit moved by ``days`` working days (an approved extension)."""
    return _close_of(work_calendar().add_workdays(timezone.localtime(due).date(), days))
