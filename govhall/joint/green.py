"""Green channel (绿色通道) of joint cases and joint pre-review (联合预审),
DESIGN 3.8 (docs/joint.md, "Green channel and tracking card").

A joint case's flag is its own row's and every open sub-case's (each a case
flagged by ``cases.services.case_green_channel_set``, one event in its
chain). A pre-review is opened by a center manager on a green-channel case
or joint case, naming the departments involved; each gives its opinion
within one working day (the day through ``cases.deadlines``); a late one
stays visible as late."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases import limits
from govhall.cases import services as cases
from govhall.cases.deadlines import promised_deadline, received_on
from govhall.cases.models import Case
from govhall.cases.policy import green_channel_refusal
from govhall.cases.states import OPEN
from govhall.core import clock
from govhall.core.actors import Actor, is_system, person
from govhall.core.audit import audit_record
from govhall.core.errors import DomainError, NotPermitted
from govhall.joint import alerts
from govhall.joint.models import (
    JOINT_OPEN,
    JointCase,
    JointStage,
    PreReview,
    PreReviewOpinion,
    PreReviewVerdict,
)
from govhall.org.models import Department
from govhall.org.roles import Role

# Who gives a department's opinion: its staff who review and decide.
OPINION_ROLES = frozenset({Role.CHIEF_REPRESENTATIVE, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_HEAD})
# A pre-review's opinions are due within one working day (DESIGN 3.8).
PRE_REVIEW_DAYS = 1


def _reason(value, field: str = "reason") -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise DomainError(_("请填写理由。"), field=field)
    if len(text) > limits.TEXT_MAX:
        raise DomainError(_("内容过长（最多 %(n)d 字）。") % {"n": limits.TEXT_MAX}, field=field)
    return text


def _require_manager(actor: Actor, center) -> None:
    refusal = None if is_system(actor) else green_channel_refusal(actor, center)
    if refusal is not None:
        raise refusal


@transaction.atomic
def joint_green_channel_set(*, actor: Actor, joint_case: JointCase, green: bool, reason: str,
                            at: datetime | None = None) -> JointCase:
    """Flag an open joint case as green channel, or take the flag off, with
    the reason: its row and every open current sub-case (each an event in
    its own chain), one audit event of the joint case naming them."""
    at = at or clock.now()
    _require_manager(actor, joint_case.center)
    reason = _reason(reason)
    joint = JointCase.objects.select_for_update().select_related("center").get(pk=joint_case.pk)
    if joint.state not in JOINT_OPEN:
        raise DomainError(_("联办件已结束，不能再设置绿色通道。"), field="state")
    if joint.green_channel == bool(green):
        raise DomainError(_("该联办件已是绿色通道。") if green else _("该联办件不是绿色通道。"), field="green_channel")
    flagged = []
    subs = (Case.objects.filter(joint_link__joint_case=joint, joint_link__replaced=False, state__in=OPEN)
            .exclude(green_channel=bool(green)).select_related("item_version", "center").order_by("pk"))
    for case in subs:
        cases.case_green_channel_set(actor=actor, case=case, green=green, reason=reason, at=at)
        flagged.append(case.number)
    # The green channel's earlier yellow: the whole's and the stages' lights
    # looked at again by today's scan.
    today = timezone.localtime(at).date()
    watch = {"watch_on": today} if joint.watch_on is not None else {}
    JointCase.objects.filter(pk=joint.pk).update(green_channel=bool(green), version=F("version") + 1, updated_at=at,
                                                 **watch)
    JointStage.objects.filter(joint_case=joint, watch_on__isnull=False).update(watch_on=today)
    audit_record(actor=actor, action="joint_green_on" if green else "joint_green_off", target=joint,
                 data={"number": joint.number, "reason": reason, "cases": flagged})
    joint_case.green_channel, joint_case.version, joint_case.updated_at = bool(green), joint.version + 1, at
    return joint_case


def _departments(departments) -> list[Department]:
    chosen = list({d.pk: d for d in departments or []}.values())
    if not chosen:
        raise DomainError(_("请选择参加预审的部门。"), field="departments")
    return chosen


@transaction.atomic
def pre_review_open(*, actor: Actor, departments, note: str = "", case: Case | None = None,
                    joint_case: JointCase | None = None, at: datetime | None = None) -> PreReview:
    """Open a joint pre-review (联合预审) of a green-channel ``case`` or
    ``joint_case``: one empty opinion per department, due one working day
    after the day it is opened (counted as a receipt: after office hours,
    from the next working day)."""
    at = at or clock.now()
    target = case if case is not None else joint_case
    if target is None or (case is not None and joint_case is not None):
        raise DomainError(_("请指定一个办件或联办件。"), field="case")
    _require_manager(actor, target.center)
    if not target.green_channel:
        raise DomainError(_("只有绿色通道项目可以联合预审。"), field="green_channel")
    open_states = OPEN if case is not None else JOINT_OPEN
    if target.state not in open_states:
        raise DomainError(_("已办结，不能再联合预审。"), field="state")
    chosen = _departments(departments)
    note = (note or "").strip()[:limits.TEXT_MAX]
    due = promised_deadline(accepted_on=received_on(at), promised_days=PRE_REVIEW_DAYS).due
    review = PreReview.objects.create(case=case, joint_case=joint_case, note=note, opened_by=person(actor),
                                      opened_at=at, due_on=due)
    PreReviewOpinion.objects.bulk_create([PreReviewOpinion(pre_review=review, department=d) for d in chosen])
    audit_record(actor=actor, action="pre_review_open", target=review,
                 data={"number": target.number, "departments": sorted(d.code for d in chosen), "due_on": due.isoformat()})
    return review


@transaction.atomic
def pre_review_opinion_give(*, actor: Actor, opinion: PreReviewOpinion, verdict: str, text: str = "",
                            at: datetime | None = None) -> PreReviewOpinion:
    """A department's opinion, given once by its reviewing staff; the day
    it is given is kept, so a late opinion shows late."""
    at = at or clock.now()
    if is_system(actor) or actor.role not in OPINION_ROLES or actor.department_id != opinion.department_id:
        raise NotPermitted(_("只有该部门的审查、审批人员可以提出预审意见。"))
    if verdict not in PreReviewVerdict.values:
        raise DomainError(_("请选择预审意见。"), field="verdict")
    text = (text or "").strip()
    if verdict == PreReviewVerdict.ISSUES and not text:
        raise DomainError(_("有问题时请写明需完善的内容。"), field="text")
    if len(text) > limits.TEXT_MAX:
        raise DomainError(_("内容过长（最多 %(n)d 字）。") % {"n": limits.TEXT_MAX}, field="text")
    day = timezone.localtime(at).date()
    updated = PreReviewOpinion.objects.filter(pk=opinion.pk, given_at__isnull=True).update(
        verdict=verdict, text=text, given_by=person(actor), given_at=at, given_on=day)
    if updated != 1:
        raise DomainError(_("该部门已提出预审意见。"), field="verdict")
    opinion.refresh_from_db()
    alerts.opinion_given(opinion, at=at)
    review = opinion.pre_review
    audit_record(actor=actor, action="pre_review_opinion", target=review,
                 data={"department": opinion.department.code, "verdict": verdict, "text": text,
                       "late": opinion.late_on(day)})
    return opinion
