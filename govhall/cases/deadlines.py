"""The one bridge between cases and govhall.timing (STYLE 1)."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from govhall.calendars.selectors import light_scheme, work_calendar
from govhall.cases.models import Case
from govhall.cases.states import CLOCK_RUNNING, DECIDED, PAUSED, State
from govhall.timing import (
    Deadline, Light, LightScheme, Pause, compute_deadline, light_changes_on, light_for, receipt_date,
)

# Decision to delivery: 行政许可法 art. 44.
DELIVERY_DAYS = 10
# A correction notice must come within 5 working days of receipt (art. 32(4)).
CORRECTION_NOTICE_DAYS = 5


def office_hours() -> tuple[time, time]:
    return settings.GOVHALL_OFFICE_START, settings.GOVHALL_OFFICE_END


def received_on(moment: datetime) -> date:
    """The day an application counts as received: outside office hours or on
    a non-working day, the next working day (DESIGN 3.3)."""
    start, end = office_hours()
    from django.utils import timezone

    return receipt_date(work_calendar(), timezone.localtime(moment), office_start=start, office_end=end)


def correction_deadline(case: Case) -> date:
    """The last day a correction notice may be issued (art. 32(4))."""
    return work_calendar().add_workdays(case.received_on, CORRECTION_NOTICE_DAYS)


def case_pauses(case: Case) -> list[Pause]:
    if not case.pause_count:
        return []
    return [Pause(p.started_on, p.ended_on) for p in case.pauses.order_by("started_on", "pk")]


def case_deadline(case: Case, *, pauses: list[Pause] | None = None) -> Deadline | None:
    """The promised-time deadline of an accepted case, pauses and extension
    included (``pauses``: the case's, when a transition is about to change them)."""
    if case.accepted_on is None:
        return None
    if pauses is None:
        pauses = case_pauses(case)
    return promised_deadline(accepted_on=case.accepted_on, promised_days=case.promised_days,
                             extension_days=case.extension_days, pauses=pauses)


def promised_deadline(*, accepted_on: date, promised_days: int, extension_days: int = 0,
                      pauses: list[Pause] | list[tuple[date, date | None]] = ()) -> Deadline:
    """The promised-time deadline from a case's dates as plain values (the
    statistics read them in bulk, as they stood on a day): N working days
    after acceptance (art. 82), each pause consuming its days (art. 45), an
    extension added (art. 42). Raises CalendarRangeError beyond the calendar."""
    return compute_deadline(work_calendar(), start=accepted_on, days=promised_days, extension=extension_days,
                            pauses=[p if isinstance(p, Pause) else Pause(*p) for p in pauses])


def working_days_taken(*, accepted_on: date, decided_on: date, pauses: list[tuple[date, date | None]] = ()) -> int:
    """Working days in (accepted, decided] less those each pause held the
    clock, (start, end] (DESIGN 3.3): the time the organ took to decide."""
    calendar = work_calendar()
    days = calendar.workdays_between(accepted_on, decided_on)
    for started, ended in pauses:
        low, high = max(started, accepted_on), min(ended or decided_on, decided_on)
        if low < high:
            days -= calendar.workdays_between(low, high)
    return days


def case_next_due(case: Case, *, pauses: list[Pause] | None = None) -> tuple[date | None, bool]:
    """The date the case's next statutory step is due, and whether it rests
    on a provisional calendar: the decision while the clock runs, delivery
    within 10 working days of a decision, none otherwise."""
    if case.state in CLOCK_RUNNING or case.state in PAUSED:
        deadline = case_deadline(case, pauses=pauses)
        return (deadline.due, deadline.provisional) if deadline else (None, False)
    if case.state in DECIDED - {State.DELIVERED, State.CLOSED} and case.decided_on:
        calendar = work_calendar()
        due = calendar.add_workdays(case.decided_on, DELIVERY_DAYS)
        return due, calendar.is_provisional(due)
    return None, False


def case_scheme(*, green: bool = False) -> LightScheme:
    """The warning scheme of a case: the configured one, its yellow (or
    prompt) threshold raised for a green-channel case (绿色通道: warned
    earlier, GOVHALL_GREEN_YELLOW_DAYS / _PERCENT) — the one place that rule lives."""
    scheme = light_scheme()
    if not green:
        return scheme
    days, ratio = settings.GOVHALL_GREEN_YELLOW_DAYS, settings.GOVHALL_GREEN_YELLOW_PERCENT / 100
    return replace(scheme, yellow_days=max(scheme.yellow_days, days), yellow_ratio=max(scheme.yellow_ratio, ratio),
                   prompt_days=max(scheme.prompt_days, days))


def case_light(case: Case, *, today: date) -> Light | None:
    """The light of the case's running clock on ``today``, by the rule
    supervision stores in ``Case.light`` at each transition and scan (None
    when no clock runs: a lawful pause is never red)."""
    watched = watched_deadline(case)
    if watched is None:
        return None
    _kind, due, days = watched
    return _light(due, days, today, case_scheme(green=case.green_channel))


def _light(due: date, days: int, today: date, scheme: LightScheme) -> Light:
    deadline = Deadline(due=due, remaining=0, paused=False, provisional=False)
    light = light_for(work_calendar(), today=today, deadline=deadline, promised_days=max(days, 1), scheme=scheme)
    if days == 0 and today <= due:
        # An immediate item (即办件) is due the day it is accepted: no
        # warning before the end of that day; once past, the scheme's light.
        return Light.GREEN
    return light


def deadline_light(deadline: Deadline, *, promised_days: int, today: date, green: bool = False) -> Light:
    """The light on ``today`` of a case deadline given ``promised_days``, by
    the configured scheme (DESIGN 3.3; ``green``: of a green-channel case or
    joint case) — also of a deadline as it stood before a change
    (supervision: was the case already late when it was paused?)."""
    return light_for(work_calendar(), today=today, deadline=deadline, promised_days=max(promised_days, 1),
                     scheme=case_scheme(green=green))


@dataclass(frozen=True)
class Watch:
    """What supervision watches on a case on a given day: the light of the
    deadline its state is waiting for, the current review step's deadline,
    and the next day either can change (None: nothing left to watch)."""

    light: str
    step_due_date: date | None
    watch_on: date | None


def watched_deadline(case: Case) -> tuple[str, date, int] | None:
    """The deadline the case's state waits for, which one, and the days it
    was given: acceptance within 5 working days of receipt, the decision
    within the promised time, delivery within 10 working days of the decision."""
    if case.state == State.SUBMITTED and case.received_on:
        return "acceptance", correction_deadline(case), CORRECTION_NOTICE_DAYS
    if case.state in CLOCK_RUNNING and case.due_date:
        return "decision", case.due_date, case.promised_days
    if case.state in DECIDED - {State.DELIVERED, State.CLOSED} and case.due_date:
        return "delivery", case.due_date, DELIVERY_DAYS
    return None


CLOCK_LABELS = {"acceptance": _("受理期限"), "decision": _("办理期限"), "delivery": _("送达期限")}


@dataclass(frozen=True)
class Clock:
    """The clock a case runs against, as every screen shows it: which one
    (acceptance, decision, delivery — labelled, never silently switched),
    its date, the working days left after today (0: due today; negative:
    working days overdue), and the light
    supervision stored (the wall, the lists, the case page and the
    statistics all read ``Case.light``, set by each transition and scan)."""

    kind: str
    due: date
    remaining: int
    light: str
    late: bool = False  # the due date has passed

    @property
    def label(self) -> str:
        return str(CLOCK_LABELS[self.kind])

    @property
    def overdue_days(self) -> int:
        """Working days past the due date (0 while in time, or late only by a weekend)."""
        return max(-self.remaining, 0)


def case_clock(case: Case, *, today: date) -> Clock | None:
    """The running clock of ``case`` on ``today`` (None: none runs — a
    draft, a correction with the applicant, a special procedure, a case
    delivered or finished)."""
    watched = watched_deadline(case)
    if watched is None:
        return None
    kind, due, _days = watched
    calendar = work_calendar()
    remaining = calendar.workdays_between(today, due) if today <= due else -calendar.workdays_between(due, today)
    return Clock(kind=kind, due=due, remaining=remaining, light=case.light or Light.GREEN, late=today > due)


def case_step_due(case: Case, *, steps: list, pauses: list[Pause]) -> date | None:
    """The deadline of the current review step: the shares of the promised
    time of the steps up to and including it, counted from acceptance, with
    the case's pauses. None when the steps give no shares."""
    if case.state not in CLOCK_RUNNING or case.accepted_on is None or not steps:
        return None
    days = sum(step.days for step in steps[1:case.step + 1])
    if days <= 0 or case.step >= len(steps):
        return None
    return compute_deadline(work_calendar(), start=case.accepted_on, days=days, pauses=pauses).due


def _step_days(steps: list, step: int) -> int:
    return max(steps[step].days if step < len(steps) else 0, 1)


def step_light(*, steps: list, step: int, step_due: date | None, today: date, green: bool = False) -> Light | None:
    """The light on ``today`` of review step ``step`` due on ``step_due``, by
    its own share of the promised time (None when it has no deadline)."""
    if step_due is None or not steps:
        return None
    deadline = Deadline(due=step_due, remaining=0, paused=False, provisional=False)
    return light_for(work_calendar(), today=today, deadline=deadline, promised_days=_step_days(steps, step),
                     scheme=case_scheme(green=green))


def case_watch(case: Case, *, today: date, steps: list | None = None, pauses: list[Pause] | None = None) -> Watch:
    """The supervision watch of a case on ``today`` (its due date current)."""
    watched = watched_deadline(case)
    if watched is None:
        return Watch(light="", step_due_date=None, watch_on=None)
    _kind, due, days = watched
    calendar, scheme = work_calendar(), case_scheme(green=case.green_channel)
    light = _light(due, days, today, scheme)
    next_days = [light_changes_on(calendar, today=today, due=due, promised_days=max(days, 1), scheme=scheme)]
    step_due = None
    if case.state in CLOCK_RUNNING and steps:
        step_due = case_step_due(case, steps=steps, pauses=case_pauses(case) if pauses is None else pauses)
        if step_due is not None:
            next_days.append(light_changes_on(calendar, today=today, due=step_due, promised_days=_step_days(steps, case.step),
                                              scheme=scheme))
    upcoming = [day for day in next_days if day is not None]
    return Watch(light=str(light), step_due_date=step_due, watch_on=min(upcoming) if upcoming else None)
