"""The one place domain code reads the time from.

Services take ``now`` as an argument where it matters for the result; when
they do not, they call these functions, which tests freeze with time_machine.
Never call ``date.today()`` or ``datetime.now()`` in domain code.
"""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    """The current moment, aware, in UTC."""
    return timezone.now()


def local_now() -> datetime:
    """The current moment in the center's time zone (Asia/Shanghai)."""
    return timezone.localtime(now())


def today() -> date:
    """Today's date in the center's time zone, not the server's."""
    return local_now().date()


def to_local_date(moment: datetime) -> date:
    """The center-local calendar date of an aware moment."""
    return timezone.localtime(moment).date()
