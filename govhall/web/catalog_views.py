"""The workbench's catalog pages: list and search the items of one's scope,
see what each lacks, edit a draft, preview and publish, import and export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhall.catalog import selectors
from govhall.catalog.exchange import catalog_export_json, catalog_export_xlsx
from govhall.catalog.jobs import import_job_get_for_staff, import_job_start
from govhall.catalog.models import VersionStatus
from govhall.catalog.services import (
    FORM_MAX_BYTES, SpecInvalid, catalog_may_edit, item_create, item_edit, item_form_attach, item_publish,
)
from govhall.core.errors import DomainError
from govhall.org.models import Department
from govhall.org.roles import STAFF_ROLES
from govhall.web.catalog_forms import FORMSETS, ImportForm, NewItemForm, VersionForm, row_formset

PAGE_SIZE = 50


def _staff(request):
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied
    return request.user


def _item(request, item_id: int):
    item = selectors.item_get_for_staff(user=_staff(request), item_id=item_id)
    if item is None:
        raise Http404
    return item


def _editable_item(request, item_id: int):
    """An item of the user's scope he may also edit: 404 outside the scope, 403 within it."""
    item = _item(request, item_id)
    if not catalog_may_edit(request.user, item.department):
        raise PermissionDenied
    return item


def _editable_departments(user):
    return [d for d in Department.objects.select_related("center") if catalog_may_edit(user, d)]


@login_required
def catalog_list(request):
    user = _staff(request)
    query = request.GET.get("q", "").strip()[:50]
    state = request.GET.get("state", "")
    if query:
        items = selectors.item_search_for_staff(user=user, query=query, limit=200)
    else:
        items = list(selectors.item_list_for_staff(user=user).order_by("department__code", "code"))
    if state == "published":
        items = [i for i in items if i.current_id]
    elif state == "draft":
        items = [i for i in items if not i.current_id]
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    latest = selectors.item_latest_versions([i.pk for i in page.object_list])
    rows = [(item, latest.get(item.pk)) for item in page.object_list]
    return render(request, "web/catalog_list.html", {
        "rows": rows, "page": page, "query": query, "state": state,
        "can_create": bool(_editable_departments(user)),
    })


@login_required
def catalog_item(request, item_id: int):
    item = _item(request, item_id)
    version = selectors.item_latest_version(item)
    return render(request, "web/catalog_item.html", {
        "item": item, "version": version,
        "missing": selectors.version_missing_elements(version),
        "quality": selectors.version_quality_issues(version),
        "history": selectors.version_history(item),
        "events": selectors.item_events(item),
        "can_edit": catalog_may_edit(request.user, item.department),
    })


@login_required
def catalog_preview(request, item_id: int):
    item = _item(request, item_id)
    version = selectors.item_latest_version(item)
    return render(request, "portal/item.html", {
        "version": version, "item": item, "preview": version.status == VersionStatus.DRAFT,
        "materials": list(version.materials.all()), "steps": list(version.steps.all()),
        "fees": list(version.fees.all()), "delivery_labels": selectors.delivery_labels(version),
    })


def _initial(spec: dict) -> dict:
    initial = {k: spec[k] for k in VersionForm.base_fields if k in spec}
    initial["no_fee"] = {True: "yes", False: "no", None: ""}[spec["no_fee"]]
    return initial


def _spec_from_forms(form, formsets) -> tuple[dict, dict]:
    """The interchange dict from the editor's forms, and where each list row came from."""
    data = dict(form.cleaned_data)
    data["no_fee"] = {"yes": True, "no": False}.get(data["no_fee"])
    data.pop("change_note")
    rows: dict[str, list] = {}
    for key, formset in formsets.items():
        data[key], rows[key] = [], []
        for row in formset.forms:
            if not row.cleaned_data or row.cleaned_data.get("DELETE"):
                continue
            values = {k: v for k, v in row.cleaned_data.items() if k != "DELETE"}
            if key == "fees":
                values["amount"] = "" if values["amount"] is None else f"{values['amount']:.2f}"
            data[key].append(values)
            rows[key].append(row)
    return data, rows


def _place_errors(error: SpecInvalid, form, formsets, rows) -> None:
    """Show each service error on the field it names (materials[2].name → that row's name)."""
    for e in error.errors:
        head, _sep, field = e.path.partition(".")
        field = field.split("[")[0]  # form_fields[0].options[1] → that row's options
        key, _bracket, index = head.partition("[")
        if index and key in rows:
            row = rows[key][int(index.rstrip("]"))]
            row.add_error(field if field in row.fields else None, e.message)
        elif head in form.fields:
            form.add_error(head, e.message)
        else:
            form.add_error(None, f"{e.path}: {e.message}")


@login_required
def catalog_edit(request, item_id: int):
    item = _editable_item(request, item_id)
    version = selectors.item_latest_version(item)
    spec = selectors.version_to_spec(version)
    if request.method == "POST":
        form = VersionForm(request.POST)
        formsets = {key: row_formset(cls, key, data=request.POST) for key, cls in FORMSETS}
        if form.is_valid() and all(fs.is_valid() for fs in formsets.values()):
            data, rows = _spec_from_forms(form, formsets)
            try:
                draft = item_edit(actor=request.user, item=item, spec=data, change_note=form.cleaned_data["change_note"])
            except SpecInvalid as error:
                _place_errors(error, form, formsets, rows)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("已保存为第 %(n)s 版草稿。") % {"n": draft.number})
                return redirect("catalog_item", item_id=item.pk)
        status = 400
    else:
        form = VersionForm(initial=_initial(spec))
        formsets = {key: row_formset(cls, key, initial=spec[key]) for key, cls in FORMSETS}
        status = 200
    return render(request, "web/catalog_edit.html", {
        "item": item, "version": version, "form": form, "formsets": formsets,
    }, status=status)


@login_required
@require_POST
def catalog_publish(request, item_id: int):
    item = _editable_item(request, item_id)
    try:
        version = item_publish(actor=request.user, version=selectors.item_latest_version(item))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("第 %(n)s 版已发布，门户网站即时生效。") % {"n": version.number})
    return redirect("catalog_item", item_id=item.pk)


@login_required
@require_POST
def catalog_form_upload(request, item_id: int, order: int):
    item = _editable_item(request, item_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise DomainError(_("请选择文件。"), field="file")
        draft = item_form_attach(actor=request.user, item=item, order=order, kind=request.POST.get("kind", ""),
                                 filename=upload.name, content=upload.read(FORM_MAX_BYTES + 1))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("表格已上传到第 %(n)s 版草稿。") % {"n": draft.number})
    return redirect("catalog_item", item_id=item.pk)


@login_required
def catalog_new(request):
    user = _staff(request)
    departments = Department.objects.filter(pk__in=[d.pk for d in _editable_departments(user)])
    if not departments.exists():
        raise PermissionDenied
    form = NewItemForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "department": form.cleaned_data["department"].code}
        try:
            item = item_create(actor=user, spec=data)
        except SpecInvalid as error:
            for e in error.errors:
                form.add_error(e.path if e.path in form.fields else None, e.message)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("事项已创建为草稿，请补充各项要素。"))
            return redirect("catalog_edit", item_id=item.pk)
    return render(request, "web/catalog_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def catalog_import(request):
    """Upload a catalog file; the worker imports it while the page shows progress."""
    user = _staff(request)
    if not _editable_departments(user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_start(actor=user, filename=upload.name, content=upload.read())
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            return redirect("catalog_import_job", job_id=job.pk)
    return render(request, "web/catalog_import.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def catalog_import_job(request, job_id: int):
    """The progress and outcome of an import; htmx polls the fragment."""
    job = import_job_get_for_staff(user=_staff(request), job_id=job_id)
    if job is None:
        raise Http404
    template = "web/_catalog_import_job.html" if request.htmx else "web/catalog_import_job.html"
    return render(request, template, {"job": job})


@login_required
def catalog_export(request, fmt: str):
    """The items of the user's scope (drafts included), as the catalog list shows them."""
    user = _staff(request)
    if fmt == "xlsx":
        response = HttpResponse(catalog_export_xlsx(user=user), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        response = HttpResponse(catalog_export_json(user=user), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="catalog.{fmt}"'
    return response
