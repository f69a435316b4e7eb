"""The portal's 12345 pages (网上诉求, issue 15 item 1): the form, its
confirmation with the number and query code, the query by number and code,
and an applicant's "我的诉求". The service (``hotline.portal``) decides;
submissions and queries are rate-limited per client like the case
progress query."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from govhall.core.client import client_address, rate_limited
from govhall.core.errors import DomainError
from govhall.hotline.portal import (
    order_get_by_query_code,
    order_public_files,
    order_public_reply,
    order_query_code,
    orders_of_applicant,
    workorder_submit_portal,
)
from govhall.hotline.services import files_read
from govhall.portal.hotline_forms import PortalOrderForm
from govhall.portal.views import _applicant, _too_many

SESSION_KEY = "portal_hotline_submitted"
# The orders this session found by number and query code (their files may be downloaded), the latest few.
QUERIED_KEY = "portal_hotline_queried"
QUERIED_MAX = 20
# The service's field names → the form's.
FIELDS = {"caller_phone": "phone", "caller_name": "name", "file": "attachments"}


def _submit_too_many(request) -> bool:
    return rate_limited(scope="hotline_portal", key=client_address(request) or "unknown",
                        limit=settings.GOVHALL_PROGRESS_QUERIES_PER_MINUTE, seconds=60)


def _user(request):
    """The logged-in applicant, None for a visitor; staff are sent to the workbench (403)."""
    if not request.user.is_authenticated:
        return None
    user, _redirect = _applicant(request)
    return user


def portal_hotline(request):
    """The form: consultation, request, complaint, report, suggestion, praise."""
    user = _user(request)
    status = 200
    if request.method == "POST":
        form = PortalOrderForm(request.POST, request.FILES, user=user)
        if _submit_too_many(request):
            form.add_error(None, _("提交过于频繁，请一分钟后再试。"))
            status = 429
        elif form.is_valid():
            data = dict(form.cleaned_data)
            try:
                order = workorder_submit_portal(user=user, client_address=client_address(request),
                                                files=files_read(data.pop("attachments")), **data)
            except DomainError as error:
                field = FIELDS.get(error.field, error.field)
                form.add_error(field if field in form.fields else None, error.message)
            else:
                request.session[SESSION_KEY] = order.number
                return redirect("portal_hotline_done")
        status = status if status != 200 else 400
    else:
        form = PortalOrderForm(user=user, initial={"type": request.GET.get("type", "consult")})
    return render(request, "portal/hotline_form.html", {"form": form, "user_account": user}, status=status)


def portal_hotline_done(request):
    """The confirmation, once, to whoever submitted it (the number is in their session)."""
    from govhall.hotline.models import WorkOrder

    number = request.session.get(SESSION_KEY)
    order = WorkOrder.objects.filter(number=number).first() if number else None
    if order is None:
        return redirect("portal_hotline")
    return render(request, "portal/hotline_done.html", {"order": order, "query_code": order_query_code(order)})


def portal_hotline_query(request):
    """An order's state, reply and call-back by its number and query code."""
    number = request.POST.get("number", "").strip()[:40]
    code = request.POST.get("query_code", "").strip()[:12]
    order = error = None
    status = 200
    if request.method == "POST":
        if _too_many(request):
            error, status = _("查询过于频繁，请一分钟后再试。"), 429
        else:
            order = order_get_by_query_code(number=number, query_code=code)
            if order is None:
                error, status = _("工单编号或查询码不正确。"), 404
            else:  # its files, for this session
                queried = [n for n in request.session.get(QUERIED_KEY, []) if n != order.number]
                request.session[QUERIED_KEY] = [*queried, order.number][-QUERIED_MAX:]
    return render(request, "portal/hotline_query.html", {
        "order": order, "error": error, "number": number, "reply": order_public_reply(order) if order else None,
        "files": order_public_files(order) if order else [],
    }, status=status)


def portal_my_orders(request):
    """An applicant's own orders filed on the portal."""
    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    return render(request, "portal/hotline_my_orders.html", {"orders": orders_of_applicant(user)})


def portal_my_order(request, number: str):
    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    order = orders_of_applicant(user).filter(number=number).first()
    if order is None:
        raise Http404
    return render(request, "portal/hotline_my_order.html", {
        "order": order, "reply": order_public_reply(order), "query_code": order_query_code(order),
        "files": order_public_files(order)})


def portal_hotline_file(request, number: str, file_id: int):
    """A file the caller filed with an order, downloaded by the applicant
    who filed it or by a session that found the order by its number and
    query code; anyone else: 404 (whether the order exists is not told)."""
    from govhall.cases.files import material_response
    from govhall.hotline.models import WorkOrder

    number = number[:40]
    if request.user.is_authenticated and request.user.is_applicant:
        order = orders_of_applicant(request.user).filter(number=number).first()
    else:
        order = None
    if order is None and number in request.session.get(QUERIED_KEY, []):
        order = WorkOrder.objects.filter(number=number).first()
    record = order_public_files(order).filter(pk=file_id).first() if order and file_id < 2**63 else None
    if record is None:
        raise Http404
    return material_response(record, download=True)
