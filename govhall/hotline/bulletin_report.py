"""The operation bulletin (``bulletin.Bulletin``) as a report: its tables
gathered once (``bulletin_tables``) and written as an Excel workbook
(``bulletin_xlsx``) or an A4 PDF in the embedded CJK font (``bulletin_pdf``)
with the monthly report's writers (govhall/stats/report_*.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from govhall.documents.fonts import pdf_font_name
from govhall.hotline.bulletin import Bulletin, Count
from govhall.hotline.ranking import WEIGHTS
from govhall.stats.figures import format_value
from govhall.stats.report_pdf import BLUE, WIDTH, _footer, _styles, _table, a4_document
from govhall.stats.report_xlsx import FORMATS, _header, _title

VOLUMES = frozenset({"channel", "type", "category", "town"})


@dataclass
class Table:
    key: str
    title: str
    columns: list[
        tuple[str, str, int]
    ]  # (header, kind: "text", "count", "rate", "score"; xlsx width)
    rows: list[list]
    note: str = ""
    chart: tuple[int, str] | None = None  # (value column, chart title) of a bar chart
    name: str = ""  # its short name: the sheet's, and the volume tables' subheading

    def text(self, value, kind: str) -> str:
        if kind == "text":
            return "" if value is None else str(value)
        if kind == "score":
            return "—" if value is None else f"{value:.1f}"
        return format_value(value, kind)


def ranking_formula() -> str:
    return (
        _(
            "得分 = 100 ×（%(on_time)s×按时答复率 + %(kept)s×（1 − 退单率）+ %(satisfaction)s×满意率 + "
            "%(not_reopened)s×（1 − 重办率））÷ 有数据部分的权重之和；本月无数据的部分不计，"
            "均无数据的单位不评分。"
        )
        % WEIGHTS
    )


def _volume(key: str, name: str, counts: list[Count], total: int, head: str) -> Table:
    return Table(
        key,
        _("二、工单量分布"),
        [(head, "text", 22), (_("工单量"), "count", 10), (_("占比"), "rate", 10)],
        [[c.label, c.count, c.share(total)] for c in counts],
        chart=(2, _("%(name)s（件）") % {"name": name}),
        name=name,
    )


def _examples(topic) -> str:
    return "\n".join(f"{e.number} {e.content}" for e in topic.examples)


def bulletin_tables(b: Bulletin) -> list[Table]:
    """The bulletin's tables in the order every output shows them."""
    yes = "↑"
    overview = Table(
        "overview",
        _("一、总体情况"),
        [(_("指标"), "text", 26), (_("数值"), "text", 14), (_("口径"), "text", 60)],
        [
            [_("工单总量"), b.total, _("本月登记的工单")],
            [_("直接办结"), b.direct, _("话务员直接答复办结的工单")],
            [
                _("直接办结率"),
                format_value(b.direct_rate, "rate"),
                _("直接办结 ÷ 工单总量"),
            ],
            [_("回访评价数"), b.rated, _("本月回访（办结或重办）中有评价的次数")],
            [
                _("满意率"),
                format_value(b.satisfaction, "rate"),
                _("非常满意、满意、基本满意 ÷ 全部评价"),
            ],
        ],
        name=_("总体情况"),
    )
    units = Table(
        "units",
        _("三、成员单位按时签收与答复"),
        [
            (_("成员单位"), "text", 20),
            (_("派单数"), "count", 8),
            (_("按时签收"), "count", 9),
            (_("已签收"), "count", 8),
            (_("超时未签收"), "count", 10),
            (_("按时签收率"), "rate", 11),
            (_("已答复"), "count", 8),
            (_("按时答复"), "count", 9),
            (_("超期未答复"), "count", 10),
            (_("按时答复率"), "rate", 11),
        ],
        [
            [
                r.unit.name,
                r.dispatched,
                r.signed_on_time,
                r.signed,
                r.sign_late_open,
                r.sign_rate,
                r.reply.replied,
                r.reply.replied_on_time,
                r.reply.overdue_open,
                r.reply.on_time_rate,
            ]
            for r in b.units
        ],
        note=_(
            "按时签收率 = 按时签收 ÷（已签收 + 超时未签收）；按时答复率只计主办单位。"
        ),
        name=_("成员单位按时签收与答复"),
    )
    keywords = Table(
        "keywords",
        _("四、热点词"),
        [
            (_("热点词"), "text", 14),
            (_("本月工单"), "count", 10),
            (_("上月工单"), "count", 10),
            (_("环比上升"), "text", 9),
            (_("示例工单"), "text", 70),
        ],
        [
            [t.label, t.count, t.previous, yes if t.rising else "", _examples(t)]
            for t in b.keywords
        ],
        name=_("热点词"),
    )
    clusters = Table(
        "clusters",
        _("五、相似诉求聚类"),
        [
            (_("诉求主题"), "text", 22),
            (_("本月工单"), "count", 10),
            (_("上月相似"), "count", 10),
            (_("环比上升"), "text", 9),
            (_("示例工单"), "text", 70),
        ],
        [
            [t.label, t.count, t.previous, yes if t.rising else "", _examples(t)]
            for t in b.clusters
        ],
        note=_(
            "相似：两件工单分词后的 TF-IDF 向量余弦相似度不低于 0.5；聚类至少 3 件。"
        ),
        name=_("相似诉求聚类"),
    )
    ranking = Table(
        "ranking",
        _("六、成员单位排名"),
        [
            (_("排名"), "count", 7),
            (_("成员单位"), "text", 20),
            (_("按时答复率"), "rate", 11),
            (_("退单率"), "rate", 9),
            (_("满意率"), "rate", 9),
            (_("重办率"), "rate", 9),
            (_("得分"), "score", 9),
        ],
        [
            [
                i if f.score is not None else None,
                f.unit.name,
                f.on_time_rate,
                f.return_rate,
                f.satisfaction,
                f.reopen_rate,
                f.score,
            ]
            for i, f in enumerate(b.ranking, start=1)
        ],
        note=ranking_formula(),
        chart=(7, _("成员单位得分")),
        name=_("成员单位排名"),
    )
    return [
        overview,
        _volume("channel", _("来源渠道"), b.by_channel, b.total, _("渠道")),
        _volume("type", _("诉求类型"), b.by_type, b.total, _("类型")),
        _volume("category", _("诉求分类（一级）"), b.by_category, b.total, _("分类")),
        _volume("town", _("所属镇街"), b.by_town, b.total, _("镇街")),
        units,
        keywords,
        clusters,
        ranking,
    ]


# --- Excel ------------------------------------------------------------------------------------------


def bulletin_xlsx(b: Bulletin) -> bytes:
    """One sheet per table, numbers as numbers (rates as percentages), bar charts for volumes and scores."""
    book = Workbook()
    book.remove(book.active)
    for table in bulletin_tables(b):
        sheet = book.create_sheet(table.name[:31])
        heading = _("%(section)s：%(name)s") % {
            "section": table.title,
            "name": table.name,
        }
        _title(
            sheet,
            b,
            b.title
            if table.key == "overview"
            else heading
            if table.key in VOLUMES
            else table.title,
        )
        _header(sheet, 4, [c[0] for c in table.columns], [c[2] for c in table.columns])
        for row_number, row in enumerate(table.rows, start=5):
            for column, (value, (_head, kind, _width)) in enumerate(
                zip(row, table.columns), start=1
            ):
                cell = sheet.cell(row=row_number, column=column)
                if value is None and kind != "text":
                    cell.value, cell.alignment = "—", Alignment(horizontal="right")
                    continue
                cell.value = float(value) if kind in {"rate", "score"} else value
                if kind in {"rate", "count"}:
                    cell.number_format = FORMATS[kind]
                elif kind == "score":
                    cell.number_format = "0.0"
        last = 4 + len(table.rows)
        if not table.rows:
            sheet["A5"] = _("本月无数据。")
        if table.note:
            sheet.cell(row=last + 2, column=1, value=table.note)
        if table.chart and table.rows:
            column, title = table.chart
            chart = BarChart()
            chart.type = "bar"
            chart.title = title
            chart.add_data(
                Reference(sheet, min_col=column, min_row=4, max_row=last),
                titles_from_data=True,
            )
            chart.set_categories(
                Reference(
                    sheet,
                    min_col=1 if table.key != "ranking" else 2,
                    min_row=5,
                    max_row=last,
                )
            )
            chart.height, chart.width = 8, 16
            sheet.add_chart(chart, f"A{last + 4}")
        sheet.freeze_panes = "A5"
    book.properties.title = b.title
    book.properties.creator = "govhall"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------------


def _bars(title: str, labels: list[str], values: list[float], font: str) -> Drawing:
    """A horizontal bar chart of one series (drawn by reportlab.graphics: vector, no image files)."""
    labels, values = list(reversed(labels)), list(reversed(values))
    height = 24 + 14 * len(labels)
    drawing = Drawing(WIDTH, height + 16)
    chart = HorizontalBarChart()
    chart.x, chart.y = 110, 8
    chart.width, chart.height = WIDTH - 140, height - 8
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = [label[:14] for label in labels] or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7.5
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max(values + [1])
    chart.valueAxis.valueMax = top * 1.1
    chart.bars[0].fillColor = BLUE
    chart.bars.strokeColor = None
    drawing.add(chart)
    drawing.add(String(0, height + 6, title, fontName=font, fontSize=9))
    return drawing


def bulletin_pdf(b: Bulletin) -> bytes:
    font = pdf_font_name()
    s = _styles(font)
    out = io.BytesIO()
    doc = a4_document(out, b.title)
    story: list = [
        Paragraph(escape(b.title), s["title"]),
        Paragraph(
            escape(
                _(
                    "统计期间：%(start)s 至 %(end)s　范围：%(scope)s　在办工单判定时点：%(judged)s"
                )
                % {
                    "start": b.period.start.isoformat(),
                    "end": b.period.end.isoformat(),
                    "scope": b.center.name,
                    "judged": f"{b.judged_at:%Y-%m-%d %H:%M}",
                }
            ),
            s["sub"],
        ),
        Spacer(1, 4 * mm),
    ]
    heading = ""
    for table in bulletin_tables(b):
        if table.title != heading:
            story.append(Paragraph(escape(table.title), s["h2"]))
        if table.key in VOLUMES:
            story.append(Paragraph(escape(table.name), s["body"]))
        heading = table.title
        wide = {"text": 1.0, "count": 0.55, "rate": 0.6, "score": 0.55}
        shares = [
            wide[kind]
            * (3 if kind == "text" and i == len(table.columns) - 1 and i > 1 else 1)
            for i, (_h, kind, _w) in enumerate(table.columns)
        ]
        widths = [WIDTH * share / sum(shares) for share in shares]
        rows = [[c[0] for c in table.columns]]
        rows += [
            [
                Paragraph(escape(table.text(v, kind)).replace("\n", "<br/>"), s["cell"])
                if kind == "text"
                else table.text(v, kind)
                for v, (_h, kind, _w) in zip(row, table.columns)
            ]
            for row in table.rows
        ]
        if not table.rows:
            rows.append([_("本月无数据。")] + [""] * (len(table.columns) - 1))
        story.append(_table(rows, widths, font))
        if table.note:
            story += [Spacer(1, 1.5 * mm), Paragraph(escape(table.note), s["note"])]
        if table.chart and table.rows:
            column, title = table.chart
            label_column = 1 if table.key == "ranking" else 0
            pairs = [
                (str(row[label_column]), row[column - 1])
                for row in table.rows
                if row[column - 1] is not None
            ]
            if pairs:
                story += [
                    Spacer(1, 2 * mm),
                    KeepTogether(
                        [
                            _bars(
                                title,
                                [p[0] for p in pairs],
                                [float(p[1]) for p in pairs],
                                font,
                            )
                        ]
                    ),
                ]
        story.append(Spacer(1, 2 * mm))
    footer = _footer(font, b)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
