"""The statistics cards of the workbench home."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from govhall.stats.access import may_see_stats

register = template.Library()


@register.inclusion_tag("stats/_home_links.html", takes_context=True)
def stats_links(context):
    """The dashboard and the performance scores, for the staff who may see them."""
    user = context["user"]
    links = []
    if may_see_stats(user):
        links.append((_("统计分析"), reverse("stats_dashboard"),
                      _("受理、办结、按期办结率、满意率等指标和图表，点击数字查看办件，下载月报")))
        links.append((_("绩效评估"), reverse("stats_scores"), _("部门、窗口绩效得分与红旗窗口排名")))
    return {"links": links}
