"""The screens of dispatch suggestions: the panel on the intake page (htmx,
as the operator types the caller's words; a click fills the category or the
main unit), and the page where the hotline office and the center's managers
see the model's accuracy, retrain it and import history."""

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
from govhall.hotline import suggest_services
from govhall.hotline.forms import IntakeForm
from govhall.hotline.selectors import categories_active, units_for_dispatch
from govhall.hotline.suggest_import import (
    MAX_BYTES,
    HistoryRefused,
    describe,
    history_import,
)
from govhall.hotline.suggest_tasks import suggest_train_pending, suggest_train_task


class HistoryForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("历史工单文件（xlsx、csv 或 json）"))


def _manager_center(request):
    user = request.user
    if user.center_id is None:
        raise PermissionDenied
    try:
        suggest_services.manager_check(user, user.center)
    except NotPermitted as error:
        raise PermissionDenied from error
    return user.center


@login_required
def panel(request):
    """The top three categories and units for the words typed (htmx partial)."""
    text = request.GET.get("content", "")
    try:
        answer = suggest_services.suggestions_for(actor=request.user, text=text[:suggest_services.TEXT_MAX])
    except NotPermitted as error:
        raise PermissionDenied from error
    return render(request, "hotline/_dispatch_suggest.html", {"answer": answer, "text": text.strip()})


@login_required
def pick(request):
    """The intake form's category or main unit select with the suggestion
    chosen (swapped in place of the select: no script needed)."""
    try:
        center = suggest_services.operator_check(request.user)
    except NotPermitted as error:
        raise PermissionDenied from error
    field, value = request.GET.get("field"), request.GET.get("value", "")
    form = IntakeForm(units=units_for_dispatch(center=center), categories=categories_active(), center=center)
    if field not in ("category", "main_unit") or not value.isdigit():
        raise Http404
    if not form.fields[field].queryset.filter(pk=value).exists():
        raise Http404
    form.initial[field] = int(value)
    return render(request, "hotline/_dispatch_pick.html", {"field": form[field]})


@login_required
def model_page(request):
    """Accuracy (top-1/top-3 by cross-validation, n, when), retraining, history import."""
    center = _manager_center(request)
    form, errors, status = HistoryForm(), [], 200
    if request.method == "POST":
        form = HistoryForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_BYTES:
                    raise HistoryRefused([(0, "file", _("文件不能超过 %(n)d MB。") % {"n": MAX_BYTES // 1024 // 1024})])
                done = history_import(actor=request.user, center=center, name=upload.name, data=upload.read())
            except HistoryRefused as refused:
                errors = [describe(error) for error in refused.errors]
            except DomainError as error:
                errors = [error.message]
            else:
                messages.success(request, _("已导入 %(n)d 条历史工单（批次 %(batch)s）。重新训练后生效。")
                                 % {"n": done.count, "batch": done.batch})
                return redirect("hotline_suggest")
        status = 400
    return render(request, "hotline/suggest.html", {
        "center": center, "form": form, "errors": errors, "trainings": suggest_services.suggest_models_for(center),
        "history": suggest_services.history_count(center), "pending": suggest_train_pending(center.pk)},
        status=status)


@login_required
@require_POST
def train(request):
    """Retrain now: the task worker does it (at once where tasks run inline)."""
    center = _manager_center(request)
    if suggest_train_pending(center.pk) is not None:
        messages.info(request, _("重新训练已在进行或排队中，无需重复提交。"))
        return redirect("hotline_suggest")
    suggest_train_task.enqueue(center_id=center.pk, user_id=request.user.pk)
    messages.success(request, _("已提交重新训练，完成后此页显示新的准确率。"))
    return redirect("hotline_suggest")
