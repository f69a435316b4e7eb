"""The workbench's pages of joint approval (并联审批, docs/joint.md): the
center manager's themes and their stages, the comprehensive window's
combined application (一窗受理、一表制), the joint case list and the joint
case page with the acts open to the user (a stage started by hand, an item
applied for again, the whole's extension, the unified delivery 统一出件).
Views parse forms and call govhall.joint.services; the reads carry the
user's scope (govhall.joint.selectors)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhall.cases.deadlines import case_clock
from govhall.cases.models import Case
from govhall.cases.selectors import staff_case_scope, suspension_grounds_for
from govhall.catalog.models import Item, VersionStatus
from govhall.core import clock
from govhall.core.audit import audit_describe
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.joint import services as joint_services
from govhall.joint.forms import theme_form
from govhall.joint.indicators import joint_indicators
from govhall.joint.models import (
    JointCase,
    JointFinding,
    JointState,
    StageState,
    SubCase,
    Theme,
    ThemeStatus,
)
from govhall.joint.selectors import (
    joint_case_get,
    joint_case_list_visible,
    joint_events,
    joint_sees_whole,
    joint_sub_cases,
    theme_list_administered,
)
from govhall.org.models import Center, Department, User, WindowKind
from govhall.org.roles import DEPARTMENT_ROLES, STAFF_ROLES, Role
from govhall.org.selectors import user_department_ids
from govhall.web.case_forms import DeliverForm
from govhall.web.joint_forms import (
    ApplicantForm,
    CombinedAnswersForm,
    JointEventForm,
    JointExtendForm,
    JointFindingForm,
    ThemeNewForm,
    stage_formset,
)

PAGE_SIZE = 50


def _posted(request):
    """The posted data to bind a form to — an empty post too, so that it
    is refused at its fields rather than shown again as a blank form."""
    return request.POST if request.method == "POST" else None


def _staff(request) -> User:
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied
    return request.user


# --- themes (center managers and system administrators) ------------------------------

def _theme_admin(request) -> User:
    """Who configures themes (joint.services: the center's organization
    administrators): system administrators, center managers."""
    user = _staff(request)
    if not (user.role == Role.SYSTEM_ADMIN or user.is_superuser or (user.role == Role.CENTER_MANAGER and user.center_id)):
        raise PermissionDenied
    return user


def _theme(request, theme_id: int) -> Theme:
    theme = theme_list_administered(user=_theme_admin(request)).filter(pk=theme_id).first()
    if theme is None:
        raise Http404
    return theme


@login_required
def joint_theme_list(request):
    user = _theme_admin(request)
    themes = theme_list_administered(user=user).order_by("code", "-version")
    return render(request, "web/joint_theme_list.html", {"themes": themes})


@login_required
def joint_theme_new(request):
    user = _theme_admin(request)
    centers = Center.objects.filter(path__startswith=user.center.path) if user.role == Role.CENTER_MANAGER \
        else Center.objects.all()
    form = ThemeNewForm(_posted(request), centers=centers.order_by("path"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            theme = joint_services.theme_create(actor=user, center=data["center"], code=data["code"],
                                                name=data["name"], whole_days=data["whole_days"],
                                                description=data["description"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("主题已创建为草稿，请配置审批阶段。"))
            return redirect("joint_theme_detail", theme_id=theme.pk)
    return render(request, "web/joint_theme_new.html", {"form": form}, status=400 if form.errors else 200)


def _stage_choices(theme: Theme) -> tuple[list, list]:
    """The lead departments (of the theme's center and below) and the
    published items of those departments a stage may hold."""
    departments = Department.objects.filter(center__path__startswith=theme.center.path).order_by("code")
    items = (Item.objects.filter(department__center__path__startswith=theme.center.path,
                                 current__status=VersionStatus.PUBLISHED)
             .select_related("department", "current").order_by("department__code", "code"))
    return ([(d.code, d.name) for d in departments],
            [(i.code, f"{i.department.short_name or i.department.name}｜{i.current.name}") for i in items])


def _place_stage_errors(error: DomainError, formset, rows: list, stage_errors: list) -> None:
    """``stages[1].items[0]`` → that row's items; ``stages`` → above the rows."""
    name = error.field or ""
    head, _sep, rest = name.partition(".")
    if head.startswith("stages[") and head.endswith("]") and head[7:-1].isdigit() and int(head[7:-1]) < len(rows):
        row = rows[int(head[7:-1])]
        field = rest.split("[", 1)[0]
        row.add_error(field if field in row.fields else None, error.message)
    else:
        stage_errors.append(error.message)


@login_required
def joint_theme_detail(request, theme_id: int):
    """A theme: its stages and combined form; a draft's stages configured here."""
    theme = _theme(request, theme_id)
    departments, items = _stage_choices(theme)
    stage_errors: list[str] = []
    status = 200
    editable = theme.status == ThemeStatus.DRAFT
    if request.method == "POST" and not editable:
        # A page opened on the draft and saved after it was published (by
        # someone else, or in another tab): the published version stands.
        stage_errors.append(_("第 %(n)s 版当前为“%(status)s”，不能再修改；如需调整，请创建新版本草稿。")
                            % {"n": theme.version, "status": theme.get_status_display()})
        formset, status = None, 400
    elif request.method == "POST":
        formset = stage_formset(data=request.POST, departments=departments, items=items)
        if formset.is_valid():
            rows = [row for row in formset.forms if row.cleaned_data and not row.cleaned_data.get("DELETE")]
            stages = [{key: row.cleaned_data[key]
                       for key in ("name", "lead_department", "stage_days", "items", "depends_on")} for row in rows]
            try:
                joint_services.theme_configure(actor=request.user, theme=theme, stages=stages)
            except DomainError as error:
                _place_stage_errors(error, formset, rows, stage_errors)
            else:
                messages.success(request, _("审批阶段已保存。"))
                return redirect("joint_theme_detail", theme_id=theme.pk)
        status = 400
    else:
        formset = stage_formset(initial=joint_services.configured_stages(theme), departments=departments,
                                items=items) if editable else None
    stages = list(theme.stages.select_related("lead_department").prefetch_related("depends_on", "items__item__current"))
    versions = [si.item.current for stage in stages for si in stage.items.all() if si.item.current]
    return render(request, "web/joint_theme_detail.html", {
        "theme": theme, "stages": stages, "formset": formset, "stage_errors": stage_errors,
        "combined": theme_form(versions) if versions else None,
        "versions": Theme.objects.filter(code=theme.code).order_by("-version"),
    }, status=status)


@login_required
@require_POST
def joint_theme_publish(request, theme_id: int):
    theme = _theme(request, theme_id)
    try:
        joint_services.theme_publish(actor=request.user, theme=theme)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("第 %(n)s 版已发布，综合窗口和网上即可申请。") % {"n": theme.version})
    return redirect("joint_theme_detail", theme_id=theme.pk)


@login_required
@require_POST
def joint_theme_revise(request, theme_id: int):
    theme = _theme(request, theme_id)
    try:
        draft = joint_services.theme_revise(actor=request.user, theme=theme)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("joint_theme_detail", theme_id=theme.pk)
    messages.success(request, _("已创建第 %(n)s 版草稿；发布前现行版本不变。") % {"n": draft.version})
    return redirect("joint_theme_detail", theme_id=draft.pk)


# --- the comprehensive window (一窗受理) -------------------------------------------------

def _comprehensive(request) -> User:
    """A clerk or chief representative at a comprehensive window."""
    user = _staff(request)
    if user.role not in (Role.CLERK, Role.CHIEF_REPRESENTATIVE) or user.window_id is None \
            or user.window.kind != WindowKind.COMPREHENSIVE:
        raise PermissionDenied
    return user


def _themes_offered(user: User) -> list[Theme]:
    """The published themes offered at the user's window: of its center or one above."""
    path = user.window.center.path
    return [t for t in Theme.objects.filter(status=ThemeStatus.PUBLISHED).select_related("center").order_by("name")
            if path.startswith(t.center.path)]


@login_required
def joint_receive_pick(request):
    user = _comprehensive(request)
    return render(request, "web/joint_receive_pick.html", {"themes": _themes_offered(user)})


@login_required
def joint_receive(request, code: str):
    """The combined application of one theme at the comprehensive window."""
    user = _comprehensive(request)
    theme = next((t for t in _themes_offered(user) if t.code == code), None)
    if theme is None:
        raise Http404
    combined = theme_form(joint_services.theme_versions(theme))
    form = ApplicantForm(_posted(request))
    answers = CombinedAnswersForm(_posted(request), combined=combined)
    if request.method == "POST" and form.is_valid() and answers.is_valid():
        try:
            joint = joint_services.joint_submit(actor=user, theme=theme, **form.cleaned_data,
                                                form_data=answers.form_data(), materials=answers.materials(),
                                                **answers.delivery())
        except DomainError as error:
            if not answers.place_error(error):
                form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("联办件 %(number)s 已收件，首批阶段的子件已分送各部门。") % {"number": joint.number})
            return redirect("joint_detail", number=joint.number)
    return render(request, "web/joint_receive.html", {"theme": theme, "form": form, "answers": answers},
                  status=400 if form.errors or answers.errors else 200)


# --- joint cases -------------------------------------------------------------------------

LIGHTS = ("green", "yellow", "red")


# Who sees the joint indicators on the list: managers of a center, supervisors, administrators.
INDICATOR_ROLES = frozenset({Role.CENTER_MANAGER, Role.SUPERVISOR, Role.SYSTEM_ADMIN})


def _indicators(request, user: User) -> dict | None:
    """The joint indicators panel (joint.indicators) for the month asked
    (``?month=YYYY-MM``, this month by default) and the user's center (all
    for supervisors and administrators); None for other roles."""
    if user.role not in INDICATOR_ROLES and not user.is_superuser:
        return None
    from govhall.stats.periods import Period, PeriodError

    today = clock.today()
    error = None
    try:
        period = Period.parse_month(request.GET["month"]) if request.GET.get("month") else None
    except PeriodError as refused:
        period, error = None, str(refused)
    period = period or Period.month(today.year, today.month)
    center = user.center if user.role == Role.CENTER_MANAGER else None
    return {"period": period, "month": f"{period.start:%Y-%m}", "center": center, "error": error,
            "figures": joint_indicators(user=user, start=period.start, end=period.end, center=center)}


@login_required
def joint_worklist(request):
    user = _staff(request)
    joints = joint_case_list_visible(user=user).prefetch_related("stages__stage")
    state = request.GET.get("state", "")
    if state in JointState.values:
        joints = joints.filter(state=state)
    else:
        state = ""
    light = request.GET.get("light", "")
    if light in LIGHTS:
        joints = joints.filter(light=light)
    else:
        light = ""
    page = Paginator(joints, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/joint_worklist.html", {
        "page": page, "state": state, "light": light, "states": JointState.choices,
        "may_receive": user.role in (Role.CLERK, Role.CHIEF_REPRESENTATIVE) and user.window_id is not None
        and user.window.kind == WindowKind.COMPREHENSIVE,
        "may_configure": user.role == Role.SYSTEM_ADMIN or user.is_superuser
        or (user.role == Role.CENTER_MANAGER and user.center_id is not None),
        "query": "&".join(f"{k}={v}" for k, v in (("state", state), ("light", light)) if v),
        "indicators": _indicators(request, user),
    })


def _joint(request, number: str) -> JointCase:
    joint = joint_case_get(user=_staff(request), number=number)
    if joint is None:
        raise Http404
    return joint


def _at_window(user: User, joint: JointCase) -> bool:
    """Staff of a window of the joint case's center (who receive, start,
    re-apply and deliver for it: joint.services)."""
    return user.role not in (Role.APPLICANT, Role.SUPERVISOR) and user.window_id is not None \
        and user.window.center_id == joint.center_id


def _manages(user: User, joint: JointCase) -> bool:
    """Who records the whole's extension: the center's organization administrators."""
    return user.role == Role.SYSTEM_ADMIN or user.is_superuser or (
        user.role == Role.CENTER_MANAGER and user.center_id is not None
        and joint.center.path.startswith(user.center.path))


def _startable(joint: JointCase, stages: list) -> list:
    """The waiting stages whose dependencies are all done (one that could
    not start by itself waits for a clerk with the missing answers)."""
    if joint.state != JointState.RUNNING:
        return []
    done = {s.stage_id for s in stages if s.state == StageState.DONE}
    return [s for s in stages if s.state == StageState.WAITING
            and all(dep.pk in done for dep in s.stage.depends_on.all())]


def reapplicable(joint: JointCase, subs: list) -> list:
    """The sub-cases not granted that may be applied for again (at the
    window, or online by the applicant)."""
    if joint.state not in (JointState.RUNNING, JointState.STOPPED):
        return []
    return [s for s in subs if not s.replaced and s.case.state in joint_services.SETTLED
            and s.case.state not in joint_services.GRANTED]


def _questions(joint: JointCase, versions: list, prefix: str, data=None) -> CombinedAnswersForm:
    """The questions of ``versions``, with the joint case's answers so far."""
    initial = {f"form-{key}": value for key, value in joint.form_data.items()}
    return CombinedAnswersForm(data, combined=theme_form(versions), materials=False, initial=initial, prefix=prefix)


def _stage_answers(joint: JointCase, joint_stage, data=None) -> CombinedAnswersForm:
    """A stage's items' questions: the missing ones are what the clerk fills in to start it."""
    versions = [si.item.current for si in joint_stage.stage.items.select_related("item__current")]
    return _questions(joint, versions, f"stage{joint_stage.pk}", data)


def reapply_answers(joint: JointCase, sub, data=None) -> CombinedAnswersForm:
    """The item's own questions, to change with the new application."""
    return _questions(joint, [sub.stage_item.item.current], f"sub{sub.pk}", data)


def _own_departments(user: User) -> set[int]:
    """The departments a department-role user acts for (none for others)."""
    return user_department_ids(user) if user.role in DEPARTMENT_ROLES else set()


def _schedulable(user: User, joint: JointCase, subs: list) -> list:
    """The sub-cases ``user`` may take into a joint event: current, still
    worked on, of a running stage his department leads (joint.services)."""
    ids = _own_departments(user)
    if joint.state != JointState.RUNNING or not ids:
        return []
    return [s for s in subs if not s.replaced and s.case.state not in joint_services.SETTLED
            and s.joint_stage.state == StageState.RUNNING and s.joint_stage.stage.lead_department_id in ids]


def _event_form(joint: JointCase, subs: list, data=None) -> JointEventForm:
    return JointEventForm(data, prefix="event", sub_cases=subs, grounds=suspension_grounds_for(center=joint.center))


def _joint_events(user: User, joint: JointCase, finding_form=None) -> list:
    """The joint events with their findings as the user may see them, and
    for each finding of his department not yet recorded, its form."""
    ids = _own_departments(user)
    events = joint_events(user=user, joint=joint)
    for event in events:
        event.rows = [(f, (finding_form if finding_form is not None and finding_form.prefix == f"finding{f.pk}"
                           else JointFindingForm(prefix=f"finding{f.pk}"))
                       if not f.outcome and f.sub_case.case.department_id in ids else None)
                      for f in event.shown_findings]
    return events


def _page(request, joint: JointCase, *, extend=None, deliver=None, bound=None, event=None, finding=None,
          status=200):
    user = request.user
    today = clock.today()
    stages = list(joint.stages.select_related("stage__lead_department").prefetch_related("stage__depends_on"))
    subs = list(joint_sub_cases(user=user, joint=joint).select_related("case__item_version"))
    linked = set(Case.objects.filter(staff_case_scope(user), pk__in=[s.case_id for s in subs])
                 .values_list("pk", flat=True))
    by_stage: dict[int, list] = {}
    for sub in subs:
        by_stage.setdefault(sub.joint_stage_id, []).append((sub, case_clock(sub.case, today=today), sub.case_id in linked))
    at_window = _at_window(user, joint)
    startable = _startable(joint, stages) if at_window else []
    stage_forms = {s.pk: bound if bound is not None and bound.prefix == f"stage{s.pk}" else _stage_answers(joint, s)
                   for s in startable}
    reapply = [(sub, bound if bound is not None and bound.prefix == f"sub{sub.pk}" else reapply_answers(joint, sub))
               for sub in (reapplicable(joint, subs) if at_window else [])]
    schedulable = _schedulable(user, joint, subs)
    events = AuditEvent.objects.filter(target_type=JointCase._meta.label_lower, target_id=str(joint.pk)) \
        .select_related("actor").order_by("at", "pk")
    return render(request, "web/joint_detail.html", {
        "joint": joint,
        "sees_whole": joint_sees_whole(user, joint),
        "stages": [(s, by_stage.get(s.pk, []), stage_forms.get(s.pk)) for s in stages],
        "reapply": reapply,
        "extend": (extend or JointExtendForm(prefix="extend")) if _manages(user, joint) and not joint.extension_days
        and joint.state in (JointState.RUNNING, JointState.READY) else None,
        "deliver": (deliver or DeliverForm(prefix="deliver")) if at_window
        and (joint.state in (JointState.READY, JointState.STOPPED) or joint_services.stage_results_pending(joint))
        else None,
        "events": [(e, *audit_describe(e)) for e in events],
        "joint_events": _joint_events(user, joint, finding),
        "event_form": (event or _event_form(joint, schedulable)) if schedulable else None,
    }, status=status)


@login_required
def joint_detail(request, number: str):
    return _page(request, _joint(request, number))


JOINT_ACTIONS = ("stage_start", "reapply", "extend", "deliver", "event", "finding")


@login_required
@require_POST
def joint_act(request, number: str, action: str):
    joint = _joint(request, number)
    user = request.user
    if action not in JOINT_ACTIONS:
        raise Http404
    at_window = _at_window(user, joint)
    try:
        if action == "extend":
            if not _manages(user, joint):
                raise PermissionDenied
            form = JointExtendForm(request.POST, prefix="extend")
            if not form.is_valid():
                return _page(request, joint, extend=form, status=400)
            try:
                joint_services.joint_extend(actor=user, joint_case=joint, **form.cleaned_data)
            except NotPermitted:
                raise
            except DomainError as error:
                joint = _joint(request, number)
                if joint.extension_days or joint.state not in (JointState.RUNNING, JointState.READY):
                    raise  # extended or ended meanwhile (a stale page): said above the page as it now is
                form.add_error(error.field if error.field in form.fields else None, error.message)
                return _page(request, joint, extend=form, status=400)
            messages.success(request, _("整体办理期限已延长。"))
        elif action == "deliver":
            if not at_window:
                raise PermissionDenied
            form = DeliverForm(request.POST, prefix="deliver")
            if not form.is_valid():
                return _page(request, joint, deliver=form, status=400)
            try:
                joint = joint_services.joint_deliver(actor=user, joint_case=joint, **form.cleaned_data)
            except NotPermitted:
                raise
            except DomainError as error:  # a sub-case not deliverable yet (said in the form), or delivered meanwhile
                joint = _joint(request, number)
                if joint.state in (JointState.DELIVERED, JointState.ENDED):
                    messages.error(request, _("该联办件已于 %(day)s 统一出件，无需再次出件。")
                                   % {"day": joint.ended_on.isoformat() if joint.ended_on else "—"})
                    return redirect("joint_detail", number=joint.number)
                form.add_error(error.field if error.field in form.fields else None, error.message)
                return _page(request, joint, deliver=form, status=400)
            if joint.state == JointState.RUNNING:
                messages.success(request, _("已完成阶段的办理结果已送达，其余阶段办结后再出件。"))
            else:
                messages.success(request, _("已统一出件：%(state)s。") % {"state": joint.get_state_display()})
        elif action == "event":
            subs = list(joint_sub_cases(user=user, joint=joint).select_related("case__item_version"))
            schedulable = _schedulable(user, joint, subs)
            if not schedulable:
                raise PermissionDenied
            form = _event_form(joint, schedulable, request.POST)
            if not form.is_valid():
                return _page(request, joint, event=form, status=400)
            chosen = [s for s in schedulable if s.pk in set(form.cleaned_data["sub_cases"])]
            try:
                joint_services.joint_event_schedule(actor=user, joint_case=joint, sub_cases=chosen,
                                                    **{k: v for k, v in form.cleaned_data.items() if k != "sub_cases"})
            except NotPermitted:
                raise
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                return _page(request, joint, event=form, status=400)
            messages.success(request, _("联合活动已安排。"))
        elif action == "finding":
            found = (JointFinding.objects.filter(event__joint_case=joint, pk=posted_id(request.POST.get("finding")))
                     .select_related("sub_case__case").first())
            if found is None:
                raise Http404
            if found.sub_case.case.department_id not in _own_departments(user):
                raise PermissionDenied
            form = JointFindingForm(request.POST, prefix=f"finding{found.pk}")
            if not form.is_valid():
                return _page(request, joint, finding=form, status=400)
            try:
                joint_services.joint_finding_record(actor=user, finding=found, **form.cleaned_data)
            except NotPermitted:
                raise
            except DomainError as error:
                if error.field not in form.fields or JointFinding.objects.filter(pk=found.pk).exclude(outcome="").exists():
                    raise  # recorded meanwhile: said above the page as it now is
                form.add_error(error.field, error.message)
                return _page(request, joint, finding=form, status=400)
            messages.success(request, _("意见已记录。"))
        elif action == "stage_start":
            if not at_window:
                raise PermissionDenied
            joint_stage = joint.stages.filter(pk=posted_id(request.POST.get("stage"))).select_related("stage").first()
            if joint_stage is None:
                raise Http404
            answers = _stage_answers(joint, joint_stage, request.POST)
            if not answers.is_valid():
                return _page(request, joint, bound=answers, status=400)
            try:
                joint_services.joint_stage_start(actor=user, joint_stage=joint_stage, form_data=answers.form_data())
            except NotPermitted:
                raise  # an item's department's acceptance grant the clerk lacks
            except DomainError as error:
                joint = _joint(request, number)
                if joint_stage.pk not in {s.pk for s in _startable(joint, list(joint.stages.all()))}:
                    raise  # started (or the joint case stopped) meanwhile: said above the page as it now is
                if not answers.place_error(error):
                    answers.add_error(None, error.message)
                return _page(request, joint, bound=answers, status=400)
            messages.success(request, _("阶段“%(stage)s”已启动。") % {"stage": joint_stage.stage.name})
        else:
            if not at_window:
                raise PermissionDenied
            sub = (SubCase.objects.filter(joint_case=joint, pk=posted_id(request.POST.get("sub_case")))
                   .select_related("stage_item__item__current").first())
            if sub is None:
                raise Http404
            answers = reapply_answers(joint, sub, request.POST)
            if not answers.is_valid():
                return _page(request, joint, bound=answers, status=400)
            try:
                fresh = joint_services.joint_item_reapply(actor=user, joint_case=joint, sub_case=sub,
                                                          form_data=answers.form_data())
            except DomainError as error:
                if isinstance(error, NotPermitted) or not answers.place_error(error):
                    raise
                return _page(request, joint, bound=answers, status=400)
            messages.success(request, _("已重新申请，新办件 %(number)s。") % {"number": fresh.case.number})
    except NotPermitted:
        raise PermissionDenied from None  # a grant the act needs (an item's department's delivery)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("joint_detail", number=joint.number)


def posted_id(value) -> int:
    """A posted id (-1 when it is none: nothing matches)."""
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) < 18 else -1
