"""Every change of a case (DESIGN 3.4): one function per transition, each
checking the actor, changing the case by a guarded update (two clerks at
once: exactly one wins), writing exactly one hash-chained event and
recomputing the deadline, all in one transaction."""

import secrets
from collections.abc import Callable
from typing import NamedTuple
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.calendars.selectors import calendar_forget
from govhall.cases.deadlines import case_next_due, case_pauses, case_watch, correction_deadline, received_on
from govhall.cases.events import event_build, event_record
from govhall.cases.models import (
    ApplicantKind, Case, CaseCounter, CaseMaterial, Channel, IdempotencyKey, NoticeKind, Pause,
)
from govhall.cases.notices import notice_build
from govhall.cases.selectors import case_steps
from govhall.cases.signals import case_changed
from govhall.cases.states import CLOCK_RUNNING, CREATE_DRAFT, OPEN, PAUSED, Action, State, SuspensionGround, target_state
from govhall.catalog.models import ItemVersion, VersionStatus
from govhall.core import clock, statements
from govhall.core.actors import SYSTEM, Actor, is_system, person
from govhall.core.counters import counter_next
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.org.models import Action as AuthAction
from govhall.org.models import Center, User
from govhall.org.roles import READ_ONLY_ROLES, STAFF_ROLES, Role
from govhall.org.selectors import authorization_condition, staff_authorizations, staff_is_authorized
from govhall.timing import Pause as TimingPause

MAX_EXTENSION_DAYS = 10  # 行政许可法 art. 42
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a window
STEP_AUTHORIZATION = {
    Role.CLERK: AuthAction.ACCEPT, Role.CHIEF_REPRESENTATIVE: AuthAction.REVIEW,
    Role.REVIEWER: AuthAction.REVIEW, Role.APPROVER: AuthAction.APPROVE, Role.DEPARTMENT_HEAD: AuthAction.APPROVE,
}
DECISION_ROLES = {Role.APPROVER, Role.DEPARTMENT_HEAD}
DECISION_NOTICES = {NoticeKind.APPROVAL, NoticeKind.DENIAL}


# --- helpers ------------------------------------------------------------------

def _now(at: datetime | None) -> datetime:
    return at or clock.now()


def _local_date(at: datetime):
    return timezone.localtime(at).date()


def _decision_index(steps: list) -> int:
    """The decision step: the last step done by an approver or department head."""
    for index in range(len(steps) - 1, -1, -1):
        if steps[index].role in DECISION_ROLES:
            return index
    return len(steps) - 1


class Grant(NamedTuple):
    """The authorization a transition needs: ``action`` on the item
    ``item_code`` of ``department``. The guarded update of the transition
    tests it in the same statement (nothing changes without it);
    ``require`` asks it alone, to tell a refusal from a conflict."""

    actor: User
    department: object
    item_code: str
    action: str

    def condition(self) -> tuple[str, list]:
        return authorization_condition(self.actor, department=self.department, action=self.action,
                                       item_code=self.item_code)

    def require(self) -> None:
        if not staff_is_authorized(self.actor, department=self.department, action=self.action,
                                   item_code=self.item_code):
            raise NotPermitted(_("您没有该事项“%(action)s”的授权。") % {"action": AuthAction(self.action).label})


def _grant(actor: Actor, *, department, item_code: str, authorization: str) -> Grant | None:
    """The grant a staff member (not read-only) needs for the action on this
    item of the department performing it; None for the system itself."""
    if is_system(actor):
        return None  # the system itself (demo, scheduled rules)
    if actor.role not in STAFF_ROLES or actor.role in READ_ONLY_ROLES:
        raise NotPermitted(_("您无权办理该办件。"))
    return Grant(actor, department, item_code, authorization)


def _staff_grant(actor: Actor, case: Case, authorization: str, *, department=None) -> Grant | None:
    """The grant for the action on the case's item, in the department that
    performs it (the item's own, or the step's)."""
    return _grant(actor, department=department or case.department, item_code=case.item_version.item.base_code,
                  authorization=authorization)


def _require_department_head(actor: Actor, case: Case) -> None:
    if is_system(actor):
        return
    if actor.role != Role.DEPARTMENT_HEAD or actor.department_id != case.department_id:
        raise NotPermitted(_("须由本部门负责人批准。"))


def _require_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _transition(case: Case, *, actor, action: str, at: datetime, data: dict | None = None,
                client_address: str | None = None, notice: str | None = None,
                then: Callable[[Case], None] | None = None, pauses: list | None = None, grant: Grant | None = None,
                **changes) -> Case:
    """Move the case by ``action``: the deadline after the change computed
    (``pauses``: the case's pauses as they will be, when the transition opens
    or closes one), one guarded update on (id, version) with both, then
    ``then(case)`` (rows that belong to the transition, written only once it
    is certain), the written notice when the law requires one, one event
    (the chain head it moves is in the update too).
    The update also tests the actor's ``grant``. Raises NotPermitted without
    it, Conflict when someone else changed the case first."""
    target = target_state(action, case.state)
    if target is None:
        if grant is not None:
            grant.require()
        raise DomainError(_("办件当前状态为“%(state)s”，不能“%(action)s”。")
                          % {"state": State(case.state).label, "action": Action(action).label}, field="state")
    from_state = case.state
    changes = {"state": target, "updated_at": at, **changes}
    before = {field: getattr(case, field)
              for field in [*changes, "due_date", "light", "step", "step_due_date", "decision_number"]}
    for field, value in changes.items():
        setattr(case, field, value)
    if pauses is None and target in CLOCK_RUNNING | PAUSED:
        pauses = case_pauses(case)
    due, provisional = case_next_due(case, pauses=pauses)
    case.due_date = due
    watch = case_watch(case, today=_local_date(at), pauses=pauses,
                       steps=case_steps(case) if target in CLOCK_RUNNING else None)
    data = {**(data or {}), "due_date": due.isoformat() if due else None}
    issued = None
    if notice:
        # The written notice is numbered first, so that the event, which
        # records its number, is complete before the update and the chain
        # head moves with it. Lock order on PostgreSQL: a notice counter,
        # then the case row (case_immediate takes its counters in the order
        # of the lifecycle, and a counter is only taken by a transition
        # whose case state allows it, so no two transactions wait on each
        # other); a conflict rolls the number back with everything else.
        issued = notice_build(case=case, kind=notice, actor=actor, data=data, at=at)
        data["notice"] = issued.number
        if notice in DECISION_NOTICES:
            case.decision_number = changes["decision_number"] = issued.number
    event = event_build(case=case, actor=actor, action=action, from_state=from_state, to_state=target,
                        data=data, client_address=client_address, at=at)
    watched = {"light": watch.light, "step_due_date": watch.step_due_date, "watch_on": watch.watch_on}
    updated = statements.update(Case, where={"id": case.pk, "version": case.version}, increment="version",
                                values={"due_date": due, "deadline_provisional": provisional, **watched, **changes,
                                        "event_seq": event.seq, "event_hash": event.hash},
                                condition=grant.condition() if grant is not None else None)
    if updated != 1:
        for field, value in before.items():
            setattr(case, field, value)
        if grant is not None:
            grant.require()
        raise Conflict(_("该办件刚被他人处理，请刷新后重试。"))
    # The guarded update matched the version this object was loaded at, so
    # the row now equals the object plus the changes: no reload needed (a
    # reload would also drop the cached item version and department).
    case.version += 1
    case.deadline_provisional = provisional
    for field, value in watched.items():
        setattr(case, field, value)
    if then is not None:
        then(case)
    if issued is not None:
        statements.insert(issued)
    statements.insert(event)
    case.event_seq, case.event_hash = event.seq, event.hash
    case_changed.send(sender=Case, case=case, action=action, from_state=from_state, actor=actor, at=at, data=data,
                      due_before=before["due_date"], light_before=before["light"], step_before=before["step"],
                      step_due_before=before["step_due_date"])
    return case


def _effective_day(at: datetime):
    """The working day an act counts on: outside office hours or on a
    non-working day, the next working day (the rule of receipt, applied to
    every dated act so that no date precedes the acceptance it follows)."""
    return received_on(at)


def _next_number(center: Center, day) -> str:
    return f"{center.code}-{day:%Y%m%d}-{counter_next(CaseCounter, center=center, day=day):05d}"


# --- the lifecycle --------------------------------------------------------------

def _new_case(*, actor, item_version, center, channel, applicant_name, applicant_id_number, applicant_phone,
              applicant_kind, applicant, green_channel, at) -> tuple[Case, Grant | None]:
    """Check who applies for what, and create the case row as a draft; with
    the grant a staff member needs to receive it."""
    if item_version.status != VersionStatus.PUBLISHED:
        raise DomainError(_("该事项没有已发布的版本，不能申请。"), field="item")
    if channel not in Channel.values:
        raise DomainError(_("未知的申请渠道。"), field="channel")
    if applicant_kind not in ApplicantKind.values:
        raise DomainError(_("未知的申请人类型。"), field="applicant_kind")
    name = _require_text(applicant_name, "applicant_name", _("请填写申请人。"))
    id_number = _require_text(applicant_id_number, "applicant_id_number", _("请填写证件号码。"))
    phone = _require_text(applicant_phone, "applicant_phone", _("请填写联系电话。"))
    grant = None
    if not is_system(actor) and actor.role == Role.APPLICANT:
        if channel != Channel.ONLINE or applicant is None or applicant.pk != actor.pk:
            raise NotPermitted(_("申请人只能以本人名义网上申请。"))
        if not item_version.online:
            raise DomainError(_("该事项不支持网上申请，请到窗口办理。"), field="item")
    else:
        grant = _grant(actor, department=item_version.item.department, item_code=item_version.item.base_code,
                       authorization=AuthAction.ACCEPT)
    day = _local_date(at)
    case = statements.insert(Case(
        number=_next_number(center, day),
        query_code="".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8)),
        item_version=item_version, department=item_version.item.department, center=center, applicant=applicant,
        applicant_kind=applicant_kind, applicant_name=name, applicant_id_number=id_number, applicant_phone=phone,
        channel=channel, green_channel=green_channel, state=State.DRAFT,
        promised_days=item_version.promised_days or 0, created_at=at, updated_at=at,
        visits=1 if channel in {Channel.WINDOW, Channel.BRANCH} else 0,
        window_id=actor.window_id if not is_system(actor) and actor.role != Role.APPLICANT else None,
    ))
    return case, grant


@transaction.atomic
def case_submit(*, actor: Actor, item_version: ItemVersion, center: Center, channel: str,
                applicant_name: str, applicant_id_number: str, applicant_phone: str,
                applicant_kind: str = ApplicantKind.PERSON, applicant: User | None = None,
                green_channel: bool = False, at: datetime | None = None, client_address: str | None = None) -> Case:
    """Receive an application (收件): online by the applicant, or at a window
    by a clerk on the applicant's behalf. The case gets its number and query
    code; the receipt day counts from the next working day outside office hours."""
    at = _now(at)
    case, grant = _new_case(actor=actor, item_version=item_version, center=center, channel=channel,
                            applicant_name=applicant_name, applicant_id_number=applicant_id_number,
                            applicant_phone=applicant_phone, applicant_kind=applicant_kind, applicant=applicant,
                            green_channel=green_channel, at=at)
    return _transition(case, actor=actor, grant=grant, action=Action.SUBMIT, at=at, client_address=client_address,
                       submitted_at=at, received_on=received_on(at),
                       data={"item": item_version.item.code, "version": item_version.number, "channel": channel})


@transaction.atomic
def case_draft_create(*, actor: User, item_version: ItemVersion, center: Center, applicant_name: str,
                      applicant_id_number: str, applicant_phone: str, applicant_kind: str = ApplicantKind.PERSON,
                      at: datetime | None = None) -> Case:
    """Start an online application as a draft (草稿) the applicant completes
    with the materials before submitting it. Nothing counts as received yet."""
    at = _now(at)
    case, grant = _new_case(actor=actor, item_version=item_version, center=center, channel=Channel.ONLINE,
                            applicant_name=applicant_name, applicant_id_number=applicant_id_number,
                            applicant_phone=applicant_phone, applicant_kind=applicant_kind, applicant=actor,
                            green_channel=False, at=at)
    if grant is not None:
        grant.require()
    event_record(case=case, actor=actor, action=CREATE_DRAFT, from_state="", to_state=State.DRAFT, at=at,
                 data={"item": item_version.item.code, "version": item_version.number})
    return case


def _missing_materials(case: Case) -> list[str]:
    handed_in = set(case.materials.values_list("material_order", flat=True))
    return [m.name for m in case.item_version.materials.all()
            if m.required and not m.exempt and m.order not in handed_in]


@transaction.atomic
def case_draft_submit(*, actor: User, case: Case, at: datetime | None = None, client_address: str | None = None) -> Case:
    """Submit an online draft: every required material that is not fetched
    from e-licences or other departments must be attached."""
    at = _now(at)
    if case.applicant_id != actor.pk:
        raise NotPermitted(_("只能提交本人的申请。"))
    missing = _missing_materials(case)
    if missing:
        raise DomainError(_("尚缺必要材料：%(list)s。") % {"list": "、".join(missing)}, field="materials")
    return _transition(case, actor=actor, action=Action.SUBMIT, at=at, client_address=client_address,
                       submitted_at=at, received_on=received_on(at),
                       data={"item": case.item_version.item.code, "version": case.item_version.number, "channel": case.channel})


# Files an applicant may hand in: PDF and photos/scans, checked by content.
MATERIAL_TYPES = {".pdf": (b"%PDF", "application/pdf"), ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
                  ".jpeg": (b"\xff\xd8\xff", "image/jpeg"), ".png": (b"\x89PNG\r\n\x1a\n", "image/png")}
MATERIAL_MAX_BYTES = 10 * 1024 * 1024


@transaction.atomic
def case_material_attach(*, actor: Actor, case: Case, material_order: int, filename: str, content: bytes,
                         at: datetime | None = None) -> Case:
    """Attach a file for one of the item's materials (before acceptance, or
    while correcting). Checked by size, type and content; stored with its
    SHA-256 so that what was handed in can be proven later."""
    import hashlib

    from django.core.files.base import ContentFile

    at = _now(at)
    grant = None
    if not is_system(actor) and actor.role == Role.APPLICANT:
        if case.applicant_id != actor.pk:
            raise NotPermitted(_("只能为本人的申请上传材料。"))
    else:
        grant = _staff_grant(actor, case, AuthAction.ACCEPT)
    material = case.item_version.materials.filter(order=material_order).first()
    if material is None:
        raise DomainError(_("没有该序号的材料。"), field="material")
    suffix = filename[filename.rfind("."):].lower() if "." in filename else ""
    if suffix not in MATERIAL_TYPES:
        raise DomainError(_("只接受 PDF、JPG 或 PNG 文件。"), field="file")
    if not content or len(content) > MATERIAL_MAX_BYTES:
        raise DomainError(_("文件为空或超过 10 MB。"), field="file")
    magic, content_type = MATERIAL_TYPES[suffix]
    if not content.startswith(magic):
        raise DomainError(_("文件内容与扩展名 %(suffix)s 不符。") % {"suffix": suffix}, field="file")
    digest = hashlib.sha256(content).hexdigest()

    def store(case: Case) -> None:
        # Only once the transition is certain: a refused upload leaves no file.
        record = CaseMaterial(case=case, material_order=material_order, name=material.name,
                              original_name=filename[:200], content_type=content_type, size=len(content),
                              sha256=digest, uploaded_by=person(actor), uploaded_at=at)
        record.file.save(f"{case.number}-{material_order}{suffix}", ContentFile(content), save=False)
        record.save()

    return _transition(case, actor=actor, grant=grant, action=Action.ATTACH_MATERIAL, at=at, then=store,
                       data={"material": material.name, "order": material_order, "sha256": digest, "size": len(content)})


@transaction.atomic
def case_accept(*, actor: Actor, case: Case, at: datetime | None = None) -> Case:
    """Accept (受理): the promised-time clock starts; an acceptance notice is due.
    Accepted later than 5 working days after receipt, the law already counts
    the case as accepted on the day of receipt (art. 32(4)), and so does the clock."""
    at = _now(at)
    grant = _staff_grant(actor, case, AuthAction.ACCEPT)
    day = received_on(at)
    deemed = day > correction_deadline(case)
    return _transition(case, actor=actor, grant=grant, action=Action.ACCEPT, at=at, notice=NoticeKind.ACCEPTANCE, accepted_on=case.received_on if deemed else day,
                       step=1, accepted_by=person(actor), data={"deemed_accepted_from_receipt": deemed})


@transaction.atomic
def case_reject(*, actor: Actor, case: Case, reason: str, refer_to: str = "", at: datetime | None = None) -> Case:
    """Not accept (不予受理, art. 32): a written reason, and the competent
    organ when the matter belongs elsewhere; the notice states the rights."""
    at = _now(at)
    grant = _staff_grant(actor, case, AuthAction.ACCEPT)
    reason = _require_text(reason, "reason", _("不予受理须写明理由。"))
    return _transition(case, actor=actor, grant=grant, action=Action.REJECT, at=at, notice=NoticeKind.REJECTION,
                       data={"reason": reason, "refer_to": (refer_to or "").strip()})


@transaction.atomic
def case_request_correction(*, actor: Actor, case: Case, items: list[dict], at: datetime | None = None) -> Case:
    """One-time notice of everything to correct (一次性告知, art. 32(4)):
    every missing or wrong material at once, within 5 working days of receipt."""
    at = _now(at)
    grant = _staff_grant(actor, case, AuthAction.ACCEPT)
    if not items:
        raise DomainError(_("请列出需要补正的全部材料。"), field="items")
    cleaned = []
    for index, entry in enumerate(items):
        material = (entry.get("material") or "").strip()
        problem = (entry.get("problem") or "").strip()
        if not material or not problem:
            raise DomainError(_("第 %(n)s 项须写明材料和问题。") % {"n": index + 1}, field=f"items[{index}]")
        cleaned.append({"material": material, "problem": problem})
    if received_on(at) > correction_deadline(case):
        raise DomainError(_("收件已超过 5 个工作日，依法自收件之日起即为受理，不能再要求补正。"), field="state")
    return _transition(case, actor=actor, grant=grant, action=Action.REQUEST_CORRECTION, at=at, notice=NoticeKind.CORRECTION, data={"items": cleaned})


@transaction.atomic
def case_resubmit(*, actor: Actor, case: Case, at: datetime | None = None) -> Case:
    """The applicant hands in the corrected materials: received again."""
    at = _now(at)
    grant = None
    if not is_system(actor) and actor.role == Role.APPLICANT:
        if case.applicant_id != actor.pk:
            raise NotPermitted(_("只能补正本人的申请。"))
    else:
        grant = _staff_grant(actor, case, AuthAction.ACCEPT)
    return _transition(case, actor=actor, grant=grant, action=Action.RESUBMIT, at=at, received_on=received_on(at),
                       visits=case.visits + (1 if not is_system(actor) and actor.role != Role.APPLICANT else 0))


@transaction.atomic
def case_complete_step(*, actor: Actor, case: Case, opinion: str, at: datetime | None = None) -> Case:
    """Finish the current review step (审查/审核) with an opinion; the case moves to the next step."""
    at = _now(at)
    steps = case_steps(case)
    decision = _decision_index(steps)
    if case.step >= decision:
        raise DomainError(_("审查环节已完成，请作出决定。"), field="step")
    step = steps[case.step]
    grant = _staff_grant(actor, case, STEP_AUTHORIZATION.get(step.role, AuthAction.REVIEW), department=step.department)
    opinion = _require_text(opinion, "opinion", _("请填写审查意见。"))
    return _transition(case, actor=actor, grant=grant, action=Action.COMPLETE_STEP, at=at, step=case.step + 1,
                       data={"step": step.name, "opinion": opinion})


@transaction.atomic
def case_send_back(*, actor: Actor, case: Case, reason: str, at: datetime | None = None) -> Case:
    """Send the case back one step, with the reason."""
    at = _now(at)
    if case.step <= 1:
        raise DomainError(_("已是第一个审查环节，不能再退回。"), field="step")
    steps = case_steps(case)
    current = steps[min(case.step, len(steps) - 1)]
    grant = _staff_grant(actor, case, STEP_AUTHORIZATION.get(current.role, AuthAction.REVIEW), department=current.department)
    reason = _require_text(reason, "reason", _("退回须写明理由。"))
    return _transition(case, actor=actor, grant=grant, action=Action.SEND_BACK, at=at, step=case.step - 1,
                       data={"from_step": current.name, "to_step": steps[case.step - 1].name, "reason": reason})


@transaction.atomic
def case_suspend(*, actor: Actor, case: Case, ground: str, reason: str, expected_days: int,
                 approver: User | None, at: datetime | None = None) -> Case:
    """Start a special procedure (特别程序, art. 45): a ground from the fixed
    list, approved by the department head; the clock pauses and the applicant
    is told in writing what for and for how long."""
    at = _now(at)
    grant = _staff_grant(actor, case, AuthAction.REVIEW)
    if ground not in SuspensionGround.values:
        raise DomainError(_("特别程序须为法定情形之一（听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审、现场勘查）。"), field="ground")
    reason = _require_text(reason, "reason", _("请写明特别程序的事由。"))
    if not isinstance(expected_days, int) or expected_days < 1:
        raise DomainError(_("请写明特别程序所需时间（工作日）。"), field="expected_days")
    if approver is None:
        raise DomainError(_("特别程序须经部门负责人批准。"), field="approver")
    _require_department_head(approver, case)
    day = max(_effective_day(at), case.accepted_on or _effective_day(at))

    def open_pause(case: Case) -> None:
        Pause.objects.create(case=case, ground=ground, reason=reason, expected_days=expected_days,
                             approved_by=approver, started_on=day)

    return _transition(case, actor=actor, grant=grant, action=Action.SUSPEND, at=at, notice=NoticeKind.SUSPENSION, then=open_pause,
                       pauses=[*case_pauses(case), TimingPause(day, None)], pause_count=case.pause_count + 1,
                       data={"ground": ground, "reason": reason, "expected_days": expected_days,
                             "approved_by": approver.username, "started_on": day.isoformat()})


@transaction.atomic
def case_resume(*, actor: Actor, case: Case, at: datetime | None = None) -> Case:
    """End the special procedure: the remaining days run again from today."""
    at = _now(at)
    grant = _staff_grant(actor, case, AuthAction.REVIEW)
    pause = case.pauses.filter(ended_on__isnull=True).first()
    if pause is None:
        raise DomainError(_("没有进行中的特别程序。"), field="state")
    day = max(_effective_day(at), pause.started_on)
    pauses = [TimingPause(p.start, p.end or day) for p in case_pauses(case)]
    return _transition(case, actor=actor, grant=grant, action=Action.RESUME, at=at, data={"ended_on": day.isoformat()},
                       then=lambda case: _close_pauses(case, day), pauses=pauses)


def _close_pauses(case: Case, day) -> None:
    Pause.objects.filter(case=case, ended_on__isnull=True).update(ended_on=day)


@transaction.atomic
def case_extend(*, actor: Actor, case: Case, days: int, reason: str, at: datetime | None = None) -> Case:
    """Extend the time limit once, by at most 10 working days, with the
    department head's approval (延期, art. 42); the applicant is notified."""
    at = _now(at)
    _require_department_head(actor, case)
    if case.extension_days:
        raise DomainError(_("期限只能延长一次。"), field="days")
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise DomainError(_("延长期限应为 1 至 10 个工作日。"), field="days")
    reason = _require_text(reason, "reason", _("延长期限须写明理由。"))
    return _transition(case, actor=actor, action=Action.EXTEND, at=at, notice=NoticeKind.EXTENSION, extension_days=days,
                       data={"days": days, "reason": reason})


def _decide(case: Case, *, actor, action: str, at: datetime, data: dict, notice: str) -> Case:
    steps = case_steps(case)
    decision = _decision_index(steps)
    if case.step < decision:
        raise DomainError(_("还有审查环节未完成（当前：%(step)s）。") % {"step": steps[case.step].name}, field="step")
    step = steps[decision]
    grant = _staff_grant(actor, case, AuthAction.APPROVE, department=step.department)
    decided_on = max(_effective_day(at), case.accepted_on or _effective_day(at))
    return _transition(case, actor=actor, grant=grant, action=action, at=at, step=decision + 1, decided_on=decided_on, data=data,
                       notice=notice)


@transaction.atomic
def case_approve(*, actor: Actor, case: Case, opinion: str, at: datetime | None = None) -> Case:
    """Grant (准予许可): the decision document is issued; delivery is due within 10 working days."""
    at = _now(at)
    opinion = _require_text(opinion, "opinion", _("请填写审批意见。"))
    return _decide(case, actor=actor, action=Action.APPROVE, at=at, data={"opinion": opinion}, notice=NoticeKind.APPROVAL)


@transaction.atomic
def case_deny(*, actor: Actor, case: Case, reasons: str, at: datetime | None = None) -> Case:
    """Deny (不予许可, art. 38): the written reasons and the rights to
    administrative reconsideration or litigation go to the applicant."""
    at = _now(at)
    reasons = _require_text(reasons, "reasons", _("不予许可须说明理由。"))
    return _decide(case, actor=actor, action=Action.DENY, at=at, data={"reasons": reasons}, notice=NoticeKind.DENIAL)


PAYMENT_METHODS = {"cash": _("现金"), "card": _("银行卡"), "transfer": _("银行转账"), "online": _("网上支付")}


@transaction.atomic
def case_record_payment(*, actor: Actor, case: Case, amount: Decimal, method: str, receipt_number: str,
                        at: datetime | None = None) -> Case:
    """Record the fee paid for a granted item (统一收费); the amount is kept
    as collected, and supervision compares it with the item's standard."""
    at = _now(at)
    grant = _staff_grant(actor, case, AuthAction.CHARGE)
    if case.item_version.no_fee:
        raise DomainError(_("该事项不收费。"), field="amount")
    if case.fee_paid_at is not None:
        raise DomainError(_("已经收费。"), field="amount")
    if not isinstance(amount, Decimal) or amount <= 0:
        raise DomainError(_("请填写实收金额。"), field="amount")
    if method not in PAYMENT_METHODS:
        raise DomainError(_("未知的缴费方式。"), field="method")
    receipt_number = _require_text(receipt_number, "receipt_number", _("请填写票据号。"))
    return _transition(case, actor=actor, grant=grant, action=Action.RECORD_PAYMENT, at=at, fee_amount=amount, fee_paid_at=at,
                       data={"amount": f"{amount:.2f}", "method": method, "receipt_number": receipt_number})


@transaction.atomic
def case_certify(*, actor: Actor, case: Case, certificate_number: str, at: datetime | None = None) -> Case:
    """Make the certificate (制证) of a granted item."""
    at = _now(at)
    grant = _staff_grant(actor, case, AuthAction.CERTIFY)
    if case.item_version.result_type != "certificate":
        raise DomainError(_("该事项的办理结果不是证照，无需制证。"), field="certificate_number")
    if case.certificate_number:
        raise DomainError(_("证照已制作。"), field="certificate_number")
    number = _require_text(certificate_number, "certificate_number", _("请填写证照编号。"))
    return _transition(case, actor=actor, grant=grant, action=Action.CERTIFY, at=at, certificate_number=number,
                       data={"certificate_number": number})


@transaction.atomic
def case_deliver(*, actor: Actor, case: Case, method: str, received_by: str, at: datetime | None = None) -> Case:
    """Deliver the result (送达) with a delivery receipt (送达回证)."""
    at = _now(at)
    grant = _staff_grant(actor, case, AuthAction.DELIVER)
    if method not in {"window", "mail", "electronic"}:
        raise DomainError(_("未知的送达方式。"), field="method")
    received_by = _require_text(received_by, "received_by", _("请填写签收人。"))
    if case.state == State.APPROVED:
        if case.item_version.no_fee is False and case.fee_paid_at is None:
            raise DomainError(_("尚未缴费，不能送达。"), field="state")
        if case.item_version.result_type == "certificate" and not case.certificate_number:
            raise DomainError(_("证照尚未制作，不能送达。"), field="state")
    late = case.due_date is not None and _local_date(at) > case.due_date
    # Picking the result up at a window is a visit, unless it is the same
    # visit as the application (handed in at a window that very day).
    same_visit = (case.channel in {Channel.WINDOW, Channel.BRANCH} and case.submitted_at is not None
                  and _local_date(case.submitted_at) == _local_date(at))
    return _transition(case, actor=actor, grant=grant, action=Action.DELIVER, at=at, notice=NoticeKind.DELIVERY,
                       visits=case.visits + (1 if method == "window" and not same_visit else 0),
                       data={"method": method, "received_by": received_by, "late": late, "decision": case.state})


@transaction.atomic
def case_close(*, actor: Actor, case: Case, at: datetime | None = None) -> Case:
    """Close (办结) a delivered case."""
    at = _now(at)
    grant = _staff_grant(actor, case, AuthAction.DELIVER)
    return _transition(case, actor=actor, grant=grant, action=Action.CLOSE, at=at)


@transaction.atomic
def case_withdraw(*, actor: Actor, case: Case, reason: str = "", at: datetime | None = None) -> Case:
    """The applicant withdraws before a decision (撤回)."""
    at = _now(at)
    grant = None
    if not is_system(actor) and actor.role == Role.APPLICANT:
        if case.applicant_id != actor.pk:
            raise NotPermitted(_("只能撤回本人的申请。"))
    else:
        grant = _staff_grant(actor, case, AuthAction.ACCEPT)  # at the window, on the applicant's written request
    return _transition(case, actor=actor, grant=grant, action=Action.WITHDRAW, at=at, data={"reason": (reason or "").strip()},
                       then=lambda case: _close_pauses(case, _effective_day(at)))


@transaction.atomic
def case_terminate(*, actor: Actor, case: Case, reason: str, at: datetime | None = None) -> Case:
    """Terminate (终止) with a reason, by the department head."""
    at = _now(at)
    _require_department_head(actor, case)
    reason = _require_text(reason, "reason", _("终止办理须写明理由。"))
    return _transition(case, actor=actor, action=Action.TERMINATE, at=at, data={"reason": reason},
                       then=lambda case: _close_pauses(case, _effective_day(at)))


def case_immediate(*, actor: Actor, case: Case, opinion: str, received_by: str, at: datetime | None = None) -> Case:
    """An immediate item (即办件): accept, decide and deliver on the spot,
    each recorded as its own event."""
    with transaction.atomic():
        case = case_accept(actor=actor, case=case, at=at)
        steps = case_steps(case)
        while case.step < _decision_index(steps):
            case = case_complete_step(actor=actor, case=case, opinion=opinion, at=at)
        case = case_approve(actor=actor, case=case, opinion=opinion, at=at)
        if case.item_version.result_type == "certificate":
            case = case_certify(actor=actor, case=case, certificate_number=f"{case.number}-Z", at=at)
        return case_deliver(actor=actor, case=case, method="window", received_by=received_by, at=at)


@transaction.atomic
def case_submit_once(*, actor: User, idempotency_key: str, **kwargs) -> tuple[Case, bool]:
    """``case_submit`` guarded by the client's idempotency key: the same key
    from the same user returns the first case (created=False)."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise DomainError(_("请提供 1 至 100 个字符的 Idempotency-Key。"), field="Idempotency-Key")
    existing = IdempotencyKey.objects.filter(user=actor, key=key).select_related("case").first()
    if existing:
        return existing.case, False
    case = case_submit(actor=actor, **kwargs)
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user=actor, key=key, case=case, created_at=clock.now())
    except IntegrityError:  # the same key raced in: keep the first, drop this one
        raise Conflict(_("相同的请求正在处理，请稍后查询。")) from None
    return case, True


def case_watch_refresh(*, case: Case, today) -> Case:
    """Supervision's scan: the light, step deadline and next watch day of a
    case on ``today``. Not a transition (no event, no version step): written
    only if the case did not move meanwhile, since a transition recomputes
    them itself."""
    watch = case_watch(case, today=today, steps=case_steps(case) if case.state in CLOCK_RUNNING else None)
    Case.objects.filter(pk=case.pk, version=case.version).update(
        light=watch.light, step_due_date=watch.step_due_date, watch_on=watch.watch_on)
    case.light, case.step_due_date, case.watch_on = watch.light, watch.step_due_date, watch.watch_on
    return case


def case_deadlines_recompute() -> int:
    """Recompute the deadline of every open case after a calendar change
    (an official year replacing a provisional one, a local day); each case
    whose date moves gets an event with the old and new date. Returns how many moved."""
    calendar_forget()  # this process may hold the calendar from before the change
    moved = 0
    for case in Case.objects.filter(state__in=OPEN).select_related("item_version").order_by("pk").iterator():
        due, provisional = case_next_due(case)
        if (due, provisional) == (case.due_date, case.deadline_provisional):
            continue
        with transaction.atomic():
            try:
                _transition(case, actor=SYSTEM, action=Action.RECOMPUTE_DEADLINE, at=clock.now(),
                            data={"old_due_date": case.due_date.isoformat() if case.due_date else None,
                                  "old_provisional": case.deadline_provisional})
            except Conflict:
                continue  # someone acted on it meanwhile: their transition recomputed it
        moved += 1
    return moved


# --- what a person may do now ------------------------------------------------

def case_actions_for(actor: User, case: Case) -> list[str]:
    """The actions ``actor`` may take on ``case`` now (the workbench shows
    only these; the services check again when one is taken)."""
    if actor.role not in STAFF_ROLES or actor.role in READ_ONLY_ROLES:
        return []
    steps = case_steps(case)
    decision = _decision_index(steps)
    current = steps[min(case.step, len(steps) - 1)] if steps else None

    grants = staff_authorizations(actor)
    item_code = case.item_version.item.base_code

    def authorized(authorization: str, department=None) -> bool:
        department_id = department.pk if department is not None else case.department_id
        return any((department_id, authorization, code) in grants for code in ("", item_code))

    def head() -> bool:
        try:
            _require_department_head(actor, case)
        except NotPermitted:
            return False
        return True

    def at_step(authorization_step) -> bool:
        return current is not None and authorized(STEP_AUTHORIZATION.get(authorization_step.role, AuthAction.REVIEW),
                                                  authorization_step.department)

    rules = {
        Action.ACCEPT: lambda: authorized(AuthAction.ACCEPT),
        Action.REJECT: lambda: authorized(AuthAction.ACCEPT),
        Action.REQUEST_CORRECTION: lambda: authorized(AuthAction.ACCEPT),
        Action.RESUBMIT: lambda: authorized(AuthAction.ACCEPT),
        Action.COMPLETE_STEP: lambda: case.step < decision and at_step(current),
        Action.SEND_BACK: lambda: case.step > 1 and at_step(current),
        Action.SUSPEND: lambda: authorized(AuthAction.REVIEW),
        Action.RESUME: lambda: authorized(AuthAction.REVIEW),
        Action.EXTEND: lambda: not case.extension_days and head(),
        Action.APPROVE: lambda: case.step >= decision and authorized(AuthAction.APPROVE, steps[decision].department),
        Action.DENY: lambda: case.step >= decision and authorized(AuthAction.APPROVE, steps[decision].department),
        Action.RECORD_PAYMENT: lambda: (case.item_version.no_fee is False and case.fee_paid_at is None
                                        and authorized(AuthAction.CHARGE)),
        Action.CERTIFY: lambda: (case.item_version.result_type == "certificate" and not case.certificate_number
                                 and authorized(AuthAction.CERTIFY)),
        Action.DELIVER: lambda: authorized(AuthAction.DELIVER),
        Action.CLOSE: lambda: authorized(AuthAction.DELIVER),
        Action.WITHDRAW: lambda: authorized(AuthAction.ACCEPT),
        Action.TERMINATE: head,
    }
    return [action for action, allowed in rules.items() if target_state(action, case.state) is not None and allowed()]
