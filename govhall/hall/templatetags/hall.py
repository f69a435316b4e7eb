"""The hall's cards on the workbench home."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from govhall.core import clock
from govhall.hall.roster import ROSTER_ROLES
from govhall.hall.services import user_may_call
from govhall.org.roles import Role

register = template.Library()


@register.inclusion_tag("evaluation/_home_links.html", takes_context=True)
def hall_links(context):
    """窗口叫号 for staff serving a window; the center's screens for its managers."""
    user = context["user"]
    links = []
    if not user.is_authenticated:
        return {"links": links}
    if user_may_call(user, on=clock.today()):
        links.append((_("窗口叫号"), reverse("hall_panel"), _("叫号、重呼、过号、转窗口，开始和结束办理")))
    if user.role in ROSTER_ROLES or (user.role == Role.CENTER_MANAGER and user.center_id):
        links.append((_("窗口排班"), reverse("hall_roster"), _("各窗口每天上午、下午的值守人员，今日签到和B岗接替")))
    if user.role == Role.CENTER_MANAGER and user.center_id:
        code = user.center.code
        links.append((_("取号类别设置"), reverse("hall_categories"), _("取号类别及叫号窗口，综合窗口可服务多个类别")))
        links.append((_("预约管理"), reverse("hall_appointments_manage"), _("各类别每周预约时段和人数，当天的预约和签到")))
        links.append((_("排队统计"), reverse("hall_stats"), _("各类别、窗口、时段的等候和办理时间，窗口利用率")))
        links.append((_("窗口配置分析"), reverse("hall_staffing"), _("按排队论测算各时段所需窗口，空闲窗口与合并综合窗口的效果")))
        links.append((_("叫号屏"), reverse("hall_display", args=[code]), _("大厅电视：各窗口当前叫号和最近号码，可语音播报")))
        links.append((_("自助取号"), reverse("hall_kiosk", args=[code]), _("取号机页面：按业务类别取号")))
    return {"links": links}
