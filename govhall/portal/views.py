"""The public portal (外网): browse and search the published catalog, read
an item's service guide (办事指南), download its forms. No login needed."""

from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from govhall.catalog import selectors
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

PROGRESS_LIMIT_PER_MINUTE = 10


def _too_many(request) -> bool:
    """At most a few progress queries per minute per address: number + query
    code cannot be guessed by trying."""
    from django.core.cache import cache

    key = f"progress:{request.META.get('REMOTE_ADDR', '')}"
    count = cache.get_or_set(key, 0, timeout=60)
    if count >= PROGRESS_LIMIT_PER_MINUTE:
        return True
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=60)
    return False


def _public_timeline(case):
    from govhall.cases.selectors import case_events
    from govhall.cases.states import Action

    return [(e.at, str(Action(e.action).label) if e.action in Action.values else e.action) for e in case_events(case)]


def portal_progress(request):
    """Progress of a case by its number and query code (办件进度查询)."""
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
                error, status = _("办件编号或查询码不正确。"), 404
    return render(request, "portal/progress.html", {
        "case": case, "error": error, "number": number,
        "timeline": _public_timeline(case) if case else [],
        "notices": case.notices.order_by("issued_at", "pk") if case else [],
    }, status=status)


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
    """An applicant's own cases."""
    from django.contrib.auth.views import redirect_to_login

    from govhall.cases.selectors import case_list_for_applicant

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "portal/my_cases.html", {"cases": case_list_for_applicant(user=request.user)})
