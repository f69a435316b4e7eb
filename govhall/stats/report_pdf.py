"""The report as an A4 PDF, set in the notices' embedded CJK font, with its
charts drawn by reportlab.graphics (vector, no image files)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from govhall.documents.fonts import pdf_font_name
from govhall.stats.figures import FIGURES, format_value
from govhall.stats.report import Report

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
BLUE = colors.Color(0.12, 0.31, 0.55)
GREEN = colors.Color(0.18, 0.62, 0.29)
YELLOW = colors.Color(0.95, 0.71, 0.0)
RED = colors.Color(0.85, 0.19, 0.15)
HEADER = colors.Color(0.87, 0.90, 0.95)
FLAG = colors.Color(0.99, 0.89, 0.84)
GRID = colors.Color(0.6, 0.6, 0.6)


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=4),
        "sub": ParagraphStyle("sub", parent=base, alignment=TA_CENTER, textColor=colors.Color(0.35, 0.35, 0.35)),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12.5, leading=18, spaceBefore=10, spaceAfter=5,
                             textColor=BLUE, keepWithNext=1),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "note": ParagraphStyle("note", parent=base, fontSize=8, leading=11, textColor=colors.Color(0.35, 0.35, 0.35)),
    }


def _table(rows: list[list], widths: list[float], font: str, *, flagged: list[int] = (),
           right_from: int = 1) -> Table:
    head = ParagraphStyle("head", fontName=font, fontSize=8.5, leading=10.5, alignment=TA_CENTER, wordWrap="CJK")
    rows = [[Paragraph(escape(str(title)), head) for title in rows[0]], *rows[1:]]
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), font, 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (right_from, 1), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    style += [("BACKGROUND", (0, row), (-1, row), FLAG) for row in flagged]
    table.setStyle(TableStyle(style))
    return table


def _legend(font: str, items: list[tuple[colors.Color, str]], x: float, y: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.columnMaximum = 1  # one row: the entries side by side
    legend.deltax = 56
    legend.dx = legend.dy = 7
    legend.colorNamePairs = items
    return legend


def volume_chart(report: Report, font: str) -> Drawing:
    """Accepted and closed per day (or week): a grouped vertical bar chart."""
    drawing = Drawing(WIDTH, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y = 28, 28
    chart.width, chart.height = WIDTH - 40, 62 * mm - 58
    chart.data = [[a for _l, a, _c in report.series] or [0], [c for _l, _a, c in report.series] or [0]]
    chart.categoryAxis.categoryNames = [label if i % max(1, len(report.series) // 16) == 0 else ""
                                        for i, (label, _a, _c) in enumerate(report.series)] or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 45
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max([max(row) for row in chart.data] + [1])
    chart.valueAxis.valueMax = top + max(1, top // 5)
    chart.valueAxis.valueStep = max(1, (top + 4) // 5)
    chart.bars[0].fillColor, chart.bars[1].fillColor = BLUE, GREEN
    chart.bars.strokeColor = None
    chart.barSpacing, chart.groupSpacing = 0.5, 2
    drawing.add(chart)
    drawing.add(_legend(font, [(BLUE, _("受理量")), (GREEN, _("办结量"))], WIDTH - 120, 62 * mm - 8))
    drawing.add(String(28, 62 * mm - 12, _("办件量趋势（件）"), fontName=font, fontSize=9))
    return drawing


def alert_chart(report: Report, font: str) -> Drawing:
    """Alerts by rule, yellow and red stacked, one bar per rule."""
    rows = list(reversed(report.alerts))
    height = 30 + 16 * len(rows)
    drawing = Drawing(WIDTH, height + 20)
    chart = HorizontalBarChart()
    chart.x, chart.y = 190, 12
    chart.width, chart.height = WIDTH - 220, height - 10
    chart.data = [[r.yellow for r in rows], [r.red for r in rows]]
    chart.categoryAxis.categoryNames = [r.title[:20] for r in rows]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.style = "stacked"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max([r.total for r in rows] + [1])
    chart.valueAxis.valueMax = top + 1
    chart.valueAxis.valueStep = max(1, (top + 4) // 5)
    chart.bars[0].fillColor, chart.bars[1].fillColor = YELLOW, RED
    chart.bars.strokeColor = None
    drawing.add(chart)
    drawing.add(_legend(font, [(YELLOW, _("黄牌")), (RED, _("红牌"))], WIDTH - 120, height + 14))
    return drawing


def _footer(font: str, report: Report):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.Color(0.4, 0.4, 0.4))
        canvas.drawString(MARGIN, 10 * mm, report.title)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, _("第 %(page)s 页") % {"page": doc.page})
        canvas.restoreState()
    return draw


def a4_document(out, title: str) -> SimpleDocTemplate:
    """An A4 document with the report's margins (the hotline bulletin's too)."""
    return SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                             bottomMargin=MARGIN, title=title, author="govhall")


def report_pdf(report: Report) -> bytes:
    """The report's PDF bytes."""
    font = pdf_font_name()
    s = _styles(font)
    out = io.BytesIO()
    doc = a4_document(out, report.title)
    story: list = [
        Paragraph(escape(report.title), s["title"]),
        Paragraph(escape(_("统计期间：%(start)s 至 %(end)s　范围：%(scope)s　制表日期：%(made)s") % {
            "start": report.period.start.isoformat(), "end": report.period.end.isoformat(), "scope": report.scope,
            "made": report.made_on.isoformat()}), s["sub"]),
        Spacer(1, 4 * mm),
        Paragraph(escape(_("一、主要指标")), s["h2"]),
    ]
    rows = [[_("指标"), _("数值"), _("口径")]]
    for figure in FIGURES:
        rows.append([str(figure.label), figure.text(report.overall), Paragraph(escape(str(figure.help)), s["cell"])])
    table = _table(rows, [44 * mm, 24 * mm, WIDTH - 68 * mm], font)
    table.setStyle(TableStyle([("ALIGN", (2, 1), (2, -1), "LEFT")]))
    story += [table, Spacer(1, 3 * mm), KeepTogether([volume_chart(report, font)])]

    story.append(Paragraph(escape(_("二、各部门办件与绩效")), s["h2"]))
    rows = [[_("部门"), pgettext("indicator", "受理"), pgettext("indicator", "办结"), _("在办超期"), _("按期办结率"), _("平均用时"), _("满意率"),
             _("红/黄牌"), _("得分"), _("等次")]]
    for score in report.departments:
        ind = score.indicators
        rows.append([Paragraph(escape(score.name), s["cell"]), ind.accepted, ind.closed, ind.overdue_open,
                     format_value(ind.on_time_rate, "rate"), format_value(ind.average_days, "days"),
                     format_value(ind.satisfaction_rate, "rate"), f"{ind.alerts_red}/{ind.alerts_yellow}",
                     score.total_text, score.grade or "—"])
    if len(rows) == 1:
        rows.append([_("无"), "", "", "", "", "", "", "", "", ""])
    story.append(_table(rows, [46 * mm] + [(WIDTH - 46 * mm) / 9] * 9, font))

    story.append(Paragraph(escape(_("三、窗口绩效排名（红旗窗口）")), s["h2"]))
    rows = [[_("排名"), _("窗口"), _("得分"), _("等次"), _("按期办结率"), _("满意率"), _("出勤率"), _("无预警占比"),
             _("扣分"), _("红旗")]]
    flagged = []
    for score in report.windows:
        rates = {part.key: part.rate for part in score.parts}
        rows.append([score.rank or "—", Paragraph(escape(score.name), s["cell"]), score.total_text,
                     score.grade or "—", format_value(rates["on_time"], "rate"),
                     format_value(rates["satisfaction"], "rate"), format_value(rates["attendance"], "rate"),
                     format_value(rates["clean"], "rate"), f"{score.penalty:g}", "★" if score.red_flag else ""])
        if score.red_flag:
            flagged.append(len(rows) - 1)
    if len(rows) == 1:
        rows.append([_("无"), "", "", "", "", "", "", "", "", ""])
    story.append(_table(rows, [12 * mm, 40 * mm] + [(WIDTH - 52 * mm) / 8] * 8, font, flagged=flagged))
    story.append(Spacer(1, 2 * mm))
    story.append(Paragraph(escape(_(
        "得分 = 100 ×（40×按期办结率 + 30×满意率 + 20×出勤率 + 10×无预警办件占比）÷ 有数据部分的权重之和 − 扣分"
        "（红牌 2 分、黄牌 0.5 分，最多 20 分）。等次：优秀 ≥ 90，良好 ≥ 80，合格 ≥ 60，其余不合格。"
        "红旗窗口：得分不低于 80 分且本期有办件的前 3 名。")), s["note"]))

    story.append(Paragraph(escape(_("四、监察预警按规则统计")), s["h2"]))
    if report.alerts:
        rows = [[_("规则"), _("代码"), _("黄牌"), _("红牌"), _("合计")]]
        rows += [[Paragraph(escape(a.title), s["cell"]), a.rule, a.yellow, a.red, a.total] for a in report.alerts]
        story += [_table(rows, [80 * mm, 46 * mm] + [(WIDTH - 126 * mm) / 3] * 3, font, right_from=2),
                  Spacer(1, 3 * mm), KeepTogether([alert_chart(report, font)])]
    else:
        story.append(Paragraph(escape(_("本期没有监察预警。")), s["body"]))

    footer = _footer(font, report)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
