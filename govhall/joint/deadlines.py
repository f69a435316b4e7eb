"""The whole's deadline and light of a joint case (行政许可法 art. 42),
through the cases' bridge to govhall.timing: N working days from the day the
combined application was received (art. 82), the days while the joint case
stood stopped left out as a pause, the one extension added."""

from dataclasses import dataclass
from datetime import date

from govhall.calendars.selectors import work_calendar
from govhall.cases.deadlines import case_scheme, deadline_light, promised_deadline
from govhall.timing import Deadline, light_changes_on


@dataclass(frozen=True)
class WholeWatch:
    """What a joint case's row stores: the whole's deadline, its light and
    the next day that light can change (None: nothing to watch)."""

    due_date: date | None
    provisional: bool
    light: str
    watch_on: date | None


def _pauses(joint) -> list[tuple[date, date | None]]:
    return [(date.fromisoformat(start), date.fromisoformat(end) if end else None) for start, end in joint.pauses]


def whole_watch(joint, *, today: date, running: bool) -> WholeWatch:
    """The whole's deadline of ``joint`` and, while its clock runs
    (``running``), its light on ``today`` by the configured scheme, with the
    day it next changes — the values the row keeps for supervision."""
    days = joint.theme.whole_days
    deadline = promised_deadline(accepted_on=joint.received_on, promised_days=days,
                                 extension_days=joint.extension_days, pauses=_pauses(joint))
    if not running or deadline.paused:
        return WholeWatch(deadline.due, deadline.provisional, "", None)
    # The base of the yellow threshold: the whole's days with its extension,
    # as a case's after an extension.
    base = days + joint.extension_days
    light = deadline_light(Deadline(due=deadline.due, remaining=0, paused=False, provisional=False),
                           promised_days=base, today=today, green=joint.green_channel)
    watch_on = light_changes_on(work_calendar(), today=today, due=deadline.due, promised_days=base,
                                scheme=case_scheme(green=joint.green_channel))
    return WholeWatch(deadline.due, deadline.provisional, str(light), watch_on)
