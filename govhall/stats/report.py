"""The monthly (or quarterly) report: the figures of a period, per department,
the red-flag window ranking and the alerts by rule, gathered once and then
written as Excel (``report_xlsx``) or PDF (``report_pdf``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from govhall.org.models import Center, User
from govhall.org.roles import CENTER_ROLES, DEPARTMENT_ROLES
from govhall.org.selectors import department_list_visible
from govhall.stats.indicators import Indicators, Scope, daily_volumes, indicators_for, rollups_read_once
from govhall.stats.periods import Period
from govhall.stats.scores import Score, red_flag_windows, scores_for
from govhall.supervision.models import Severity
from govhall.supervision.rules import RULES


@dataclass(frozen=True)
class AlertRow:
    rule: str
    title: str
    yellow: int
    red: int

    @property
    def total(self) -> int:
        return self.yellow + self.red


@dataclass
class Report:
    title: str
    period: Period
    scope: str  # what the report covers, as its title names it (``report_scope_name``)
    made_on: date
    overall: Indicators
    departments: list[Score]  # each with its indicators
    windows: list[Score]  # ranked, red flags marked
    alerts: list[AlertRow]
    series: list[tuple[str, int, int]]  # (day or week label, accepted, closed)


def rule_title(code: str) -> str:
    rule = RULES.get(code)
    return str(rule.title) if rule else code


def alert_rows(indicators: Indicators) -> list[AlertRow]:
    """Alerts by rule (most first), yellow and red apart."""
    rows: dict[str, dict[str, int]] = {}
    for (rule, severity), n in indicators.alerts.items():
        rows.setdefault(rule, {Severity.YELLOW: 0, Severity.RED: 0})[severity] = n
    result = [AlertRow(rule, rule_title(rule), counts.get(Severity.YELLOW, 0), counts.get(Severity.RED, 0))
              for rule, counts in rows.items()]
    return sorted(result, key=lambda row: (-row.total, row.rule))


def series_for(period: Period, daily: list[tuple[date, int, int]]) -> list[tuple[str, int, int]]:
    """Daily figures up to two months; by ISO week (labelled with its Monday) beyond."""
    if period.days <= 62:
        return [(f"{day:%m-%d}", accepted, closed) for day, accepted, closed in daily]
    weeks: dict[date, list[int]] = {}
    for day, accepted, closed in daily:
        monday = day - timedelta(days=day.weekday())
        bucket = weeks.setdefault(monday, [0, 0])
        bucket[0] += accepted
        bucket[1] += closed
    return [(_("%(day)s 周") % {"day": f"{monday:%m-%d}"}, a, c) for monday, (a, c) in sorted(weeks.items())]


def report_scope_name(*, user: User | None, center: Center | None) -> str:
    """What a report covers, as its title names it (docs/indicators.md,
    "The report's title"): the chosen center; without one, the reader's
    own: a center manager's center, a department's full name (the center
    and the departments' short names for staff who work for several), and
    for the installation, a supervisor or an administrator the top center
    (the centers without a parent, joined by 、)."""
    departments = None
    if user is not None and user.role in DEPARTMENT_ROLES and not user.is_superuser:
        departments = list(department_list_visible(user=user).order_by("code"))
    if center is None and departments is not None and len(departments) == 1:
        return departments[0].name
    if center is None and departments is not None:
        center = user.center or (departments[0].center if departments else None)
    if center is None and user is not None and user.role in CENTER_ROLES and not user.is_superuser:
        center = user.center
    if center is None:
        return "、".join(c.name for c in Center.objects.filter(parent__isnull=True).order_by("path"))
    if departments:
        return f"{center.name}（{'、'.join(d.short_name or d.name for d in departments)}）"
    return center.name


def report_build(*, user: User | None, period: Period, today: date, center: Center | None = None) -> Report:
    """Gather the report of ``period`` as ``user`` sees it (None: everything),
    limited to ``center`` and the centers below it."""
    scope = Scope(center=center)
    with rollups_read_once():  # the rollups brought up to date once: the report is exact as of its run
        overall = indicators_for(user=user, period=period, scope=scope, today=today)
        departments = scores_for(user=user, period=period, today=today, kind="department", center=center)
        windows = red_flag_windows(user=user, period=period, today=today, center=center)
        daily = daily_volumes(user=user, period=period, scope=scope)
    where = report_scope_name(user=user, center=center)
    title = _("%(where)s政务服务运行情况%(kind)s（%(period)s）") % {
        "where": where, "kind": _("季报") if period.kind == "quarter" else _("月报") if period.kind == "month"
        else _("报告"), "period": period.label}
    return Report(title=title, period=period, scope=where, made_on=today, overall=overall,
                  departments=departments, windows=windows, alerts=alert_rows(overall),
                  series=series_for(period, daily))
