"""The applicant's agency authorizations on the portal (我的代办授权): the
authorizations given in his name, with their scope, agent and validity;
he may revoke one, with a reason (``agency.services.agency_revoke``)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhall.agency.forms import RevokeForm
from govhall.agency.selectors import agency_list_for_applicant
from govhall.agency.services import agency_revoke
from govhall.core import clock
from govhall.core.client import client_address
from govhall.core.errors import DomainError, NotPermitted
from govhall.portal.views import _applicant


def portal_my_agencies(request):
    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    return render(request, "portal/my_agencies.html", {
        "authorizations": agency_list_for_applicant(user=user), "today": clock.today()})


@require_POST
def portal_my_agency_revoke(request, pk: int):
    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    record = agency_list_for_applicant(user=user).filter(pk=pk).first()
    if record is None:
        raise Http404
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("撤销授权须写明原因。"), field="reason")
        agency_revoke(actor=user, authorization=record, reason=form.cleaned_data["reason"],
                      client_address=client_address(request))
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("代办授权已撤销，代办员不能再以您的名义办理。"))
    return redirect("portal_my_agencies")
