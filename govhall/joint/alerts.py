"""Electronic supervision of joint approval (DESIGN 3.9; docs/joint.md,
"Supervision"): the rules ``joint.deadline`` (the whole, art. 42),
``joint.stage_deadline`` (a stage's own time limit) and
``joint.prereview_late`` (a green-channel pre-review's opinion not given
within its working day), registered in ``supervision.rules`` and raised,
escalated and cleared through supervision's own machinery
(``supervision.engine.alert_raise`` / ``alerts_clear``: one active alert
per rule and subject, yellow → red).

As for a case, the lights are stored on the rows (the joint case's, the
stage's) by every change and by the scan, and the alerts follow them: a
service that changes a light calls ``whole_alerts_sync`` /
``stage_alerts_sync`` with the light before, only when either light is
yellow or red (a green change costs no statement); the scan reaches these
through ``supervision.signals.time_scan`` (``joint.receivers``), so
supervision imports nothing of joint approval. No sub-case is read here.
"""

from datetime import date, datetime

from django.utils import timezone

from govhall.calendars.selectors import work_calendar
from govhall.joint.models import JointState, JointStage, PreReviewOpinion, StageState
from govhall.supervision.engine import Finding, alert_raise, alerts_clear, subjects_to_raise
from govhall.supervision.models import Severity
from govhall.timing import CalendarRangeError, Light

WARNED = frozenset({Light.YELLOW, Light.RED})
# A pre-review opinion still missing this many working days after its day
# turns its alert red (绿色通道: tighter watch than a case's).
PRE_REVIEW_RED_AFTER = 1
WHOLE_RULE, STAGE_RULE, PRE_REVIEW_RULE = "joint.deadline", "joint.stage_deadline", "joint.prereview_late"
ENDED = frozenset({JointState.DELIVERED, JointState.ENDED})


def whole_subject(joint) -> str:
    return f"joint:{joint.pk}"


def stage_subject(joint_stage) -> str:
    return f"joint:{joint_stage.joint_case_id}:stage:{joint_stage.pk}"


def pre_review_subject(opinion: PreReviewOpinion) -> str:
    return f"prereview:{opinion.pre_review_id}:department:{opinion.department_id}"


def lead_department(joint):
    """Who answers for the whole: the lead department (牵头部门) of the
    first running stage, or of the first stage when none runs (one read)."""
    stages = list(JointStage.objects.filter(joint_case_id=joint.pk).select_related("stage__lead_department")
                  .order_by("stage__order"))
    running = [s for s in stages if s.state == StageState.RUNNING]
    return next((s.stage.lead_department for s in [*running, *stages] if s.stage.lead_department_id), None)


def _late(ended_on: date | None, due_date: date | None) -> bool:
    return bool(ended_on and due_date and ended_on > due_date)


def whole_warned(joint, light_before: str) -> bool:
    """Whether the whole's change calls for a look at its alert: a light
    yellow or red before or now, or the joint case finished after its deadline."""
    return (light_before in WARNED or joint.light in WARNED
            or (joint.state in ENDED and _late(joint.ended_on, joint.due_date)))


def stage_warned(joint_stage, light_before: str) -> bool:
    """The same for a stage: finished after its deadline when it ended late."""
    return (light_before in WARNED or joint_stage.light in WARNED
            or _late(joint_stage.ended_on, joint_stage.due_date))


def _deadline_alert(rule: str, subject: str, *, light: str, light_before: str, late: bool, department, window,
                    at: datetime, what: str, due: date | None, ended_on: date | None, data: dict) -> None:
    """A deadline condition's alert as the stored light says: raised yellow,
    escalated red, red at once when ``late`` (finished after ``due``); a
    yellow one cleared when the light went out or turned green before it
    turned red (a red one stays until answered and closed)."""
    severity = light if light in WARNED else (Severity.RED if late else None)
    if severity is None or department is None:  # nobody to answer: a stage without a lead (configuration forbids it)
        if light_before == Light.YELLOW:
            alerts_clear(rule=rule, subject=subject, at=at)
        return
    if light in WARNED:
        message = f"{what}期限为{due}，" + ("已超期。" if severity == Light.RED else "即将到期。")
    else:
        message = f"{what}于{ended_on}办结，超过期限{due}。"
    alert_raise(Finding(rule, subject, str(severity), message,
                        {**data, "due_date": due.isoformat(), "light": str(severity)}),
                department=department, window=window, at=at)


def whole_alerts_sync(joint, *, light_before: str, at: datetime) -> None:
    """The ``joint.deadline`` alert of ``joint`` (against ``lead_department``),
    red at once when it was delivered (or ended) after the whole's deadline."""
    late = joint.state in ENDED and _late(joint.ended_on, joint.due_date)
    warned = joint.light in WARNED or late
    _deadline_alert(WHOLE_RULE, whole_subject(joint), light=joint.light, light_before=light_before, late=late,
                    department=lead_department(joint) if warned else None, window=joint.window if warned else None,
                    at=at, what=f"联办件{joint.number}整体办理", due=joint.due_date, ended_on=joint.ended_on,
                    data={"joint_case": joint.number})


def stage_alerts_sync(joint_stage, joint, *, light_before: str, at: datetime) -> None:
    """The ``joint.stage_deadline`` alert of a stage, against its lead
    department, red at once when the stage ended after its deadline."""
    late = joint_stage.state in (StageState.DONE, StageState.FAILED) and _late(joint_stage.ended_on,
                                                                                  joint_stage.due_date)
    warned = joint_stage.light in WARNED or late
    name = joint_stage.stage.name
    _deadline_alert(STAGE_RULE, stage_subject(joint_stage), light=joint_stage.light, light_before=light_before,
                    late=late, department=joint_stage.stage.lead_department if warned else None,
                    window=joint.window if warned else None, at=at, what=f"联办件{joint.number}“{name}”阶段办理",
                    due=joint_stage.due_date, ended_on=joint_stage.ended_on,
                    data={"joint_case": joint.number, "stage": name})


# --- green-channel pre-review -------------------------------------------------------------

def _pre_review_severity(due_on: date, today: date) -> str:
    """Yellow once the opinion's day has passed; red once PRE_REVIEW_RED_AFTER
    more working days have passed too (yellow where the calendar ends)."""
    try:
        red_after = work_calendar().add_workdays(due_on, PRE_REVIEW_RED_AFTER)
    except CalendarRangeError:
        return Severity.YELLOW
    return Severity.RED if today > red_after else Severity.YELLOW


def pre_reviews_late_scan(*, today: date, at: datetime) -> int:
    """Each opinion of a pre-review not given once its working day has
    passed raises one yellow ``joint.prereview_late`` alert against its
    department, escalated to red when it is still missing
    PRE_REVIEW_RED_AFTER working days later — once per opinion, never again
    after it was closed (the alerts already raised are read by subject).
    Cleared when the opinion comes (``opinion_given``). Reads the opinions
    still missing past their day, and a case only for a pre-review opened on
    a case (to tie the alert to it). Returns how many opinions it looked at."""
    from govhall.cases.models import Case

    late = list(PreReviewOpinion.objects.filter(given_at__isnull=True, pre_review__due_on__lt=today)
                .select_related("pre_review__joint_case", "department").order_by("pk"))
    if not late:
        return 0
    subjects = {opinion.pk: pre_review_subject(opinion) for opinion in late}
    severities = {opinion.pk: _pre_review_severity(opinion.pre_review.due_on, today) for opinion in late}
    to_raise = subjects_to_raise(PRE_REVIEW_RULE, {subjects[pk]: severities[pk] for pk in subjects})
    due = [opinion for opinion in late if subjects[opinion.pk] in to_raise]
    case_ids = [o.pre_review.case_id for o in due if o.pre_review.case_id]
    cases = Case.objects.select_related("window").in_bulk(case_ids) if case_ids else {}
    for opinion in due:
        review = opinion.pre_review
        case = cases.get(review.case_id)
        target = case if case is not None else review.joint_case
        message = (f"{target.number}的联合预审意见应于{review.due_on}前提出，"
                   f"{opinion.department.name}尚未提出。")
        alert_raise(Finding(PRE_REVIEW_RULE, subjects[opinion.pk], severities[opinion.pk], message,
                            {"number": target.number, "due_on": review.due_on.isoformat()}),
                    department=opinion.department, case=case, window=target.window, at=at)
    return len(late)


def opinion_given(opinion: PreReviewOpinion, *, at: datetime) -> None:
    """A late opinion has come: its department's alert is cleared (unless
    someone already answered it)."""
    if opinion.late_on(timezone.localtime(at).date()):
        alerts_clear(rule=PRE_REVIEW_RULE, subject=pre_review_subject(opinion), at=at)
