"""The one place domain code reads the time from.

Services take ``now`` as an argument where it matters for the result; when
they do not, they call these functions, which tests freeze with time_machine.
Never call ``date.today()`` or ``datetime.now()`` in domain code.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

# A moment standing in for the present (``standing_at``); None: the real one.
_standing: ContextVar[datetime | None] = ContextVar("govhall_clock_standing", default=None)


def now() -> datetime:
    """The current moment, aware, in UTC (the moment ``standing_at`` sets, inside it)."""
    return _standing.get() or timezone.now()


@contextmanager
def standing_at(moment: datetime) -> Iterator[None]:
    """Within the block, ``now()`` answers ``moment`` (aware): for replaying
    a past act whose services read the time themselves — the demo's history
    (govhall/demo/joint.py), where the joint services' audit events would
    otherwise carry the time of loading. Never in a request."""
    if timezone.is_naive(moment):
        raise ValueError("standing_at needs an aware moment")
    token = _standing.set(moment)
    try:
        yield
    finally:
        _standing.reset(token)


def local_now() -> datetime:
    """The current moment in the center's time zone (Asia/Shanghai)."""
    return timezone.localtime(now())


def today() -> date:
    """Today's date in the center's time zone, not the server's."""
    return local_now().date()


def to_local_date(moment: datetime) -> date:
    """The center-local calendar date of an aware moment."""
    return timezone.localtime(moment).date()
