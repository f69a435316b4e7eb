"""The public portal (外网): browse and search the published catalog, read
an item's service guide (办事指南), download its forms. No login needed."""

from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
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
