"""The whole's deadline and light of a joint case (行政许可法 art. 42),
through the cases' bridge to govhall.timing: N working days from the day the
combined application was received (art. 82), the days while the joint case
stood stopped or a sub-case stood under a special procedure (art. 45) left
out as pauses, the one extension added. A stage with a
time limit of its own (分阶段审批时限) is counted the same way from the day
it started (``stage_watch``)."""

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
    """The periods the whole's clock stood: while the joint case stood
    stopped, and while a current sub-case stood under a special procedure
    (art. 45) — the two merged where they overlap, so no day is left out twice."""
    periods = sorted((date.fromisoformat(start), date.fromisoformat(end) if end else None)
                     for start, end in [*joint.pauses, *joint.procedure_pauses])
    merged: list[tuple[date, date | None]] = []
    for start, end in periods:
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, None if last_end is None or end is None else max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def whole_watch(joint, *, today: date, running: bool) -> WholeWatch:
    """The whole's deadline of ``joint`` and, while its clock runs
    (``running``), its light on ``today`` by the configured scheme, with the
    day it next changes — the values the row keeps for supervision."""
    days = joint.theme.whole_days
    start = joint.received_on
    deadline = promised_deadline(accepted_on=start, promised_days=days, extension_days=joint.extension_days,
                                 pauses=[(max(begin, start), end) for begin, end in _pauses(joint)])
    # The base of the yellow threshold: the whole's days with its extension,
    # as a case's after an extension.
    return _watch(deadline, base=days + joint.extension_days, today=today, running=running, green=joint.green_channel)


def stage_watch(joint_stage, joint, *, today: date) -> WholeWatch:
    """A running stage's deadline — ``Stage.stage_days`` working days from
    the day it started (that day not counted), the joint case's pauses while
    it ran left out — and its light on ``today`` while the joint case's
    clock runs; nothing for a stage without a limit of its own or not running."""
    from govhall.joint.models import JointState, StageState

    days = joint_stage.stage.stage_days
    if not days or joint_stage.state != StageState.RUNNING or joint_stage.started_on is None:
        return WholeWatch(None, False, "", None)
    start = joint_stage.started_on
    pauses = [(max(begin, start), end) for begin, end in _pauses(joint) if end is None or end > start]
    deadline = promised_deadline(accepted_on=start, promised_days=days, pauses=pauses)
    running = joint.state in (JointState.RUNNING, JointState.READY)
    return _watch(deadline, base=days, today=today, running=running, green=joint.green_channel)


def _watch(deadline: Deadline, *, base: int, today: date, running: bool, green: bool) -> WholeWatch:
    """The light of ``deadline`` on ``today`` (``base``: the days of the
    yellow threshold) and the next day it changes; none while paused or not running."""
    if not running or deadline.paused:
        return WholeWatch(deadline.due, deadline.provisional, "", None)
    light = deadline_light(Deadline(due=deadline.due, remaining=0, paused=False, provisional=False),
                           promised_days=base, today=today, green=green)
    watch_on = light_changes_on(work_calendar(), today=today, due=deadline.due, promised_days=base,
                                scheme=case_scheme(green=green))
    return WholeWatch(deadline.due, deadline.provisional, str(light), watch_on)
