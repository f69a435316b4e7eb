"""Pieces of evaluation shown on other apps' pages: the rating panel of the
portal's "my case" page and the cards of the workbench home."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from govhall.evaluation.forms import RatingForm
from govhall.evaluation.models import Level
from govhall.evaluation.selectors import rating_get_for_case
from govhall.evaluation.services import RATEABLE_STATES
from govhall.org.roles import READ_ONLY_ROLES, STAFF_ROLES

register = template.Library()


@register.inclusion_tag("evaluation/_my_case_rating.html")
def rating_panel(case):
    """The applicant's rating of their case, or the form once it is delivered."""
    rating = rating_get_for_case(case)
    return {"case": case, "rating": rating, "form": RatingForm(), "levels": Level.choices,
            "can_rate": rating is None and case.state in RATEABLE_STATES}


@register.inclusion_tag("evaluation/_home_links.html", takes_context=True)
def evaluation_links(context):
    """Cards for the workbench home: the follow-ups of bad ratings for
    staff, the window evaluation pad for staff at a window."""
    user = context["user"]
    links = []
    if user.is_authenticated and user.role in STAFF_ROLES:
        links.append((_("差评整改"), reverse("followup_list"), _("差评的核实、整改、回访和办结，按整改期限排列")))
        if user.window_id and user.role not in READ_ONLY_ROLES:
            links.append((_("窗口评价器"), reverse("window_rate_pick"), _("办件送达后请申请人在窗口评价器上评价")))
    return {"links": links}
