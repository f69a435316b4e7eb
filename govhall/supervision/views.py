"""Supervision screens: the alerts of one's scope, an alert with its
handling, and the live wall of lights by department and window."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhall.core.errors import DomainError
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


@login_required
def alert_detail(request, alert_id: int):
    user = _staff(request)
    alert = selectors.alert_get_for(user, alert_id)
    if alert is None:
        raise Http404
    rule = RULES.get(alert.rule)
    may_handle = user.role in DEPARTMENT_ROLES and alert.state in (AlertState.OPEN, AlertState.ACKNOWLEDGED)
    may_review = user.role == Role.SUPERVISOR and alert.state == AlertState.ANSWERED
    return render(request, "supervision/alert_detail.html", {
        "alert": alert, "rule": rule, "may_handle": may_handle, "may_review": may_review,
    })


@login_required
@require_POST
def alert_act(request, alert_id: int, action: str):
    user = _staff(request)
    alert = selectors.alert_get_for(user, alert_id)
    if alert is None:
        raise Http404
    handlers = {
        "acknowledge": lambda: services.alert_acknowledge(actor=user, alert=alert),
        "answer": lambda: services.alert_answer(actor=user, alert=alert, answer=request.POST.get("answer", "")),
        "close": lambda: services.alert_close(actor=user, alert=alert, note=request.POST.get("note", "")),
        "send_back": lambda: services.alert_send_back(actor=user, alert=alert, note=request.POST.get("note", "")),
    }
    if action not in handlers:
        raise Http404
    try:
        handlers[action]()
    except DomainError as error:  # NotPermitted and Conflict too
        messages.error(request, error.message)
    else:
        messages.success(request, _("已处理。"))
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
