"""Workbench pages of agency service: the authorizations (list, record,
revoke) and the agent's own work list. Views parse input and call the
services; who sees what is the selectors' business."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhall.agency import services
from govhall.agency.forms import GrantForm, RevokeForm
from govhall.agency.selectors import (
    agency_cases,
    agency_get_visible,
    agency_list_visible,
)
from govhall.cases.deadlines import case_clock
from govhall.cases.states import State
from govhall.core import clock
from govhall.core.client import client_address
from govhall.core.errors import DomainError
from govhall.org.roles import Role

# Who records and revokes authorizations: the agent himself, a center manager.
RECORDERS = frozenset({Role.AGENT, Role.CENTER_MANAGER})


def _recorder(request):
    if request.user.role not in RECORDERS:
        raise PermissionDenied
    return request.user


@login_required
def agency_list(request):
    user = _recorder(request)
    page = Paginator(agency_list_visible(user=user), 50).get_page(request.GET.get("page"))
    return render(request, "agency/list.html", {"page": page, "today": clock.today(), "revoke_form": RevokeForm()})


@login_required
def agency_create(request):
    user = _recorder(request)
    form = GrantForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["document"]
        try:
            services.agency_grant(actor=user, agent=data["agent"], applicant_kind=data["applicant_kind"],
                                  applicant_name=data["applicant_name"],
                                  applicant_id_number=data["applicant_id_number"],
                                  applicant_phone=data["applicant_phone"], all_items=data["all_items"],
                                  items=data["items"], valid_from=data["valid_from"], expires_on=data["expires_on"],
                                  document_name=upload.name, document=upload.read(),
                                  client_address=client_address(request))
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("代办授权已登记。"))
            return redirect("agency_list")
    return render(request, "agency/create.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def agency_revoke(request, pk: int):
    user = _recorder(request)
    record = agency_get_visible(user=user, pk=pk)
    if record is None:
        raise Http404
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("撤销授权须写明原因。"), field="reason")
        services.agency_revoke(actor=user, authorization=record, reason=form.cleaned_data["reason"],
                               client_address=client_address(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("代办授权已撤销。"))
    return redirect("agency_list")


@login_required
def agency_case_list(request):
    """The agent's work list: the cases he acts in, by state, with deadlines."""
    if request.user.role != Role.AGENT:
        raise PermissionDenied
    today = clock.today()
    state = request.GET.get("state", "")
    if state not in State.values:
        state = ""
    page = Paginator(agency_cases(agent=request.user, on=today, state=state), 50).get_page(request.GET.get("page"))
    return render(request, "agency/cases.html", {
        "rows": [(case, case_clock(case, today=today)) for case in page.object_list],
        "page": page, "state": state, "states": State.choices,
    })
