"""Every change of joint approval (并联审批, DESIGN 3.7): theme configuration
by center managers, the combined application (一表制) at the comprehensive
window (一窗受理) or online, stages started one sub-case per item through
the case services, and the unified delivery (统一出件).

Each service checks the actor first, runs in one transaction and writes one
``core.AuditEvent`` per change of the joint case (the audit log of
reference data and orchestration: the legal acts — receipt, acceptance,
decision, notices, delivery — are the sub-cases' own, in their hash chains;
docs/joint.md, "Events"). The lifecycle of each item is never copied here.
"""

import functools
import secrets
from datetime import datetime

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.cases import services as cases
from govhall.cases.deadlines import received_on
from govhall.cases.models import ApplicantKind, Case, CaseCounter, Channel
from govhall.cases.selectors import (
    case_materials,
    cases_load_for_act,
    suspension_ground_get,
    version_published_kept,
)
from govhall.cases.states import DECIDED, FINISHED, State
from govhall.catalog.application_form import delivery_clean, delivery_offered, field_key, form_data_clean
from govhall.catalog.models import Item, VersionStatus
from govhall.core import clock, identity, statements
from govhall.core.actors import SYSTEM, Actor, is_system, person
from govhall.core.audit import audit_record
from govhall.core.counters import counter_next
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.observability import mask_personal_data
from govhall.core.statements import Prepared
from govhall.core.uploads import SCANS, upload_check
from govhall.joint import alerts
from govhall.joint.deadlines import stage_watch, whole_watch
from govhall.joint.forms import CombinedForm, theme_form
from govhall.joint.models import (
    JOINT_OPEN,
    WHOLE_DAYS_DEFAULT,
    WHOLE_EXTENSION_MAX,
    FindingOutcome,
    JointCase,
    JointEvent,
    JointEventKind,
    JointFinding,
    JointMaterial,
    JointStage,
    JointState,
    Stage,
    StageItem,
    StageState,
    SubCase,
    Theme,
    ThemeStatus,
)
from govhall.joint.plans import theme_plan, theme_plan_forget
from govhall.joint.tracking import contact_record
from govhall.org import services as org_services
from govhall.org.models import Center, Department, User, WindowKind
from govhall.org.selectors import user_department_ids
from govhall.org.roles import Role

CODE_MAX = 40
NAME_MAX = 100
STAGE_NAME_MAX = 50
STAGES_MAX = 12
ORIGINAL_NAME_MAX = JointMaterial._meta.get_field("original_name").max_length
ITEMS_PER_STAGE_MAX = 30
# A sub-case whose state is one of these is settled for its stage: decided,
# or ended without a decision (not accepted, withdrawn, terminated).
SETTLED = DECIDED | FINISHED
GRANTED = frozenset({State.APPROVED, State.DELIVERED, State.CLOSED})


def _now(at: datetime | None) -> datetime:
    return at or clock.now()


def _day(at: datetime):
    return timezone.localtime(at).date()


# --- who may act -------------------------------------------------------------------

def _require_theme_admin(actor: Actor, center: Center) -> None:
    """Whoever may change the center's organization — system administrators,
    managers of the center or one above it (one rule: org.services) —
    configures its themes and records the whole's extension."""
    try:
        org_services._require_org_admin(actor, center)
    except NotPermitted:
        raise NotPermitted(_("您无权配置该中心的并联审批主题。")) from None


def _require_window_at(actor: Actor, center: Center) -> None:
    """Staff of a window of ``center`` (the comprehensive window receives
    and delivers a joint case; each item's grant is still tested by the
    case services), or the system."""
    if is_system(actor):
        return
    if actor.role in (Role.APPLICANT, Role.SUPERVISOR) or actor.window_id is None or actor.window.center_id != center.pk:
        raise NotPermitted(_("只有本中心窗口的工作人员可以办理该联办件。"))


# --- theme configuration ------------------------------------------------------------

@transaction.atomic
def theme_create(*, actor: Actor, center: Center, code: str, name: str, whole_days: int = WHOLE_DAYS_DEFAULT,
                 description: str = "", at: datetime | None = None) -> Theme:
    """Create a joint-approval theme (主题/一件事) of ``center`` as a draft,
    with the whole's time limit (at most the 45 working days of art. 42)."""
    from django.utils.text import slugify

    _require_theme_admin(actor, center)
    code = (code or "").strip() if isinstance(code, str) else ""
    if not code or slugify(code) != code or len(code) > CODE_MAX:
        raise DomainError(_("主题编码须为 1 至 40 位小写字母、数字、连字符或下划线。"), field="code")
    if Theme.objects.filter(code=code).exists():
        raise DomainError(_("主题编码已存在。"), field="code")
    name = cases._text(name, "name", _("请填写主题名称。"), limit=NAME_MAX)
    if isinstance(whole_days, bool) or not isinstance(whole_days, int) or not 1 <= whole_days <= WHOLE_DAYS_DEFAULT:
        raise DomainError(_("整体办理时限应为 1 至 45 个工作日（行政许可法第四十二条）。"), field="whole_days")
    theme = Theme.objects.create(code=code, name=name, center=center, whole_days=whole_days,
                                 description=(description or "").strip(), created_at=_now(at))
    audit_record(actor=actor, action="joint_theme_create", target=theme,
                 data={"code": code, "name": name, "center": center.code, "whole_days": whole_days})
    return theme


def _stage_specs(theme: Theme, stages) -> list[dict]:
    """The stages as given, checked: each named, with a lead department, its
    items published and each once in the theme, its dependencies earlier or
    later stages of the list without a cycle. Errors name the place
    (``stages[1].lead_department``, ``stages[2].items[0]``, ``stages[0].depends_on``)."""
    if not isinstance(stages, list) or not stages:
        raise DomainError(_("请至少配置一个阶段。"), field="stages")
    if len(stages) > STAGES_MAX:
        raise DomainError(_("一个主题最多 %(n)s 个阶段。") % {"n": STAGES_MAX}, field="stages")
    departments = {d.code: d for d in Department.objects.filter(center__path__startswith=theme.center.path)}
    wanted = {code for s in stages if isinstance(s, dict) for code in (s.get("items") or []) if isinstance(code, str)}
    items = {i.code: i for i in Item.objects.filter(code__in=wanted).select_related("current")}
    names: dict[str, int] = {}
    seen_items: dict[str, str] = {}
    cleaned = []
    for index, spec in enumerate(stages):
        where = f"stages[{index}]"
        if not isinstance(spec, dict):
            raise DomainError(_("阶段应写明名称、牵头部门和事项。"), field=where)
        name = cases._text(spec.get("name"), f"{where}.name", _("请填写阶段名称。"), limit=STAGE_NAME_MAX)
        if name in names:
            raise DomainError(_("阶段名称“%(name)s”重复。") % {"name": name}, field=f"{where}.name")
        names[name] = index
        lead = departments.get(spec.get("lead_department") or "")
        if lead is None:
            raise DomainError(_("阶段“%(name)s”须指定本中心的牵头部门。") % {"name": name}, field=f"{where}.lead_department")
        codes = spec.get("items")
        if not isinstance(codes, list) or not codes:
            raise DomainError(_("阶段“%(name)s”须至少包含一个事项。") % {"name": name}, field=f"{where}.items")
        if len(codes) > ITEMS_PER_STAGE_MAX:
            raise DomainError(_("一个阶段最多 %(n)s 个事项。") % {"n": ITEMS_PER_STAGE_MAX}, field=f"{where}.items")
        stage_items = []
        for position, code in enumerate(codes):
            place = f"{where}.items[{position}]"
            item = items.get(code) if isinstance(code, str) else None
            if item is None:
                raise DomainError(_("没有编码为“%(code)s”的事项。") % {"code": str(code)[:80]}, field=place)
            if code in seen_items:
                raise DomainError(_("事项“%(item)s”已在阶段“%(stage)s”中，同一主题中一个事项只能出现一次。")
                                  % {"item": item, "stage": seen_items[code]}, field=place)
            if item.current is None or item.current.status != VersionStatus.PUBLISHED:
                raise DomainError(_("事项“%(item)s”没有已发布的版本。") % {"item": item}, field=place)
            seen_items[code] = name
            stage_items.append(item)
        depends = spec.get("depends_on") or []
        if not isinstance(depends, list):
            raise DomainError(_("前置阶段应为阶段名称的列表。"), field=f"{where}.depends_on")
        cleaned.append({"name": name, "lead": lead, "items": stage_items, "depends_on": depends,
                        "stage_days": _stage_days(theme, spec.get("stage_days"), f"{where}.stage_days")})
    for index, spec in enumerate(cleaned):
        for position, other in enumerate(spec["depends_on"]):
            if other not in names or other == spec["name"]:
                raise DomainError(_("前置阶段“%(name)s”不是本主题的另一阶段。") % {"name": str(other)[:50]},
                                  field=f"stages[{index}].depends_on[{position}]")
        spec["depends_on"] = sorted({names[other] for other in spec["depends_on"]})
    cycle = _cycle(cleaned)
    if cycle is not None:
        raise DomainError(_("前置阶段形成循环：%(path)s。") % {"path": " → ".join(cleaned[i]["name"] for i in cycle)},
                          field=f"stages[{cycle[0]}].depends_on")
    return cleaned


def _stage_days(theme: Theme, value, field: str) -> int | None:
    """A stage's own time limit: blank (none), or 1 to the whole's days."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= theme.whole_days:
        raise DomainError(_("阶段办理时限应为 1 至 %(n)s 个工作日（不超过整体办理时限），或留空。")
                          % {"n": theme.whole_days}, field=field)
    return value


def _cycle(stages: list[dict]) -> list[int] | None:
    """A cycle of dependencies among ``stages`` (indexes, the first repeated
    at the end), or None."""
    colour: dict[int, int] = {}  # 1: on the current path, 2: finished

    def visit(index: int, path: list[int]) -> list[int] | None:
        colour[index] = 1
        for other in stages[index]["depends_on"]:
            if colour.get(other) == 1:
                return [*path[path.index(other):], index, other] if other in path else [index, other]
            if other not in colour:
                found = visit(other, [*path, index])
                if found:
                    return found
        colour[index] = 2
        return None

    for start in range(len(stages)):
        if start not in colour:
            found = visit(start, [])
            if found:
                return found
    return None


@transaction.atomic
def theme_configure(*, actor: Actor, theme: Theme, stages: list[dict]) -> Theme:
    """Set the stages of a draft theme at once: ``[{"name", "lead_department"
    (department code), "items": [item codes], "depends_on": [stage names]}]``.
    Refused as a whole, naming the place at fault: a stage without a lead
    department, an item twice, an item without a published version, a
    dependency cycle, and answers the items would ask under the same key with
    different definitions (the combined form asks each key once)."""
    _require_theme_admin(actor, theme.center)
    if theme.status != ThemeStatus.DRAFT:
        raise DomainError(_("只能修改草稿状态的主题；请先创建新版本。"), field="status")
    cleaned = _stage_specs(theme, stages)
    theme_form([item.current for spec in cleaned for item in spec["items"]], check=True)
    theme_plan_forget(theme)
    theme.stages.all().delete()
    made = [Stage.objects.create(theme=theme, order=index + 1, name=spec["name"], lead_department=spec["lead"],
                                 stage_days=spec["stage_days"])
            for index, spec in enumerate(cleaned)]
    StageItem.objects.bulk_create([StageItem(theme=theme, stage=made[index], item=item, order=position)
                                   for index, spec in enumerate(cleaned) for position, item in enumerate(spec["items"])])
    for index, spec in enumerate(cleaned):
        made[index].depends_on.set([made[other] for other in spec["depends_on"]])
    audit_record(actor=actor, action="joint_theme_configure", target=theme,
                 data={"code": theme.code, "version": theme.version,
                       "stages": [{"name": s["name"], "lead_department": s["lead"].code,
                                   "stage_days": s["stage_days"], "items": [i.code for i in s["items"]],
                                   "depends_on": [cleaned[o]["name"] for o in s["depends_on"]]} for s in cleaned]})
    return theme


def configured_stages(theme: Theme) -> list[dict]:
    """A theme's stages in the shape ``theme_configure`` takes."""
    return [{"name": stage.name, "lead_department": stage.lead_department.code if stage.lead_department else "",
             "stage_days": stage.stage_days,
             "items": [si.item.code for si in stage.items.select_related("item")],
             "depends_on": [other.name for other in stage.depends_on.all()]}
            for stage in theme.stages.prefetch_related("depends_on").select_related("lead_department")]


@transaction.atomic
def theme_publish(*, actor: Actor, theme: Theme, at: datetime | None = None) -> Theme:
    """Publish a draft theme: its configuration checked again (an item may
    have lost its published version meanwhile); the version published before
    it is superseded (joint cases keep the version they were received under)."""
    _require_theme_admin(actor, theme.center)
    if theme.status != ThemeStatus.DRAFT:
        raise DomainError(_("只能发布草稿状态的主题。"), field="status")
    specs = configured_stages(theme)
    if not specs:
        raise DomainError(_("请至少配置一个阶段。"), field="stages")
    cleaned = _stage_specs(theme, specs)
    theme_form([item.current for spec in cleaned for item in spec["items"]], check=True)
    at = _now(at)
    Theme.objects.filter(code=theme.code, status=ThemeStatus.PUBLISHED).update(status=ThemeStatus.SUPERSEDED)
    theme.status, theme.published_at = ThemeStatus.PUBLISHED, at
    theme.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action="joint_theme_publish", target=theme, data={"code": theme.code, "version": theme.version})
    return theme


@transaction.atomic
def theme_revise(*, actor: Actor, theme: Theme, at: datetime | None = None) -> Theme:
    """Open a new draft version of a published theme, a copy of its stages."""
    _require_theme_admin(actor, theme.center)
    if theme.status != ThemeStatus.PUBLISHED:
        raise DomainError(_("只能在已发布的版本上修订。"), field="status")
    if Theme.objects.filter(code=theme.code, status=ThemeStatus.DRAFT).exists():
        raise DomainError(_("该主题已有草稿版本。"), field="status")
    draft = Theme.objects.create(code=theme.code, version=theme.version + 1, name=theme.name, center=theme.center,
                                 whole_days=theme.whole_days, description=theme.description, created_at=_now(at))
    specs = configured_stages(theme)
    audit_record(actor=actor, action="joint_theme_revise", target=draft, data={"code": theme.code, "version": draft.version})
    return theme_configure(actor=actor, theme=draft, stages=specs)


@transaction.atomic
def theme_update(*, actor: Actor, theme: Theme, name: str, whole_days: int, description: str = "") -> Theme:
    """Change a draft theme's name, whole time limit (at most the 45 working
    days of art. 42) and description (the catalog import: joint.exchange)."""
    _require_theme_admin(actor, theme.center)
    if theme.status != ThemeStatus.DRAFT:
        raise DomainError(_("只能修改草稿状态的主题；请先创建新版本。"), field="status")
    theme.name = cases._text(name, "name", _("请填写主题名称。"), limit=NAME_MAX)
    if isinstance(whole_days, bool) or not isinstance(whole_days, int) or not 1 <= whole_days <= WHOLE_DAYS_DEFAULT:
        raise DomainError(_("整体办理时限应为 1 至 45 个工作日（行政许可法第四十二条）。"), field="whole_days")
    theme.whole_days, theme.description = whole_days, (description or "").strip()
    theme.save(update_fields=["name", "whole_days", "description"])
    audit_record(actor=actor, action="joint_theme_update", target=theme,
                 data={"code": theme.code, "version": theme.version, "name": theme.name, "whole_days": whole_days})
    return theme


# --- the combined application ----------------------------------------------------------

def _combined_answers(versions: list, form_data, form: CombinedForm | None = None) -> dict:
    """The combined form's answers, each key once: every item's own rules
    applied to its keys (``catalog.application_form``), a key no item asks
    refused by name (``form.<key>``)."""
    if form_data is None:
        form_data = {}
    if not isinstance(form_data, dict):
        raise DomainError(_("申请表内容应为“字段标识: 填写内容”的对象。"), field="form_data")
    known = {field["key"] for field in (form or theme_form(versions)).fields}
    for key in form_data:
        if key not in known:
            raise DomainError(_("申请表中没有“%(key)s”这一项。") % {"key": str(key)[:40]},
                              field=field_key(key) if isinstance(key, str) else "form_data")
    cleaned: dict = {}
    for version in versions:
        own = {f["key"] for f in version.form_fields or []}
        cleaned.update(form_data_clean(version, {k: v for k, v in form_data.items() if k in own}))
    return cleaned


MATERIAL_MAX_BYTES = cases.MATERIAL_MAX_BYTES


def _handed_in(form: CombinedForm, materials, files) -> tuple[list[str], dict]:
    """The shared materials handed in, each once by name: at the window the
    names the clerk ticked (the originals seen), online the files uploaded.
    Every material an item requires from the applicant must be among them."""
    known = {m["name"] for m in form.materials}
    names: list[str] = []
    checked_files: dict = {}
    if files is not None:
        if not isinstance(files, dict):
            raise DomainError(_("请按材料名称上传文件。"), field="files")
        for name, (filename, content) in files.items():
            if name not in known:
                raise DomainError(_("没有名为“%(name)s”的申请材料。") % {"name": str(name)[:100]}, field=f"files.{name}")
            checked_files[name] = (upload_check(filename=str(filename or ""), content=content, allowed=SCANS,
                                                max_bytes=MATERIAL_MAX_BYTES, field=f"files.{name}"), filename, content)
        names = list(checked_files)
    else:
        if not isinstance(materials, list | tuple):
            raise DomainError(_("请勾选已收取的申请材料。"), field="materials")
        for index, name in enumerate(materials):
            if name not in known:
                raise DomainError(_("没有名为“%(name)s”的申请材料。") % {"name": str(name)[:100]},
                                  field=f"materials[{index}]")
            if name not in names:
                names.append(name)
    missing = [m["name"] for m in form.materials if m["required"] and m["name"] not in names]
    if missing:
        raise DomainError(_("尚缺必要材料：%(list)s。") % {"list": "、".join(missing)}, field="materials")
    return names, checked_files


def theme_versions(theme: Theme) -> list:
    """The published version of each item of ``theme`` in the order of its
    stages (None for an item without one), as receiving a case reads it
    (``version_published_kept``: with its steps and materials, kept)."""
    return [version_published_kept(code=stage_item.item.code)
            for plan in theme_plan(theme).values() for stage_item in plan.items]


@transaction.atomic
def joint_submit(*, actor: Actor, theme: Theme, applicant_name: str, applicant_id_number: str, applicant_phone: str,
                 applicant_kind: str = ApplicantKind.PERSON, form_data: dict | None = None,
                 materials: list[str] | None = None, files: dict | None = None, applicant: User | None = None,
                 delivery_method: str = "", delivery_address: str = "", at: datetime | None = None) -> JointCase:
    """Receive a combined application (一表制): at the comprehensive window
    by a clerk of the theme's center or a center below it (一窗受理:
    ``materials``, the shared materials' names ticked as seen), or online by
    the applicant as himself (``files``: {material name: (filename, bytes)},
    each uploaded once for every item that asks for it). The answers are
    every item's form fields, each key asked once; the delivery method one
    that every item offers (one delivery for all, 统一出件). The stages without
    dependencies start at once: one sub-case per item (牵头受理、抄告相关、
    同步审批). Refused, naming the field, before anything is written."""
    at = _now(at)
    if theme.status != ThemeStatus.PUBLISHED:
        raise DomainError(_("该主题没有发布，不能申请。"), field="theme")
    online = not is_system(actor) and actor.role == Role.APPLICANT
    if online:
        center, window, channel = theme.center, None, Channel.ONLINE
    else:
        if not is_system(actor) and (actor.window_id is None or actor.window.kind != WindowKind.COMPREHENSIVE
                                     or actor.role not in (Role.CLERK, Role.CHIEF_REPRESENTATIVE)):
            raise NotPermitted(_("联办件由综合窗口收件（一窗受理）。"))
        window = None if is_system(actor) else actor.window
        center = theme.center if window is None else window.center
        _require_window_at(actor, center)
        channel = Channel.WINDOW
    if not center.path.startswith(theme.center.path):
        raise NotPermitted(_("该主题不在本中心办理。"))
    if applicant_kind not in ApplicantKind.values:
        raise DomainError(_("未知的申请人类型。"), field="applicant_kind")
    name = cases._text(applicant_name, "applicant_name", _("请填写申请人。"), limit=cases.limits.APPLICANT_NAME_MAX)
    id_number = identity.applicant_id(cases._text(applicant_id_number, "applicant_id_number", _("请填写证件号码。"),
                                            limit=cases.limits.ID_NUMBER_MAX), applicant_kind)
    phone = identity.phone(cases._text(applicant_phone, "applicant_phone", _("请填写联系电话。"), limit=cases.limits.PHONE_MAX),
                           field="applicant_phone")
    if online:
        cases._require_own_identity(actor, name=name, id_number=id_number)
        applicant = actor
    versions = theme_versions(theme)
    if any(v is None or v.status != VersionStatus.PUBLISHED for v in versions):
        raise DomainError(_("主题中有事项暂无已发布的版本，不能申请。"), field="theme")
    form = theme_form(versions)
    answers = _combined_answers(versions, form_data, form)
    method, address = delivery_clean(delivery_offered(*versions), delivery_method, delivery_address)
    names, uploads = _handed_in(form, materials, files if online else None)
    day = received_on(at)
    number = f"{center.code}-LB{_day(at):%Y%m%d}-{counter_next(CaseCounter, center=center, day=_day(at)):05d}"
    joint = JointCase(number=number, query_code="".join(secrets.choice(cases.QUERY_CODE_ALPHABET) for _i in range(8)),
                      theme=theme, center=center, window=window, received_by=person(actor), applicant=applicant,
                      applicant_kind=applicant_kind, applicant_name=name, applicant_id_number=id_number,
                      applicant_phone=phone, channel=channel, form_data=answers, materials=names,
                      delivery_method=method, delivery_address=address, received_on=day, created_at=at, updated_at=at)
    _watch(joint, at)
    joint.save()
    if alerts.whole_warned(joint, ""):  # a whole of a day or two: yellow from the start
        alerts.whole_alerts_sync(joint, light_before="", at=at)
    for material, (upload, filename, content) in uploads.items():
        _material_store(joint, material, upload, filename, content, at)
    if not online and not is_system(actor):
        # The card (审批跟踪卡) is made with the receipt, which is its first
        # contact: the comprehensive window's, from the moment of receipt.
        contact_record(actor=actor, target=joint, at=at)
    stages = JointStage.objects.bulk_create([JointStage(joint_case=joint, stage=plan.stage)
                                             for plan in theme_plan(theme).values()])
    audit_record(actor=actor, action="joint_submit", target=joint,
                 data={"number": number, "theme": theme.code, "version": theme.version, "channel": channel,
                       "form": _masked_answers(answers), "materials": names, "due_date": _iso(joint.due_date)})
    # Online, the sub-cases are received by the system for the applicant
    # (the files are attached to each after it); at the window, by the clerk.
    _start_ready(joint, actor=SYSTEM if online else actor, at=at, strict=True, stages=stages)
    return joint


def _material_store(joint: JointCase, name: str, upload, filename: str, content: bytes, at: datetime) -> None:
    import hashlib

    from django.core.files.base import ContentFile

    record = JointMaterial(joint_case=joint, name=name, original_name=_original_name(filename, upload.suffix),
                           content_type=upload.content_type, size=len(content),
                           sha256=hashlib.sha256(content).hexdigest(), uploaded_at=at)
    record.file.save(f"{joint.number}-{len(joint.materials)}{upload.suffix}", ContentFile(content), save=False)
    record.save()


def _masked_answers(answers: dict) -> dict:
    """The combined answers as the audit log keeps them: any identity number
    or phone written in a text answer masked (docs/security.md)."""
    return {key: mask_personal_data(value) if isinstance(value, str) else value for key, value in answers.items()}


def _original_name(filename: str, suffix: str) -> str:
    """An uploaded file's name as kept (at most ``ORIGINAL_NAME_MAX``
    characters), shortened before its extension so that it still ends with
    it: the name is checked again when the file is attached to a sub-case."""
    name = str(filename or "")
    if len(name) <= ORIGINAL_NAME_MAX:
        return name
    ending = name[len(name) - len(suffix):] if name.lower().endswith(suffix) else suffix
    return name[:ORIGINAL_NAME_MAX - len(ending)] + ending


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def _watch(joint: JointCase, at: datetime) -> None:
    """The whole's deadline and light on the row, for the state it is in."""
    watch = whole_watch(joint, today=_day(at), running=joint.state in (JointState.RUNNING, JointState.READY))
    joint.due_date, joint.deadline_provisional = watch.due_date, watch.provisional
    joint.light, joint.watch_on = watch.light, watch.watch_on


# --- stages ---------------------------------------------------------------------

def _sub_case_open(joint: JointCase, joint_stage: JointStage, stage_item: StageItem, *, actor: Actor,
                   at: datetime) -> SubCase:
    """One sub-case for ``stage_item``: a real case of the item's department,
    received through ``cases.case_submit`` with the combined answers to the
    item's own fields and, online, the shared files it asks for. The
    item's published version is the one a window receipt reads (kept by the
    process with its steps and materials)."""
    version = version_published_kept(code=stage_item.item.code)
    if version is None:
        raise DomainError(_("事项“%(item)s”没有已发布的版本。") % {"item": stage_item.item}, field="item")
    own = {f["key"] for f in version.form_fields or []}
    case = cases.case_submit(actor=actor, item_version=version, center=joint.center, channel=joint.channel,
                             applicant_name=joint.applicant_name, applicant_id_number=joint.applicant_id_number,
                             applicant_phone=joint.applicant_phone, applicant_kind=joint.applicant_kind,
                             applicant=joint.applicant, form_data={k: v for k, v in joint.form_data.items() if k in own},
                             delivery_method=joint.delivery_method, delivery_address=joint.delivery_address,
                             green_channel=joint.green_channel, at=at)
    if joint.channel == Channel.ONLINE:
        stored = {m.name: m for m in joint.uploads.all()}
        for material in case_materials(case):
            upload = stored.get(material.name)
            if upload is not None:
                with upload.file.open("rb") as handle:
                    case = cases.case_material_attach(actor=SYSTEM, case=case, material_order=material.order,
                                                      filename=upload.original_name, content=handle.read(), at=at)
    return SubCase(joint_case=joint, joint_stage=joint_stage, stage_item=stage_item, case=case, item_version=version)


def _stage_start(joint: JointCase, joint_stage: JointStage, *, actor: Actor, at: datetime) -> None:
    items = theme_plan(joint.theme)[joint_stage.stage_id].items
    SubCase.objects.bulk_create([_sub_case_open(joint, joint_stage, stage_item, actor=actor, at=at)
                                 for stage_item in items])
    joint_stage.state, joint_stage.started_on = StageState.RUNNING, _day(at)
    _stage_watch_set(joint_stage, joint, at)
    statements.update(JointStage, where={"id": joint_stage.pk},
                      values={name: getattr(joint_stage, name)
                              for name in ("state", "started_on", "due_date", "light", "watch_on")})
    if alerts.stage_warned(joint_stage, ""):
        alerts.stage_alerts_sync(joint_stage, joint, light_before="", at=at)
    audit_record(actor=actor, action="joint_stage_start", target=joint,
                 data={"number": joint.number, "stage": joint_stage.stage.name,
                       "lead_department": joint_stage.stage.lead_department.code,
                       "items": [si.item.code for si in items]})


@functools.cache
def _stages_statement(alias: str) -> Prepared:
    return Prepared(alias, ((JointStage, "js"),),
                    lambda t, c: f"FROM {t(JointStage)} js WHERE js.{c(JointStage, 'joint_case')} = %s")


def _joint_stages(joint: JointCase) -> list[JointStage]:
    """The stages of ``joint`` in their order, each with its theme stage
    (and lead department) as the theme's plan keeps it."""
    plan = theme_plan(joint.theme)
    rows = _stages_statement(router.db_for_read(JointStage)).fetch_all([joint.pk])
    stages = sorted(rows, key=lambda s: plan[s.stage_id].stage.order)
    for joint_stage in stages:
        joint_stage.stage = plan[joint_stage.stage_id].stage
    return stages


def _start_ready(joint: JointCase, *, actor: Actor, at: datetime, strict: bool = False,
                 stages: list[JointStage] | None = None) -> bool:
    """Start every waiting stage whose dependencies are all done; whether
    every stage is done (nothing left to start or wait for). At
    submission (``strict``) a refusal refuses the application; later, a
    stage whose sub-cases cannot be received (an item republished meanwhile
    with a new question) stays waiting, recorded, for ``joint_stage_start``
    — the decision that ended the previous stage stands."""
    plan = theme_plan(joint.theme)
    stages = _joint_stages(joint) if stages is None else stages
    done = {s.stage_id for s in stages if s.state == StageState.DONE}
    for joint_stage in stages:
        if joint_stage.state != StageState.WAITING:
            continue
        if plan[joint_stage.stage_id].depends_on <= done:
            try:
                with transaction.atomic():
                    _stage_start(joint, joint_stage, actor=actor, at=at)
            except DomainError as error:
                if strict:
                    raise
                audit_record(actor=actor, action="joint_stage_start_failed", target=joint,
                             data={"number": joint.number, "stage": joint_stage.stage.name, "error": error.message,
                                   "field": error.field or ""})
    return len(done) == len(stages)


@transaction.atomic
def joint_stage_start(*, actor: Actor, joint_stage: JointStage, form_data: dict | None = None,
                      at: datetime | None = None) -> JointStage:
    """Start by hand a stage that could not start by itself when its
    dependencies were done — an item republished meanwhile with a question
    the combined form did not ask: ``form_data`` gives the missing answers
    (checked by the items' own rules and kept with the others)."""
    at = _now(at)
    _require_window_at(actor, joint_stage.joint_case.center)
    joint = _locked(joint_stage.joint_case)
    joint_stage = JointStage.objects.select_related("stage__lead_department").get(pk=joint_stage.pk)
    if joint.state != JointState.RUNNING or joint_stage.state != StageState.WAITING:
        raise DomainError(_("该阶段不在等待状态。"), field="state")
    done = set(joint.stages.filter(state=StageState.DONE).values_list("stage_id", flat=True))
    if any(dep.pk not in done for dep in joint_stage.stage.depends_on.all()):
        raise DomainError(_("前置阶段尚未完成。"), field="state")
    if form_data:
        versions = [si.item.current for si in joint_stage.stage.items.select_related("item__current")]
        asked = {field["key"] for field in theme_form(versions).fields}
        given = {key: value for key, value in joint.form_data.items() if key in asked}
        if not isinstance(form_data, dict):
            raise DomainError(_("申请表内容应为“字段标识: 填写内容”的对象。"), field="form_data")
        joint.form_data = {**joint.form_data, **_combined_answers(versions, {**given, **form_data})}
        _save(joint, at, "form_data")
    _stage_start(joint, joint_stage, actor=actor, at=at)
    return joint_stage


def _stage_watch_set(joint_stage: JointStage, joint: JointCase, at: datetime) -> None:
    """The stage's own deadline and light on its row's fields, for the state
    it and the joint case are in (none without a stage limit)."""
    watch = stage_watch(joint_stage, joint, today=_day(at))
    if watch.due_date is not None or joint_stage.state == StageState.RUNNING:
        joint_stage.due_date = watch.due_date
    joint_stage.light, joint_stage.watch_on = watch.light, watch.watch_on


def _stages_rewatch(joint: JointCase, at: datetime) -> None:
    """The running stages' deadlines and lights again after the joint case's
    clock stopped or ran again (their clocks stand with the whole's): one
    read of the stages with a limit of their own, one write each."""
    stages = (joint.stages.filter(state=StageState.RUNNING, stage__stage_days__isnull=False)
              .select_related("stage__lead_department"))
    for joint_stage in stages:
        before = joint_stage.light
        _stage_watch_set(joint_stage, joint, at)
        JointStage.objects.filter(pk=joint_stage.pk).update(due_date=joint_stage.due_date, light=joint_stage.light,
                                                            watch_on=joint_stage.watch_on)
        if alerts.stage_warned(joint_stage, before):
            alerts.stage_alerts_sync(joint_stage, joint, light_before=before, at=at)


def _pause_closed(joint: JointCase, at: datetime) -> list:
    """The joint case's pauses, the open one (while it stood stopped) closed
    on the working day the whole's clock runs again from ``at``."""
    start, _end = joint.pauses[-1]
    return [*joint.pauses[:-1], [start, max(received_on(at), _day(at)).isoformat()]]


@functools.cache
def _joint_statement(alias: str, lock: bool) -> Prepared:
    def tail(t, c) -> str:
        locking = " FOR UPDATE OF j" if lock and connections[alias].features.has_select_for_update_of else ""
        return (f"FROM {t(JointCase)} j INNER JOIN {t(Theme)} h ON h.{c(Theme, 'id')} = j.{c(JointCase, 'theme')}"
                f" INNER JOIN {t(Center)} n ON n.{c(Center, 'id')} = j.{c(JointCase, 'center')}"
                f" WHERE j.{c(JointCase, 'id')} = %s{locking}")
    return Prepared(alias, ((JointCase, "j"), (Theme, "h"), (Center, "n")), tail)


def _joint_load(joint_case_id: int, *, lock: bool = False) -> JointCase:
    """The joint case's row with its theme and center, in one prepared statement."""
    found = _joint_statement(router.db_for_write(JointCase) if lock else router.db_for_read(JointCase), lock).fetch(
        [joint_case_id])
    if found is None:
        raise JointCase.DoesNotExist
    (joint, theme, center), = found
    joint.theme, joint.center = theme, center
    return joint


def _locked(joint: JointCase) -> JointCase:
    """The joint case's row, locked until the transaction ends (PostgreSQL;
    SQLite serializes writers): two sub-cases of a stage decided at once
    settle the stage once, the second seeing the first's decision."""
    return _joint_load(joint.pk, lock=True)


def _save(joint: JointCase, at: datetime, *fields: str) -> None:
    """Write ``fields`` of a locked joint case, its whole's watch recomputed
    (and its alert, when the light is or was yellow or red)."""
    before = joint.light
    _watch(joint, at)
    joint.updated_at = at
    statements.update(JointCase, where={"id": joint.pk}, increment="version", values={
        "updated_at": at, "due_date": joint.due_date, "deadline_provisional": joint.deadline_provisional,
        "light": joint.light, "watch_on": joint.watch_on, **{field: getattr(joint, field) for field in fields}})
    joint.version += 1
    if alerts.whole_warned(joint, before):
        alerts.whole_alerts_sync(joint, light_before=before, at=at)


def sub_case_settled(*, case: Case, at: datetime, joint_case_id: int, joint_stage_id: int, granted: bool) -> None:
    """A decision or an end without one settled the last current sub-case
    of a running stage (the ``case_changed`` receiver found it, with the
    joint case's row locked, inside that transaction): the stage is done
    (every sub-case ``granted``) or failed (any not granted). Done starts
    the stages that waited for it, and the last one makes the joint case
    ready for the unified delivery; failed stops the joint case
    (docs/joint.md, "When a sub-case is not granted")."""
    joint = _joint_load(joint_case_id)
    stages = _joint_stages(joint)
    joint_stage = next(s for s in stages if s.pk == joint_stage_id)
    day = _day(at)
    joint_stage.state, joint_stage.ended_on = (StageState.DONE if granted else StageState.FAILED), day
    light_before = joint_stage.light
    joint_stage.light, joint_stage.watch_on = "", None  # its deadline stays on the row: was it met?
    statements.update(JointStage, where={"id": joint_stage.pk},
                      values={"state": joint_stage.state, "ended_on": day, "light": "", "watch_on": None})
    if alerts.stage_warned(joint_stage, light_before):
        alerts.stage_alerts_sync(joint_stage, joint, light_before=light_before, at=at)
    audit_record(actor=SYSTEM, action="joint_stage_end", target=joint,
                 data={"number": joint.number, "stage": joint_stage.stage.name, "state": joint_stage.state,
                       "last_case": case.number})
    if not granted:
        if joint.state == JointState.RUNNING:  # already stopped: its pause is open, its clock stands
            joint.state = JointState.STOPPED
            joint.pauses = [*joint.pauses, [day.isoformat(), None]]
            _save(joint, at, "state", "pauses")
            _stages_rewatch(joint, at)  # the stages still running stand with the whole
            audit_record(actor=SYSTEM, action="joint_stop", target=joint,
                         data={"number": joint.number, "stage": joint_stage.stage.name})
        return
    if joint.state == JointState.RUNNING and _start_ready(joint, actor=SYSTEM, at=at, stages=stages):
        joint.state = JointState.READY
        _save(joint, at, "state")
        audit_record(actor=SYSTEM, action="joint_ready", target=joint, data={"number": joint.number})


def sub_case_procedure(*, case: Case, joint_case_id: int, started: bool, day, at: datetime) -> None:
    """A current sub-case's special procedure began on ``day`` (its head's
    approval, ``started``) or ended on it (the case's receiver found it,
    inside that transaction). Art. 45 leaves the time a special procedure
    needs out of every period of its section, art. 42's 45 days of joint
    handling included: the whole's clock — and a running stage's — stands
    from the first current sub-case's suspension until the last one's end
    (docs/joint.md, "Deadlines"). Stored on the joint case's row with the
    deadline and light it gives, so the scan reads no sub-case."""
    joint = _locked(JointCase(pk=joint_case_id))
    if joint.state not in JOINT_OPEN:
        return
    periods = list(joint.procedure_pauses)
    if started:
        joint.procedures_open += 1
        if joint.procedures_open > 1:  # the whole already stands for another sub-case
            JointCase.objects.filter(pk=joint.pk).update(procedures_open=joint.procedures_open)
            return
        periods.append([day.isoformat(), None])
    else:
        if joint.procedures_open == 0:  # suspended before this rule (the migration counted it) or not current
            return
        joint.procedures_open -= 1
        if joint.procedures_open:
            JointCase.objects.filter(pk=joint.pk).update(procedures_open=joint.procedures_open)
            return
        start = periods[-1][0]
        periods[-1] = [start, max(day.isoformat(), start)]
    joint.procedure_pauses = periods
    _save(joint, at, "procedure_pauses", "procedures_open")
    _stages_rewatch(joint, at)
    audit_record(actor=SYSTEM, action="joint_procedure_pause" if started else "joint_procedure_resume", target=joint,
                 data={"number": joint.number, "case": case.number, "day": day.isoformat(),
                       "due_date": _iso(joint.due_date)})


@transaction.atomic
def joint_item_reapply(*, actor: Actor, joint_case: JointCase, sub_case: SubCase, form_data: dict | None = None,
                       at: datetime | None = None) -> SubCase:
    """Apply again for an item that was not granted (补充申请), within the
    joint case: a new sub-case replaces it in its stage (the old one keeps
    its decision and chain), the stage runs again and, when the joint case
    stood stopped, its whole clock runs on from today. ``form_data``: new
    answers to that item's own fields, if any change."""
    at = _now(at)
    joint = _locked(joint_case)
    if not is_system(actor) and actor.role == Role.APPLICANT:
        if joint.applicant_id != actor.pk:
            raise NotPermitted(_("只能为本人的联办件重新申请。"))
        submitter = SYSTEM
    else:
        _require_window_at(actor, joint.center)
        submitter = actor
    sub_case = SubCase.objects.select_related("case", "stage_item__item__current", "joint_stage__stage").get(pk=sub_case.pk)
    if sub_case.joint_case_id != joint.pk:
        raise DomainError(_("该子件不属于此联办件。"), field="sub_case")
    if sub_case.replaced or sub_case.case.state in GRANTED or sub_case.case.state not in SETTLED:
        raise DomainError(_("只有未获许可的子件可以重新申请。"), field="sub_case")
    if joint.state not in (JointState.RUNNING, JointState.STOPPED):
        raise DomainError(_("联办件已结束，不能重新申请。"), field="state")
    if form_data:
        version = sub_case.stage_item.item.current
        joint.form_data = {**joint.form_data, **form_data_clean(version, form_data)}
    SubCase.objects.filter(pk=sub_case.pk).update(replaced=True)
    joint_stage = sub_case.joint_stage
    fresh = _sub_case_open(joint, joint_stage, sub_case.stage_item, actor=submitter, at=at)
    fresh.save()
    JointStage.objects.filter(pk=joint_stage.pk).update(state=StageState.RUNNING, ended_on=None)
    # The whole runs again only once no stage stands failed; the stages
    # that became ready while it stood stopped start then.
    resumed = (joint.state == JointState.STOPPED
               and not joint.stages.filter(state=StageState.FAILED).exclude(pk=joint_stage.pk).exists())
    if resumed:
        joint.pauses = _pause_closed(joint, at)
        joint.state = JointState.RUNNING
    _save(joint, at, "state", "pauses", "form_data")
    _stages_rewatch(joint, at)  # the stage running again, and the others when the whole runs again
    if resumed:
        _start_ready(joint, actor=SYSTEM, at=at)
    audit_record(actor=actor, action="joint_item_reapply", target=joint,
                 data={"number": joint.number, "item": sub_case.stage_item.item.code, "replaced": sub_case.case.number,
                       "case": fresh.case.number, "resumed": resumed, "due_date": _iso(joint.due_date)})
    return fresh


@transaction.atomic
def joint_extend(*, actor: Actor, joint_case: JointCase, days: int, reason: str, approved_by: str,
                 at: datetime | None = None) -> JointCase:
    """Extend the whole's time limit once, by at most 15 working days, as
    approved by the head of the government (art. 42: 经本级人民政府负责人批准),
    recorded by a manager of the joint case's center, who names that
    approval. Refused once the whole's deadline has passed: lateness stays."""
    at = _now(at)
    _require_theme_admin(actor, joint_case.center)
    joint = _locked(joint_case)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= WHOLE_EXTENSION_MAX:
        raise DomainError(_("整体延长期限应为 1 至 15 个工作日。"), field="days")
    reason = cases._text(reason, "reason", _("延长期限须写明理由。"), limit=cases.limits.PAUSE_REASON_MAX)
    approved_by = cases._text(approved_by, "approved_by", _("请写明批准延长的负责人。"), limit=cases.limits.SHORT_TEXT_MAX)
    if joint.extension_days:
        raise DomainError(_("整体办理期限只能延长一次。"), field="days")
    if joint.state not in (JointState.RUNNING, JointState.READY):
        raise DomainError(_("联办件当前状态不能延长期限。"), field="state")
    if joint.due_date is not None and _day(at) > joint.due_date:
        raise DomainError(_("联办件已于 %(day)s 超过整体办理期限，不能再延长。") % {"day": joint.due_date}, field="days")
    old = joint.due_date
    joint.extension_days = days
    _save(joint, at, "extension_days")
    audit_record(actor=actor, action="joint_extend", target=joint,
                 data={"number": joint.number, "days": days, "reason": reason, "approved_by": approved_by,
                       "old_due_date": _iso(old), "due_date": _iso(joint.due_date)})
    return joint


@transaction.atomic
def joint_deliver(*, actor: Actor, joint_case: JointCase, method: str, received_by: str,
                  at: datetime | None = None) -> JointCase:
    """The unified delivery (统一出件): every decided sub-case's result not
    yet served — each through ``cases.case_deliver``, with its own delivery
    receipt — at once. On a joint case whose stages are all done it is the
    end of the joint case (delivered); on a stopped one it serves what was
    decided (the denial with its rights notice included) and ends it; on a
    running one it serves the results of the stages already done, together,
    and the joint case runs on (art. 44: a decision is served within 10
    working days, not when the last stage ends — docs/joint.md, "Delivery")."""
    at = _now(at)
    _require_window_at(actor, joint_case.center)
    joint = _locked(joint_case)
    if joint.state == JointState.DELIVERED:
        raise DomainError(_("联办件已统一出件。"), field="state")
    if joint.state == JointState.ENDED:
        raise DomainError(_("联办件已结束，结果已送达。"), field="state")
    running = joint.state == JointState.RUNNING
    stopped = joint.state == JointState.STOPPED
    if stopped:
        unsettled = list(Case.objects.filter(joint_link__joint_case=joint, joint_link__replaced=False)
                         .exclude(state__in=SETTLED).order_by("pk").values_list("number", flat=True))
        if unsettled:
            raise DomainError(_("子件 %(cases)s 尚未办结，联办件不能结束统一出件。") % {"cases": "、".join(unsettled)},
                              field="state")
    pending = _undelivered(joint, stages_done=running)
    if running and not pending:
        raise DomainError(_("联办件尚有阶段未完成，已完成阶段的结果均已送达。"), field="state")
    delivered = [cases.case_deliver(actor=actor, case=case, method=method, received_by=received_by, at=at).number
                 for case in pending]
    if running:
        _save(joint, at)
        audit_record(actor=actor, action="joint_stage_deliver", target=joint,
                     data={"number": joint.number, "cases": delivered, "method": method, "received_by": received_by})
        return joint
    if stopped:  # the days it stood stopped never count against the whole
        joint.pauses = _pause_closed(joint, at)
    joint.state = JointState.ENDED if stopped else JointState.DELIVERED
    joint.ended_on = _day(at)
    _save(joint, at, "state", "pauses", "ended_on")
    audit_record(actor=actor, action="joint_deliver", target=joint,
                 data={"number": joint.number, "state": joint.state, "cases": delivered, "method": method,
                       "received_by": received_by})
    return joint


def _decided_sub_cases(t, c) -> str:
    return (f"c.{c(Case, 'state')} IN (%s, %s) AND c.{c(Case, 'id')} IN (SELECT s.{c(SubCase, 'case')}"
            f" FROM {t(SubCase)} s WHERE s.{c(SubCase, 'joint_case')} = %s)")


def _decided_sub_cases_of_stages_done(t, c) -> str:
    return (f"c.{c(Case, 'state')} IN (%s, %s) AND c.{c(Case, 'id')} IN (SELECT s.{c(SubCase, 'case')}"
            f" FROM {t(SubCase)} s INNER JOIN {t(JointStage)} js ON js.{c(JointStage, 'id')} = s.{c(SubCase, 'joint_stage')}"
            f" WHERE s.{c(SubCase, 'joint_case')} = %s AND js.{c(JointStage, 'state')} = %s)")


def _undelivered(joint: JointCase, *, stages_done: bool = False) -> list[Case]:
    """The sub-cases decided and not yet served (of the stages done only,
    with ``stages_done``), in the order they were received, each loaded as
    for an act (its item version as the process keeps it)."""
    params = [State.APPROVED, State.DENIED, joint.pk]
    if stages_done:
        return cases_load_for_act(_decided_sub_cases_of_stages_done, [*params, StageState.DONE])
    return cases_load_for_act(_decided_sub_cases, params)


def stage_results_pending(joint: JointCase) -> bool:
    """Whether a running joint case has results of a done stage to serve."""
    return joint.state == JointState.RUNNING and Case.objects.filter(
        joint_link__joint_case=joint, joint_link__joint_stage__state=StageState.DONE,
        state__in=(State.APPROVED, State.DENIED)).exists()


def joint_watch_refresh(*, today, at: datetime | None = None) -> int:
    """The scan of the whole's lights: the joint cases whose light can
    change by ``today`` (an indexed read of ``watch_on``, no sub-case read),
    each light and next watch day stored again, and its ``joint.deadline``
    alert raised, escalated or cleared when the light is or was yellow or
    red. Returns how many were read."""
    at = _now(at)
    count = 0
    for joint in JointCase.objects.filter(watch_on__lte=today).select_related("theme").iterator():
        watch = whole_watch(joint, today=today, running=joint.state in (JointState.RUNNING, JointState.READY))
        stored = JointCase.objects.filter(pk=joint.pk, version=joint.version).update(light=watch.light,
                                                                                    watch_on=watch.watch_on)
        before, joint.light = joint.light, watch.light
        if stored and alerts.whole_warned(joint, before):  # else a change since did it
            alerts.whole_alerts_sync(joint, light_before=before, at=at)
        count += 1
    return count


def joint_stage_watch_refresh(*, today, at: datetime | None = None) -> int:
    """The scan of the stages' own lights, as ``joint_watch_refresh``: the
    stages whose light can change by ``today`` (an indexed read of their
    ``watch_on`` with their joint case's row, no sub-case read), each stored
    again (guarded on the state and watch day read) with its
    ``joint.stage_deadline`` alert. Returns how many were read."""
    at = _now(at)
    count = 0
    due = (JointStage.objects.filter(watch_on__lte=today)
           .select_related("stage__lead_department", "joint_case__theme").order_by("watch_on", "pk"))
    for joint_stage in due.iterator():
        joint, before, watched = joint_stage.joint_case, joint_stage.light, joint_stage.watch_on
        watch = stage_watch(joint_stage, joint, today=today)
        stored = JointStage.objects.filter(pk=joint_stage.pk, state=joint_stage.state, watch_on=watched).update(
            light=watch.light, watch_on=watch.watch_on)
        joint_stage.light = watch.light
        if stored and alerts.stage_warned(joint_stage, before):
            alerts.stage_alerts_sync(joint_stage, joint, light_before=before, at=at)
        count += 1
    return count


# --- joint events (联合踏勘、联合审图、联合验收) -------------------------------------------

PLACE_MAX = JointEvent._meta.get_field("place").max_length
# A department's findings of a joint event, an event of its sub-case's chain
# (its label registered by ``receivers.register_labels``).
JOINT_FINDING = "joint_finding"


def _require_department_staff(actor: Actor, department: Department, message: str) -> None:
    """Staff of ``department`` (its own or authorized there), or the system."""
    if is_system(actor):
        return
    if actor.role in (Role.APPLICANT, Role.SUPERVISOR) or department.pk not in user_department_ids(actor):
        raise NotPermitted(message)


@transaction.atomic
def joint_event_schedule(*, actor: Actor, joint_case: JointCase, kind: str, scheduled_on, place: str,
                         sub_cases: list[SubCase], ground: str = "", expected_days: int | None = None,
                         at: datetime | None = None) -> JointEvent:
    """Schedule a joint event once for several sub-cases of a running stage
    (date, place, the sub-cases taking part), organized by the stage's lead
    department, whose staff schedule it. With ``ground`` — a special
    procedure the law counts outside the time limit (art. 45, or a ground
    the center registered with its legal basis) — a suspension is asked on
    each participating sub-case through ``cases.case_request_suspension``
    (the event named as its reason, ``expected_days`` working days): each
    department's head approves it as his own act (``cases.case_suspend``),
    and the sub-case stays suspended until its department's findings."""
    from datetime import date

    at = _now(at)
    joint = _locked(joint_case)
    if kind not in JointEventKind.values:
        raise DomainError(_("请选择联合活动的类型。"), field="kind")
    if not isinstance(scheduled_on, date) or scheduled_on < _day(at):
        raise DomainError(_("请填写今天或以后的日期。"), field="scheduled_on")
    place = cases._text(place, "place", _("请填写地点。"), limit=PLACE_MAX)
    if not isinstance(sub_cases, list | tuple) or not sub_cases:
        raise DomainError(_("请选择参加的子件。"), field="sub_cases")
    links = list(SubCase.objects.filter(pk__in=[getattr(s, "pk", s) for s in sub_cases])
                 .select_related("case__department", "joint_stage__stage__lead_department", "stage_item__item"))
    if len(links) != len({getattr(s, "pk", s) for s in sub_cases}) or any(
            link.joint_case_id != joint.pk or link.replaced or link.case.state in SETTLED for link in links):
        raise DomainError(_("只能选择本联办件中正在办理的子件。"), field="sub_cases")
    if len({link.joint_stage_id for link in links}) != 1:
        raise DomainError(_("一次联合活动的子件应属于同一阶段。"), field="sub_cases")
    if joint.state != JointState.RUNNING:
        raise DomainError(_("联办件不在办理中，不能安排联合活动。"), field="state")
    organizer = links[0].joint_stage.stage.lead_department
    _require_department_staff(actor, organizer, _("联合活动由该阶段的牵头部门安排。"))
    found = None
    if ground:
        found = suspension_ground_get(center=joint.center, code=ground if isinstance(ground, str) else "")
        if found is None:
            raise DomainError(_("特别程序须为法定情形之一，或本中心依法规定并登记了依据的情形。"), field="ground")
    label = JointEventKind(kind).label
    event = JointEvent.objects.create(joint_case=joint, kind=kind, scheduled_on=scheduled_on, place=place,
                                      organizer=organizer, ground=found.code if found else "",
                                      scheduled_by=person(actor), created_at=at)
    if found is not None:
        reason = _("%(kind)s：%(day)s 于 %(place)s，%(organizer)s组织") % {
            "kind": label, "day": scheduled_on.isoformat(), "place": place, "organizer": organizer.name}
        for link in links:
            # Asked by the system for the organizer (the event is the
            # reason); approved or refused by the department's own head.
            cases.case_request_suspension(actor=SYSTEM, case=link.case, ground=found.code,
                                          reason=reason[:cases.limits.PAUSE_REASON_MAX],
                                          expected_days=expected_days, at=at)
    JointFinding.objects.bulk_create([JointFinding(event=event, sub_case=link) for link in links])
    audit_record(actor=actor, action="joint_event_schedule", target=joint,
                 data={"number": joint.number, "event": event.pk, "kind": kind, "kind_name": str(label),
                       "scheduled_on": scheduled_on.isoformat(), "place": place, "organizer": organizer.code,
                       "ground": event.ground, "cases": [link.case.number for link in links]})
    return event


@transaction.atomic
def joint_finding_record(*, actor: Actor, finding: JointFinding, outcome: str, text: str = "",
                         at: datetime | None = None) -> JointFinding:
    """A participating department records its findings for its sub-case
    (passed, or needs correction saying what). When the sub-case stands
    suspended under the event's special procedure, the findings end it:
    ``cases.case_resume`` by the same person (a reviewer of the department),
    its remaining days running again from today."""
    at = _now(at)
    finding = (JointFinding.objects.select_for_update(of=("self",))
               .select_related("event__joint_case", "sub_case__case__department").get(pk=finding.pk))
    case = finding.sub_case.case
    _require_department_staff(actor, case.department, _("只能由参加部门记录本部门子件的意见。"))
    if finding.outcome:
        raise DomainError(_("本部门的意见已经记录。"), field="outcome")
    if outcome not in FindingOutcome.values:
        raise DomainError(_("请选择结论：通过或需整改。"), field="outcome")
    if outcome == FindingOutcome.CORRECTION:
        text = cases._text(text, "text", _("需整改时请写明整改意见。"))
    else:
        text = cases._optional_text(text, "text", limit=cases.limits.TEXT_MAX)
    event = finding.event
    # The findings feed the sub-case: an event of its own chain (its
    # history, verify-audit), before the special procedure they end.
    label = FindingOutcome(outcome).label
    cases.case_note_record(actor=actor, case=case, action=JOINT_FINDING, at=at, data={
        "joint_case": event.joint_case.number, "event": event.pk, "kind": event.kind,
        "scheduled_on": event.scheduled_on.isoformat(), "place": event.place, "outcome": outcome, "text": text,
        "opinion": f"{JointEventKind(event.kind).label}：{label}" + (f"，{text}" if text else "")})
    resumed = False
    if event.ground and case.state == State.SUSPENDED:
        pause = case.pauses.filter(ended_on__isnull=True).first()
        if pause is not None and pause.ground == event.ground:
            cases.case_resume(actor=actor, case=case, at=at)
            resumed = True
    finding.outcome, finding.text, finding.recorded_by, finding.recorded_at = outcome, text, person(actor), at
    finding.save(update_fields=["outcome", "text", "recorded_by", "recorded_at"])
    audit_record(actor=actor, action="joint_finding_record", target=event.joint_case,
                 data={"number": event.joint_case.number, "event": event.pk, "kind": event.kind,
                       "case": case.number, "department": case.department.code, "outcome": outcome, "text": text,
                       "resumed": resumed})
    return finding
