"""The hotline's cards on the workbench home."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from govhall.hotline.policy import OPERATORS
from govhall.org.roles import CENTER_ROLES, GLOBAL_ROLES, Role

register = template.Library()


@register.inclusion_tag("evaluation/_home_links.html", takes_context=True)
def hotline_links(context):
    user = context["user"]
    links = []
    if not user.is_authenticated:
        return {"links": links}
    if user.role in OPERATORS:
        links.append((_("12345来电登记"), reverse("hotline_intake"), _("接听来电：登记诉求、查看来电历史、派单或直接办结")))
    if user.role in CENTER_ROLES | GLOBAL_ROLES:
        links.append((_("12345工单"), reverse("hotline_orders"), _("按状态、类型和超期查看工单，回访办结")))
    if user.role == Role.MEMBER_UNIT_HANDLER:
        links.append((_("本单位12345工单"), reverse("hotline_unit_orders"), _("签收、答复、退单、申请延期")))
    return {"links": links}


@register.filter
def order_state(value: str) -> str:
    """An order state's name (an event's ``to_state``)."""
    from govhall.hotline.models import OrderState

    return OrderState(value).label if value in OrderState.values else value


@register.filter
def extension_decision(value: str) -> str:
    from govhall.hotline.models import Extension

    return Extension(value).label if value in Extension.values else ""
