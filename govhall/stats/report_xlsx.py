"""The report as an Excel workbook: one sheet per table, numbers as numbers
(rates formatted as percentages), and native Excel charts."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from govhall.stats.figures import FIGURES
from govhall.stats.report import Report

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
FLAG_FILL = PatternFill("solid", fgColor="FCE4D6")
FORMATS = {"rate": "0.0%", "days": "0.0", "ratio": "0.00", "money": "#,##0.00", "count": "0"}


def _excel_value(value, kind: str):
    if value is None:
        return None
    return float(value) if kind in {"rate", "days", "ratio", "money"} else value


def _header(sheet, row: int, titles: list[str], widths: list[int] | None = None) -> None:
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=row, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for column, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _title(sheet, report: Report, text: str) -> None:
    sheet["A1"] = text
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _("统计期间：%(start)s 至 %(end)s；范围：%(scope)s；制表日期：%(made)s") % {
        "start": report.period.start.isoformat(), "end": report.period.end.isoformat(), "scope": report.scope,
        "made": report.made_on.isoformat()}


def _no_data(cell, score) -> None:
    """The score cell of a unit without a case in the period: 无数据, not a number."""
    if score.total is None:
        cell.value = score.total_text
        cell.alignment = Alignment(horizontal="right")


def report_xlsx(report: Report) -> bytes:
    """The workbook's bytes: 指标, 部门, 红旗窗口, 监察预警, 办件量 sheets."""
    book = Workbook()

    sheet = book.active
    sheet.title = _("指标")
    _title(sheet, report, report.title)
    _header(sheet, 4, [_("指标"), _("数值"), _("口径")], [26, 14, 60])
    for row, figure in enumerate(FIGURES, start=5):
        sheet.cell(row=row, column=1, value=str(figure.label))
        cell = sheet.cell(row=row, column=2, value=_excel_value(figure.value(report.overall), figure.kind))
        cell.number_format = FORMATS[figure.kind]
        if cell.value is None:
            cell.value = "—"
            cell.alignment = Alignment(horizontal="right")
        sheet.cell(row=row, column=3, value=str(figure.help))
    sheet.freeze_panes = "A5"

    sheet = book.create_sheet(_("部门"))
    _title(sheet, report, _("各部门办件与绩效"))
    columns = [(_("部门"), None, 22), (_("受理量"), "count", 9), (_("办结量"), "count", 9),
               (_("期末在办超期"), "count", 11), (_("按期办结率"), "rate", 11), (_("平均办理用时（工作日）"), "days", 12),
               (_("满意率"), "rate", 9), (_("网上申请占比"), "rate", 11), (_("最多跑一次占比"), "rate", 12),
               (_("红牌"), "count", 7), (_("黄牌"), "count", 7), (_("出勤率"), "rate", 9), (_("绩效得分"), "days", 10),
               (_("等次"), None, 8)]
    _header(sheet, 4, [str(c[0]) for c in columns], [c[2] for c in columns])
    for row, score in enumerate(report.departments, start=5):
        ind = score.indicators
        values = [score.name, ind.accepted, ind.closed, ind.overdue_open, ind.on_time_rate, ind.average_days,
                  ind.satisfaction_rate, ind.online_share, ind.one_visit_share, ind.alerts_red, ind.alerts_yellow,
                  score.attendance_rate, score.total, score.grade]
        for column, (value, (_label, kind, _width)) in enumerate(zip(values, columns), start=1):
            cell = sheet.cell(row=row, column=column, value=_excel_value(value, kind) if kind else value)
            if kind:
                cell.number_format = FORMATS[kind]
        _no_data(sheet.cell(row=row, column=13), score)
    last = 4 + len(report.departments)
    if report.departments:
        chart = BarChart()
        chart.type = "col"
        chart.title = _("各部门受理量与办结量")
        chart.y_axis.title = _("件")
        chart.add_data(Reference(sheet, min_col=2, max_col=3, min_row=4, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=5, max_row=last))
        chart.height, chart.width = 8, 18
        sheet.add_chart(chart, f"A{last + 3}")
        rate = BarChart()
        rate.type = "bar"
        rate.title = _("各部门按期办结率")
        rate.add_data(Reference(sheet, min_col=5, min_row=4, max_row=last), titles_from_data=True)
        rate.set_categories(Reference(sheet, min_col=1, min_row=5, max_row=last))
        rate.y_axis.number_format = "0%"
        rate.y_axis.scaling.min, rate.y_axis.scaling.max = 0, 1
        rate.height, rate.width = 8, 18
        sheet.add_chart(rate, f"H{last + 3}")

    sheet = book.create_sheet(_("红旗窗口"))
    _title(sheet, report, _("窗口绩效排名（红旗窗口）"))
    columns = [(_("排名"), "count", 7), (_("窗口"), None, 20), (_("绩效得分"), "days", 10), (_("等次"), None, 8),
               (_("按期办结率"), "rate", 11), (_("满意率"), "rate", 9), (_("出勤率"), "rate", 9),
               (_("无预警办件占比"), "rate", 13), (_("扣分"), "days", 7), (_("办件量"), "count", 9),
               (_("红旗窗口"), None, 10)]
    _header(sheet, 4, [str(c[0]) for c in columns], [c[2] for c in columns])
    for row, score in enumerate(report.windows, start=5):
        rates = {part.key: part.rate for part in score.parts}
        values = [score.rank, score.name, score.total, score.grade, rates["on_time"], rates["satisfaction"],
                  rates["attendance"], rates["clean"], score.penalty, score.indicators.handled,
                  "★" if score.red_flag else ""]
        for column, (value, (_label, kind, _width)) in enumerate(zip(values, columns), start=1):
            cell = sheet.cell(row=row, column=column, value=_excel_value(value, kind) if kind else value)
            if kind:
                cell.number_format = FORMATS[kind]
            if score.red_flag:
                cell.fill = FLAG_FILL
        _no_data(sheet.cell(row=row, column=3), score)
    scored = [s for s in report.windows if s.total is not None]
    if scored:
        chart = BarChart()
        chart.type = "bar"
        chart.title = _("窗口绩效得分")
        chart.add_data(Reference(sheet, min_col=3, min_row=4, max_row=4 + len(scored)), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=2, min_row=5, max_row=4 + len(scored)))
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
        chart.height, chart.width = 8, 18
        sheet.add_chart(chart, f"A{len(report.windows) + 7}")

    sheet = book.create_sheet(_("监察预警"))
    _title(sheet, report, _("监察预警按规则统计"))
    _header(sheet, 4, [_("规则代码"), _("规则"), _("黄牌"), _("红牌"), _("合计")], [24, 44, 8, 8, 8])
    for row, alert in enumerate(report.alerts, start=5):
        for column, value in enumerate([alert.rule, alert.title, alert.yellow, alert.red, alert.total], start=1):
            sheet.cell(row=row, column=column, value=value)
    if report.alerts:
        last = 4 + len(report.alerts)
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = _("监察预警按规则")
        chart.add_data(Reference(sheet, min_col=3, max_col=4, min_row=4, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=2, min_row=5, max_row=last))
        chart.height, chart.width = 8, 18
        sheet.add_chart(chart, f"A{last + 3}")
    else:
        sheet["A5"] = _("本期没有监察预警。")

    sheet = book.create_sheet(_("办件量"))
    _title(sheet, report, _("办件量趋势"))
    _header(sheet, 4, [_("日期") if report.period.days <= 62 else _("周"), _("受理量"), _("办结量")], [12, 10, 10])
    for row, (label, accepted, closed) in enumerate(report.series, start=5):
        for column, value in enumerate([label, accepted, closed], start=1):
            sheet.cell(row=row, column=column, value=value)
    last = 4 + len(report.series)
    chart = LineChart()
    chart.title = _("每日受理量与办结量") if report.period.days <= 62 else _("每周受理量与办结量")
    chart.y_axis.title = _("件")
    chart.add_data(Reference(sheet, min_col=2, max_col=3, min_row=4, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=5, max_row=last))
    chart.height, chart.width = 8, 22
    sheet.add_chart(chart, "E4")

    book.properties.title = report.title
    book.properties.creator = "govhall"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
