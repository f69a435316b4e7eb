"""Every change of a rating or a follow-up (DESIGN 3.10).

A delivered case may be rated once, by its applicant, through one of four
channels: the portal and the API (the applicant logged in), the SMS link
(the signed token stands for the applicant) and the window device (the
applicant taps a level on the pad of the clerk who served them). A bad
rating (the two lowest levels) opens a follow-up: the department verifies
and corrects within a number of working days, the center calls the
applicant back and closes it. Each change writes one audit event in its
transaction.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from govhall.calendars.selectors import work_calendar
from govhall.cases.models import Case, CaseEvent
from govhall.cases.states import Action as CaseAction
from govhall.cases.states import State
from govhall.core import clock
from govhall.core.actors import SYSTEM, Actor, is_system, person
from govhall.core.audit import audit_record
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.core.masking import mask_phone
from govhall.evaluation.links import rating_link_days, rating_link_url, rating_token_case
from govhall.evaluation.models import (
    BAD_LEVELS, COMMENT_MAX_LENGTH, FollowUp, FollowUpState, Level, Rating, RatingChannel,
)
from govhall.evaluation.sms import sms_send_on_commit
from govhall.org.models import User
from govhall.org.roles import READ_ONLY_ROLES, STAFF_ROLES, Role
from govhall.timing import CalendarRangeError

# A case can be rated once it has been delivered (送达) — and after closing.
RATEABLE_STATES = frozenset({State.DELIVERED, State.CLOSED})
# Who verifies and corrects a bad rating: the rated department's own
# responsible staff (and the center's managers above it).
DEPARTMENT_FOLLOWUP_ROLES = frozenset({Role.DEPARTMENT_HEAD, Role.CHIEF_REPRESENTATIVE, Role.REVIEWER})


def _now(at: datetime | None) -> datetime:
    return at or clock.now()


# --- ratings ---------------------------------------------------------------------

def _clean(level, comment) -> tuple[int, str]:
    if isinstance(level, bool) or not isinstance(level, int) or level not in Level.values:
        raise DomainError(_("请选择评价等级（1 至 5）。"), field="level")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise DomainError(_("评价内容不能超过 %(n)s 个字。") % {"n": COMMENT_MAX_LENGTH}, field="comment")
    return level, comment


def _rate(case: Case, *, level, comment, channel: str, actor: Actor, rated_by: User | None, at: datetime,
          client_address: str | None) -> Rating:
    """Store the rating (and open the follow-up of a bad one): the checks
    every channel shares, after the channel checked who is rating."""
    level, comment = _clean(level, comment)
    if case.state not in RATEABLE_STATES:
        raise DomainError(_("办件送达后才能评价（当前状态：%(state)s）。") % {"state": State(case.state).label},
                          field="state")
    if Rating.objects.filter(case=case).exists():
        raise Conflict(_("该办件已经评价过，每个办件只能评价一次。"))
    rating = Rating(case=case, level=level, comment=comment, channel=channel, rated_at=at, rated_by=rated_by,
                    department_id=case.department_id, window_id=case.window_id, staff_id=case.accepted_by_id)
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:  # the same case rated a moment ago through another channel
        raise Conflict(_("该办件已经评价过，每个办件只能评价一次。")) from None
    audit_record(actor=actor, action="rating_create", target=rating, client_address=client_address,
                 data={"case": case.number, "level": level, "level_label": str(Level(level).label), "channel": channel})
    if level in BAD_LEVELS:
        _followup_open(rating, actor=actor, at=at)
    return rating


def followup_due_date(rated_at: datetime):
    """The deadline to handle a bad rating: GOVHALL_BAD_REVIEW_FIX_DAYS
    working days after the (center-local) day of the rating, that day not counted."""
    day = clock.to_local_date(rated_at)
    try:
        return work_calendar().add_workdays(day, settings.GOVHALL_BAD_REVIEW_FIX_DAYS)
    except CalendarRangeError:
        raise DomainError(_("工作日历未覆盖 %(day)s 之后的日期，无法计算整改期限，请管理员维护工作日历。")
                          % {"day": day.isoformat()}, field="due_date") from None


def _subject_key(rating: Rating) -> str:
    return "case" if rating.case_id else "work_order"


def _followup_open(rating: Rating, *, actor, at: datetime) -> FollowUp:
    followup = FollowUp.objects.create(rating=rating, department_id=rating.department_id, state=FollowUpState.OPEN,
                                       due_date=followup_due_date(at), opened_at=at)
    audit_record(actor=actor, action="followup_open", target=followup,
                 data={_subject_key(rating): rating.subject_number, "level": rating.level,
                       "due_date": followup.due_date.isoformat()})
    return followup


def rating_record_for_work_order(*, actor, order, level: int, comment: str = "", at: datetime) -> Rating:
    """The caller's rating of a 12345 work order, recorded by the operator at
    a call-back: the close (回访办结) or the reopening (重办). Called only by
    ``hotline.services.workorder_close`` and ``workorder_reopen``, inside
    their transaction (which checked the operator and the order's state).

    An order has one ``Rating``, the latest call-back's that gave one: the
    close after a reopening replaces the reopening's level, comment and
    time (both stay in the order's chain events and in the audit, action
    ``rating_change``). The department is the main unit's when the unit is
    a department, else empty (its follow-up is then the hotline office's);
    a bad rating opens a follow-up as a case's does, unless the order has
    one already (the reopening's follow-up goes on)."""
    level, comment = _clean(level, comment)
    unit = order.main_unit
    fields = {"level": level, "comment": comment, "channel": RatingChannel.CALLBACK, "rated_at": at,
              "rated_by": None, "department_id": unit.department_id if unit is not None else None}
    data = {"work_order": order.number, "level": level, "level_label": str(Level(level).label),
            "channel": RatingChannel.CALLBACK}
    rating = Rating.objects.filter(work_order=order).first()
    if rating is None:
        rating = Rating(work_order=order, **fields)
        try:
            with transaction.atomic():
                rating.save()
        except IntegrityError:
            raise Conflict(_("该工单已经评价过。")) from None
        audit_record(actor=actor, action="rating_create", target=rating, data=data)
    else:
        previous = rating.level
        rating.work_order = order  # the order's cached rating is this one
        for name, value in fields.items():
            setattr(rating, name, value)
        rating.save(update_fields=list(fields))
        audit_record(actor=actor, action="rating_change", target=rating,
                     data={**data, "from": previous, "from_label": str(Level(previous).label)})
    if level in BAD_LEVELS and not FollowUp.objects.filter(rating=rating).exists():
        _followup_open(rating, actor=actor, at=at)
    return rating


@transaction.atomic
def rating_submit(*, actor: User, case: Case, level: int, comment: str = "", channel: str = RatingChannel.PORTAL,
                  at: datetime | None = None, client_address: str | None = None) -> Rating:
    """The applicant, logged in, rates their own delivered case on the
    portal or through the API."""
    at = _now(at)
    if channel not in {RatingChannel.PORTAL, RatingChannel.API}:
        raise DomainError(_("未知的评价渠道。"), field="channel")
    if is_system(actor) or actor.role != Role.APPLICANT or case.applicant_id is None or case.applicant_id != actor.pk:
        raise NotPermitted(_("只有办件的申请人本人才能评价。"))
    return _rate(case, level=level, comment=comment, channel=channel, actor=actor, rated_by=person(actor), at=at,
                 client_address=client_address)


@transaction.atomic
def rating_submit_by_link(*, token: str, level: int, comment: str = "", at: datetime | None = None,
                          client_address: str | None = None) -> Rating:
    """The applicant rates through the link of the SMS sent at delivery: the
    signed token names the case and stands for the applicant (no login)."""
    at = _now(at)
    case = rating_token_case(token)
    return _rate(case, level=level, comment=comment, channel=RatingChannel.SMS, actor=SYSTEM, rated_by=None, at=at,
                 client_address=client_address)


def window_scope_q(clerk: User) -> Q:
    """Cases a clerk's window device may take a rating for: received at the
    clerk's window, of the department a dedicated window belongs to, or
    delivered by the clerk in person."""
    q = Q(Exists(CaseEvent.objects.filter(case=OuterRef("pk"), action=CaseAction.DELIVER, actor_id=clerk.pk)))
    if clerk.window_id:
        q |= Q(window_id=clerk.window_id)
        if clerk.window.department_id:
            q |= Q(department_id=clerk.window.department_id)
    return q


def _require_window_clerk(actor: Actor) -> None:
    if is_system(actor) or actor.role not in STAFF_ROLES or actor.role in READ_ONLY_ROLES or not actor.window_id:
        raise NotPermitted(_("评价器须由在窗口工作的人员登录使用。"))


@transaction.atomic
def rating_submit_at_window(*, actor: User, case: Case, level: int, comment: str = "", at: datetime | None = None,
                            client_address: str | None = None) -> Rating:
    """The applicant taps a level on the evaluation pad at the window (窗口
    评价器). ``actor`` is the clerk logged in on the pad; only cases served
    at that window (or delivered by that clerk) can be rated there."""
    at = _now(at)
    _require_window_clerk(actor)
    if not Case.objects.filter(window_scope_q(actor), pk=case.pk).exists():
        raise NotPermitted(_("该办件不是在本窗口办理或送达的，不能在本窗口评价。"))
    return _rate(case, level=level, comment=comment, channel=RatingChannel.WINDOW, actor=actor, rated_by=None, at=at,
                 client_address=client_address)


@transaction.atomic
def rating_invite_send(*, case: Case) -> bool:
    """Invite the applicant to rate by SMS after delivery: record the
    invitation (audit event ``rating_invite_send``) and send the message
    with the rating link once that record commits; if it rolls back, nothing
    goes out. Nothing for a case already rated or without a phone number.
    A gateway that fails is recorded as ``rating_invite_fail`` with its
    error and not retried (docs/evaluation.md). Nothing either once the
    delivery is older than a link lives (a worker catching up on a backlog,
    or history loaded in bulk, must not text people about a matter long
    past). Returns whether an invitation was recorded."""
    if case.state not in RATEABLE_STATES or Rating.objects.filter(case=case).exists():
        return False
    delivered = case.events.filter(action=CaseAction.DELIVER).order_by("-seq").values_list("at", flat=True).first()
    if delivered is not None and clock.now() - delivered > timedelta(days=rating_link_days()):
        return False
    phone = (case.applicant_phone or "").strip()
    if not phone:
        return False
    text = _("【%(center)s】您申请的“%(item)s”（办件编号 %(number)s）已办理完毕。请对我们的服务进行评价："
             "%(url)s （%(days)s 天内有效）") % {
        "center": case.center.name, "item": case.item_version.name, "number": case.number,
        "url": rating_link_url(case), "days": rating_link_days()}
    data = {"case": case.number, "phone": mask_phone(phone)}
    audit_record(actor=SYSTEM, action="rating_invite_send", target=case, data=data)

    def failed(error: str) -> None:
        audit_record(actor=SYSTEM, action="rating_invite_fail", target=case, data={**data, "error": error})

    sms_send_on_commit(phone, text, failed=failed)
    return True


# --- follow-ups of bad ratings ------------------------------------------------------

def _is_department_staff(actor: User, followup: FollowUp) -> bool:
    return (followup.department_id is not None and actor.role in DEPARTMENT_FOLLOWUP_ROLES
            and actor.department_id == followup.department_id)


def _followup_center_path(followup: FollowUp) -> str:
    """The path of the center answerable for the follow-up: the department's,
    or (a work order's rating with no department) the hotline's."""
    if followup.department_id is not None:
        return followup.department.center.path
    return followup.rating.work_order.center.path


def _is_center_manager(actor: User, followup: FollowUp) -> bool:
    """A manager of the department's center or of a center above it; for a
    work order's rating also the hotline office of its hotline (or above)."""
    roles = {Role.CENTER_MANAGER} | ({Role.HOTLINE_OFFICE} if followup.rating.work_order_id else set())
    return (actor.role in roles and actor.center_id is not None
            and _followup_center_path(followup).startswith(actor.center.path))


# step → (the state it starts from, the state it leads to, who may take it)
STEPS = {
    "verify": (FollowUpState.OPEN, FollowUpState.VERIFIED,
               lambda actor, f: _is_department_staff(actor, f) or _is_center_manager(actor, f)),
    "correct": (FollowUpState.VERIFIED, FollowUpState.CORRECTED,
                lambda actor, f: _is_department_staff(actor, f) or _is_center_manager(actor, f)),
    # The call back and the closing are the center's: not the rated department's own word.
    "callback": (FollowUpState.CORRECTED, FollowUpState.CALLED_BACK, lambda actor, f: _is_center_manager(actor, f)),
    "close": (FollowUpState.CALLED_BACK, FollowUpState.CLOSED, lambda actor, f: _is_center_manager(actor, f)),
}
STEP_LABELS = {"verify": gettext_lazy("核实"), "correct": gettext_lazy("整改"), "callback": gettext_lazy("回访"),
               "close": pgettext_lazy("follow-up step", "办结")}


def followup_actions_for(actor: User, followup: FollowUp) -> list[str]:
    """The step ``actor`` may take on ``followup`` now (at most one: the steps go in order)."""
    return [step for step, (source, _target, allowed) in STEPS.items()
            if followup.state == source and actor.is_active and allowed(actor, followup)]


def _step(followup: FollowUp, step: str, *, actor: User, at: datetime, text_field: str, text: str, message: str,
          **changes) -> FollowUp:
    """Check who and when, then move the follow-up by a guarded update on
    (id, state): of two people acting at once, exactly one wins."""
    source, target, allowed = STEPS[step]
    if is_system(actor) or not allowed(actor, followup):
        raise NotPermitted(_("您无权对该差评进行“%(step)s”。") % {"step": STEP_LABELS[step]})
    if followup.state != source:
        raise DomainError(_("差评整改当前为“%(state)s”，不能“%(step)s”。")
                          % {"state": FollowUpState(followup.state).label, "step": STEP_LABELS[step]}, field="state")
    text = (text or "").strip()
    if not text:
        raise DomainError(message, field=text_field)
    changes = {"state": target, text_field: text, **changes}
    updated = FollowUp.objects.filter(pk=followup.pk, state=source).update(**changes)
    if updated != 1:
        raise Conflict(_("该差评刚被他人处理，请刷新后重试。"))
    for field, value in changes.items():
        setattr(followup, field, value)
    audit_record(actor=actor, action=f"followup_{step}", target=followup,
                 data={_subject_key(followup.rating): followup.rating.subject_number, "from": source, "to": target,
                       text_field: text})
    return followup


@transaction.atomic
def followup_verify(*, actor: User, followup: FollowUp, verification: str, at: datetime | None = None) -> FollowUp:
    """Verify what happened (核实情况), by the department or the center."""
    at = _now(at)
    return _step(followup, "verify", actor=actor, at=at, text_field="verification", text=verification,
                 message=_("请填写核实情况。"), verified_by=person(actor), verified_at=at)


@transaction.atomic
def followup_correct(*, actor: User, followup: FollowUp, correction: str, at: datetime | None = None) -> FollowUp:
    """Record the correction made (整改措施), by the department or the center."""
    at = _now(at)
    return _step(followup, "correct", actor=actor, at=at, text_field="correction", text=correction,
                 message=_("请填写整改措施。"), corrected_by=person(actor), corrected_at=at)


@transaction.atomic
def followup_callback(*, actor: User, followup: FollowUp, callback: str, satisfied: bool,
                      at: datetime | None = None) -> FollowUp:
    """Call the applicant back (回访) and record whether they are now
    satisfied; by the center's managers."""
    at = _now(at)
    if not isinstance(satisfied, bool):
        raise DomainError(_("请选择回访时申请人是否满意。"), field="satisfied")
    return _step(followup, "callback", actor=actor, at=at, text_field="callback", text=callback,
                 message=_("请填写回访情况。"), satisfied=satisfied, called_back_by=person(actor), called_back_at=at)


@transaction.atomic
def followup_close(*, actor: User, followup: FollowUp, result: str, at: datetime | None = None) -> FollowUp:
    """Close the follow-up with the result (办理结果), by the center's managers."""
    at = _now(at)
    return _step(followup, "close", actor=actor, at=at, text_field="result", text=result,
                 message=_("请填写办理结果。"), closed_by=person(actor), closed_at=at)
