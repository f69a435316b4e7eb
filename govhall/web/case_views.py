"""The workbench's case pages: the worklist, the window acceptance screen,
the case page with its timeline, notices and the actions allowed now.
Views parse forms and call the case services; nothing else changes a case."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from govhall.agency.selectors import agency_by_number
from govhall.cases import services as case_services
from govhall.cases.deadlines import case_clock
from govhall.cases.models import Case, Channel, Verdict
from govhall.cases.files import material_get, material_response
from govhall.cases.notices import notice_data
from govhall.cases.policy import may_have_duties, may_receive
from govhall.cases.selectors import (
    case_events, case_get_for_staff, case_list_done, case_materials, case_list_for_staff, case_list_todo, case_search,
    suspension_grounds_for,
)
from govhall.cases.states import Action, State, event_label, request_label
from govhall.catalog import selectors as catalog_selectors
from govhall.core import clock
from govhall.core.client import client_address
from govhall.core.errors import DomainError
from govhall.documents import notice_pdf
from govhall.org.models import Action as Grant
from govhall.org.models import User
from govhall.org.selectors import staff_authorizations, staff_covers, staff_is_authorized
from govhall.org.roles import STAFF_ROLES, Role
from govhall.portal.application_form import ApplicationForm
from govhall.web.case_forms import (
    AttachForm, CertifyForm, CorrectionForm, DeliverForm, DenyForm, ExtendForm, MaterialCheckForm, OpinionForm,
    OptionalReasonForm,
    PaymentForm, ReasonForm, ReceiveForm, RejectForm, SuspendForm, correction_items,
)


def _staff(request) -> User:
    """Staff, or an agent (代办员) on the cases of his authorizations."""
    if request.user.role not in STAFF_ROLES and request.user.role != Role.AGENT:
        raise PermissionDenied
    return request.user


def _receiver(request) -> User:
    """Staff who receive applications at a window (an acceptance grant)."""
    user = _staff(request)
    if not may_receive(user, today=clock.today()):
        raise PermissionDenied
    return user


def _case(request, case_id: int):
    case = case_get_for_staff(user=_staff(request), case_id=case_id)
    if case is None:
        raise Http404
    return case


# The lists of the workbench: mine to do, done by me, all open cases in my
# scope, and (heads) the requests waiting for my approval.
VIEWS = {"todo": gettext_lazy("我的待办"), "done": gettext_lazy("我已办"), "all": gettext_lazy("全部办件")}


def _rows(cases, today) -> list[tuple]:
    """Each case with its clock (which deadline, its date, working days
    left, the stored light) as every list shows it."""
    return [(case, case_clock(case, today=today)) for case in cases]


@login_required
def case_worklist(request):
    user = _staff(request)
    today = clock.today()
    view = request.GET.get("view", "")
    if view not in VIEWS:
        view = "todo" if may_have_duties(user, today=today) else "all"
    # The search is posted: an identity number typed by the clerk must not
    # end up in an address (proxy and server logs, the browser's history).
    query = request.POST.get("q", "").strip()[:50] if request.method == "POST" else ""
    filters = {"view": view}
    if view == "todo":
        cases = []
        for case, acts in case_list_todo(user=user, today=today):
            case.duties = [_action_label(case, action) for action in acts]
            cases.append(case)
        if query:
            found = set(case_search(Case.objects.filter(pk__in=[c.pk for c in cases]), query).values_list("pk", flat=True))
            cases = [case for case in cases if case.pk in found]
        page = Paginator(cases, 50).get_page(request.GET.get("page"))
    else:
        if view == "done":
            cases = case_list_done(user=user)
        else:
            state = request.GET.get("state", "")
            if state and state not in State.values:
                state = ""
            step = request.GET.get("step", "").strip()[:50]
            cases = case_list_for_staff(user=user, state=state, open_only=not state and not query, step=step)
            # The light supervision stored (at each transition and scan): filtered in the database.
            light = request.GET.get("light", "")
            if light in ("yellow", "red"):
                cases = cases.filter(light=light)
            elif light == "green":
                cases = cases.filter(light__in=["green", "prompt", ""])
            else:
                light = ""
            department = request.GET.get("department", "")
            if department.isdigit() and len(department) <= 18:  # an id, not a number the database cannot hold
                cases = cases.filter(department_id=int(department))
            else:
                department = ""
            filters.update(state=state, step=step, light=light, department=department)
        cases = case_search(cases, query)
        page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(request, "web/case_worklist.html", {
        "rows": _rows(page.object_list, today), "page": page, "q": query, **filters,
        "query_string": urlencode({k: v for k, v in filters.items() if v}),
        "views": [(key, label, urlencode({"view": key})) for key, label in VIEWS.items()],
        "may_receive": may_receive(user, today=today),
        "covering": staff_covers(user, on=today),
        "states": State.choices,
        "steps": ["受理", "审查", "审核", "现场核查", "决定", "制证", "送达"],
    })


# The decision services' fields as the receipt form names them.
RECEIPT_FIELDS = {"items": "correction", "materials": None}


@login_required
def case_receive(request, code: str):
    """The window acceptance screen for one item: applicant, material check, decision."""
    user = _receiver(request)
    version = catalog_selectors.version_get_published(code=code)
    if version is None:
        raise Http404
    if not staff_is_authorized(user, department=version.item.department, action=Grant.ACCEPT,
                               item_code=version.item.base_code, on=clock.today()):
        raise PermissionDenied  # told before the form is filled in, not after
    form = ReceiveForm(request.POST or None)
    # The item's own questions and the delivery choice (checked by the service).
    answers = ApplicationForm(request.POST or None, version=version)
    materials = list(version.materials.all())
    if request.method == "POST" and form.is_valid() and answers.is_valid():
        data = form.cleaned_data
        try:
            # Receipt, scans and the clerk's decision go together: a refused
            # scan or decision (补正 with no items, 不予受理 with no reason)
            # leaves no case behind, and the form says which field.
            with transaction.atomic():
                case = case_services.case_submit(
                    actor=user, item_version=version, center=user.center or version.item.department.center,
                    channel=Channel.WINDOW, applicant_kind=data["applicant_kind"], applicant_name=data["applicant_name"],
                    applicant_id_number=data["applicant_id_number"], applicant_phone=data["applicant_phone"],
                    agency=agency_by_number(data["agency"]), **answers.answers(),
                    client_address=client_address(request))
                # A material is checked 合格 when the clerk ticks it (the
                # original seen) or scans it; the rest stay unchecked.
                seen = set(request.POST.getlist("checked"))
                checks = []
                for material in materials:
                    scan = request.FILES.get(f"scan-{material.order}")
                    if scan is not None:
                        case = case_services.case_material_attach(
                            actor=user, case=case, material_order=material.order, filename=scan.name,
                            content=scan.read(case_services.MATERIAL_MAX_BYTES + 1))
                    if scan is not None or str(material.order) in seen:
                        checks.append({"material_order": material.order, "verdict": Verdict.OK, "note": ""})
                if checks and data["decision"] != "reject":
                    case = case_services.case_check_materials(actor=user, case=case, checks=checks)
                if data["decision"] == "accept":
                    case_services.case_accept(actor=user, case=case)
                elif data["decision"] == "correction":
                    case_services.case_request_correction(actor=user, case=case, items=correction_items(data["correction"]))
                else:
                    case_services.case_reject(actor=user, case=case, reason=data["reason"], refer_to=data["refer_to"])
        except DomainError as error:
            field = RECEIPT_FIELDS.get(error.field, error.field)
            if not answers.place_error(error):
                form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, _("办件 %(number)s 已处理，可打印文书。") % {"number": case.number})
            return redirect("case_detail", case_id=case.pk)
    return render(request, "web/case_receive.html",
                  {"version": version, "materials": materials, "form": form, "answers": answers,
                   # a refused receipt keeps what the clerk ticked (a scan must be chosen again: browsers forget files)
                   "ticked": {int(order) for order in request.POST.getlist("checked") if order.isdigit() and len(order) < 6}},
                  status=400 if form.errors or answers.errors else 200)


@login_required
def case_receive_pick(request):
    """Pick the item to receive: search among the published items."""
    user = _receiver(request)
    query = request.GET.get("q", "").strip()[:50]
    versions = catalog_selectors.version_search_published(query=query, limit=30) if query else []
    # Only the items this clerk may accept (the others would refuse the form).
    grants = staff_authorizations(user, on=clock.today())
    versions = [v for v in versions if any((v.item.department_id, Grant.ACCEPT, code) in grants
                                           for code in ("", v.item.base_code))]
    return render(request, "web/case_receive_pick.html", {"query": query, "versions": versions})


def _forms_for(case, actions, *, bound: str | None = None, data=None, files=None) -> dict:
    """The input form of each of ``actions`` that takes input, named by its
    prefix; the fields are the service's arguments (``case_act``). Only the
    form of ``bound`` (the one submitted) gets the posted data: an error
    shows on that form alone."""
    # The head's extension starts from what the reviewer asked for.
    asked = case.request_data if case.request_action == Action.EXTEND else {}
    makers = {
        Action.ATTACH_MATERIAL: lambda d, f: AttachForm(d, f, prefix="attach_material",
                                                        materials=case_materials(case)),
        Action.CHECK_MATERIALS: lambda d, f: MaterialCheckForm(
            d, prefix="check_materials", materials=case_materials(case),
            checks={c.material_order: c for c in case.material_checks.all()}),
        Action.COMPLETE_STEP: lambda d, f: OpinionForm(d, prefix="complete_step"),
        Action.SEND_BACK: lambda d, f: ReasonForm(d, prefix="send_back"),
        Action.REQUEST_SUSPENSION: lambda d, f: SuspendForm(d, prefix="request_suspension",
                                                            grounds=suspension_grounds_for(center=case.center)),
        Action.REQUEST_EXTENSION: lambda d, f: ExtendForm(d, prefix="request_extension"),
        Action.EXTEND: lambda d, f: ExtendForm(d, prefix="extend",
                                               initial={"days": asked.get("days"), "reason": asked.get("reason")}),
        Action.REFUSE_REQUEST: lambda d, f: ReasonForm(d, prefix="refuse_request"),
        Action.APPROVE: lambda d, f: OpinionForm(d, prefix="approve"),
        Action.DENY: lambda d, f: DenyForm(d, prefix="deny"),
        Action.REJECT: lambda d, f: RejectForm(d, prefix="reject"),
        # The one-time notice starts from the materials found 需补正.
        Action.REQUEST_CORRECTION: lambda d, f: CorrectionForm(d, prefix="request_correction", initial={"items": "\n".join(
            f"{c.name}：{c.note}" for c in case.material_checks.filter(verdict=Verdict.FIX))}),
        Action.RECORD_PAYMENT: lambda d, f: PaymentForm(d, prefix="record_payment"),
        Action.CERTIFY: lambda d, f: CertifyForm(d, prefix="certify"),
        Action.DELIVER: lambda d, f: DeliverForm(d, prefix="deliver"),
        Action.WITHDRAW: lambda d, f: OptionalReasonForm(d, prefix="withdraw"),
        Action.TERMINATE: lambda d, f: ReasonForm(d, prefix="terminate"),
    }
    return {action: makers[action](data if action == bound else None, files if action == bound else None)
            for action in actions if action in makers}


# The applicant's acts as a clerk takes them at the window, on the applicant's behalf.
STAFF_LABELS = {Action.WITHDRAW: gettext_lazy("登记撤回（申请人书面申请）"),
                Action.RESUBMIT: gettext_lazy("收取补正材料"),
                Action.ATTACH_MATERIAL: gettext_lazy("上传扫描件")}


def _action_label(case, action: str) -> str:
    """An action's name on the staff case page: the applicant's acts as the
    window takes them; the head's acts saying which request they answer."""
    if action == Action.REFUSE_REQUEST:
        return _("不予批准（%(request)s）") % {"request": request_label(case)}
    if action == Action.EXTEND and case.request_action != Action.EXTEND:
        return _("决定延长期限")
    return str(STAFF_LABELS.get(action, Action(action).label))


def _detail(request, case, *, forms=None, status=200):
    user = request.user
    allowed = case_services.case_actions_for(user, case)
    forms = forms or _forms_for(case, allowed)
    return render(request, "web/case_detail.html", {
        "case": case,
        "clock": case_clock(case, today=clock.today()),
        "step_name": case.step_name,
        "events": [(e, event_label(e.action), State(e.to_state).label) for e in case_events(case, with_actors=True)],
        "notices": case.notices.order_by("issued_at", "pk"),
        "actions": [(action, _action_label(case, action), forms.get(action)) for action in allowed],
        "pauses": case.pauses.select_related("approved_by"),
        "request_label": request_label(case),
        "materials": _materials(case),
        "alerts": case.alerts.order_by("-raised_at", "-pk"),
    }, status=status)


def _materials(case) -> list[tuple]:
    """Each of the item's materials with the files handed in and its check."""
    files: dict[int, list] = {}
    for record in case.materials.all():
        files.setdefault(record.material_order, []).append(record)
    checks = {c.material_order: c for c in case.material_checks.select_related("checked_by")}
    return [(m, files.get(m.order, []), checks.get(m.order)) for m in case_materials(case)]


@login_required
@xframe_options_sameorigin  # previewed inside the case page
def case_material_file(request, case_id: int, file_id: int):
    """A file handed in for the case, to whoever may see the case (the
    case's scope, never the file's address): inline for the page's preview,
    as an attachment with ?download=1."""
    record = material_get(_case(request, case_id), file_id)
    return material_response(record, download=request.GET.get("download") == "1")


@login_required
def case_detail(request, case_id: int):
    return _detail(request, _case(request, case_id))


@login_required
@require_POST
def case_act(request, case_id: int, action: str):
    case = _case(request, case_id)
    allowed = case_services.case_actions_for(request.user, case)
    if action not in Action.values or action not in allowed:
        raise PermissionDenied
    forms = _forms_for(case, allowed, bound=action, data=request.POST, files=request.FILES)
    form = forms.get(action)
    if form is not None and not form.is_valid():
        return _detail(request, case, forms=forms, status=400)
    try:
        case_services.case_act(actor=request.user, case=case, action=action,
                               params=form.cleaned_data if form is not None else {}, client_address=client_address(request))
    except DomainError as error:
        field = _form_field(form, error.field)
        if field is not None:
            form.add_error(field, error.message)
            return _detail(request, case, forms=forms, status=400)
        messages.error(request, error.message)
    else:
        messages.success(request, _("已%(action)s。") % {"action": Action(action).label})
    return redirect("case_detail", case_id=case.pk)


def _form_field(form, name: str | None) -> str | None:
    """The field of ``form`` a service's refusal names (``items[2]`` is the
    form's ``items``; a check's line its material's field); None: none."""
    if form is None or not name:
        return None
    name = form.field_for(name) if hasattr(form, "field_for") else name
    name = name if name in form.fields else name.split("[", 1)[0]
    return name if name in form.fields else None


@login_required
def case_notice_pdf(request, case_id: int, notice_id: int):
    case = _case(request, case_id)
    notice = case.notices.filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    response = HttpResponse(notice_pdf(notice_data(notice)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{notice.pk}.pdf"'
    return response
