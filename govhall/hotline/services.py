"""Every change of a work order (DESIGN 3.12): one function per act, each
checking the actor against the policy table, changing the order by a
guarded update (two people at once: exactly one wins) and writing exactly
one hash-chained event, in one transaction."""

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from govhall.cases.models import Case
from govhall.core import clock, statements
from govhall.core.actors import is_system, person
from govhall.core.counters import counter_next
from govhall.core.errors import Conflict, DomainError
from govhall.evaluation.models import Level
from govhall.evaluation.services import rating_record_for_work_order
from govhall.hotline import alerts, limits
from govhall.hotline.events import order_event_build, order_event_store
from govhall.hotline.models import (
    OPEN_STATES,
    AssignmentRole,
    Category,
    Escalation,
    Extension,
    MemberUnit,
    OrderChannel,
    OrderState,
    OrderType,
    Urgency,
    WorkOrder,
    WorkOrderAssignment,
    WorkOrderAttachment,
    WorkOrderCounter,
)
from govhall.hotline.policy import Act, actor_check, order_action_check
from govhall.hotline.selectors import unit_assignment, units_for_dispatch
from govhall.org.models import Center, CenterLevel

PHONE = re.compile(r"^[0-9+\-]{3,20}$")
TEXT_MAX = {"content": 4000, "caller_name": 50, "address": 200, "reason": 500, "note": 500, "reply": 4000,
            "answer": 4000}


def _now(at: datetime | None) -> datetime:
    return at or clock.now()


def _text(value, field: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("请填写此项。"), field=field)
    if len(value) > TEXT_MAX[field]:
        raise DomainError(_("不能超过 %(n)d 个字。") % {"n": TEXT_MAX[field]}, field=field)
    return value


def _choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise DomainError(_("取值无效。"), field=field)
    return value


def _coordinate(value, field: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise DomainError(_("坐标须为数字。"), field=field) from None
    if not -bound <= number <= bound:
        raise DomainError(_("坐标超出范围。"), field=field)
    return number


def _number(center: Center, day) -> str:
    return f"{center.code}-H{day:%Y%m%d}-{counter_next(WorkOrderCounter, center=center, day=day):05d}"


def _transition(order: WorkOrder, *, actor, act: str, to_state: str, changes: dict | None = None,
                data: dict | None = None, at: datetime, client_address: str | None = None) -> WorkOrder:
    """Move the order (or only its chain head, when ``to_state`` is its
    state) with one guarded update and one event."""
    changes = {"state": to_state, "updated_at": at, **(changes or {})}
    event = order_event_build(order=order, actor=actor, action=act, from_state=order.state, to_state=to_state,
                              data=data, client_address=client_address, at=at)
    updated = statements.update(WorkOrder, where={"id": order.pk, "version": order.version}, increment="version",
                                values={**changes, "event_seq": event.seq, "event_hash": event.hash})
    if updated != 1:
        raise Conflict(_("该工单刚被他人处理，请刷新后重试。"))
    for field, value in changes.items():
        setattr(order, field, value)
    order.version += 1
    order_event_store(order, event)
    return order


def _unit_of(actor, order: WorkOrder) -> WorkOrderAssignment | None:
    return None if is_system(actor) else unit_assignment(user=actor, order=order)


def _main_assignment(order: WorkOrder) -> WorkOrderAssignment | None:
    return order.assignments.filter(active=True, role=AssignmentRole.MAIN).select_related("unit").first()


# --- intake ---------------------------------------------------------------------

@transaction.atomic
def workorder_create(*, actor, type: str, channel: str, content: str, caller_phone: str = "", caller_name: str = "",
                     anonymous: bool = False, category: Category | None = None, address: str = "",
                     town: Center | None = None, latitude=None, longitude=None, urgency: str = Urgency.NORMAL,
                     related_case_number: str = "", center: Center | None = None, at: datetime | None = None,
                     client_address: str | None = None, applicant=None) -> WorkOrder:
    """Register a work order: the operator during a call (the caller's number
    typed or passed by the telephony system), the portal or the API.
    ``center``: the hotline's center (an operator's own by default);
    ``applicant``: the portal account that filed it (its "我的诉求")."""
    at = _now(at)
    center = center or (None if is_system(actor) else actor.center)
    if center is None:
        raise DomainError(_("请指定热线中心。"), field="center")
    actor_check(Act.CREATE, actor=actor, center=center)
    _choice(type, OrderType, "type")
    _choice(channel, OrderChannel, "channel")
    _choice(urgency, Urgency, "urgency")
    content = _text(content, "content")
    caller_phone = (caller_phone or "").strip()
    if caller_phone and not PHONE.match(caller_phone):
        raise DomainError(_("电话号码只能包含数字、“+”和“-”，3 至 20 位。"), field="caller_phone")
    caller_name = "" if anonymous else _text(caller_name, "caller_name", required=False)
    address = _text(address, "address", required=False)
    if category is not None and not category.active:
        raise DomainError(_("该分类已停用。"), field="category")
    if town is not None and (town.level != CenterLevel.TOWN or not town.path.startswith(center.path)):
        raise DomainError(_("请选择本热线中心下属的镇（街道）。"), field="town")
    latitude, longitude = _coordinate(latitude, "latitude", 90), _coordinate(longitude, "longitude", 180)
    if (latitude is None) != (longitude is None):
        raise DomainError(_("经纬度须同时填写。"), field="latitude" if latitude is None else "longitude")
    related_case_number = (related_case_number or "").strip()[:40]
    related_case = Case.objects.filter(number=related_case_number).first() if related_case_number else None
    day = clock.to_local_date(at)
    order = WorkOrder(
        number=_number(center, day), center=center, type=type, channel=channel, anonymous=anonymous,
        caller_name=caller_name, caller_phone=caller_phone, content=content, category=category, address=address,
        town=town, latitude=latitude, longitude=longitude, urgency=urgency, related_case=related_case,
        related_case_number=related_case_number, created_by=applicant or person(actor), created_at=at, updated_at=at,
    )
    order.save()
    # The caller's number is kept masked in the chain: the row has it.
    return _transition(order, actor=actor, act=Act.CREATE, to_state=OrderState.REGISTERED, at=at,
                       client_address=client_address, data={
                           "type": type, "channel": channel, "caller_phone": order.masked_phone,
                           "category": category.code if category else None, "urgency": urgency,
                           "related_case": related_case_number or None})


@transaction.atomic
def workorder_close_direct(*, actor, order: WorkOrder, answer: str, knowledge=None, guide=None,
                           at: datetime | None = None, client_address: str | None = None) -> WorkOrder:
    """直接办结: the operator answered the caller directly; the text and what
    it was taken from (``knowledge``: a knowledge version in force;
    ``guide``: a published item's service guide) are recorded."""
    from govhall.hotline.knowledge import knowledge_used

    at = _now(at)
    order_action_check(Act.CLOSE_DIRECT, actor=actor, order=order)
    answer = _text(answer, "answer")
    used = knowledge_used(center=order.center, knowledge=knowledge, guide=guide, at=at)
    return _transition(order, actor=actor, act=Act.CLOSE_DIRECT, to_state=OrderState.CLOSED, at=at,
                       client_address=client_address,
                       changes={"direct_answer": answer, "knowledge": knowledge, "knowledge_guide": guide,
                                "closed_at": at},
                       data={"answer": answer, "knowledge": used})


# --- dispatch -------------------------------------------------------------------

def _assign(order: WorkOrder, units: list[tuple[MemberUnit, str]], at: datetime) -> None:
    WorkOrderAssignment.objects.filter(order=order, active=True).update(active=False)
    WorkOrderAssignment.objects.bulk_create(
        [WorkOrderAssignment(order=order, unit=unit, role=role, dispatched_at=at) for unit, role in units])


@transaction.atomic
def workorder_dispatch(*, actor, order: WorkOrder, main_unit: MemberUnit, co_units=(), at: datetime | None = None,
                       client_address: str | None = None) -> WorkOrder:
    """派单: to a main unit and co-handling units, with the time limit of the order's type."""
    at = _now(at)
    order_action_check(Act.DISPATCH, actor=actor, order=order)
    allowed = set(units_for_dispatch(center=order.center).values_list("pk", flat=True))
    if main_unit is None or main_unit.pk not in allowed:
        raise DomainError(_("请选择本热线的在用成员单位作为主办单位。"), field="main_unit")
    co_units = list(dict.fromkeys(co_units))
    if any(unit.pk not in allowed for unit in co_units):
        raise DomainError(_("协办单位须为本热线的在用成员单位。"), field="co_units")
    if main_unit in co_units:
        raise DomainError(_("主办单位不能同时为协办单位。"), field="co_units")
    due, kind = limits.due_at(order.type, at)
    _assign(order, [(main_unit, AssignmentRole.MAIN), *((unit, AssignmentRole.CO) for unit in co_units)], at)
    order = _transition(order, actor=actor, act=Act.DISPATCH, to_state=OrderState.DISPATCHED, at=at,
                        client_address=client_address,
                        changes={"main_unit": main_unit, "due_at": due, "due_kind": kind},
                        data={"main_unit": main_unit.code, "co_units": [unit.code for unit in co_units],
                              "due_at": due.isoformat(), "due_kind": kind})
    alerts.order_dispatched(order, at=at)
    return order


# --- the unit's acts ------------------------------------------------------------

@transaction.atomic
def workorder_sign(*, actor, order: WorkOrder, at: datetime | None = None,
                   client_address: str | None = None) -> WorkOrder:
    """签收: the unit takes the order (the main unit's signature starts the handling)."""
    at = _now(at)
    assignment = _unit_of(actor, order)
    order_action_check(Act.SIGN, actor=actor, order=order, assignment=assignment)
    if assignment.signed_at is not None:
        raise DomainError(_("本单位已签收该工单。"), field="state")
    WorkOrderAssignment.objects.filter(pk=assignment.pk).update(signed_at=at)
    alerts.unit_signed(assignment, at=at)
    main = assignment.role == AssignmentRole.MAIN
    return _transition(order, actor=actor, act=Act.SIGN if main else "co_sign",
                       to_state=OrderState.SIGNED if main else order.state, at=at, client_address=client_address,
                       data={"unit": assignment.unit.code})


@transaction.atomic
def workorder_reply(*, actor, order: WorkOrder, reply: str, at: datetime | None = None,
                    client_address: str | None = None) -> WorkOrder:
    """答复: the unit's result; the main unit's reply sends the order to call-back."""
    at = _now(at)
    assignment = _unit_of(actor, order)
    order_action_check(Act.REPLY, actor=actor, order=order, assignment=assignment)
    if assignment.signed_at is None:
        raise DomainError(_("请先签收工单再答复。"), field="state")
    if assignment.replied_at is not None:
        raise DomainError(_("本单位已答复该工单。"), field="state")
    reply = _text(reply, "reply")
    WorkOrderAssignment.objects.filter(pk=assignment.pk).update(replied_at=at, reply=reply)
    alerts.unit_replied(assignment, at=at)
    main = assignment.role == AssignmentRole.MAIN
    return _transition(order, actor=actor, act=Act.REPLY if main else "co_reply",
                       to_state=OrderState.REPLIED if main else order.state, at=at, client_address=client_address,
                       data={"unit": assignment.unit.code, "reply": reply})


@transaction.atomic
def workorder_return(*, actor, order: WorkOrder, reason: str, at: datetime | None = None,
                     client_address: str | None = None) -> WorkOrder:
    """退单: not the unit's business; back to the operator for re-dispatch."""
    at = _now(at)
    assignment = _unit_of(actor, order)
    order_action_check(Act.RETURN, actor=actor, order=order, assignment=assignment)
    reason = _text(reason, "reason")
    WorkOrderAssignment.objects.filter(pk=assignment.pk).update(returned_at=at, return_reason=reason)
    WorkOrderAssignment.objects.filter(order=order, active=True).update(active=False)
    alerts.unit_returned(assignment, at=at)
    return _transition(order, actor=actor, act=Act.RETURN, to_state=OrderState.RETURNED, at=at,
                       client_address=client_address, changes={"main_unit": None, "due_at": None, "due_kind": ""},
                       data={"unit": assignment.unit.code, "reason": reason})


@transaction.atomic
def workorder_extension_ask(*, actor, order: WorkOrder, days: int, reason: str, at: datetime | None = None,
                            client_address: str | None = None) -> WorkOrder:
    """The main unit asks once for more working days, with a reason."""
    at = _now(at)
    assignment = _unit_of(actor, order)
    order_action_check(Act.EXTENSION_ASK, actor=actor, order=order, assignment=assignment)
    if assignment.extension:
        raise DomainError(_("每个工单只能申请一次延期。"), field="extension")
    if not isinstance(days, int) or not 1 <= days <= limits.EXTENSION_DAYS_MAX:
        raise DomainError(_("延期天数须为 1 至 %(n)d 个工作日。") % {"n": limits.EXTENSION_DAYS_MAX}, field="days")
    reason = _text(reason, "reason")
    WorkOrderAssignment.objects.filter(pk=assignment.pk).update(
        extension=Extension.ASKED, extension_reason=reason, extension_days=days)
    return _transition(order, actor=actor, act=Act.EXTENSION_ASK, to_state=order.state, at=at,
                       client_address=client_address, data={"unit": assignment.unit.code, "days": days,
                                                            "reason": reason})


@transaction.atomic
def workorder_extension_decide(*, actor, order: WorkOrder, approve: bool, at: datetime | None = None,
                               client_address: str | None = None) -> WorkOrder:
    """The hotline office approves or refuses the main unit's extension request."""
    at = _now(at)
    order_action_check(Act.EXTENSION_DECIDE, actor=actor, order=order)
    assignment = _main_assignment(order)
    if assignment is None or assignment.extension != Extension.ASKED:
        raise DomainError(_("该工单没有待审批的延期申请。"), field="extension")
    decision = Extension.APPROVED if approve else Extension.REFUSED
    WorkOrderAssignment.objects.filter(pk=assignment.pk).update(extension=decision)
    changes = {"due_at": limits.extended(order.due_at, assignment.extension_days)} if approve else {}
    return _transition(order, actor=actor, act=Act.EXTENSION_DECIDE, to_state=order.state, at=at,
                       client_address=client_address, changes=changes,
                       data={"unit": assignment.unit.code, "decision": decision,
                             "due_at": changes["due_at"].isoformat() if approve else None})


# --- call-back ------------------------------------------------------------------

def _rating(rating) -> int | None:
    if rating in (None, ""):
        return None
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise DomainError(_("满意度取值无效。"), field="rating") from None
    if rating not in Level.values:
        raise DomainError(_("满意度取值无效。"), field="rating")
    return rating


@transaction.atomic
def workorder_close(*, actor, order: WorkOrder, solved: bool, rating=None, note: str = "",
                    at: datetime | None = None, client_address: str | None = None) -> WorkOrder:
    """回访办结: the operator called back; whether it was solved and the
    caller's five-level rating are recorded, and the order is closed. The
    rating is the evaluation app's ``Rating`` of the order (a bad one opens
    its follow-up), made or replaced in this transaction; the event keeps
    the level given at this call-back."""
    at = _now(at)
    order_action_check(Act.CLOSE, actor=actor, order=order)
    if not isinstance(solved, bool):
        raise DomainError(_("请选择是否解决。"), field="solved")
    rating, note = _rating(rating), _text(note, "note", required=False)
    order = _transition(order, actor=actor, act=Act.CLOSE, to_state=OrderState.CLOSED, at=at,
                        client_address=client_address,
                        changes={"solved": solved, "callback_note": note, "closed_at": at},
                        data={"solved": solved, "rating": rating, "note": note})
    if rating is not None:
        rating_record_for_work_order(actor=actor, order=order, level=rating, comment=note, at=at)
    return order


@transaction.atomic
def workorder_reopen(*, actor, order: WorkOrder, reason: str, rating=None, at: datetime | None = None,
                     client_address: str | None = None) -> WorkOrder:
    """重办: the caller is not satisfied; once, back to the same main unit
    with a new time limit. A rating given at this call-back is the order's
    evaluation ``Rating`` (a bad one opens its follow-up) until the close
    gives another."""
    at = _now(at)
    order_action_check(Act.REOPEN, actor=actor, order=order)
    if order.reopen_count >= 1:
        raise DomainError(_("工单只能重办一次。"), field="reopen")
    reason, rating = _text(reason, "reason"), _rating(rating)
    unit = order.main_unit
    due, kind = limits.due_at(order.type, at)
    _assign(order, [(unit, AssignmentRole.MAIN)], at)
    order = _transition(order, actor=actor, act=Act.REOPEN, to_state=OrderState.DISPATCHED, at=at,
                        client_address=client_address,
                        changes={"reopen_count": order.reopen_count + 1, "solved": False,
                                 "callback_note": reason, "due_at": due, "due_kind": kind},
                        data={"unit": unit.code, "reason": reason, "rating": rating, "due_at": due.isoformat()})
    if rating is not None:
        rating_record_for_work_order(actor=actor, order=order, level=rating, comment=reason, at=at)
    alerts.order_reopened(order, reason=reason, at=at)
    return order


# --- merging duplicates -----------------------------------------------------------

@transaction.atomic
def workorder_merge(*, actor, order: WorkOrder, parent: WorkOrder | None, reason: str, at: datetime | None = None,
                    client_address: str | None = None) -> WorkOrder:
    """合并: ``order`` is a duplicate of ``parent`` (one matter): it is closed
    as 已合并 and follows its parent — its units no longer hold it (its
    assignments end, its clock stops) and the parent counts it. One event
    in each chain: "merge" on the child, "merge_child" on the parent."""
    at = _now(at)
    order_action_check(Act.MERGE, actor=actor, order=order)
    if parent is None:
        raise DomainError(_("请填写要合并到的工单编号。"), field="parent")
    if parent.pk == order.pk:
        raise DomainError(_("工单不能合并到自身。"), field="parent")
    if parent.center_id != order.center_id:
        raise DomainError(_("只能合并到同一热线中心的工单。"), field="parent")
    if parent.state not in OPEN_STATES:
        raise DomainError(_("目标工单已办结或已合并，不能作为合并目标。"), field="parent")
    if order.children.exists():
        raise DomainError(_("该工单已有并入的重复工单，不能再合并到其他工单。"), field="state")
    reason = _text(reason, "reason")
    main = _main_assignment(order)
    WorkOrderAssignment.objects.filter(order=order, active=True).update(active=False)
    if main is not None:
        alerts.unit_returned(main, at=at)  # its yellow sign and reply alerts end with its part
    order = _transition(order, actor=actor, act=Act.MERGE, to_state=OrderState.MERGED, at=at,
                        client_address=client_address,
                        changes={"parent": parent, "merge_reason": reason, "closed_at": at},
                        data={"parent": parent.number, "reason": reason})
    _transition(parent, actor=actor, act="merge_child", to_state=parent.state, at=at, client_address=client_address,
                data={"child": order.number, "reason": reason, "children": parent.children.count()})
    return order


# --- escalation to the superior unit (督办) -----------------------------------------

@transaction.atomic
def workorder_escalate(*, assignment: WorkOrderAssignment, kind: str, at: datetime | None = None):
    """督办 by the system: ``assignment``'s unit is late (``kind``: not signed
    or not replied by its limit); the order is escalated to the unit's
    superior unit, once per part and kind. Returns the escalation, or None
    when the unit has no superior or the part was escalated already."""
    from govhall.core.actors import SYSTEM

    at = _now(at)
    superior = assignment.unit.superior
    if superior is None or Escalation.objects.filter(assignment=assignment, kind=kind).exists():
        return None
    order = WorkOrder.objects.get(pk=assignment.order_id)  # its head now: one scan escalates several parts
    escalation = Escalation.objects.create(order=order, assignment=assignment, kind=kind, superior=superior,
                                           raised_at=at)
    _transition(order, actor=SYSTEM, act="escalate", to_state=order.state, at=at,
                data={"unit": assignment.unit.code, "superior": superior.code, "kind": kind,
                      "role": assignment.role})
    return escalation


@transaction.atomic
def workorder_escalation_note(*, actor, escalation: Escalation, note: str, at: datetime | None = None,
                              client_address: str | None = None) -> Escalation:
    """督办意见: a handler of the superior unit writes its urging note on an
    escalation of an order still held by the late unit; once per
    escalation. The late unit reads it on the order page."""
    from govhall.core.errors import NotPermitted
    from govhall.hotline.selectors import unit_ids_for

    at = _now(at)
    order = escalation.order
    order_action_check(Act.ESCALATION_NOTE, actor=actor, order=order)
    if escalation.superior_id not in unit_ids_for(actor):
        raise NotPermitted(_("只有被督办单位的上级单位可以填写督办意见。"))
    if escalation.note:
        raise DomainError(_("该督办已有督办意见。"), field="note")
    note = _text(note, "note")
    updated = Escalation.objects.filter(pk=escalation.pk, note="").update(note=note, noted_by=person(actor),
                                                                          noted_at=at)
    if updated != 1:
        raise Conflict(_("该工单刚被他人处理，请刷新后重试。"))
    escalation.note, escalation.noted_by, escalation.noted_at = note, person(actor), at
    _transition(order, actor=actor, act=Act.ESCALATION_NOTE, to_state=order.state, at=at,
                client_address=client_address,
                data={"superior": escalation.superior.code, "unit": escalation.assignment.unit.code,
                      "kind": escalation.kind, "note": note})
    return escalation


# --- attachments ------------------------------------------------------------------

# At most this many files in one upload (the intake screen or the order page).
ATTACHMENTS_MAX = 10


def files_read(uploads) -> list[tuple[str, bytes]]:
    """The (filename, content) pairs of uploaded files (the pages', the
    API's), each read to one byte over the materials' limit: the check
    refuses what is larger without reading it whole."""
    from govhall.cases.services import MATERIAL_MAX_BYTES

    return [(upload.name, upload.read(MATERIAL_MAX_BYTES + 1)) for upload in uploads]


@transaction.atomic
def workorder_attach(*, actor, order: WorkOrder, files, at: datetime | None = None,
                     client_address: str | None = None) -> list[WorkOrderAttachment]:
    """附件: photos and PDFs (``files``: (filename, content) pairs) on an open
    order, by the hotline's staff or a handler of a unit the order is
    dispatched to (``attachments_store``)."""
    at = _now(at)
    assignment = _unit_of(actor, order)
    order_action_check(Act.ATTACH, actor=actor, order=order, assignment=assignment)
    return attachments_store(actor=actor, order=order, files=files, at=at, client_address=client_address)


@transaction.atomic
def attachments_store(*, actor, order: WorkOrder, files, at: datetime, uploaded_by=None,
                      limit: int = ATTACHMENTS_MAX, client_address: str | None = None) -> list[WorkOrderAttachment]:
    """Store ``files`` on ``order`` once the caller has checked who may (the
    order page's ``workorder_attach``; the portal's submission, whose files
    the caller filed with the order: ``uploaded_by`` the applicant or None).
    Every file is checked as case materials are (size, type, content:
    ``core.uploads.upload_check`` with the materials' limits) before any is
    stored; each is stored through Django's storage with its SHA-256 and
    writes one event (by ``actor``)."""
    import hashlib

    from django.core.files.base import ContentFile

    from govhall.cases.services import MATERIAL_MAX_BYTES
    from govhall.core.uploads import SCANS, upload_check

    files = list(files)
    if not files:
        raise DomainError(_("请选择要上传的文件。"), field="file")
    if len(files) > limit:
        raise DomainError(_("一次最多上传 %(n)d 个文件。") % {"n": limit}, field="file")
    uploads = []
    for name, content in files:
        try:
            uploads.append(upload_check(filename=name, content=content, allowed=SCANS, max_bytes=MATERIAL_MAX_BYTES))
        except DomainError as error:  # which of the files
            raise DomainError(_("“%(name)s”：%(problem)s") % {"name": str(name)[:200], "problem": error.message},
                              field=error.field) from None
    uploaded_by = uploaded_by or person(actor)
    records = []
    for (name, content), upload in zip(files, uploads, strict=True):
        digest = hashlib.sha256(content).hexdigest()
        record = WorkOrderAttachment(order=order, original_name=str(name)[:200], content_type=upload.content_type,
                                     size=len(content), sha256=digest, uploaded_by=uploaded_by, uploaded_at=at)
        record.file.save(f"{order.number}-{digest[:12]}{upload.suffix}", ContentFile(content), save=False)
        record.save()
        records.append(record)
        order = _transition(order, actor=actor, act=Act.ATTACH, to_state=order.state, at=at,
                            client_address=client_address,
                            data={"file": record.pk, "name": record.original_name, "size": record.size,
                                  "sha256": digest})
    return records


# --- setup: categories and member units ---------------------------------------

def _require_setup(actor) -> None:
    from govhall.core.errors import NotPermitted
    from govhall.org.roles import Role

    if not is_system(actor) and not actor.is_superuser and actor.role not in {Role.HOTLINE_OFFICE, Role.SYSTEM_ADMIN}:
        raise NotPermitted(_("只有热线办和系统管理员可以维护分类和成员单位。"))


@transaction.atomic
def category_create(*, actor, code: str, name: str, parent: Category | None = None) -> Category:
    """A node of the three-level category tree, one level below ``parent``."""
    from govhall.core.audit import audit_record

    _require_setup(actor)
    level = 1 if parent is None else parent.level + 1
    if level > 3:
        raise DomainError(_("分类最多三级。"), field="parent")
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 20:
        raise DomainError(_("请填写 1 至 20 位的分类代码。"), field="code")
    if not name or len(name) > 60:
        raise DomainError(_("请填写 1 至 60 个字的分类名称。"), field="name")
    if Category.objects.filter(code=code).exists():
        raise DomainError(_("分类代码已存在。"), field="code")
    category = Category.objects.create(code=code, name=name, parent=parent, level=level)
    audit_record(actor=actor, action="hotline_category_create", target=category, data={"code": code, "name": name})
    return category


@transaction.atomic
def category_update(*, actor, category: Category, name: str | None = None, active: bool | None = None) -> Category:
    """Rename a category or (de)activate it. Deactivating takes its
    descendants with it (no active leaf under an inactive branch); a
    category is activated only under an active parent. Orders keep their
    category either way: an inactive one is no longer offered."""
    from govhall.core.audit import audit_record

    _require_setup(actor)
    changes = {}
    if name is not None:
        name = name.strip()
        if not name or len(name) > 60:
            raise DomainError(_("请填写 1 至 60 个字的分类名称。"), field="name")
        if name != category.name:
            changes["name"] = name
    if active is not None and active != category.active:
        if active and category.parent_id is not None and not category.parent.active:
            raise DomainError(_("上级分类已停用，请先启用上级分类。"), field="active")
        changes["active"] = active
    if not changes:
        return category
    Category.objects.filter(pk=category.pk).update(**changes)
    descendants = []
    if changes.get("active") is False:
        level = [category.pk]
        while level:
            level = list(Category.objects.filter(parent_id__in=level, active=True).values_list("pk", flat=True))
            descendants += level
        Category.objects.filter(pk__in=descendants).update(active=False)
    for field, value in changes.items():
        setattr(category, field, value)
    audit_record(actor=actor, action="hotline_category_update", target=category,
                 data={"code": category.code, **changes, "deactivated": len(descendants)})
    return category


@transaction.atomic
def member_unit_create(*, actor, hotline_center: Center, code: str, name: str, kind: str, level: int = 1,
                       department=None, center: Center | None = None, superior: MemberUnit | None = None,
                       members=()) -> MemberUnit:
    """A member unit of ``hotline_center``'s hotline, with the handlers of a
    non-department unit (``members``)."""
    from govhall.core.audit import audit_record
    from govhall.hotline.models import UnitKind, UnitMember

    _require_setup(actor)
    _choice(kind, UnitKind, "kind")
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 30:
        raise DomainError(_("请填写 1 至 30 位的单位代码。"), field="code")
    if not name or len(name) > 100:
        raise DomainError(_("请填写 1 至 100 个字的单位名称。"), field="name")
    if MemberUnit.objects.filter(code=code).exists():
        raise DomainError(_("单位代码已存在。"), field="code")
    if kind == UnitKind.DEPARTMENT and department is None:
        raise DomainError(_("职能部门类单位须对应一个部门。"), field="department")
    if level not in (1, 2, 3):
        raise DomainError(_("层级须为 1 至 3。"), field="level")
    unit = MemberUnit.objects.create(code=code, name=name, kind=kind, level=level, department=department,
                                     center=center, superior=superior, hotline_center=hotline_center)
    UnitMember.objects.bulk_create([UnitMember(unit=unit, user=user) for user in members])
    audit_record(actor=actor, action="hotline_unit_create", target=unit, data={"code": code, "name": name,
                                                                                "kind": kind})
    return unit
