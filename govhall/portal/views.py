"""The public portal (外网): browse and search the published catalog, read
an item's service guide (办事指南), download its forms. No login needed."""

from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from govhall.catalog import selectors
from govhall.core.client import client_address, rate_limited
from govhall.catalog.models import ThemeKind
from govhall.org.models import Department

SEARCH_LIMIT = 50


def _departments_with_items():
    return (
        Department.objects.annotate(published=Count("items", filter=Q(items__current__isnull=False)))
        .filter(published__gt=0).order_by("code")
    )


def portal_home(request):
    themes = selectors.theme_list()
    return render(request, "portal/home.html", {
        "departments": _departments_with_items(),
        "themes": [t for t in themes if t.kind == ThemeKind.THEME],
        "life_events": [t for t in themes if t.kind == ThemeKind.LIFE_EVENT],
        "published_count": selectors.version_list_published().count(),
    })


def portal_search(request):
    query = request.GET.get("q", "").strip()[:50]
    results = selectors.version_search_published(query=query, limit=SEARCH_LIMIT) if query else []
    return render(request, "portal/search.html", {"query": query, "results": results})


def portal_department(request, code: str):
    department = get_object_or_404(Department, code=code)
    versions = selectors.version_list_published().filter(item__department=department).order_by("name")
    return render(request, "portal/list.html", {"title": department.name, "versions": versions, "department": department})


def portal_theme(request, code: str):
    theme = get_object_or_404(selectors.theme_list(), code=code)
    return render(request, "portal/list.html", {
        "title": theme.name, "description": theme.description, "theme": theme,
        "versions": selectors.theme_published_versions(theme),
    })


def portal_item(request, code: str):
    version = selectors.version_get_published(code=code)
    if version is None:
        raise Http404
    return render(request, "portal/item.html", {
        "version": version,
        "item": version.item,
        "materials": list(version.materials.all()),
        "steps": list(version.steps.all()),
        "fees": list(version.fees.all()),
        "delivery_labels": selectors.delivery_labels(version),
    })


@cache_control(max_age=3600)
def portal_material_file(request, code: str, order: int, kind: str):
    """A material's blank form (template) or filled sample, as uploaded."""
    version = selectors.version_get_published(code=code)
    if version is None or kind not in {"template", "sample"}:
        raise Http404
    material = version.materials.filter(order=order).first()
    field = getattr(material, kind, None) if material else None
    if not field:
        raise Http404
    name = f"{material.name}（{'空白表格' if kind == 'template' else '示例样表'}）{_suffix(field.name)}"
    return FileResponse(field.open("rb"), as_attachment=True, filename=name)


def _suffix(path: str) -> str:
    dot = path.rfind(".")
    return path[dot:] if dot != -1 else ""


# --- cases: progress query, notice verification, my cases -------------------

def _too_many(request) -> bool:
    """At most a few progress queries per minute per client (behind the
    hall's proxy too, and across processes): number + query code cannot be
    guessed by trying."""
    from django.conf import settings

    return rate_limited(scope="progress", key=client_address(request) or "unknown",
                        limit=settings.GOVHALL_PROGRESS_QUERIES_PER_MINUTE, seconds=60)


def _public_timeline(case):
    from govhall.cases.selectors import case_events
    from govhall.cases.states import event_label

    return [(e.at, event_label(e.action)) for e in case_events(case)]


def progress_answer(request) -> tuple[dict, int]:
    """The progress query's answer to ``request`` (the portal's page and the
    hall's touch screen): the context — ``case`` or, for a joint case,
    ``joint`` and its stages — and the status; one answer for a wrong number
    and a wrong code, rate-limited per client."""
    from govhall.cases.selectors import case_get_public

    number = request.POST.get("number", "").strip()[:40]
    code = request.POST.get("query_code", "").strip()[:12]
    case = error = None
    status = 200
    if request.method == "POST":
        if _too_many(request):
            error, status = _("查询过于频繁，请一分钟后再试。"), 429
        else:
            case = case_get_public(number=number, query_code=code)
            if case is None:
                # A joint case (联办件) answers by its own number and query code.
                from govhall.portal.joint_views import joint_progress

                joint = joint_progress(number=number, query_code=code)
                if joint is not None:
                    return {"number": number, **joint}, 200
                error, status = _("办件编号或查询码不正确。"), 404
    return {
        "case": case, "error": error, "number": number,
        "timeline": _public_timeline(case) if case else [],
        "notices": case.notices.order_by("issued_at", "pk") if case else [],
    }, status


def portal_progress(request):
    """Progress of a case, or of a joint case, by its number and query code
    (办件进度查询)."""
    context, status = progress_answer(request)
    template = "portal/progress_joint.html" if "joint" in context else "portal/progress.html"
    return render(request, template, context, status=status)


def portal_verify(request, code: str):
    """The verification page a notice's QR code leads to (文书核验)."""
    from govhall.cases.notices import notice_data
    from govhall.cases.selectors import notice_get_by_code
    from govhall.documents import notice_text

    notice = notice_get_by_code(verify_code=code)
    if notice is None:
        return render(request, "portal/verify.html", {"notice": None}, status=404)
    return render(request, "portal/verify.html", {"notice": notice, "text": notice_text(notice_data(notice))})


def portal_verify_pdf(request, code: str):
    from django.http import HttpResponse

    from govhall.cases.notices import notice_data
    from govhall.cases.selectors import notice_get_by_code
    from govhall.documents import notice_pdf

    notice = notice_get_by_code(verify_code=code)
    if notice is None:
        raise Http404
    response = HttpResponse(notice_pdf(notice_data(notice)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


def portal_my_cases(request):
    """An applicant's own cases (staff have none: 403, as on every page of the applicant's own)."""
    from govhall.cases.selectors import case_list_for_applicant

    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    return render(request, "portal/my_cases.html", {"cases": case_list_for_applicant(user=user)})


# --- online application (网上申请) ---------------------------------------------

def _applicant(request):
    from django.contrib.auth.views import redirect_to_login

    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    if not request.user.is_applicant:
        raise PermissionDenied(_("工作人员请在工作台办理。"))
    return request.user, None


def _my_case(user, number: str):
    from govhall.cases.selectors import case_list_for_applicant

    case = case_list_for_applicant(user=user).filter(number=number).first()
    if case is None:
        raise Http404
    return case


def portal_apply(request, code: str):
    """Start an online application for a published, online item."""
    from govhall.cases.services import case_draft_create
    from govhall.core.errors import DomainError
    from govhall.portal.application_form import ApplicationForm
    from govhall.portal.forms import ApplyForm

    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    version = selectors.version_get_published(code=code)
    if version is None:
        raise Http404
    form = ApplyForm(request.POST or None, initial={
        "applicant_name": user.full_name, "applicant_id_number": user.id_number, "applicant_phone": user.phone})
    # The item's own questions and the delivery choice (checked by the service).
    answers = ApplicationForm(request.POST or None, version=version)
    if request.method == "POST" and form.is_valid() and answers.is_valid():
        try:
            case = case_draft_create(actor=user, item_version=version, center=version.item.department.center,
                                     **form.cleaned_data, **answers.answers())
        except DomainError as error:
            if not answers.place_error(error):
                form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("portal_my_case", number=case.number)
    return render(request, "portal/apply.html", {"version": version, "form": form, "answers": answers},
                  status=400 if form.errors or answers.errors else 200)


def portal_my_case_file(request, number: str, file_id: int):
    """A file the applicant handed in for his own case (download)."""
    from govhall.cases.files import material_get, material_response

    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    return material_response(material_get(_my_case(user, number), file_id), download=True)


def portal_my_case(request, number: str):
    """The applicant's own case: materials, submission, correction, notices."""
    from govhall.cases.services import case_actions_for
    from govhall.cases.states import Action, State

    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    case = _my_case(user, number)
    handed_in = {}
    for record in case.materials.order_by("uploaded_at"):
        handed_in[record.material_order] = record
    correction = case.events.filter(action=Action.REQUEST_CORRECTION).order_by("-seq").first()
    allowed = case_actions_for(user, case)  # the policy table's answer, as for staff
    return render(request, "portal/my_case.html", {
        "case": case,
        "materials": [(m, handed_in.get(m.order)) for m in case.item_version.materials.all()],
        "can_upload": Action.ATTACH_MATERIAL in allowed,
        "can_submit": Action.SUBMIT in allowed,
        "can_resubmit": Action.RESUBMIT in allowed,
        "correction_items": correction.data["items"] if correction and case.state == State.CORRECTION else [],
        "can_withdraw": Action.WITHDRAW in allowed,
        "timeline": _public_timeline(case),
        "notices": case.notices.order_by("issued_at", "pk"),
    })


def portal_my_case_act(request, number: str, action: str):
    """Upload a material, submit the draft, resubmit after correction,
    withdraw: the applicant's actions, through the case services' one entry point."""
    from django.contrib import messages

    from govhall.cases import services as case_services
    from govhall.cases.states import Action
    from govhall.core.errors import DomainError

    actions = {"upload": Action.ATTACH_MATERIAL, "submit": Action.SUBMIT, "resubmit": Action.RESUBMIT,
               "withdraw": Action.WITHDRAW}
    if request.method != "POST" or action not in actions:
        raise Http404
    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    case = _my_case(user, number)
    done = {"upload": _("材料已上传。"), "submit": _("申请已提交，请留意受理结果。"), "resubmit": _("补正材料已提交。"),
            "withdraw": _("申请已撤回。")}
    try:
        params = {}
        if action == "upload":
            upload = request.FILES.get("file")
            if upload is None:
                raise DomainError(_("请选择文件。"), field="file")
            order = request.POST.get("order", "")
            params = {"material_order": int(order) if order.isdigit() and len(order) < 6 else -1,
                      "filename": upload.name, "content": upload.read(case_services.MATERIAL_MAX_BYTES + 1)}
        elif action == "withdraw":
            params = {"reason": request.POST.get("reason", "")}
        case_services.case_act(actor=user, case=case, action=actions[action], params=params,
                               client_address=client_address(request))
        messages.success(request, done[action])
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("portal_my_case", number=case.number)