"""The operation bulletin's figures on a hand-built month (docs/hotline.md,
"Operation bulletin"): March 2026 at the district's hotline."""

import io
import shutil
import subprocess
from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from govhall.hotline import services as hotline
from govhall.hotline.bulletin import (
    BulletinError,
    bulletin_build,
    orders_filter,
    parse_month,
)
from govhall.hotline.models import OrderChannel, OrderType, WorkOrder

from .conftest import at

pytestmark = pytest.mark.django_db


def make(
    line,
    content,
    *,
    when,
    channel=OrderChannel.PHONE,
    type=OrderType.COMPLAINT,
    category=None,
    town=None,
):
    return hotline.workorder_create(
        actor=line.operator,
        type=type,
        channel=channel,
        caller_phone="13912345678",
        caller_name="王先生",
        content=content,
        category=category,
        town=town,
        at=at(when),
    )


@pytest.fixture
def month(line):
    """The month (numbers: the docs' example):
    o1 phone complaint 供水 at the town → A, signed and replied on time, closed 5 (非常满意);
    o2 portal complaint 供水 → A, signed late, replied late, reopened rated 1, signed and replied on time, closed 3;
    o3 phone consult, no category → answered directly;
    o4 api consult → the water company on 03-30, never signed (sign and reply overdue at the month's end);
    o5 phone help → B, returned unsigned;
    o8–o10 phone complaints about one street light (a cluster);
    before: two orders of February about 停水 in 幸福小区; after: one of April."""
    top = line.category.parent
    water = line.category
    o1 = make(
        line,
        "幸福小区停水三天。",
        when="2026-03-02 09:00",
        category=water,
        town=line.hall.town,
    )
    hotline.workorder_dispatch(
        actor=line.operator, order=o1, main_unit=line.unit_a, at=at("2026-03-02 10:00")
    )
    hotline.workorder_sign(actor=line.handler_a, order=o1, at=at("2026-03-02 11:00"))
    hotline.workorder_reply(
        actor=line.handler_a, order=o1, reply="已恢复供水。", at=at("2026-03-03 10:00")
    )
    hotline.workorder_close(
        actor=line.operator, order=o1, solved=True, rating=5, at=at("2026-03-04 10:00")
    )
    o2 = make(
        line,
        "幸福小区又停水了。",
        when="2026-03-02 09:30",
        channel=OrderChannel.PORTAL,
        category=water,
    )
    hotline.workorder_dispatch(
        actor=line.operator, order=o2, main_unit=line.unit_a, at=at("2026-03-02 10:00")
    )
    hotline.workorder_sign(actor=line.handler_a, order=o2, at=at("2026-03-05 10:00"))
    hotline.workorder_reply(
        actor=line.handler_a, order=o2, reply="已处理。", at=at("2026-03-10 10:00")
    )
    hotline.workorder_reopen(
        actor=line.operator,
        order=o2,
        reason="仍未解决",
        rating=1,
        at=at("2026-03-11 10:00"),
    )
    hotline.workorder_sign(actor=line.handler_a, order=o2, at=at("2026-03-11 11:00"))
    hotline.workorder_reply(
        actor=line.handler_a, order=o2, reply="已解决。", at=at("2026-03-12 10:00")
    )
    hotline.workorder_close(
        actor=line.operator, order=o2, solved=True, rating=3, at=at("2026-03-13 10:00")
    )
    o3 = make(
        line, "社保断缴怎么补缴？", when="2026-03-05 10:00", type=OrderType.CONSULT
    )
    hotline.workorder_close_direct(
        actor=line.operator,
        order=o3,
        answer="可在网上补缴。",
        at=at("2026-03-05 10:05"),
    )
    o4 = make(
        line,
        "停水什么时候恢复？",
        when="2026-03-30 09:00",
        channel=OrderChannel.API,
        type=OrderType.CONSULT,
    )
    hotline.workorder_dispatch(
        actor=line.operator, order=o4, main_unit=line.water, at=at("2026-03-30 10:00")
    )
    o5 = make(line, "老人摔倒需要帮助。", when="2026-03-16 09:00", type=OrderType.HELP)
    hotline.workorder_dispatch(
        actor=line.operator, order=o5, main_unit=line.unit_b, at=at("2026-03-16 10:00")
    )
    hotline.workorder_return(
        actor=line.handler_b, order=o5, reason="非本单位职责", at=at("2026-03-16 11:00")
    )
    lights = [
        make(line, text, when=f"2026-03-{day} 10:00")
        for day, text in (
            ("18", "建设路路灯不亮，晚上很黑。"),
            ("19", "建设路路灯晚上不亮。"),
            ("20", "建设路的路灯不亮了。"),
        )
    ]
    make(line, "幸福小区停水。", when="2026-02-26 10:00")
    make(line, "幸福小区停水，无人处理。", when="2026-02-27 10:00")
    make(line, "建设路路灯不亮。", when="2026-04-01 10:00")
    return {
        "top": top,
        "o1": o1,
        "o2": o2,
        "o3": o3,
        "o4": o4,
        "o5": o5,
        "lights": lights,
    }


def _bulletin(line):
    return bulletin_build(
        center=line.hall.district,
        period=parse_month("2026-03"),
        at=at("2026-04-10 09:00"),
    )


def counts(rows):
    return {c.key: c.count for c in rows}


def test_volumes_and_the_answer_directly_rate(line, month):
    b = _bulletin(line)
    assert b.total == 8  # created in March: not February's nor April's
    assert counts(b.by_channel) == {"phone": 6, "portal": 1, "api": 1, "open311": 0}
    assert counts(b.by_type) == {
        "consult": 2,
        "help": 1,
        "complaint": 5,
        "report": 0,
        "suggest": 0,
        "praise": 0,
    }
    assert [(c.label, c.count) for c in b.by_category] == [
        ("城乡建设", 2),
        ("未分类", 6),
    ]
    assert [(c.label, c.count) for c in b.by_town] == [
        (line.hall.town.name, 1),
        ("未填写镇街", 7),
    ]
    assert (b.direct, b.direct_rate) == (1, 0.125)
    assert b.judged_at == at("2026-04-01 00:00")


def test_sign_and_reply_rates_per_unit(line, month):
    rows = {r.unit.code: r for r in _bulletin(line).units}
    a, b, water = rows["U-A"], rows["U-B"], rows["U-W"]
    # A: o1 signed on time, o2 signed three days late, o2's reopen dispatch signed on time
    assert (
        a.dispatched,
        a.signed,
        a.signed_on_time,
        a.sign_late_open,
        a.sign_rate,
    ) == (3, 3, 2, 0, 2 / 3)
    assert (a.reply.replied, a.reply.replied_on_time, a.reply.on_time_rate) == (
        3,
        2,
        2 / 3,
    )
    # B: returned before signing: neither on time nor late
    assert (
        b.dispatched,
        b.signed,
        b.sign_late_open,
        b.sign_rate,
        b.reply.on_time_rate,
    ) == (1, 0, 0, None, None)
    assert b.reply.return_rate == 1.0
    # the water company: dispatched 03-30 10:00, a consultation: sign by 12:00, reply by 03-31 08:00
    assert (water.dispatched, water.signed, water.sign_late_open, water.sign_rate) == (
        1,
        0,
        1,
        0.0,
    )
    assert (water.reply.overdue_open, water.reply.on_time_rate) == (1, 0.0)


def test_sign_rate_judged_within_the_month(line, month):
    b = bulletin_build(
        center=line.hall.district,
        period=parse_month("2026-03"),
        at=at("2026-03-30 11:00"),
    )
    water = next(r for r in b.units if r.unit.code == "U-W")
    assert (water.sign_late_open, water.sign_rate) == (
        0,
        None,
    )  # the sign limit (12:00) not yet past


def test_satisfaction_of_the_months_call_backs(line, month):
    b = _bulletin(line)
    assert counts(b.ratings) == {"5": 1, "4": 0, "3": 1, "2": 0, "1": 1}
    assert (b.rated, b.satisfied, b.satisfaction) == (3, 2, 2 / 3)


def test_hot_keywords_with_the_previous_month(line, month):
    topics = _bulletin(line).keywords
    # by orders, then the longer word first; 建设 is left out (inside 建设路, as many orders)
    assert [(t.label, t.count, t.previous, t.rising) for t in topics] == [
        ("建设路", 3, 0, True),
        ("不亮", 3, 0, True),
        ("停水", 3, 2, True),
        ("路灯", 3, 0, True),
        ("灯不亮", 2, 0, True),
        ("小区", 2, 2, False),
        ("幸福", 2, 2, False),
        ("晚上", 2, 0, True),
    ]
    keywords = {t.label: t for t in topics}
    assert [e.number for e in keywords["停水"].examples] == [
        month["o4"].number,
        month["o2"].number,
        month["o1"].number,
    ]
    assert keywords["停水"].params == {"center": "D1", "month": "2026-03", "q": "停水"}


def test_clusters_of_similar_orders(line, month):
    clusters = _bulletin(line).clusters
    assert len(clusters) == 1
    [lights] = clusters
    assert lights.count == 3 and lights.previous == 0 and lights.rising
    assert (
        lights.terms[0] == "建设路"
        and "建设" not in lights.terms
        and len(lights.terms) == 3
    )
    assert lights.label == "、".join(lights.terms)
    numbers = [o.number for o in reversed(month["lights"])]
    assert [e.number for e in lights.examples] == numbers
    assert lights.params == {"numbers": ",".join(numbers)}


def test_the_ranking_is_the_units_ranking(line, month):
    ranking = _bulletin(line).ranking
    # A: 40·2/3 + 20·1 + 25·1 + 15·(1 − 1/3); the water company: 40·0 + 20·1 over 60; B: 20·0 over 20
    assert [(f.unit.code, f.score) for f in ranking] == [
        ("U-A", 81.7),
        ("U-W", 33.3),
        ("U-B", 0.0),
    ]


def test_every_figure_filters_to_its_orders(line, month):
    b = _bulletin(line)
    everything = WorkOrder.objects.all()

    def listed(params):
        return set(
            orders_filter(everything, params)[0].values_list("number", flat=True)
        )

    assert len(listed(b.base)) == b.total
    for row in b.by_channel + b.by_category + b.by_town:
        assert len(listed(row.params)) == row.count, row
    assert listed({**b.base, "direct": "1"}) == {month["o3"].number}
    for level in b.ratings:
        assert len(listed(level.params)) == level.count
    for topic in b.keywords + b.clusters:
        assert len(listed(topic.params)) == topic.count, topic
    assert listed({"center": "C1"}) == set(
        WorkOrder.objects.values_list("number", flat=True)
    )  # the city: all
    assert listed({**b.base, "unit": str(line.unit_a.pk)}) == {
        month["o1"].number,
        month["o2"].number,
    }
    # unreadable values are left out, not errors
    assert orders_filter(everything, {"month": "2026-13", "town": "x"})[1] == {}


def test_a_bad_month_names_its_field():
    with pytest.raises(BulletinError) as error:
        parse_month("2026-3x")
    assert error.value.field == "month"


def test_an_empty_month(line):
    b = bulletin_build(
        center=line.hall.district,
        period=parse_month("2026-05"),
        at=at("2026-05-02 09:00"),
    )
    assert (b.total, b.direct_rate, b.satisfaction, b.keywords, b.clusters) == (
        0,
        None,
        None,
        [],
        [],
    )
    assert b.judged_at == at("2026-05-02 09:00")
    assert b.period.start == date(2026, 5, 1) and len(b.units) == 3


def test_the_bulletin_as_excel(line, month, tmp_path):
    out = tmp_path / "bulletin.xlsx"
    # The command judges the open orders by its clock: after the month (the suite also runs as if
    # today were another day).
    with time_machine.travel(at("2026-06-10 10:00"), tick=True):
        call_command(
            "report", hotline=True, month="2026-03", out=str(out), stdout=io.StringIO()
        )
    book = load_workbook(out)
    overview = book["总体情况"]
    assert (
        overview["A1"].value == "示例区政务服务中心 12345热线运行情况通报（2026年3月）"
    )
    assert [overview.cell(row=r, column=2).value for r in range(5, 10)] == [
        8,
        1,
        "12.5%",
        3,
        "66.7%",
    ]
    channels = book["来源渠道"]
    assert [
        [channels.cell(row=r, column=c).value for c in (1, 2, 3)] for r in (5, 6)
    ] == [["电话", 6, 0.75], ["网站", 1, 0.125]]
    units = {
        book["成员单位按时签收与答复"].cell(row=r, column=1).value: r
        for r in range(5, 8)
    }
    row = units["审批局"]
    assert [
        book["成员单位按时签收与答复"].cell(row=row, column=c).value
        for c in range(2, 11)
    ] == [3, 2, 3, 0, 2 / 3, 3, 2, 0, 2 / 3]
    assert book["热点词"]["A5"].value == "建设路" and book["热点词"]["D7"].value == "↑"
    assert book["相似诉求聚类"]["B5"].value == 3
    ranking = book["成员单位排名"]
    assert [
        [ranking.cell(row=r, column=c).value for c in (1, 2, 7)] for r in (5, 6, 7)
    ] == [[1, "审批局", 81.7], [2, "自来水公司", 33.3], [3, "住建局", 0.0]]
    assert "得分 = 100 ×" in ranking["A9"].value
    assert len(ranking._charts) == 1 and len(channels._charts) == 1


def test_the_bulletin_as_pdf(line, month, tmp_path):
    out = tmp_path / "bulletin.pdf"
    call_command(
        "report",
        hotline=True,
        month="2026-03",
        center="D1",
        out=str(out),
        stdout=io.StringIO(),
    )
    data = out.read_bytes()
    assert (
        data.startswith(b"%PDF") and b"/FontFile2" in data
    )  # the embedded TrueType CJK font
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(out), "-"], capture_output=True, check=True
        ).stdout.decode()
        assert (
            "12345热线运行情况通报" in text and "直接办结率" in text and "12.5%" in text
        )
        assert "建设路" in text and "81.7" in text and "66.7%" in text


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"month": "2026-13", "out": "x.pdf"}, "--month"),
        ({"quarter": "2026-Q1", "out": "x.pdf"}, "--quarter"),
        ({"month": "2026-03", "out": "x.docx"}, "--out"),
        ({"month": "2026-03", "out": "/no/such/folder/x.pdf"}, "--out"),
        (
            {"month": "2026-03", "out": "x.pdf", "center": "T1"},
            "--center",
        ),  # a center without member units
    ],
)
def test_bad_arguments_are_named(line, arguments, named):
    with pytest.raises(CommandError) as error:
        call_command("report", hotline=True, **arguments)
    assert str(error.value).startswith(named)


def test_without_a_hotline_the_center_is_asked_for(db, tmp_path):
    with pytest.raises(CommandError, match="^--center: name the hotline center"):
        call_command(
            "report", hotline=True, month="2026-03", out=str(tmp_path / "x.pdf")
        )


def test_a_large_month_clusters_on_its_distinguishing_words():
    """In a month of LARGE_MONTH orders or more, a word in more than a fifth
    of them (小区 here, in every order) is not clustered on (it names no
    cluster), while the street-light orders still group; keywords count it."""
    from types import SimpleNamespace

    from govhall.hotline.bulletin import LARGE_MONTH, _clusters, _keywords

    streets = [
        "和平",
        "光明",
        "幸福",
        "团结",
        "胜利",
        "解放",
        "人民",
        "中山",
        "新华",
        "建国",
    ]
    matters = [
        "垃圾",
        "噪声",
        "停车",
        "漏水",
        "电梯",
        "绿化",
        "油烟",
        "违建",
        "井盖",
        "广告",
    ]
    texts = [
        f"{s}小区{m}" for s in streets for m in matters
    ] * 2  # 200 orders: 小区 in all
    texts += ["建设路小区路灯不亮", "建设路小区路灯坏了不亮", "建设路小区的路灯不亮"]
    orders = [
        SimpleNamespace(pk=i, number=f"N{i:04d}", content=text, created_at=i)
        for i, text in enumerate(texts)
    ]
    assert len(orders) >= LARGE_MONTH
    clusters = _clusters(orders, [])
    lights = [c for c in clusters if "路灯" in c.terms or "建设路" in c.terms]
    assert len(lights) == 1 and lights[0].count == 3
    assert all("小区" not in c.terms for c in clusters)
    keywords = {t.label: t.count for t in _keywords(orders, [], {})}
    assert keywords["小区"] == 203 and len(keywords) == 10  # then nine words of 20 orders each
    assert sorted(keywords.values()) == [20] * 9 + [203]
