"""The hotline office's category tree screens (issue 15 item 1): the tree
with add, rename and (de)activate, and the xlsx/json import. Views parse
input; the services (``category_create``, ``category_update``,
``categories_import``) decide and check who may."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from govhall.core.errors import DomainError, NotPermitted
from govhall.hotline import services
from govhall.hotline.category_import import (
    MAX_BYTES,
    CategoriesRefused,
    categories_import,
    category_error_text,
)
from govhall.hotline.models import Category
from govhall.hotline.suggest_import import HistoryRefused
from govhall.org.roles import Role

SETUP_ROLES = frozenset({Role.HOTLINE_OFFICE, Role.SYSTEM_ADMIN})


class CategoryForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("分类代码"), max_length=20)
    name = forms.CharField(label=gettext_lazy("分类名称"), max_length=60)
    parent = forms.ModelChoiceField(label=gettext_lazy("上级分类"), queryset=Category.objects.none(), required=False,
                                    empty_label=gettext_lazy("（无，一级分类）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Category.objects.filter(active=True, level__lt=3).order_by("code")


class CategoryEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("分类名称"), max_length=60)
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False)


class CategoryImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("分类文件（xlsx 或 json）"))


def _setup(request):
    if not (request.user.is_superuser or request.user.role in SETUP_ROLES):
        raise PermissionDenied
    return request.user


def _tree() -> list[Category]:
    """Every category, each after its parent (codes sort the tree)."""
    by_parent: dict = {}
    for category in Category.objects.order_by("code"):
        by_parent.setdefault(category.parent_id, []).append(category)
    ordered: list[Category] = []

    def walk(parent_id):
        for category in by_parent.get(parent_id, []):
            ordered.append(category)
            walk(category.pk)

    walk(None)
    return ordered


def _page(request, *, form=None, import_form=None, errors=(), edit_errors=None, status=200):
    return render(request, "hotline/categories.html", {
        "tree": _tree(), "form": form or CategoryForm(prefix="new"), "import_form": import_form or CategoryImportForm(),
        "errors": list(errors), "edit_errors": edit_errors or {}}, status=status)


@login_required
def category_list(request):
    """The tree, the form to add a category, and the import."""
    user = _setup(request)
    if request.method != "POST":
        return _page(request)
    form = CategoryForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            category = services.category_create(actor=user, **form.cleaned_data)
        except NotPermitted:
            raise PermissionDenied from None
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("已新增分类“%(name)s”。") % {"name": category})
            return redirect("hotline_categories")
    return _page(request, form=form, status=400)


@login_required
@require_POST
def category_edit(request, pk: int):
    """Rename, deactivate or activate one category."""
    user = _setup(request)
    category = Category.objects.select_related("parent").filter(pk=pk).first()
    if category is None:
        raise Http404
    form = CategoryEditForm(request.POST, prefix=f"c{pk}")
    if form.is_valid():
        try:
            services.category_update(actor=user, category=category, **form.cleaned_data)
        except NotPermitted:
            raise PermissionDenied from None
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("已保存分类“%(name)s”。") % {"name": category})
            return redirect("hotline_categories")
    errors = [f"{form.fields[f].label if f in form.fields else ''} {m}".strip()
              for f, ms in form.errors.items() for m in ms]
    return _page(request, edit_errors={category.pk: errors}, status=400)


@login_required
@require_POST
def category_import(request):
    """Upload an xlsx or json tree: all rows or none, every bad row listed."""
    user = _setup(request)
    form = CategoryImportForm(request.POST, request.FILES)
    errors = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_BYTES:
                raise CategoriesRefused([(0, "file", _("文件不能超过 %(n)d MB。") % {"n": MAX_BYTES // 1024 // 1024})])
            done = categories_import(actor=user, name=upload.name, data=upload.read())
        except HistoryRefused as refused:
            errors = [category_error_text(error) for error in refused.errors]
        except NotPermitted:
            raise PermissionDenied from None
        except DomainError as error:
            errors = [error.message]
        else:
            messages.success(request, _("分类已导入：新增 %(created)d 个，改名 %(renamed)d 个，未变 %(unchanged)d 个。")
                             % {"created": done.created, "renamed": done.renamed, "unchanged": done.unchanged})
            return redirect("hotline_categories")
    return _page(request, import_form=form, errors=errors, status=400)
