"""Supervision screens: the alerts of one's scope, an alert with its
handling, and the live wall of lights by department and window."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from govhall.core.errors import DomainError, NotPermitted
from govhall.org.roles import CENTER_ROLES, DEPARTMENT_ROLES, GLOBAL_ROLES, STAFF_ROLES, Role
from govhall.supervision import selectors, services
from govhall.supervision.models import AlertState, Severity
from govhall.supervision.rules import RULES

WALL_ROLES = CENTER_ROLES | GLOBAL_ROLES | {Role.DEPARTMENT_HEAD, Role.CHIEF_REPRESENTATIVE}


def _staff(request):
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied
    return request.user


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def alert_list(request):
    user = _staff(request)
    state = request.GET.get("state", "")
    state = state if state in AlertState.values else ""
    severity = request.GET.get("severity", "")
    severity = severity if severity in Severity.values else ""
    rule = request.GET.get("rule", "")
    rule = rule if rule in RULES else ""
    department = _int(request.GET.get("department"))
    alerts = selectors.alert_list_for(user, state=state, severity=severity, rule=rule, department_id=department)
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/alert_list.html", {
        "page": page, "state": state, "severity": severity, "rule": rule, "department": department or "",
        "states": AlertState.choices, "severities": Severity.choices,
        "rules": [(code, r.title) for code, r in RULES.items()],
    })


class AnswerForm(forms.Form):
    """The department's correction note (整改情况). Optional to the form: the
    service refuses an empty note and names the field, and that refusal is
    shown here (DESIGN 5: a clear error naming the field)."""

    answer = forms.CharField(label=gettext_lazy("整改情况"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4, "aria-required": "true"}))


class ReviewForm(forms.Form):
    """A supervisor's note: optional to close, required to send back (the service says)."""

    note = forms.CharField(label=gettext_lazy("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


# action → (its form, the service, what the layout says once done)
ACTIONS = {
    "acknowledge": (None, services.alert_acknowledge, gettext_lazy("已签收。")),
    "answer": (AnswerForm, services.alert_answer, gettext_lazy("已提交整改情况，等待电子监察审核。")),
    "close": (ReviewForm, services.alert_close, gettext_lazy("已审核通过，预警办结。")),
    "send_back": (ReviewForm, services.alert_send_back, gettext_lazy("已退回责任部门重新整改。")),
}


def _alert(user, alert_id: int):
    alert = selectors.alert_get_for(user, alert_id)
    if alert is None:
        raise Http404
    return alert


def _detail(request, user, alert, *, answer_form=None, review_form=None, status=200):
    may_handle = user.role in DEPARTMENT_ROLES and alert.state in (AlertState.OPEN, AlertState.ACKNOWLEDGED)
    may_review = user.role == Role.SUPERVISOR and alert.state == AlertState.ANSWERED
    return render(request, "supervision/alert_detail.html", {
        "alert": alert, "rule": RULES.get(alert.rule), "may_handle": may_handle, "may_review": may_review,
        "answer_form": answer_form or AnswerForm(), "review_form": review_form or ReviewForm(),
    }, status=status)


@login_required
def alert_detail(request, alert_id: int):
    user = _staff(request)
    return _detail(request, user, _alert(user, alert_id))


@login_required
@require_POST
def alert_act(request, alert_id: int, action: str):
    """One handling step. A refusal naming a field of the form is shown at
    that field (400, nothing written); any other refusal is a message."""
    user = _staff(request)
    alert = _alert(user, alert_id)
    if action not in ACTIONS:
        raise Http404
    form_class, service, done = ACTIONS[action]
    form = form_class(request.POST) if form_class else None
    key = "answer_form" if form_class is AnswerForm else "review_form"
    if form is not None and not form.is_valid():  # a NUL character, say
        return _detail(request, user, alert, status=400, **{key: form})
    try:
        service(actor=user, alert=alert, **(form.cleaned_data if form is not None else {}))
    except NotPermitted:  # not this person's to handle: refused like any other forbidden act (403)
        raise PermissionDenied
    except DomainError as error:  # a Conflict too
        if form is not None and error.field in form.fields:
            form.add_error(error.field, error.message)
            return _detail(request, user, alert, status=400, **{key: form})
        messages.error(request, error.message)
    else:
        messages.success(request, str(done))
    return redirect("alert_detail", alert_id=alert.pk)


@login_required
def wall(request):
    """The supervisor's wall (监察大屏): refreshed in place every 30 seconds."""
    user = _staff(request)
    if user.role not in WALL_ROLES:
        raise PermissionDenied
    context = {"wall": selectors.wall_for(user)}
    if request.headers.get("HX-Request"):
        return render(request, "supervision/_wall.html", context)
    return render(request, "supervision/wall.html", context)
