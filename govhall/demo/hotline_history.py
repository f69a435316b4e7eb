"""Three months of 12345 work orders (issue 15 item 10), made through the
hotline's services with the moment of each act (``at=``), so every chain,
time limit, light, rating and alert is real and deterministic for a day.

The volume of a district hotline: some ten to twenty orders a day, fewer
at weekends. Each order is a matter (what it is about, its category, the
unit that owns it, the words callers use, the replies units give) and a
fate planned when it is drawn: answered on the line from a knowledge entry
(直接办结), or dispatched, signed and answered, now and then after an
extension or after the wrong unit returned it, then called back with a
rating (a bad one reopens it once, or closes it unsolved). Acts that would
fall after now have not happened yet, so the last days' orders wait in
every state. Hot topics: a week of water outage calls from one village in
the second month, and a property management dispute at one estate rising
through the last month (the bulletin's clusters).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from govhall.core import clock
from govhall.hotline import services as hotline
from govhall.hotline.models import (
    KnowledgeState,
    KnowledgeVersion,
    OrderChannel,
    OrderType,
    Urgency,
)

SEED = 12345
DAYS = 91
# Orders a day: working days and weekends (before the hot topics; the demo
# loads in reasonable time: each order is some six acts through the services).
DAILY = {"workday": (8, 12), "weekend": (3, 5)}
NAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋唐韩冯邓曹彭曾肖田董袁潘蒋蔡余杜"
PLACES = [
    "金色家园",
    "滨河花园",
    "阳光小区",
    "锦绣华庭",
    "建设路 36 号院",
    "北辰路 12 号",
    "思源大道南段",
    "浙江路 88 号",
    "协兴镇牌坊村",
    "花桥镇场镇",
    "金安大道 105 号",
    "城南新区",
]
WHEN = ["昨天晚上", "这几天", "今天早上", "已经一个星期了", "最近一个月", "从上周开始"]
ASK = [
    "请尽快处理。",
    "希望有关部门管一管。",
    "请帮忙协调。",
    "请给个说法。",
    "请问该怎么办？",
    "",
]


@dataclass(frozen=True)
class Matter:
    """What an order is about: its category, the unit that owns it, its
    types (weighted), how callers say it ({place} {when} {ask} filled in),
    what units reply, and the knowledge entry that answers it directly."""

    category: str
    unit: str
    types: tuple[tuple[str, int], ...]
    texts: tuple[str, ...]
    replies: tuple[str, ...]
    knowledge: str = ""
    weight: int = 1


C, H, P, R, S = (
    OrderType.CONSULT,
    OrderType.HELP,
    OrderType.COMPLAINT,
    OrderType.REPORT,
    OrderType.SUGGEST,
)
MATTERS = [
    Matter(
        "010101",
        "RX-WATER",
        ((P, 3), (H, 2), (C, 2)),
        (
            "{place}{when}停水，也没有提前通知，{ask}",
            "{place}自来水水压很低，高层根本没水，{ask}",
            "{place}的自来水发黄有异味，{when}一直这样，{ask}",
        ),
        (
            "经查为管网爆管抢修停水，已于当日修复恢复供水，今后计划停水将提前 24 小时公告。",
            "已派员上门检测，二次供水水箱已清洗消毒，水质检测合格。",
        ),
        "小区突然停水怎么办？什么时候恢复供水？",
        3,
    ),
    Matter(
        "010201",
        "RX-ZJ",
        ((P, 4), (H, 1)),
        (
            "{place}电梯{when}老是坏，困过人，物业一直拖着不修，{ask}",
            "{place}3 栋电梯年检过期还在运行，{ask}",
        ),
        (
            "已约谈物业服务企业，电梯已由维保单位全面检修并通过检验，恢复运行。",
            "已责令物业公司限期整改并报特种设备检验机构复检。",
        ),
        "小区电梯经常坏、物业不管怎么办？",
        2,
    ),
    Matter(
        "0102",
        "RX-ZJ",
        ((P, 4), (S, 1), (C, 1)),
        (
            "{place}物业费涨价没有开业主大会，{ask}",
            "{place}楼上装修噪音{when}晚上十点以后还在施工，{ask}",
            "{place}物业乱收停车费，{ask}",
            "{place}住房维修资金怎么申请使用？",
        ),
        (
            "已组织街道、社区、物业与业主代表协调，物业公司暂停调价并依法履行程序。",
            "已告知施工方遵守作息时间，社区将加强巡查。",
        ),
        "装修噪音晚上扰民怎么办？",
        3,
    ),
    Matter(
        "020101",
        "RX-RS",
        ((C, 5), (H, 1)),
        (
            "社保卡丢了在哪里补办？要带什么？",
            "社保卡{when}刷不了，是不是要换卡？",
            "老人的社保卡怎么挂失补办？",
        ),
        ("已告知来电人持身份证到人社窗口或合作银行网点补办，可即时制卡。",),
        "社保卡丢了怎么补办？",
        2,
    ),
    Matter(
        "0202",
        "RX-RS",
        ((P, 3), (C, 2)),
        (
            "在{place}的工地干活，老板拖欠工资三个月了，{ask}",
            "失业保险金怎么领？需要什么手续？",
            "公司{when}没给交社保，{ask}",
        ),
        (
            "劳动保障监察大队已立案调查，督促用人单位支付拖欠工资。",
            "已告知来电人申领失业保险金的条件和渠道。",
        ),
        "单位拖欠工资怎么投诉？",
        2,
    ),
    Matter(
        "030101",
        "RX-SJ",
        ((P, 5),),
        (
            "在{place}办的健身卡，店家{when}关门跑路了，要求退费，{ask}",
            "{place}的理发店预付卡不给退，{ask}",
        ),
        (
            "已联系经营者协商，经营者同意按剩余金额分期退费；后续纠纷可通过民事诉讼解决。",
            "经营者已失联，已将线索移交公安机关并登记受损消费者信息。",
        ),
        "预付卡商家跑路了怎么退费？",
        2,
    ),
    Matter(
        "0301",
        "RX-SJ",
        ((P, 4), (R, 1)),
        ("在{place}的超市买到过期食品，{ask}", "{place}菜市场有商贩缺斤短两，{ask}"),
        (
            "执法人员已现场检查，对过期食品予以下架并立案处理，已协调商家退赔。",
            "已对市场计量器具开展检查，没收不合格电子秤。",
        ),
        "买到过期食品怎么投诉？",
        2,
    ),
    Matter(
        "0401",
        "RX-SP",
        ((P, 2), (S, 2), (C, 1)),
        (
            "在政务中心办事{when}跑了三趟，材料要求前后不一致，{ask}",
            "建议政务中心周末也开放窗口。",
            "政务中心几点上班？地址在哪里？",
        ),
        (
            "已核实并约谈窗口工作人员，统一一次性告知材料清单，向来电人致歉。",
            "建议已收悉，中心已在工作日延时服务并开通周末预约。",
        ),
        "政务服务中心的上班时间和地址？",
        1,
    ),
]
# The hot topics: (matter, place, first day ago, last day ago, extra orders a day).
HOT = [(0, "协兴镇牌坊村", 52, 47, 9), (2, "滨河花园", 30, 0, 3)]
# Where a unit wrongly receives an order first (then returns it): the matter's unit → the wrong one.
WRONG = {
    "RX-WATER": "RX-ZJ",
    "RX-SJ": "RX-ZJ",
    "RX-ZJ": "RX-SP",
    "RX-RS": "RX-SP",
    "RX-SP": "RX-RS",
}


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


class History:
    def __init__(self, *, categories, units, handlers, operator, office, now: datetime):
        self.categories, self.units, self.handlers = categories, units, handlers
        self.operator, self.office, self.now = operator, office, now
        self.rng = random.Random(SEED)
        self.knowledge = {
            v.question: v
            for v in KnowledgeVersion.objects.filter(state=KnowledgeState.PUBLISHED)
        }
        self.count = 0

    def run(self) -> int:
        today = clock.to_local_date(self.now)
        for back in range(DAYS, -1, -1):
            day = today - timedelta(days=back)
            low, high = DAILY["weekend" if day.weekday() >= 5 else "workday"]
            plans = [(self._matter(), None) for _ in range(self.rng.randint(low, high))]
            plans += [
                (MATTERS[m], place)
                for m, place, first, last, extra in HOT
                if last <= back <= first
                for _ in range(self.rng.randint(extra - 1, extra + 1))
            ]
            moments = sorted(self._moment(day) for _ in plans)
            for (matter, place), at in zip(plans, moments, strict=True):
                if at < self.now:
                    self._order(matter, place, at)
        return self.count

    def _matter(self) -> Matter:
        return self.rng.choices(MATTERS, weights=[m.weight for m in MATTERS])[0]

    def _moment(self, day) -> datetime:
        # Calls from 8:00 to 21:00, most in the morning.
        minutes = min(self.rng.gauss(11 * 60, 150), 21 * 60 - 1)
        return timezone.make_aware(datetime.combine(day, time(8))) + _minutes(
            max(minutes - 8 * 60, 0)
        )

    def _text(self, matter: Matter, place: str | None) -> str:
        return self.rng.choice(matter.texts).format(
            place=place or self.rng.choice(PLACES),
            when=self.rng.choice(WHEN),
            ask=self.rng.choice(ASK),
        )

    def _phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 999_999_999):09d}"

    def _order(self, matter: Matter, place: str | None, at: datetime) -> None:
        rng = self.rng
        type = rng.choices(
            [t for t, _w in matter.types], weights=[w for _t, w in matter.types]
        )[0]
        anonymous = rng.random() < 0.15
        order = hotline.workorder_create(
            actor=self.operator,
            type=type,
            channel=OrderChannel.PHONE if rng.random() < 0.85 else OrderChannel.PORTAL,
            content=self._text(matter, place),
            category=self.categories[matter.category],
            caller_phone=self._phone(),
            caller_name=""
            if anonymous
            else rng.choice(NAMES) + rng.choice(["先生", "女士"]),
            anonymous=anonymous,
            address=place or "",
            at=at,
            urgency=Urgency.URGENT
            if place and matter.category == "010101"
            else Urgency.NORMAL,
        )
        self.count += 1
        used = self.knowledge.get(matter.knowledge)
        if type == C and used is not None and rng.random() < 0.75:
            self._act(
                at + _minutes(rng.uniform(2, 6)),
                hotline.workorder_close_direct,
                self.operator,
                order,
                answer=used.answer,
                knowledge=used,
            )
            return
        self._dispatched(order, matter, at + _minutes(rng.uniform(3, 40)))

    def _act(self, at: datetime, service, actor, order, **kw):
        """The act at ``at``, if that moment has come (else None: the order waits)."""
        if at >= self.now:
            return None
        return service(actor=actor, order=order, at=at, **kw)

    def _dispatched(self, order, matter: Matter, at: datetime) -> None:
        rng, unit = self.rng, matter.unit
        wrong = WRONG.get(unit) if rng.random() < 0.05 else None
        order = self._act(
            at,
            hotline.workorder_dispatch,
            self.operator,
            order,
            main_unit=self.units[wrong or unit],
        )
        if order is None:
            return
        if wrong:
            at += _minutes(rng.uniform(30, 300))
            order = self._act(
                at,
                hotline.workorder_return,
                self.handlers[wrong],
                order,
                reason="该事项不属于本单位职责，请改派主管单位。",
            )
            at += _minutes(rng.uniform(10, 120))
            if (
                order is None
                or self._act(
                    at,
                    hotline.workorder_dispatch,
                    self.operator,
                    order,
                    main_unit=self.units[unit],
                )
                is None
            ):
                return
        self._handled(order, matter, at, self.handlers[unit])

    def _handled(
        self, order, matter: Matter, at: datetime, handler, reopened: bool = False
    ) -> None:
        rng = self.rng
        at += _minutes(
            rng.uniform(15, 100) if rng.random() < 0.93 else rng.uniform(300, 2000)
        )  # a few sign late
        if self._act(at, hotline.workorder_sign, handler, order) is None:
            return
        hours = order.type == C
        if not hours and not reopened and rng.random() < 0.05:
            at += timedelta(days=rng.uniform(1, 3))
            if (
                self._act(
                    at,
                    hotline.workorder_extension_ask,
                    handler,
                    order,
                    days=rng.randint(2, 5),
                    reason="需会同相关部门现场核查，请求延期。",
                )
                is None
            ):
                return
            at += _minutes(rng.uniform(30, 240))
            if (
                self._act(
                    at,
                    hotline.workorder_extension_decide,
                    self.office,
                    order,
                    approve=True,
                )
                is None
            ):
                return
        at += (
            timedelta(hours=rng.uniform(2, 18))
            if hours
            else timedelta(days=rng.uniform(0.5, 4.5))
        )
        if (
            self._act(
                at,
                hotline.workorder_reply,
                handler,
                order,
                reply=rng.choice(matter.replies),
            )
            is None
        ):
            return
        at += timedelta(hours=rng.uniform(4, 40))
        rating = rng.choices([5, 4, 3, 2, 1], weights=[62, 20, 8, 6, 4])[0]
        if rating <= 2 and not reopened and rng.random() < 0.6:
            if (
                self._act(
                    at,
                    hotline.workorder_reopen,
                    self.operator,
                    order,
                    rating=rating,
                    reason="来电人表示问题未解决，要求重办。",
                )
                is None
            ):
                return
            self._handled(order, matter, at, handler, reopened=True)
            return
        self._act(
            at,
            hotline.workorder_close,
            self.operator,
            order,
            solved=rating >= 3,
            rating=rating,
            note="来电人表示满意"
            if rating >= 4
            else "来电人表示基本满意"
            if rating == 3
            else "来电人表示不满意",
        )


def demo_hotline_history_load(*, categories, units, handlers, operator, office) -> int:
    """Three months of orders up to now; returns how many."""
    return History(
        categories=categories,
        units=units,
        handlers=handlers,
        operator=operator,
        office=office,
        now=clock.now(),
    ).run()
