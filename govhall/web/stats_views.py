"""The workbench's statistics: the dashboard (KPI tiles and charts), the
cases behind every figure, performance scores with the red-flag ranking,
and the report downloads. Every figure is limited to what the reader may
see; the selectors in ``govhall.stats`` do the counting."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.cases.deadlines import case_clock
from govhall.core import clock
from govhall.org.models import User
from govhall.stats import indicators as stats
from govhall.stats.access import may_see_staff_scores, may_see_stats
from govhall.stats.figures import FIGURES_BY_ATTR, TILES, format_value
from govhall.stats.indicators import CASE_LISTS
from govhall.stats.labels import center_labels, department_labels, staff_labels, window_labels
from govhall.stats.report import alert_rows, report_build
from govhall.stats.report_pdf import report_pdf
from govhall.stats.report_xlsx import report_xlsx
from govhall.stats.scores import (
    PARTS, PENALTY, PENALTY_CAP, RED_FLAG_COUNT, RED_FLAG_MIN_SCORE, red_flag_windows, scores_for,
)
from govhall.supervision.models import Severity
from govhall.web.stats_forms import CaseListForm, StatsFilterForm

LIGHT_LABELS = {"green": gettext_lazy("绿灯"), "prompt": gettext_lazy("提示"), "yellow": gettext_lazy("黄灯"),
                "red": gettext_lazy("红灯")}
LIGHT_COLORS = {"green": "#2e9d4a", "prompt": "#4a90d9", "yellow": "#f2b600", "red": "#d93025"}
LEVEL_LABELS = {5: gettext_lazy("非常满意"), 4: gettext_lazy("满意"), 3: gettext_lazy("基本满意"),
                2: gettext_lazy("不满意"), 1: gettext_lazy("非常不满意")}
LEVEL_COLORS = {5: "#1e7b34", 4: "#2e9d4a", 3: "#8cc63f", 2: "#f2994a", 1: "#d93025"}


def _reader(request) -> User:
    if not may_see_stats(request.user):
        raise PermissionDenied
    return request.user


def _labels_once(field, labeller):
    """``label_from_instance`` for a choice field: the labels of its whole
    list, computed once when the choices are first drawn."""
    labels: dict[int, str] | None = None

    def label(obj) -> str:
        nonlocal labels
        if labels is None:
            labels = labeller(field.queryset)
        return labels.get(obj.pk, str(obj))
    return label


def _filter_form(form_class, data, *, user, today):
    """The filters, each choice named so that no two look alike: windows of
    several centers with their center, repeated names with what tells them
    apart (``stats.labels``)."""
    form = form_class(data, user=user, today=today)
    for name, labeller in (("center", center_labels), ("department", lambda qs: department_labels(qs, short=True)),
                           ("window", window_labels), ("staff", staff_labels)):
        field = form.fields[name]
        field.label_from_instance = _labels_once(field, labeller)
    return form


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


class Links:
    """URLs of the case lists behind the figures, with the page's filters."""

    def __init__(self, form: StatsFilterForm):
        self.form = form
        self.base = reverse("stats_cases")

    def __call__(self, indicator: str, **extra) -> str:
        return f"{self.base}?{self.form.query(indicator=indicator, **extra)}"


def _charts(*, user, form: StatsFilterForm, ind: stats.Indicators, today) -> tuple[dict, dict]:
    """ECharts options, each data point carrying the URL of its cases, and
    the same data for the tables under the charts."""
    period, scope, link = form.the_period, form.scope, Links(form)
    daily = stats.daily_volumes(user=user, period=period, scope=scope)
    lights = stats.current_lights(user=user, scope=scope)
    levels = stats.rating_levels(user=user, period=period, scope=scope)
    visits = stats.visit_distribution(user=user, period=period, scope=scope)
    by_department = stats.indicators_by(user=user, period=period, scope=scope, today=today, by="department")
    departments = department_labels(form.fields["department"].queryset, short=True)
    on_time = sorted(((departments[pk], v) for pk, v in by_department.items()
                      if pk in departments and v.on_time_rate is not None), key=lambda row: row[1].on_time_rate)
    department_ids = {name: pk for pk, name in departments.items()}
    reform = [("online_share", "online"), ("immediate_share", "immediate"), ("speed_up_rate", "speed_up"),
              ("one_visit_share", "one_visit"), ("same_day_share", "same_day")]
    alerts = alert_rows(ind)
    bar = {"type": "bar", "barMaxWidth": 28}
    return {
        "volumes": {
            "title": {"text": _("办件量趋势"), "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
            "grid": {"left": 40, "right": 16, "top": 40, "bottom": 56},
            "xAxis": {"type": "category", "data": [f"{day:%m-%d}" for day, _a, _c in daily]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {**bar, "name": _("受理量"), "itemStyle": {"color": "#1f4e8c"},
                 "data": [{"value": a, "url": link("accepted", day=day.isoformat())} for day, a, _c in daily]},
                {**bar, "name": _("办结量"), "itemStyle": {"color": "#2e9d4a"},
                 "data": [{"value": c, "url": link("closed", day=day.isoformat())} for day, _a, c in daily]},
            ],
        },
        "on_time": {
            "title": {"text": _("各部门按期办结率（%）"), "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "item", "formatter": "{b}: {c}%"},
            "grid": {"left": 110, "right": 40, "top": 40, "bottom": 24, "containLabel": False},
            "xAxis": {"type": "value", "max": 100},
            "yAxis": {"type": "category", "data": [name for name, _v in on_time]},
            "series": [{**bar, "name": _("按期办结率"), "label": {"show": True, "position": "right", "formatter": "{c}%"},
                        "itemStyle": {"color": "#1f4e8c"},
                        "data": [{"value": _percent(v.on_time_rate),
                                  "url": link("closed_on_time", department=department_ids[name])}
                                 for name, v in on_time]}],
        },
        "lights": {
            "title": {"text": _("当前在办亮灯"), "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"}, "legend": {"bottom": 0},
            "series": [{"type": "pie", "radius": ["35%", "65%"], "label": {"formatter": "{b} {c}"},
                        "data": [{"name": str(LIGHT_LABELS[key]), "value": n, "url": link(f"light_{key}"),
                                  "itemStyle": {"color": LIGHT_COLORS[key]}} for key, n in lights.items()]}],
        },
        "satisfaction": {
            "title": {"text": _("评价等级分布"), "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"}, "legend": {"bottom": 0},
            "series": [{"type": "pie", "radius": ["35%", "65%"], "label": {"formatter": "{b} {c}"},
                        "data": [{"name": str(LEVEL_LABELS[level]), "value": n, "url": link("rated", level=level),
                                  "itemStyle": {"color": LEVEL_COLORS[level]}} for level, n in levels.items()]}],
        },
        "reform": {
            "title": {"text": _("改革成效指标（%）"), "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "item", "formatter": "{b}: {c}%"},
            "grid": {"left": 40, "right": 16, "top": 40, "bottom": 40},
            "xAxis": {"type": "category", "data": [str(FIGURES_BY_ATTR[attr].label) for attr, _k in reform],
                      "axisLabel": {"interval": 0, "width": 84, "overflow": "break"}},
            "yAxis": {"type": "value", "max": 100},
            "series": [{**bar, "name": _("比例"), "label": {"show": True, "position": "top", "formatter": "{c}%"},
                        "itemStyle": {"color": "#1f4e8c"},
                        "data": [{"value": _percent(getattr(ind, attr)), "url": link(key)} for attr, key in reform]}],
        },
        "visits": {
            "title": {"text": _("办结件跑动次数"), "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 40, "right": 16, "top": 40, "bottom": 30},
            "xAxis": {"type": "category", "data": [_("%(n)s 次") % {"n": n} for n in visits]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{**bar, "name": _("办结件"), "itemStyle": {"color": "#5b8bd0"},
                        "data": [{"value": n, "url": link("closed", visits=key)} for key, n in visits.items()]}],
        },
        "alerts": {
            "title": {"text": _("监察预警按规则"), "left": "center", "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}}, "legend": {"bottom": 0},
            "grid": {"left": 180, "right": 24, "top": 40, "bottom": 40},
            "xAxis": {"type": "value", "minInterval": 1},
            "yAxis": {"type": "category", "inverse": True, "data": [row.title for row in alerts],
                      "axisLabel": {"width": 170, "overflow": "truncate"}},
            "series": [
                {**bar, "name": _("黄牌"), "stack": "n", "itemStyle": {"color": "#f2b600"},
                 "data": [{"value": row.yellow, "url": link("alerts", rule=row.rule, severity="yellow")}
                          for row in alerts]},
                {**bar, "name": _("红牌"), "stack": "n", "itemStyle": {"color": "#d93025"},
                 "data": [{"value": row.red, "url": link("alerts", rule=row.rule, severity="red")} for row in alerts]},
            ],
        },
    }, {"daily": daily, "lights": lights, "levels": levels, "visits": visits, "on_time": on_time,
        "alerts": alerts, "department_ids": department_ids}


REFINEMENTS = ("indicator", "rule", "severity", "level", "day", "visits")


def _filters_context(form) -> dict:
    context = {"form": form}
    if isinstance(form, CaseListForm):
        # What the filter form does not show travels as hidden fields; its errors are listed apart.
        context["keep"] = [(name, form.data.get(name, "")) for name in REFINEMENTS]
        context["refine_errors"] = [(form.fields[name].label, error) for name in REFINEMENTS
                                    for error in form.errors.get(name, [])]
    return context


@login_required
def stats_dashboard(request):
    """KPI tiles and charts for the chosen period and scope."""
    user, today = _reader(request), clock.today()
    form = _filter_form(StatsFilterForm, request.GET or None, user=user, today=today)
    if request.GET and not form.is_valid():
        return render(request, "web/stats_dashboard.html", _filters_context(form), status=400)
    if not request.GET:
        form = _filter_form(StatsFilterForm, {"period": "month", "month": f"{today:%Y-%m}"}, user=user, today=today)
        form.is_valid()
    with stats.rollups_read_once(limited=True) as fresh:
        ind = stats.indicators_for(user=user, period=form.the_period, scope=form.scope, today=today)
        charts, tables = _charts(user=user, form=form, ind=ind, today=today)
    link = Links(form)
    tiles = []
    for attr in TILES:
        figure = FIGURES_BY_ATTR[attr]
        tiles.append({"label": figure.label, "text": figure.text(ind), "help": figure.help,
                      "url": link(figure.cases) if figure.cases else "",
                      "warn": attr in {"overdue_open", "alerts_red"} and figure.value(ind)})
    counts = [(FIGURES_BY_ATTR[a], link(FIGURES_BY_ATTR[a].cases)) for a in
              ("received", "closed_on_time", "closed_late", "rejected", "withdrawn", "terminated", "ratings", "bad")]
    return render(request, "web/stats_dashboard.html", {
        **_filters_context(form), "period": form.the_period, "scope": form.scope.describe(), "ind": ind,
        "tiles": tiles, "counts": [(f.label, f.text(ind), url) for f, url in counts], "charts": charts, "fresh": fresh,
        "tables": tables, "query": form.query(),
        "light_rows": [(key, LIGHT_LABELS[key], n, link(f"light_{key}")) for key, n in tables["lights"].items()],
        "level_rows": [(LEVEL_LABELS[level], n, link("rated", level=level)) for level, n in tables["levels"].items()],
        "visit_rows": [(key, n, link("closed", visits=key)) for key, n in tables["visits"].items()],
        "day_links": [(day, a, c, link("accepted", day=day.isoformat()), link("closed", day=day.isoformat()))
                      for day, a, c in tables["daily"] if a or c],
        "alert_links": [(row, link("alerts", rule=row.rule, severity="yellow"),
                         link("alerts", rule=row.rule, severity="red")) for row in tables["alerts"]],
        "on_time_rows": [(name, format_value(v.on_time_rate, "rate"), v.closed, v.overdue_open)
                         for name, v in tables["on_time"]],
    })


@login_required
def stats_cases(request):
    """The cases behind one figure, under the same filters and definitions."""
    user, today = _reader(request), clock.today()
    form = _filter_form(CaseListForm, request.GET, user=user, today=today)
    if not form.is_valid():
        return render(request, "web/stats_cases.html", {**_filters_context(form), "rows": None}, status=400)
    data = form.cleaned_data
    with stats.rollups_read_once(limited=True):
        cases = stats.cases_behind(user=user, period=form.the_period, scope=form.scope, today=today,
                                   key=data["indicator"], rule=data.get("rule") or "",
                                   severity=data.get("severity") or "", level=data.get("level"), day=data.get("day"),
                                   visits=data.get("visits") or "")
    cases = cases.select_related("item_version", "department", "center", "window", "accepted_by").order_by(
        "-accepted_on", "-received_on", "pk")
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    rows = [(case, case_clock(case, today=today)) for case in page.object_list]
    refinements = [(form.fields[name].label, Severity(data[name]).label if name == "severity" else data[name])
                   for name in REFINEMENTS[1:] if data.get(name)]
    return render(request, "web/stats_cases.html", {
        **_filters_context(form), "rows": rows, "page": page, "title": CASE_LISTS[data["indicator"]],
        "period": form.the_period, "scope": form.scope.describe(), "refinements": refinements,
        "query": form.query(),
        "page_query": form.query(indicator=data["indicator"], rule=data.get("rule"), severity=data.get("severity"),
                                 level=data.get("level"), day=data.get("day") and data["day"].isoformat(),
                                 visits=data.get("visits")),
    })


@login_required
def stats_scores(request):
    """Performance scores of departments, windows and (for those who lead
    them) staff, each with its parts; the red-flag window ranking."""
    user, today = _reader(request), clock.today()
    initial = {"period": "quarter", "quarter": f"{today.year}-Q{(today.month + 2) // 3}"}
    form = _filter_form(StatsFilterForm, request.GET or initial, user=user, today=today)
    if not form.is_valid():
        return render(request, "web/stats_scores.html", {**_filters_context(form), "invalid": True}, status=400)
    period, data = form.the_period, form.cleaned_data
    center, department = data.get("center"), data.get("department")
    with stats.rollups_read_once(limited=True) as fresh:
        departments = scores_for(user=user, period=period, today=today, kind="department", center=center,
                                 department=department)
        windows = red_flag_windows(user=user, period=period, today=today, center=center, department=department)
        staff = None
        if may_see_staff_scores(user):
            staff = scores_for(user=user, period=period, today=today, kind="staff", center=center,
                               department=department)
    return render(request, "web/stats_scores.html", {
        **_filters_context(form), "period": period, "departments": departments, "windows": windows, "staff": staff,
        "parts": PARTS, "penalty": PENALTY, "penalty_cap": PENALTY_CAP, "red_flag_count": RED_FLAG_COUNT,
        "red_flag_min": RED_FLAG_MIN_SCORE, "query": form.query(), "fresh": fresh,
    })


@login_required
def stats_report(request, fmt: str):
    """The report of the chosen period (and center) as .xlsx or .pdf."""
    user, today = _reader(request), clock.today()
    form = _filter_form(StatsFilterForm, request.GET or None, user=user, today=today)
    if not form.is_valid():
        return render(request, "web/stats_dashboard.html", _filters_context(form), status=400)
    report = report_build(user=user, period=form.the_period, today=today, center=form.cleaned_data.get("center"))
    if fmt == "pdf":
        content, content_type = report_pdf(report), "application/pdf"
    else:
        content = report_xlsx(report)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    name = f"govhall-report-{form.the_period.code}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
