"""The filters of the statistics pages (GET forms): the period and the scope,
every choice limited to what the reader may see. A bad value is an error
on its field, never a failed page."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from govhall.calendars.selectors import work_calendar
from govhall.catalog.models import Item
from govhall.core.forms import DayInput
from govhall.org import selectors as org_selectors
from govhall.org.models import User
from govhall.org.roles import DEPARTMENT_ROLES
from govhall.stats.indicators import CASE_LISTS, Scope
from govhall.stats.periods import Period, PeriodError
from govhall.supervision.models import Severity

PERIOD_KINDS = (("month", _("按月")), ("quarter", _("按季度")), ("range", _("自定义")))
RULE_CODE = re.compile(r"^[a-z_.]{1,40}$")


def _quarters(today: date) -> list[tuple[str, str]]:
    """The quarters of this year and the four before, latest first."""
    choices = []
    for year in range(today.year, today.year - 5, -1):
        for quarter in range(4, 0, -1):
            if date(year, 3 * quarter - 2, 1) <= today:
                code = f"{year}-Q{quarter}"
                choices.append((code, Period.quarter(year, quarter).label))
    return choices


class StatsFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("统计周期"), choices=PERIOD_KINDS, required=False)
    month = forms.CharField(label=_("月份"), required=False, max_length=7,
                            widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"}))
    quarter = forms.ChoiceField(label=_("季度"), required=False)
    start = forms.DateField(label=_("开始日期"), required=False, widget=DayInput())
    end = forms.DateField(label=_("结束日期"), required=False, widget=DayInput())
    center = forms.ModelChoiceField(label=_("中心"), queryset=None, required=False, empty_label=_("全部中心"))
    department = forms.ModelChoiceField(label=_("部门"), queryset=None, required=False, empty_label=_("全部部门"))
    window = forms.ModelChoiceField(label=_("窗口"), queryset=None, required=False, empty_label=_("全部窗口"))
    staff = forms.ModelChoiceField(label=_("受理人"), queryset=None, required=False, empty_label=_("全部人员"))
    item = forms.CharField(label=_("事项编码"), required=False, max_length=80,
                           help_text=_("实施编码或基本编码"))

    def __init__(self, data=None, *, user: User, today: date):
        super().__init__(data)
        self.user, self.today = user, today
        self.item: Item | None = None  # the item the code names (a base code names none)
        self.fields["quarter"].choices = [("", "—")] + _quarters(today)
        self.fields["center"].queryset = org_selectors.center_list_visible(user=user).order_by("path")
        self.fields["department"].queryset = org_selectors.department_list_visible(user=user)
        self.fields["window"].queryset = org_selectors.window_list_visible(user=user)
        self.fields["staff"].queryset = org_selectors.staff_list_visible(user=user).filter(
            role__in=sorted(DEPARTMENT_ROLES))
        self.fields["staff"].label_from_instance = lambda person: person.display_name

    def clean(self):
        data = super().clean()
        kind = data.get("period") or ""
        start, end = data.get("start"), data.get("end")
        if not kind:
            kind = "range" if start or end else "quarter" if data.get("quarter") else "month"
        try:
            if kind == "range":
                if start is None and "start" not in self.errors:
                    self.add_error("start", _("请填写开始日期。"))
                if end is None and "end" not in self.errors:
                    self.add_error("end", _("请填写结束日期。"))
                if start is None or end is None:
                    return data
                period = Period(start, end)
            elif kind == "quarter":
                if not data.get("quarter"):
                    self.add_error("quarter", _("请选择季度。"))
                    return data
                period = Period.parse_quarter(data["quarter"])
            else:
                month = (data.get("month") or "").strip()
                period = Period.parse_month(month) if month else Period.month(self.today.year, self.today.month)
        except PeriodError as error:
            self.add_error({"range": "end", "quarter": "quarter"}.get(kind, "month"), str(error))
            return data
        calendar = work_calendar()
        if period.start < calendar.first or period.end > calendar.last:
            self.add_error({"range": "start", "quarter": "quarter"}.get(kind, "month"),
                           _("统计期间须在工作日历的范围内（%(first)s 至 %(last)s）。")
                           % {"first": calendar.first.isoformat(), "last": calendar.last.isoformat()})
            return data
        data["the_period"] = period
        return data

    def clean_item(self) -> str:
        code = self.cleaned_data.get("item", "").strip()
        if not code:
            return ""
        visible = Item.objects.filter(department__in=org_selectors.department_list_visible(user=self.user))
        self.item = visible.filter(code=code).first()
        if self.item is None and not visible.filter(base_code=code).exists():
            raise forms.ValidationError(_("没有找到编码为“%(code)s”的事项。"), params={"code": code})
        return code

    # What the valid form means.

    @property
    def the_period(self) -> Period:
        return self.cleaned_data["the_period"]

    @property
    def scope(self) -> Scope:
        data = self.cleaned_data
        code = data.get("item") or ""
        item = self.item if code else None
        return Scope(center=data.get("center"), department=data.get("department"), window=data.get("window"),
                     staff=data.get("staff"), item=item, base_code="" if item or not code else code)

    def query(self, **extra) -> str:
        """The query string of these filters, the period spelled out (plus ``extra``), for links."""
        params = QueryDict(mutable=True)
        period = self.the_period
        params["period"] = period.kind
        if period.kind == "range":
            params["start"], params["end"] = period.start.isoformat(), period.end.isoformat()
        else:
            params[period.kind] = period.code
        for name in StatsFilterForm.base_fields:
            value = self.data.get(name)
            if value and name not in {"period", "month", "quarter", "start", "end"}:
                params[name] = value
        for name, value in extra.items():
            if value not in (None, ""):
                params[name] = value
        return params.urlencode()


class CaseListForm(StatsFilterForm):
    """The filters plus the figure whose cases to list."""

    indicator = forms.ChoiceField(label=_("指标"), choices=list(CASE_LISTS.items()))
    rule = forms.CharField(label=_("规则"), required=False, max_length=40)
    severity = forms.ChoiceField(label=_("等级"), required=False, choices=[("", "—"), *Severity.choices])
    level = forms.TypedChoiceField(label=_("评价等级"), required=False, coerce=int, empty_value=None,
                                   choices=[("", "—")] + [(str(n), str(n)) for n in range(5, 0, -1)])
    day = forms.DateField(label=_("日期"), required=False)
    visits = forms.ChoiceField(label=_("跑动次数"), required=False, choices=[("", "—"), ("0", "0"), ("1", "1"),
                                                                          ("2", "2"), ("3+", "3+")])

    def clean_rule(self) -> str:
        rule = self.cleaned_data.get("rule", "").strip()
        if rule and not RULE_CODE.match(rule):
            raise forms.ValidationError(_("规则代码无效。"))
        return rule
