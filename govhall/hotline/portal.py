"""Work orders filed on the public portal (网上诉求, issue 15 item 1): the
six types through one form, by a logged-in applicant or with a phone
number; a suggestion may be anonymous. The order is registered through
``workorder_create`` (channel portal); the caller follows it by its number
and a query code derived from it (no stored secret: an HMAC of the number
under the installation's secret key), or under "我的诉求" when logged in.
See docs/hotline.md, "Portal"."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from govhall.cases.selectors import case_get_public, case_list_for_applicant
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.hotline import services
from govhall.hotline.models import (
    AssignmentRole,
    Category,
    OrderChannel,
    OrderType,
    WorkOrder,
    WorkOrderAttachment,
)
from govhall.org.models import Center
from govhall.org.roles import Role

# Types that need no phone number: a suggestion asks for no answer.
ANONYMOUS_TYPES = frozenset({OrderType.SUGGEST})
QUERY_CODE_LENGTH = 8
# Photos or PDFs filed with an order on the portal: at most this many (each
# checked as the workbench's attachments are: PDF, JPEG, PNG, 10 MB).
PORTAL_ATTACHMENTS_MAX = 5


def order_query_code(order: WorkOrder) -> str:
    """The query code of an order: the first characters of an HMAC of its number."""
    return salted_hmac("govhall.hotline.portal.query", order.number).hexdigest()[:QUERY_CODE_LENGTH].upper()


def order_get_by_query_code(*, number: str, query_code: str) -> WorkOrder | None:
    """A portal-visible order by its number and query code (both needed)."""
    number, query_code = (number or "").strip(), (query_code or "").strip().upper()
    if not number or not query_code:
        return None
    order = _public(WorkOrder.objects.filter(number=number)).first()
    if order is None or not constant_time_compare(order_query_code(order), query_code):
        return None
    return order


def hotline_centers() -> QuerySet[Center]:
    """The centers whose hotline takes orders: those with active member units."""
    return Center.objects.filter(member_units__active=True).distinct().order_by("path")


def _public(orders: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    return orders.select_related("category", "main_unit", "evaluation_rating")


def orders_of_applicant(user) -> QuerySet[WorkOrder]:
    """The orders an applicant filed on the portal, newest first."""
    return _public(WorkOrder.objects.filter(created_by=user, channel=OrderChannel.PORTAL)).order_by("-created_at", "-pk")


def order_public_files(order: WorkOrder) -> QuerySet[WorkOrderAttachment]:
    """The files the caller filed with ``order`` on the portal (uploaded by
    the applicant's account or, for a visitor, by no one): never those the
    hotline's staff or units added."""
    if order.channel != OrderChannel.PORTAL:
        return order.attachments.none()
    return (order.attachments.filter(Q(uploaded_by__isnull=True) | Q(uploaded_by_id=order.created_by_id))
            .order_by("uploaded_at", "pk"))


def order_public_reply(order: WorkOrder) -> dict:
    """What the caller may read of the handling: the direct answer or the
    main unit's reply, and the call-back (no staff names, no notes)."""
    assignment = (order.assignments.filter(role=AssignmentRole.MAIN, replied_at__isnull=False)
                  .order_by("-replied_at").first())
    return {"answer": order.direct_answer or (assignment.reply if assignment else ""),
            "replied_at": assignment.replied_at if assignment else order.closed_at if order.direct_answer else None}


def _related_case(user, *, number: str, query_code: str):
    """A complaint's case: the applicant's own, or any case by number and query code."""
    if not number:
        return None
    if user is not None:
        case = case_list_for_applicant(user=user).filter(number=number).first()
        if case is not None:
            return case
    case = case_get_public(number=number, query_code=query_code)
    if case is None:
        raise DomainError(_("办件编号或查询码不正确：请填写您本人的办件编号，或办件编号及受理通知书上的查询码。"),
                          field="related_case_number")
    return case


def workorder_submit_portal(*, user, center: Center, type: str, content: str, phone: str = "", name: str = "",
                            category: Category | None = None, address: str = "", town: Center | None = None,
                            related_case_number: str = "", related_query_code: str = "", files=(),
                            at: datetime | None = None, client_address: str | None = None) -> WorkOrder:
    """File an order from the portal. ``user``: the logged-in applicant, or
    None (a visitor). The applicant's account gives the phone and the name;
    a visitor gives a phone number, except for a suggestion, which may be
    anonymous. Only a complaint names a related case, and only one the
    caller can show is theirs (their own, or its number with its query code).
    ``files``: photos or PDFs, (filename, content) pairs, stored with the
    order in one transaction (a refused file files nothing)."""
    if user is not None and getattr(user, "role", None) != Role.APPLICANT:
        raise NotPermitted(_("工作人员请在工作台登记工单。"))
    if center is None or not hotline_centers().filter(pk=center.pk).exists():
        raise DomainError(_("请选择受理诉求的热线。"), field="center")
    if type not in OrderType.values:
        raise DomainError(_("取值无效。"), field="type")
    if user is not None:
        phone, name = (user.phone or "").strip() or (phone or "").strip(), user.full_name or name
    phone = (phone or "").strip()
    if not phone and type not in ANONYMOUS_TYPES:
        raise DomainError(_("请填写联系电话，以便答复和回访（仅建议可匿名提交）。"), field="phone")
    related_case_number = (related_case_number or "").strip()
    if related_case_number and type != OrderType.COMPLAINT:
        raise DomainError(_("只有投诉可以关联办件。"), field="related_case_number")
    _related_case(user, number=related_case_number, query_code=related_query_code)
    files = list(files)
    with transaction.atomic():  # the order and its files, or nothing
        order = services.workorder_create(
            actor=SYSTEM, center=center, type=type, channel=OrderChannel.PORTAL, content=content,
            caller_phone=phone, caller_name=name, anonymous=not phone and not (name or "").strip(),
            category=category, address=address, town=town, related_case_number=related_case_number, at=at,
            client_address=client_address, applicant=user)
        if files:
            services.attachments_store(actor=SYSTEM, order=order, files=files, uploaded_by=user,
                                       limit=PORTAL_ATTACHMENTS_MAX, at=order.created_at,
                                       client_address=client_address)
    return order
