"""Every change of a case (DESIGN 3.4): one function per transition, each
checking the actor, changing the case by a guarded update (two clerks at
once: exactly one wins), writing exactly one hash-chained event and
recomputing the deadline, all in one transaction."""

import functools
import inspect
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.calendars.selectors import calendar_forget
from govhall.cases import limits
from govhall.cases.deadlines import case_next_due, case_pauses, case_watch, correction_deadline, received_on
from govhall.cases.events import event_build, event_record
from govhall.cases.models import (
    ApplicantKind, Case, CaseCounter, CaseMaterial, Channel, IdempotencyKey, LocalSuspensionGround, MaterialCheck,
    NoticeKind, Pause, Verdict,
)
from govhall.cases.notices import notice_build
from govhall.cases.policy import (
    INTERFACE_ACTIONS, ON_BEHALF, Grant, actions_for, actor_grant, agency_for, agency_present, decision_index,
    on_behalf, green_channel_refusal, guard_check,
)
from govhall.cases.selectors import (
    case_checks_forget, case_checks_known, case_materials, case_steps, checks_keep, idempotency_key_get,
    suspension_ground_get,
)
from govhall.cases.signals import case_changed
from govhall.cases.states import (
    BEFORE_DECISION, CLOCK_RUNNING, CREATE_DRAFT, GREEN_OFF, GREEN_ON, NOTE_ACTIONS, OPEN, PAUSED, Action, State, SuspensionGround,
    target_state,
)
from govhall.catalog.models import ItemVersion, VersionStatus
from govhall.core import clock, identity, statements
from govhall.core.actors import SYSTEM, Actor, is_system, person
from govhall.core.audit import audit_record
from govhall.core.counters import counter_next
from govhall.core.errors import Conflict, DomainError, NotFound, NotPermitted, Unprocessable
from govhall.core.uploads import SCANS, upload_check
from govhall.org.models import Center, User
from govhall.org.roles import Role
from govhall.timing import Pause as TimingPause

MAX_EXTENSION_DAYS = limits.EXTENSION_DAYS_MAX  # 行政许可法 art. 42
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a window
DECISION_NOTICES = {NoticeKind.APPROVAL, NoticeKind.DENIAL}
# The choices' values, once (``Choices.values`` builds the labelled choices on every call).
CHANNELS, APPLICANT_KINDS, VERDICTS = frozenset(Channel.values), frozenset(ApplicantKind.values), frozenset(Verdict.values)


# --- helpers ------------------------------------------------------------------

def _now(at: datetime | None) -> datetime:
    return at or clock.now()


def _behalf(actor, case: Case, at: datetime) -> dict:
    """An agent's act records the authorization and the applicant (DESIGN 3.8)."""
    behalf = on_behalf(actor, case, _local_date(at))
    return {"on_behalf": behalf} if behalf else {}


def _local_date(at: datetime):
    return timezone.localtime(at).date()


def _authorize(action: str, *, actor: Actor, case: Case, at: datetime, steps: list | None = None) -> Grant | None:
    """Who may take ``action`` now, by the policy table (cases/policy.py),
    then the action's condition (a step left, a fee due, the deadline not
    yet passed): raises NotPermitted or DomainError; returns the grant the
    guarded update still tests (None: none needed)."""
    steps = case_steps(case) if steps is None else steps
    grant = actor_grant(action, actor=actor, case=case, steps=steps, on=_local_date(at))
    grants = _call_grants.get(None)
    if grants is not None:
        grants.append(grant)
    guard_check(action, case=case, steps=steps, today=_local_date(at))
    return grant


# The grant each running service call computed (see ``_refusal_first``).
_call_grants: ContextVar[list] = ContextVar("case_service_grants")


def _refusal_first(service):
    """A person who may not act is told so (403) before anything about the
    input or the state (400): when a service with a grant to test refuses
    for another reason, the grant is asked first. Costs nothing when the
    call succeeds (the guarded update tests the grant itself)."""
    @functools.wraps(service)
    def checked(**kwargs):
        grants: list = []
        token = _call_grants.set(grants)
        try:
            return service(**kwargs)
        except DomainError as error:
            if grants and grants[0] is not None and not isinstance(error, NotPermitted | Conflict):
                grants[0].require()
            raise
        finally:
            _call_grants.reset(token)
    return checked


def _text(value, field: str, message: str, *, limit: int = limits.TEXT_MAX) -> str:
    """A required text of at most ``limit`` characters."""
    if value is not None and not isinstance(value, str):
        raise DomainError(_("请填写文字。"), field=field)
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    if len(value) > limit:
        raise DomainError(_("不能超过 %(n)s 个字。") % {"n": limit}, field=field)
    return value


def _optional_text(value, field: str, *, limit: int) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return _text(value, field, "", limit=limit)


def _whole_number(value, field: str, *, low: int, high: int, message: str) -> int:
    """An integer within [low, high]; booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
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
    if case.request_action and target not in CLOCK_RUNNING:
        # A request for the head lapses once the clock no longer runs
        # (suspended, decided, withdrawn …): nothing is left to approve.
        changes.setdefault("request_action", "")
        changes.setdefault("request_data", {})
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
    data = {**_behalf(actor, case, at), **(data or {}), "due_date": due.isoformat() if due else None}
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
    # What this transition wrote and issued, for a caller that answers with
    # it (the API links the new notice, a receipt lists its event) without
    # reading it back.
    case.event_written, case.notice_issued = event, issued
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
              applicant_kind, applicant, green_channel, at, form_data=None, delivery_method="",
              delivery_address="") -> tuple[Case, Grant | None]:
    """Check who applies for what, and create the case row as a draft; with
    the grant a staff member needs to receive it. An applicant applies only
    online and only as himself: the name and identity number are his
    account's (DESIGN 5; 国务院令第716号: no asking again for what is known).
    The answers to the item's own form and the chosen delivery are checked
    by the catalog's one rule (``catalog.application_form``) before anything
    is written."""
    case = Case(
        query_code="".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8)),
        item_version=item_version, department=item_version.item.department, center=center, applicant=applicant,
        # as given, for an agent's authorization (policy.agency_for); checked below
        applicant_id_number=applicant_id_number.strip().upper() if isinstance(applicant_id_number, str) else "",
        applicant_kind=applicant_kind, channel=channel, green_channel=green_channel, state=State.DRAFT,
        promised_days=item_version.promised_days or 0, created_at=at, updated_at=at,
        visits=1 if channel in {Channel.WINDOW, Channel.BRANCH} else 0,
        window_id=actor.window_id if not is_system(actor) and actor.role != Role.APPLICANT else None,
    )
    grant = actor_grant(Action.SUBMIT, actor=actor, case=case, steps=[], on=_local_date(at))
    grants = _call_grants.get(None)
    if grants is not None:
        grants.append(grant)
    if item_version.status != VersionStatus.PUBLISHED:
        raise DomainError(_("该事项没有已发布的版本，不能申请。"), field="item")
    if channel not in CHANNELS:
        raise DomainError(_("未知的申请渠道。"), field="channel")
    if applicant_kind not in APPLICANT_KINDS:
        raise DomainError(_("未知的申请人类型。"), field="applicant_kind")
    case.applicant_name = _text(applicant_name, "applicant_name", _("请填写申请人。"), limit=limits.APPLICANT_NAME_MAX)
    case.applicant_id_number = _text(applicant_id_number, "applicant_id_number", _("请填写证件号码。"),
                                     limit=limits.ID_NUMBER_MAX)
    case.applicant_phone = _text(applicant_phone, "applicant_phone", _("请填写联系电话。"), limit=limits.PHONE_MAX)
    case.applicant_id_number = identity.applicant_id(case.applicant_id_number, applicant_kind)
    case.applicant_phone = identity.phone(case.applicant_phone, field="applicant_phone")
    if not is_system(actor) and actor.role == Role.APPLICANT:
        if channel != Channel.ONLINE:
            raise NotPermitted(_("申请人只能以本人名义网上申请。"))
        _require_own_identity(actor, name=case.applicant_name, id_number=case.applicant_id_number)
        if not item_version.online:
            raise DomainError(_("该事项不支持网上申请，请到窗口办理。"), field="item")
    if not is_system(actor) and actor.role == Role.AGENT:
        if channel != Channel.ONLINE:
            raise NotPermitted(_("代办员网上代为申请；在窗口由工作人员收件并登记代办授权。"))
        if not item_version.online:
            raise DomainError(_("该事项不支持网上申请，请到窗口办理。"), field="item")
        case.applicant = agency_for(actor, case, _local_date(at)).applicant_account
    from govhall.catalog.application_form import delivery_clean, delivery_offered, form_data_clean

    case.form_data = form_data_clean(item_version, form_data)
    case.delivery_method, case.delivery_address = delivery_clean(delivery_offered(item_version), delivery_method,
                                                                 delivery_address)
    case.number = _next_number(center, _local_date(at))
    case = statements.insert(case)
    checks_keep(case, [])  # a new case has no material checks: none read for its guards
    return case, grant


def _require_own_identity(actor: User, *, name: str, id_number: str) -> None:
    """The applicant's account names who applies: another person's name or
    identity number is refused (an agent's authorization is its own record)."""
    if not actor.id_number:
        raise DomainError(_("请先在账户中登记本人证件号码，再网上申请。"), field="applicant_id_number")
    if id_number.upper() != actor.id_number.strip().upper():
        raise NotPermitted(_("只能以本人名义申请：证件号码与账户登记的不一致。"))
    if actor.full_name and name != actor.full_name.strip():
        raise NotPermitted(_("只能以本人名义申请：申请人与账户登记的姓名（名称）不一致。"))


@transaction.atomic
@_refusal_first
def case_submit(*, actor: Actor, item_version: ItemVersion, center: Center, channel: str,
                applicant_name: str, applicant_id_number: str, applicant_phone: str,
                applicant_kind: str = ApplicantKind.PERSON, applicant: User | None = None,
                green_channel: bool = False, form_data: dict | None = None, delivery_method: str = "",
                delivery_address: str = "", agency=None, at: datetime | None = None,
                client_address: str | None = None) -> Case:
    """Receive an application (收件): at a window by a clerk on the
    applicant's behalf (the clerk checks the paper materials), or online by
    the applicant for an item that needs no materials (otherwise a draft is
    completed with them first). The case gets its number and query code;
    the receipt day counts from the next working day outside office hours.
    ``form_data`` answers the item's own form (``ItemVersion.form_fields``);
    ``delivery_method`` is one of the item's delivery methods (mail needs
    ``delivery_address``); a bad answer is refused naming it, nothing written.
    ``agency``: the agency authorization of the agent present at the window
    (recorded with the receipt; it must cover the applicant and the item)."""
    at = _now(at)
    case, grant = _new_case(actor=actor, item_version=item_version, center=center, channel=channel,
                            applicant_name=applicant_name, applicant_id_number=applicant_id_number,
                            applicant_phone=applicant_phone, applicant_kind=applicant_kind, applicant=applicant,
                            green_channel=green_channel, at=at, form_data=form_data,
                            delivery_method=delivery_method, delivery_address=delivery_address)
    if not is_system(actor) and actor.role in ON_BEHALF:
        _require_materials(case)
    present = agency_present(agency, case, _local_date(at)) if agency is not None else {}
    return _transition(case, actor=actor, grant=grant, action=Action.SUBMIT, at=at, client_address=client_address,
                       submitted_at=at, received_on=received_on(at),
                       data={"item": item_version.item.code, "version": item_version.number, "channel": channel,
                             **({"on_behalf": present} if present else {}),
                             # the answers and the chosen delivery, in the hash chain with the receipt
                             **({"form": case.form_data} if case.form_data else {}),
                             **({"delivery_method": case.delivery_method} if case.delivery_method else {})})


@transaction.atomic
@_refusal_first
def case_draft_create(*, actor: User, item_version: ItemVersion, center: Center, applicant_name: str,
                      applicant_id_number: str, applicant_phone: str, applicant_kind: str = ApplicantKind.PERSON,
                      form_data: dict | None = None, delivery_method: str = "", delivery_address: str = "",
                      at: datetime | None = None, client_address: str | None = None) -> Case:
    """Start an online application as a draft (草稿) the applicant completes
    with the materials before submitting it. Nothing counts as received yet.
    Only an applicant starts one, for himself, or an agent for the applicant
    under an agency authorization (staff receive at the window).
    The answers to the item's form and the chosen delivery are given and
    checked here, as in ``case_submit``."""
    at = _now(at)
    if is_system(actor) or actor.role not in ON_BEHALF:
        raise NotPermitted(_("草稿由申请人本人网上创建；窗口收件请直接提交。"))
    case, grant = _new_case(actor=actor, item_version=item_version, center=center, channel=Channel.ONLINE,
                            applicant_name=applicant_name, applicant_id_number=applicant_id_number,
                            applicant_phone=applicant_phone, applicant_kind=applicant_kind,
                            applicant=actor if actor.role == Role.APPLICANT else None,
                            green_channel=False, at=at, form_data=form_data, delivery_method=delivery_method,
                            delivery_address=delivery_address)
    if grant is not None:
        grant.require()
    event_record(case=case, actor=actor, action=CREATE_DRAFT, from_state="", to_state=State.DRAFT, at=at,
                 client_address=client_address,
                 data={"item": item_version.item.code, "version": item_version.number,
                       **_behalf(actor, case, at),
                       **({"form": case.form_data} if case.form_data else {}),
                       **({"delivery_method": case.delivery_method} if case.delivery_method else {})})
    return case


def _missing_materials(case: Case) -> list[str]:
    handed_in = set(case.materials.values_list("material_order", flat=True))
    return [m.name for m in case_materials(case)
            if m.handed_in_required and m.order not in handed_in]


def _require_materials(case: Case) -> None:
    missing = _missing_materials(case)
    if missing:
        raise DomainError(_("尚缺必要材料：%(list)s。") % {"list": "、".join(missing)}, field="materials")


@transaction.atomic
@_refusal_first
def case_draft_submit(*, actor: Actor, case: Case, at: datetime | None = None, client_address: str | None = None) -> Case:
    """Submit an online draft: every required material that is not fetched
    from e-licences or other departments must be attached."""
    at = _now(at)
    grant = _authorize(Action.SUBMIT, actor=actor, case=case, at=at)
    if case.state == State.DRAFT:
        _require_materials(case)
    return _transition(case, actor=actor, grant=grant, action=Action.SUBMIT, at=at, client_address=client_address,
                       submitted_at=at, received_on=received_on(at),
                       data={"item": case.item_version.item.code, "version": case.item_version.number, "channel": case.channel})


# Files an applicant may hand in: PDF and photos/scans, checked by content (core/uploads.py).
MATERIAL_MAX_BYTES = 10 * 1024 * 1024


@transaction.atomic
@_refusal_first
def case_material_attach(*, actor: Actor, case: Case, material_order: int, filename: str, content: bytes,
                         at: datetime | None = None, client_address: str | None = None) -> Case:
    """Attach a file for one of the item's materials (before acceptance, or
    while correcting). Checked by size, type and content; stored with its
    SHA-256 so that what was handed in can be proven later."""
    import hashlib

    from django.core.files.base import ContentFile

    at = _now(at)
    grant = _authorize(Action.ATTACH_MATERIAL, actor=actor, case=case, at=at)
    if isinstance(material_order, bool) or not isinstance(material_order, int):
        raise DomainError(_("没有该序号的材料。"), field="material")
    material = case.item_version.materials.filter(order=material_order).first()
    if material is None:
        raise DomainError(_("没有该序号的材料。"), field="material")
    filename = str(filename or "")
    upload = upload_check(filename=filename, content=content, allowed=SCANS, max_bytes=MATERIAL_MAX_BYTES)
    suffix, content_type = upload.suffix, upload.content_type
    digest = hashlib.sha256(content).hexdigest()

    def store(case: Case) -> None:
        # Only once the transition is certain: a refused upload leaves no file.
        record = CaseMaterial(case=case, material_order=material_order, name=material.name,
                              original_name=filename[:200], content_type=content_type, size=len(content),
                              sha256=digest, uploaded_by=person(actor), uploaded_at=at)
        record.file.save(f"{case.number}-{material_order}{suffix}", ContentFile(content), save=False)
        record.save()

    return _transition(case, actor=actor, grant=grant, action=Action.ATTACH_MATERIAL, at=at, then=store,
                       client_address=client_address,
                       data={"material": material.name, "order": material_order, "sha256": digest, "size": len(content)})


@transaction.atomic
@_refusal_first
def case_check_materials(*, actor: Actor, case: Case, checks: list[dict], at: datetime | None = None,
                         client_address: str | None = None) -> Case:
    """Record the acceptance check of materials (材料核验) on a submitted
    case: for each ``{"material_order", "verdict": "ok"|"fix", "note"}``,
    合格 or 需补正 with what is wrong. A material checked again gets the new
    verdict; the event keeps each. The 需补正 lines are what the one-time
    correction notice lists; acceptance needs every required material 合格."""
    at = _now(at)
    grant = _authorize(Action.CHECK_MATERIALS, actor=actor, case=case, at=at)
    if not isinstance(checks, list) or not checks:
        raise DomainError(_("请逐项填写材料核验结果。"), field="checks")
    if len(checks) > limits.CORRECTION_ITEMS_MAX:
        raise DomainError(_("一次最多核验 %(n)s 项材料。") % {"n": limits.CORRECTION_ITEMS_MAX}, field="checks")
    materials = {m.order: m for m in case_materials(case)}
    recorded: dict[int, dict] = {}
    for index, check in enumerate(checks):
        order = check.get("material_order") if isinstance(check, dict) else None
        if isinstance(order, bool) or order not in materials:
            raise DomainError(_("没有该序号的材料。"), field=f"checks[{index}].material_order")
        verdict = check.get("verdict")
        if verdict not in VERDICTS:
            raise DomainError(_("核验结果应为“合格”或“需补正”。"), field=f"checks[{index}].verdict")
        # The note says what is wrong: a material found 合格 keeps none (an
        # earlier 需补正 note must not stay on it).
        note = _optional_text(check.get("note", ""), f"checks[{index}].note", limit=limits.CORRECTION_PROBLEM_MAX)
        if verdict == Verdict.OK:
            note = ""
        elif not note:
            raise DomainError(_("“%(name)s”需补正：请写明需要补正的内容。") % {"name": materials[order].name},
                              field=f"checks[{index}].note")
        recorded[order] = {"order": order, "material": materials[order].name, "verdict": verdict, "note": note}

    def store(case: Case) -> None:
        # Each material's check inserted, or the earlier one replaced, in one
        # statement (INSERT … ON CONFLICT DO UPDATE on the unique (case, material)).
        checker = person(actor)
        known = case_checks_known(case)
        written = MaterialCheck.objects.bulk_create(
            [MaterialCheck(case=case, material_order=order, name=line["material"], verdict=line["verdict"],
                           note=line["note"], checked_by=checker, checked_at=at) for order, line in recorded.items()],
            update_conflicts=True, unique_fields=["case", "material_order"],
            update_fields=["name", "verdict", "note", "checked_by", "checked_at"])
        if known is None:
            case_checks_forget(case)  # read again when needed
        else:  # the checks known before, those of these materials replaced: no read for the acceptance
            merged = {check.material_order: check for check in known} | {check.material_order: check for check in written}
            checks_keep(case, [merged[order] for order in sorted(merged)])

    return _transition(case, actor=actor, grant=grant, action=Action.CHECK_MATERIALS, at=at, then=store,
                       client_address=client_address, data={"checks": list(recorded.values())})


def checks_all_required_ok(case: Case) -> list[dict]:
    """The checks of a clerk who finds every required material 合格 (the
    demo's and the benchmarks' acceptance check)."""
    return [{"material_order": m.order, "verdict": Verdict.OK, "note": ""}
            for m in case_materials(case) if m.handed_in_required]


@transaction.atomic
@_refusal_first
def case_accept(*, actor: Actor, case: Case, at: datetime | None = None, client_address: str | None = None) -> Case:
    """Accept (受理): the promised-time clock starts; an acceptance notice is due.
    Accepted later than 5 working days after receipt, the law already counts
    the case as accepted on the day of receipt (art. 32(4)), and so does the clock."""
    at = _now(at)
    grant = _authorize(Action.ACCEPT, actor=actor, case=case, at=at)  # materials complete (art. 32(5)): a guard
    day = received_on(at)
    deemed = case.received_on is not None and day > correction_deadline(case)
    return _transition(case, actor=actor, grant=grant, action=Action.ACCEPT, at=at, notice=NoticeKind.ACCEPTANCE,
                       accepted_on=case.received_on if deemed else day, step=1, accepted_by=person(actor),
                       client_address=client_address, data={"deemed_accepted_from_receipt": deemed})


@transaction.atomic
@_refusal_first
def case_reject(*, actor: Actor, case: Case, reason: str, refer_to: str = "", at: datetime | None = None,
                client_address: str | None = None) -> Case:
    """Not accept (不予受理, art. 32): a written reason, and the competent
    organ when the matter belongs elsewhere; the notice states the rights."""
    at = _now(at)
    grant = _authorize(Action.REJECT, actor=actor, case=case, at=at)
    reason = _text(reason, "reason", _("不予受理须写明理由。"))
    refer_to = _optional_text(refer_to, "refer_to", limit=limits.REFER_TO_MAX)
    return _transition(case, actor=actor, grant=grant, action=Action.REJECT, at=at, notice=NoticeKind.REJECTION,
                       client_address=client_address, data={"reason": reason, "refer_to": refer_to})


def _correction_items(items) -> list[dict]:
    """The lines of a correction notice: each a material and what is wrong with it."""
    if not isinstance(items, list | tuple) or not items:
        raise DomainError(_("请列出需要补正的全部材料。"), field="items")
    if len(items) > limits.CORRECTION_ITEMS_MAX:
        raise DomainError(_("一次告知最多列 %(n)s 项。") % {"n": limits.CORRECTION_ITEMS_MAX}, field="items")
    cleaned = []
    for index, entry in enumerate(items):
        field = f"items[{index}]"
        if not isinstance(entry, dict):
            raise DomainError(_("第 %(n)s 项须写明材料和问题。") % {"n": index + 1}, field=field)
        material, problem = entry.get("material"), entry.get("problem")
        if not isinstance(material, str) or not isinstance(problem, str) or not material.strip() or not problem.strip():
            raise DomainError(_("第 %(n)s 项须写明材料和问题。") % {"n": index + 1}, field=field)
        cleaned.append({"material": _text(material, f"{field}.material", "", limit=limits.CORRECTION_MATERIAL_MAX),
                        "problem": _text(problem, f"{field}.problem", "", limit=limits.CORRECTION_PROBLEM_MAX)})
    return cleaned


@transaction.atomic
@_refusal_first
def case_request_correction(*, actor: Actor, case: Case, items: list[dict], at: datetime | None = None,
                            client_address: str | None = None) -> Case:
    """One-time notice of everything to correct (一次性告知, art. 32(4)):
    every missing or wrong material at once, within 5 working days of receipt."""
    at = _now(at)
    grant = _authorize(Action.REQUEST_CORRECTION, actor=actor, case=case, at=at)
    cleaned = _correction_items(items)
    if case.received_on is not None and received_on(at) > correction_deadline(case):
        raise DomainError(_("收件已超过 5 个工作日，依法自收件之日起即为受理，不能再要求补正。"), field="state")
    return _transition(case, actor=actor, grant=grant, action=Action.REQUEST_CORRECTION, at=at,
                       notice=NoticeKind.CORRECTION, client_address=client_address, data={"items": cleaned})


@transaction.atomic
@_refusal_first
def case_resubmit(*, actor: Actor, case: Case, at: datetime | None = None, client_address: str | None = None) -> Case:
    """The applicant hands in the corrected materials: received again."""
    at = _now(at)
    grant = _authorize(Action.RESUBMIT, actor=actor, case=case, at=at)
    at_window = not is_system(actor) and actor.role not in ON_BEHALF
    return _transition(case, actor=actor, grant=grant, action=Action.RESUBMIT, at=at, received_on=received_on(at),
                       visits=case.visits + (1 if at_window else 0), client_address=client_address)


@transaction.atomic
@_refusal_first
def case_complete_step(*, actor: Actor, case: Case, opinion: str, at: datetime | None = None,
                       client_address: str | None = None) -> Case:
    """Finish the current review step (审查/审核) with an opinion; the case moves to the next step."""
    at = _now(at)
    steps = case_steps(case)
    grant = _authorize(Action.COMPLETE_STEP, actor=actor, case=case, at=at, steps=steps)
    opinion = _text(opinion, "opinion", _("请填写审查意见。"))
    step = steps[case.step]
    return _transition(case, actor=actor, grant=grant, action=Action.COMPLETE_STEP, at=at, step=case.step + 1,
                       client_address=client_address, data={"step": step.name, "at_step": case.step, "opinion": opinion})


@transaction.atomic
@_refusal_first
def case_send_back(*, actor: Actor, case: Case, reason: str, at: datetime | None = None,
                   client_address: str | None = None) -> Case:
    """Send the case back one step, with the reason."""
    at = _now(at)
    steps = case_steps(case)
    grant = _authorize(Action.SEND_BACK, actor=actor, case=case, at=at, steps=steps)
    reason = _text(reason, "reason", _("退回须写明理由。"))
    current = steps[min(case.step, len(steps) - 1)]
    return _transition(case, actor=actor, grant=grant, action=Action.SEND_BACK, at=at, step=case.step - 1,
                       client_address=client_address,
                       data={"from_step": current.name, "to_step": steps[case.step - 1].name, "at_step": case.step,
                             "reason": reason})


def _suspension_ground(case: Case, ground) -> LocalSuspensionGround | SuspensionGround:
    found = suspension_ground_get(center=case.center, code=ground if isinstance(ground, str) else "")
    if found is None:
        raise DomainError(_("特别程序须为法定情形之一（听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审），"
                            "或本中心依法规定并登记了依据的情形。"), field="ground")
    return found


def _request(actor, at: datetime, **asked) -> dict:
    """What a reviewer asks the head to approve, with who asked and when."""
    return {**asked, "requested_by": actor.pk, "requested_by_name": str(actor.get_full_name() if is_system(actor)
                                                                          else actor.display_name),
            "requested_at": at.isoformat()}


@transaction.atomic
@_refusal_first
def case_request_suspension(*, actor: Actor, case: Case, ground: str, reason: str, expected_days: int,
                            at: datetime | None = None, client_address: str | None = None) -> Case:
    """Ask the department head for a special procedure (申请特别程序, art. 45):
    a ground of the national list, or one the center added with its legal
    basis, the reason and the working days it needs. Nothing pauses yet:
    the case waits in the head's work list (``case_suspend`` approves,
    ``case_refuse_request`` refuses). Refused once the deadline has passed."""
    at = _now(at)
    grant = _authorize(Action.REQUEST_SUSPENSION, actor=actor, case=case, at=at)
    found = _suspension_ground(case, ground)
    reason = _text(reason, "reason", _("请写明特别程序的事由。"), limit=limits.PAUSE_REASON_MAX)
    expected_days = _whole_number(expected_days, "expected_days", low=1, high=limits.SUSPENSION_DAYS_MAX,
                                  message=_("特别程序所需时间应为 1 至 %(n)s 个工作日。") % {"n": limits.SUSPENSION_DAYS_MAX})
    asked = _request(actor, at, ground=found.code, ground_name=found.name, ground_basis=found.legal_basis,
                     reason=reason, expected_days=expected_days)
    return _transition(case, actor=actor, grant=grant, action=Action.REQUEST_SUSPENSION, at=at, data=asked,
                       request_action=Action.SUSPEND, request_data=asked, client_address=client_address)


@transaction.atomic
@_refusal_first
def case_suspend(*, actor: Actor, case: Case, at: datetime | None = None, client_address: str | None = None) -> Case:
    """Approve the special procedure a reviewer asked for (批准特别程序,
    art. 45), as the department head's own act: the clock pauses from the
    approval and the applicant is told in writing what for, on what basis
    and for how long. Refused once the deadline has passed: a pause must not
    hide lateness (the head refuses the request instead)."""
    at = _now(at)
    grant = _authorize(Action.SUSPEND, actor=actor, case=case, at=at)
    asked = case.request_data
    day = max(_effective_day(at), case.accepted_on or _effective_day(at))

    def open_pause(case: Case) -> None:
        Pause.objects.create(case=case, ground=asked["ground"], ground_name=asked["ground_name"],
                             ground_basis=asked["ground_basis"], reason=asked["reason"],
                             expected_days=asked["expected_days"], approved_by=person(actor), started_on=day)

    return _transition(case, actor=actor, grant=grant, action=Action.SUSPEND, at=at, notice=NoticeKind.SUSPENSION,
                       then=open_pause, pauses=[*case_pauses(case), TimingPause(day, None)],
                       pause_count=case.pause_count + 1, client_address=client_address,
                       data={**asked, "approved_by": actor.username, "started_on": day.isoformat()})


@transaction.atomic
@_refusal_first
def case_refuse_request(*, actor: Actor, case: Case, reason: str, at: datetime | None = None,
                        client_address: str | None = None) -> Case:
    """Refuse the special procedure or extension a reviewer asked for (不予
    批准), as the department head's own act, with the reason; the case goes
    on under its deadline."""
    at = _now(at)
    grant = _authorize(Action.REFUSE_REQUEST, actor=actor, case=case, at=at)
    reason = _text(reason, "reason", _("请写明不予批准的理由。"), limit=limits.PAUSE_REASON_MAX)
    return _transition(case, actor=actor, grant=grant, action=Action.REFUSE_REQUEST, at=at,
                       data={"request": case.request_action, "asked": case.request_data, "reason": reason},
                       request_action="", request_data={}, client_address=client_address)


@transaction.atomic
@_refusal_first
def case_resume(*, actor: Actor, case: Case, at: datetime | None = None, client_address: str | None = None) -> Case:
    """End the special procedure: the remaining days run again from today."""
    at = _now(at)
    grant = _authorize(Action.RESUME, actor=actor, case=case, at=at)
    pause = case.pauses.filter(ended_on__isnull=True).first()
    if pause is None:
        raise DomainError(_("没有进行中的特别程序。"), field="state")
    day = max(_effective_day(at), pause.started_on)
    pauses = [TimingPause(p.start, p.end or day) for p in case_pauses(case)]
    return _transition(case, actor=actor, grant=grant, action=Action.RESUME, at=at, data={"ended_on": day.isoformat()},
                       then=lambda case: _close_pauses(case, day), pauses=pauses, client_address=client_address)


def _close_pauses(case: Case, day) -> None:
    Pause.objects.filter(case=case, ended_on__isnull=True).update(ended_on=day)


def _extension_terms(days, reason) -> tuple[int, str]:
    days = _whole_number(days, "days", low=1, high=MAX_EXTENSION_DAYS, message=_("延长期限应为 1 至 10 个工作日。"))
    return days, _text(reason, "reason", _("延长期限须写明理由。"), limit=limits.PAUSE_REASON_MAX)


@transaction.atomic
@_refusal_first
def case_request_extension(*, actor: Actor, case: Case, days: int, reason: str, at: datetime | None = None,
                           client_address: str | None = None) -> Case:
    """Ask the department head to extend the time limit (申请延长期限, art.
    42: once, at most 10 working days, with the reason); the head approves
    (``case_extend``) or refuses (``case_refuse_request``)."""
    at = _now(at)
    grant = _authorize(Action.REQUEST_EXTENSION, actor=actor, case=case, at=at)
    days, reason = _extension_terms(days, reason)
    asked = _request(actor, at, days=days, reason=reason)
    return _transition(case, actor=actor, grant=grant, action=Action.REQUEST_EXTENSION, at=at, data=asked,
                       request_action=Action.EXTEND, request_data=asked, client_address=client_address)


@transaction.atomic
@_refusal_first
def case_extend(*, actor: Actor, case: Case, days: int | None = None, reason: str | None = None,
                at: datetime | None = None, client_address: str | None = None) -> Case:
    """Extend the time limit once, by at most 10 working days (延期, art.
    42), as the department head's own act: approving a reviewer's request
    (its days and reason unless the head gives others) or on the head's own
    initiative; the applicant is notified. Refused once the deadline has
    passed: an extension must not erase lateness."""
    at = _now(at)
    grant = _authorize(Action.EXTEND, actor=actor, case=case, at=at)
    asked = case.request_data if case.request_action == Action.EXTEND else {}
    days, reason = _extension_terms(asked.get("days") if days is None else days,
                                    asked.get("reason") if reason is None or not str(reason).strip() else reason)
    cleared = {"request_action": "", "request_data": {}} if asked else {}
    return _transition(case, actor=actor, grant=grant, action=Action.EXTEND, at=at, notice=NoticeKind.EXTENSION,
                       extension_days=days, client_address=client_address, **cleared,
                       data={**asked, "days": days, "reason": reason, "approved_by": actor.username})


def _decide(case: Case, *, actor, action: str, at: datetime, data: dict, notice: str, client_address) -> Case:
    steps = case_steps(case)
    grant = _authorize(action, actor=actor, case=case, at=at, steps=steps)
    data = {field: _text(value, field, message) for field, (value, message) in data.items()}
    decided_on = max(_effective_day(at), case.accepted_on or _effective_day(at))
    return _transition(case, actor=actor, grant=grant, action=action, at=at, step=decision_index(steps) + 1,
                       decided_on=decided_on, data=data, notice=notice, client_address=client_address)


@transaction.atomic
@_refusal_first
def case_approve(*, actor: Actor, case: Case, opinion: str, at: datetime | None = None,
                 client_address: str | None = None) -> Case:
    """Grant (准予许可): the decision document is issued; delivery is due within 10 working days."""
    at = _now(at)
    return _decide(case, actor=actor, action=Action.APPROVE, at=at, data={"opinion": (opinion, _("请填写审批意见。"))},
                   notice=NoticeKind.APPROVAL, client_address=client_address)


@transaction.atomic
@_refusal_first
def case_deny(*, actor: Actor, case: Case, reasons: str, at: datetime | None = None,
              client_address: str | None = None) -> Case:
    """Deny (不予许可, art. 38): the written reasons and the rights to
    administrative reconsideration or litigation go to the applicant."""
    at = _now(at)
    return _decide(case, actor=actor, action=Action.DENY, at=at, data={"reasons": (reasons, _("不予许可须说明理由。"))},
                   notice=NoticeKind.DENIAL, client_address=client_address)


PAYMENT_METHODS = {"cash": _("现金"), "card": _("银行卡"), "transfer": _("银行转账"), "online": _("网上支付")}
AMOUNT_MAX = Decimal(10) ** (limits.AMOUNT_MAX_DIGITS - 2)


def _amount(value) -> Decimal:
    """A fee in yuan, positive, with at most two decimals."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise DomainError(_("请填写实收金额。"), field="amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(_("金额无效。"), field="amount") from None
    if not amount.is_finite() or amount <= 0 or amount >= AMOUNT_MAX or amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_("实收金额应为大于 0、最多两位小数的金额。"), field="amount")
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
@_refusal_first
def case_record_payment(*, actor: Actor, case: Case, amount: Decimal, method: str, receipt_number: str,
                        at: datetime | None = None, client_address: str | None = None) -> Case:
    """Record the fee paid for a granted item (统一收费); the amount is kept
    as collected, and supervision compares it with the item's standard."""
    at = _now(at)
    grant = _authorize(Action.RECORD_PAYMENT, actor=actor, case=case, at=at)
    amount = _amount(amount)
    if method not in PAYMENT_METHODS:
        raise DomainError(_("未知的缴费方式。"), field="method")
    receipt_number = _text(receipt_number, "receipt_number", _("请填写票据号。"), limit=limits.SHORT_TEXT_MAX)
    return _transition(case, actor=actor, grant=grant, action=Action.RECORD_PAYMENT, at=at, fee_amount=amount,
                       fee_paid_at=at, client_address=client_address,
                       data={"amount": f"{amount:.2f}", "method": method, "receipt_number": receipt_number})


@transaction.atomic
@_refusal_first
def case_certify(*, actor: Actor, case: Case, certificate_number: str, at: datetime | None = None,
                 client_address: str | None = None) -> Case:
    """Make the certificate (制证) of a granted item."""
    at = _now(at)
    grant = _authorize(Action.CERTIFY, actor=actor, case=case, at=at)
    number = _text(certificate_number, "certificate_number", _("请填写证照编号。"), limit=limits.SHORT_TEXT_MAX)
    return _transition(case, actor=actor, grant=grant, action=Action.CERTIFY, at=at, certificate_number=number,
                       client_address=client_address, data={"certificate_number": number})


DELIVERY_METHODS = {"window": _("窗口领取"), "mail": _("邮寄送达"), "electronic": _("电子送达")}


@transaction.atomic
@_refusal_first
def case_deliver(*, actor: Actor, case: Case, method: str, received_by: str, at: datetime | None = None,
                 client_address: str | None = None) -> Case:
    """Deliver the result (送达) with a delivery receipt (送达回证)."""
    at = _now(at)
    grant = _authorize(Action.DELIVER, actor=actor, case=case, at=at)
    if method not in DELIVERY_METHODS:
        raise DomainError(_("未知的送达方式。"), field="method")
    received_by = _text(received_by, "received_by", _("请填写签收人。"), limit=limits.SHORT_TEXT_MAX)
    late = case.due_date is not None and _local_date(at) > case.due_date
    # Picking the result up at a window is a visit, unless it is the same
    # visit as the application (handed in at a window that very day).
    same_visit = (case.channel in {Channel.WINDOW, Channel.BRANCH} and case.submitted_at is not None
                  and _local_date(case.submitted_at) == _local_date(at))
    return _transition(case, actor=actor, grant=grant, action=Action.DELIVER, at=at, notice=NoticeKind.DELIVERY,
                       visits=case.visits + (1 if method == "window" and not same_visit else 0),
                       client_address=client_address,
                       data={"method": method, "received_by": received_by, "late": late, "decision": case.state})


@transaction.atomic
@_refusal_first
def case_close(*, actor: Actor, case: Case, at: datetime | None = None, client_address: str | None = None) -> Case:
    """Close (办结) a delivered case."""
    at = _now(at)
    grant = _authorize(Action.CLOSE, actor=actor, case=case, at=at)
    return _transition(case, actor=actor, grant=grant, action=Action.CLOSE, at=at, client_address=client_address)


@transaction.atomic
@_refusal_first
def case_withdraw(*, actor: Actor, case: Case, reason: str = "", at: datetime | None = None,
                  client_address: str | None = None) -> Case:
    """The applicant withdraws before a decision (撤回): online himself, or
    at the window on his written request."""
    at = _now(at)
    grant = _authorize(Action.WITHDRAW, actor=actor, case=case, at=at)
    reason = _optional_text(reason, "reason", limit=limits.TEXT_MAX)
    return _transition(case, actor=actor, grant=grant, action=Action.WITHDRAW, at=at, data={"reason": reason},
                       then=lambda case: _close_pauses(case, _effective_day(at)), client_address=client_address)


@transaction.atomic
@_refusal_first
def case_terminate(*, actor: Actor, case: Case, reason: str, at: datetime | None = None,
                   client_address: str | None = None) -> Case:
    """Terminate (终止) with a reason, by the department head."""
    at = _now(at)
    grant = _authorize(Action.TERMINATE, actor=actor, case=case, at=at)
    reason = _text(reason, "reason", _("终止办理须写明理由。"))
    return _transition(case, actor=actor, grant=grant, action=Action.TERMINATE, at=at, data={"reason": reason},
                       then=lambda case: _close_pauses(case, _effective_day(at)), client_address=client_address)


def case_immediate(*, actor: Actor, case: Case, opinion: str, received_by: str, at: datetime | None = None,
                   client_address: str | None = None) -> Case:
    """An immediate item (即办件): accept, decide and deliver on the spot,
    each recorded as its own event."""
    kwargs = {"actor": actor, "at": at, "client_address": client_address}
    with transaction.atomic():
        case = case_accept(case=case, **kwargs)
        steps = case_steps(case)
        while case.step < decision_index(steps):
            case = case_complete_step(case=case, opinion=opinion, **kwargs)
        case = case_approve(case=case, opinion=opinion, **kwargs)
        if case.item_version.result_type == "certificate":
            case = case_certify(case=case, certificate_number=f"{case.number}-Z", **kwargs)
        return case_deliver(case=case, method="window", received_by=received_by, **kwargs)


# --- the one entry point of the web and the API -----------------------------------

ACTION_SERVICES: dict[str, Callable[..., Case]] = {
    Action.SUBMIT: case_draft_submit,
    Action.ATTACH_MATERIAL: case_material_attach,
    Action.CHECK_MATERIALS: case_check_materials,
    Action.ACCEPT: case_accept,
    Action.REJECT: case_reject,
    Action.REQUEST_CORRECTION: case_request_correction,
    Action.RESUBMIT: case_resubmit,
    Action.COMPLETE_STEP: case_complete_step,
    Action.SEND_BACK: case_send_back,
    Action.REQUEST_SUSPENSION: case_request_suspension,
    Action.SUSPEND: case_suspend,
    Action.RESUME: case_resume,
    Action.REQUEST_EXTENSION: case_request_extension,
    Action.EXTEND: case_extend,
    Action.REFUSE_REQUEST: case_refuse_request,
    Action.APPROVE: case_approve,
    Action.DENY: case_deny,
    Action.RECORD_PAYMENT: case_record_payment,
    Action.CERTIFY: case_certify,
    Action.DELIVER: case_deliver,
    Action.CLOSE: case_close,
    Action.WITHDRAW: case_withdraw,
    Action.TERMINATE: case_terminate,
}


@functools.cache
def action_params(action: str) -> tuple[str, ...]:
    """The inputs ``action`` takes besides the actor, the case, the time and the client address."""
    signature = inspect.signature(ACTION_SERVICES[action])
    return tuple(name for name in signature.parameters if name not in {"actor", "case", "at", "client_address"})


def case_act(*, actor: Actor, case: Case, action: str, params: dict | None = None, at: datetime | None = None,
             client_address: str | None = None) -> Case:
    """Take ``action`` on ``case`` with its inputs (``params``, by the
    service's keyword names): the web and the API call this and nothing
    else. An action that is not an interface action is NotFound; an input
    the action does not take is refused, naming it."""
    if action not in INTERFACE_ACTIONS:
        raise NotFound(_("没有这个操作。"))
    params = dict(params or {})
    allowed = set(action_params(action))
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise DomainError(_("“%(action)s”不接受参数 %(name)s。") % {"action": Action(action).label, "name": unknown[0]},
                          field=unknown[0])
    return ACTION_SERVICES[action](actor=actor, case=case, at=at, client_address=client_address, **params)


class _KeyTaken(Exception):
    """The idempotency key was stored first by a concurrent retry."""


def case_submit_once(*, actor: User, idempotency_key: str, request_hash: str = "", draft: bool = False,
                     **kwargs) -> tuple[Case, bool]:
    """``case_submit`` (or, with ``draft``, ``case_draft_create``) guarded by
    the client's idempotency key: the same key from the same user returns the
    first case (created=False). ``request_hash`` is the hash of the request's
    canonical body, stored with the key: the same key with another body is
    refused (422). A key stored without a hash accepts any body."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise DomainError(_("请提供 1 至 100 个字符的 Idempotency-Key。"), field="Idempotency-Key")
    earlier = _idempotent_case(actor, key, request_hash)
    if earlier is not None:
        return earlier, False
    # One transaction holds the case and its key: the receipt service runs
    # inside it without a transaction of its own (nested, it would cost a
    # savepoint, two round trips, for nothing), and the key is claimed by an
    # insert that does nothing when the key exists, so no error needs a
    # savepoint to recover from.
    receive = (case_draft_create if draft else case_submit).__wrapped__
    try:
        with transaction.atomic():
            case = receive(actor=actor, **kwargs)
            claimed = statements.insert(IdempotencyKey(user=actor, key=key, request_hash=request_hash, case=case,
                                                       created_at=clock.now()), unless_exists=("user", "key"))
            if claimed is None:
                raise _KeyTaken
    except (_KeyTaken, IntegrityError):
        # The same key raced in from a concurrent retry, which committed first
        # (PostgreSQL made this insert wait for it): this case is rolled back
        # with its number, and the retry is answered with the first case.
        earlier = _idempotent_case(actor, key, request_hash)
        if earlier is None:
            raise Conflict(_("相同的请求正在处理，请稍后查询。")) from None
        return earlier, False
    return case, True


def _idempotent_case(actor: User, key: str, request_hash: str) -> Case | None:
    """The case created earlier under ``key``, or None; the same key with
    another body is refused (422)."""
    # The key alone (a retry is rare): the case row only when there is one.
    existing = idempotency_key_get(user_id=actor.pk, key=key)
    if existing is None:
        return None
    stored_hash, case_id = existing
    if stored_hash and request_hash and stored_hash != request_hash:
        raise Unprocessable(_("该 Idempotency-Key 已用于内容不同的请求，请为新的申请使用新的键。"),
                            field="Idempotency-Key")
    return Case.objects.get(pk=case_id)


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


@transaction.atomic
def case_green_channel_set(*, actor: Actor, case: Case, green: bool, reason: str, at: datetime | None = None,
                           client_address: str | None = None) -> Case:
    """Flag an open case as green channel (绿色通道, DESIGN 3.8), or take the
    flag off, with the reason: a center manager's act (``policy``), one
    event in the case's chain. The case is then served first in the work
    lists and warned earlier (``deadlines.case_scheme``); supervision's scan
    looks at it again today (it sets the new light and raises its alerts)."""
    at = _now(at)
    refusal = None if is_system(actor) else green_channel_refusal(actor, case.center)
    if refusal is not None:
        raise refusal
    reason = _text(reason, "reason", _("请填写理由。"))
    if case.state not in OPEN:
        raise DomainError(_("办件已办结，不能再设置绿色通道。"), field="state")
    if case.green_channel == bool(green):
        raise DomainError(_("该办件已是绿色通道。") if green else _("该办件不是绿色通道。"), field="green_channel")
    _event_append(case, actor=actor, action=GREEN_ON if green else GREEN_OFF, data={"reason": reason}, at=at,
                  client_address=client_address, green_channel=bool(green), watch_on=_local_date(at))
    return case


def _event_append(case: Case, *, actor, action: str, data: dict, at: datetime, client_address: str | None = None,
                  **changes) -> None:
    """An event of the case's chain that is not a transition (the state
    stays): the event and the chain head with ``changes`` in one guarded
    update on (id, version), as a transition's. Conflict when someone else
    changed the case first."""
    event = event_build(case=case, actor=actor, action=action, from_state=case.state, to_state=case.state,
                        data=data, client_address=client_address, at=at)
    updated = statements.update(Case, where={"id": case.pk, "version": case.version}, increment="version",
                                values={**changes, "updated_at": at, "event_seq": event.seq, "event_hash": event.hash})
    if updated != 1:
        raise Conflict(_("该办件刚被他人处理，请刷新后重试。"))
    statements.insert(event)
    case.version += 1
    for field, value in {**changes, "updated_at": at}.items():
        setattr(case, field, value)
    case.event_seq, case.event_hash, case.event_written = event.seq, event.hash, event


@transaction.atomic
def case_note_record(*, actor: Actor, case: Case, action: str, data: dict, at: datetime | None = None,
                     client_address: str | None = None) -> Case:
    """Record in an open case's chain an act on it that is not a transition
    of its lifecycle — a department's findings of a joint inspection,
    drawing review or acceptance (govhall.joint) — so that the case's
    history and ``verify-audit`` show it. ``action`` must be one registered
    with its label (``states.event_labels_register``); the caller checked
    that the actor may act for the case's department (the joint event's
    participants). Refused once the case is decided or ended: what feeds
    a decision comes before it."""
    if action not in NOTE_ACTIONS:
        raise DomainError(_("未登记的办件记录类型。"), field="action")
    if case.state not in BEFORE_DECISION:
        raise DomainError(_("办件已作出决定或已结束，不能再记录。"), field="state")
    at = _now(at)
    _event_append(case, actor=actor, action=action, data={**_behalf(actor, case, at), **data}, at=at,
                  client_address=client_address)
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


# --- the grounds of special procedure a center adds ------------------------------

def _require_ground_admin(actor: Actor, center: Center) -> None:
    """System administrators, and managers of the center or one above it."""
    if is_system(actor) or actor.is_superuser or actor.role == Role.SYSTEM_ADMIN:
        return
    if actor.role == Role.CENTER_MANAGER and actor.center_id and center.path.startswith(actor.center.path):
        return
    raise NotPermitted(_("您无权为该中心登记特别程序情形。"))


@transaction.atomic
def suspension_ground_add(*, actor: Actor, center: Center, code: str, name: str, legal_basis: str) -> LocalSuspensionGround:
    """Add a ground of special procedure to the national list of art. 45
    for ``center`` and the centers below it — only together with the legal
    basis that allows it (a provincial regulation, say), printed on every
    notice that relies on it."""
    from django.utils.text import slugify

    _require_ground_admin(actor, center)
    code = (code or "").strip()
    if not code or slugify(code) != code or len(code) > 20:
        raise DomainError(_("代码须为 1 至 20 位小写字母、数字、连字符或下划线。"), field="code")
    if code in SuspensionGround.values:
        raise DomainError(_("该代码是法定情形，无需登记。"), field="code")
    name = _text(name, "name", _("请填写情形名称。"), limit=40)
    legal_basis = _text(legal_basis, "legal_basis", _("地方增加的特别程序情形须写明法律依据（法规名称及条款）。"),
                        limit=limits.PAUSE_REASON_MAX)
    if LocalSuspensionGround.objects.filter(center=center, code=code).exists():
        raise DomainError(_("该中心已登记此代码。"), field="code")
    ground = LocalSuspensionGround.objects.create(center=center, code=code, name=name, legal_basis=legal_basis,
                                                  created_at=clock.now(), created_by=person(actor))
    audit_record(actor=actor, action="suspension_ground_add", target=ground,
                 data={"center": center.code, "code": code, "name": name, "legal_basis": legal_basis})
    return ground


@transaction.atomic
def suspension_ground_remove(*, actor: Actor, ground: LocalSuspensionGround) -> None:
    """Withdraw a local ground (pauses already started keep theirs: their
    name and basis were copied when they started)."""
    _require_ground_admin(actor, ground.center)
    audit_record(actor=actor, action="suspension_ground_remove", target=ground,
                 data={"center": ground.center.code, "code": ground.code, "name": ground.name})
    ground.delete()


# --- what a person may do now ------------------------------------------------

def case_actions_for(actor: User, case: Case) -> list[str]:
    """The actions ``actor`` may take on ``case`` now, by the policy table
    (the workbench, the portal and the API show only these; the services
    check again when one is taken)."""
    return actions_for(actor, case, steps=case_steps(case), today=clock.today())
