"""The figures as screens and reports show them: label, unit, the list of
cases behind each, and the one way each is written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from govhall.stats.indicators import Indicators


@dataclass(frozen=True)
class Figure:
    attr: str  # an attribute or property of Indicators
    label: object  # lazy text
    kind: str  # "count", "rate", "days", "ratio", "money"
    cases: str = ""  # the case list behind it (indicators.CASE_LISTS), "" for none
    help: object = ""

    def value(self, indicators: Indicators):
        return getattr(indicators, self.attr)

    def text(self, indicators: Indicators) -> str:
        return format_value(self.value(indicators), self.kind)


def format_value(value, kind: str) -> str:
    """"—" for a rate without denominator; 55.6%, 5.7, 1.00, 1,234.50 otherwise."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "days":
        return f"{value:.1f}"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    return str(value)


FIGURES: tuple[Figure, ...] = (
    Figure("received", _("收件量"), "count", "received", _("收件日在期内的申请")),
    Figure("accepted", _("受理量"), "count", "accepted", _("受理日在期内的办件")),
    Figure("closed", _("办结量"), "count", "closed", _("期内作出准予或不予许可决定的办件")),
    Figure("closed_on_time", _("按期办结"), "count", "closed_on_time", _("决定日不晚于当时的承诺期限")),
    Figure("closed_late", _("超期办结"), "count", "closed_late", _("决定日晚于当时的承诺期限")),
    Figure("overdue_open", _("期末在办超期"), "count", "overdue_open", _("期末仍未决定且已过期限（暂停中的除外）")),
    Figure("on_time_rate", _("按期办结率"), "rate", "closed_on_time",
           _("按期办结 ÷（办结 + 期末在办超期）")),
    Figure("average_days", _("平均办理用时（工作日）"), "days", "closed", _("受理至决定的工作日，扣除特别程序")),
    Figure("immediate_share", _("即办件占比"), "rate", "immediate", _("受理量中即办件所占比例")),
    Figure("speed_up_rate", _("提速率"), "rate", "speed_up", _("受理件的（法定 − 承诺）÷ 法定时限的平均值")),
    Figure("online_share", _("网上申请占比"), "rate", "online", _("收件量中网上申请所占比例")),
    Figure("visits_per_case", _("平均跑动次数"), "ratio", "closed", _("办结件的跑动次数平均值")),
    Figure("one_visit_share", _("最多跑一次占比"), "rate", "one_visit", _("办结件中跑动不超过一次的比例")),
    Figure("same_day_share", _("当场办结率"), "rate", "same_day", _("办结件中受理当日作出决定的比例")),
    Figure("rejected", _("不予受理"), "count", "rejected", _("期内作出不予受理决定")),
    Figure("withdrawn", _("撤回"), "count", "withdrawn", _("期内申请人撤回")),
    Figure("terminated", _("终止"), "count", "terminated", _("期内终止办理")),
    Figure("fees", _("收费金额（元）"), "money", "fees", _("缴费时间在期内的实收金额合计")),
    Figure("ratings", _("评价数"), "count", "rated", _("评价时间在期内的好差评")),
    Figure("satisfaction_rate", _("满意率"), "rate", "satisfied", _("非常满意、满意、基本满意 ÷ 全部评价")),
    Figure("bad", _("差评数"), "count", "bad", _("不满意、非常不满意")),
    Figure("alerts_red", _("红牌预警"), "count", "alerts", _("期内发出的红牌监察预警")),
    Figure("alerts_yellow", _("黄牌预警"), "count", "alerts", _("期内发出的黄牌监察预警")),
)
FIGURES_BY_ATTR = {figure.attr: figure for figure in FIGURES}

# The figures of the dashboard's tiles, in order.
TILES = ("accepted", "closed", "on_time_rate", "overdue_open", "average_days", "satisfaction_rate",
         "online_share", "one_visit_share", "speed_up_rate", "immediate_share", "fees", "alerts_red")
