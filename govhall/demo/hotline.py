"""The sample hall's 12345 hotline (govhall/hotline, first increment): a
small category tree, member units (departments, streets and towns, the
water, power and gas companies) and a handful of work orders in every
state, made through the services so their chains are real.

The featured logins: ``hotline`` (话务员), ``rexianban`` (热线办) and
``unit_zhujian`` (the 区住建局's member-unit handler)."""

from datetime import timedelta

from govhall.core import clock
from govhall.core.actors import SYSTEM
from govhall.demo.hotline_history import DAYS, demo_hotline_history_load
from govhall.hotline import services as hotline
from govhall.hotline.knowledge_data import ANSWERS
from govhall.hotline.models import (
    KnowledgeState,
    KnowledgeVersion,
    OrderChannel,
    OrderType,
    UnitKind,
    Urgency,
)
from govhall.hotline.suggest_services import suggest_model_train
from govhall.org.models import Center, Department, User

CATEGORIES = [
    ("01", "城乡建设", [("0101", "供水", [("010101", "停水")]), ("0102", "物业管理", [("010201", "电梯故障")])]),
    ("02", "社会保障", [("0201", "社保卡", [("020101", "补办")]), ("0202", "就业创业", [])]),
    ("03", "市场监管", [("0301", "消费投诉", [("030101", "预付卡退费")])]),
    ("04", "政务服务", [("0401", "办事效率", [])]),
]
DEPARTMENT_UNITS = [("区住建局", "RX-ZJ"), ("区人社局", "RX-RS"), ("区市监局", "RX-SJ"), ("区行政审批局", "RX-SP"),
                    ("区水务局", "RX-SW"), ("区公安分局", "RX-GA"), ("区卫健局", "RX-WJ"), ("区综合执法局", "RX-ZF"),
                    ("区民政局", "RX-MZ")]
# The other departments of the district are member units too (code RX-D<nn>
# from the department's code): each catalog item's knowledge belongs to the
# unit of the department that implements it.
TOWN_UNITS = [("511602001", "RX-ZJL", "浙江路街道办事处"), ("511602101", "RX-XX", "协兴镇人民政府")]
UTILITIES = [("RX-WATER", "广安自来水有限公司"), ("RX-POWER", "国网广安区供电公司"), ("RX-GAS", "广安燃气有限公司")]
# Other organizations (其他单位): the housing provident fund's office answers for the fund.
OTHERS = [("RX-GJJ", "广安市住房公积金管理中心广安区管理部")]


def demo_hotline_load(*, district: Center) -> None:
    categories = {}
    for code, name, children in CATEGORIES:
        top = categories[code] = hotline.category_create(actor=SYSTEM, code=code, name=name)
        for code2, name2, leaves in children:
            mid = categories[code2] = hotline.category_create(actor=SYSTEM, code=code2, name=name2, parent=top)
            for code3, name3 in leaves:
                categories[code3] = hotline.category_create(actor=SYSTEM, code=code3, name=name3, parent=mid)
    units = {}
    codes = dict(DEPARTMENT_UNITS)
    for department in Department.objects.filter(center=district).order_by("code"):
        code = codes.get(department.short_name) or f"RX-D{department.code.rsplit('-', 1)[-1]}"
        units[code] = hotline.member_unit_create(actor=SYSTEM, hotline_center=district, code=code, name=department.name,
                                                 kind=UnitKind.DEPARTMENT, department=department)
    handlers = _handlers(district)
    for center_code, code, name in TOWN_UNITS:
        units[code] = hotline.member_unit_create(actor=SYSTEM, hotline_center=district, code=code, name=name,
                                                 kind=UnitKind.TOWN, level=2, center=Center.objects.get(code=center_code))
    for code, name in UTILITIES:
        units[code] = hotline.member_unit_create(actor=SYSTEM, hotline_center=district, code=code, name=name,
                                                 kind=UnitKind.UTILITY, level=2, superior=units["RX-SW"],
                                                 members=[handlers[code]] if code in handlers else [])
    for code, name in OTHERS:
        units[code] = hotline.member_unit_create(actor=SYSTEM, hotline_center=district, code=code, name=name,
                                                 kind=UnitKind.OTHER, level=2)
    demo_knowledge_load(units=units)
    operator, office = User.objects.get(username="hotline"), User.objects.get(username="rexianban")
    demo_hotline_history_load(categories=categories, units=units, handlers=handlers, operator=operator, office=office)
    _orders(categories, units)
    # The dispatch suggestions learn from the history's closed orders (the intake page shows them).
    suggest_model_train(actor=SYSTEM, center=district)


# The handlers of the units the history's orders go to (unit_zhujian, a
# featured login, handles the housing bureau's): username, name, unit.
HANDLERS = [("unit_renshe", "罗敏", "RX-RS"), ("unit_shijian", "彭涛", "RX-SJ"), ("unit_shenpi", "田甜", "RX-SP"),
            ("unit_water", "曾强", "RX-WATER")]
# A utility's handler belongs to the department that oversees it (a member
# unit handler's login needs one): the water company's to the 区水务局.
HANDLER_DEPARTMENTS = {"RX-WATER": "区水务局"}


def _handlers(district: Center) -> dict[str, User]:
    from django.contrib.auth.hashers import make_password

    from govhall.demo.loader import DEMO_PASSWORD
    from govhall.org import services as org
    from govhall.org.roles import Role

    password_hash = make_password(DEMO_PASSWORD)
    handlers = {"RX-ZJ": User.objects.get(username="unit_zhujian")}
    for username, full_name, code in HANDLERS:
        short_name = HANDLER_DEPARTMENTS.get(code) or next(name for name, unit in DEPARTMENT_UNITS if unit == code)
        department = Department.objects.get(center=district, short_name=short_name)
        handlers[code] = org.user_create(actor=SYSTEM, username=username, password_hash=password_hash,
                                         role=Role.MEMBER_UNIT_HANDLER, full_name=full_name, center=district,
                                         department=department)
    return handlers


def _orders(categories, units) -> None:
    operator = User.objects.get(username="hotline")
    office = User.objects.get(username="rexianban")
    handler = User.objects.get(username="unit_zhujian")
    zhujian, now = units["RX-ZJ"], clock.now()

    def order(days_ago: float, type, content, category, phone, name="", **kw):
        return hotline.workorder_create(actor=operator, type=type, channel=kw.pop("channel", OrderChannel.PHONE),
                                        content=content, category=categories[category], caller_phone=phone,
                                        caller_name=name, anonymous=not name, at=now - timedelta(days=days_ago),
                                        **kw)

    def at(days_ago: float):
        return now - timedelta(days=days_ago)

    # Answered on the line from what the operator knows.
    direct = order(12, OrderType.CONSULT, "社保卡丢了在哪里补办？要带什么材料？", "020101", "13700000001", "刘女士")
    used = KnowledgeVersion.objects.get(question="社保卡丢了怎么补办？", state=KnowledgeState.PUBLISHED)
    hotline.workorder_close_direct(actor=operator, order=direct, answer=used.answer, knowledge=used, at=at(12))
    # Called back satisfied.
    done = order(9, OrderType.COMPLAINT, "小区电梯三天两头停运，物业不管。", "010201", "13700000002", "陈先生",
                 address="浙江路 88 号金色家园 3 栋")
    hotline.workorder_dispatch(actor=operator, order=done, main_unit=zhujian, at=at(9))
    hotline.workorder_sign(actor=handler, order=done, at=at(8.9))
    hotline.workorder_reply(actor=handler, order=done, reply="已约谈物业公司，电梯已全面检修并恢复运行。", at=at(6))
    hotline.workorder_close(actor=operator, order=done, solved=True, rating=5, note="来电人表示满意", at=at(5))
    # A repeat caller: the same number calls again about the water.
    phone = "13700000003"
    replied = order(4, OrderType.COMPLAINT, "金色家园停水两天了，没有任何通知。", "010101", phone, "王先生",
                    urgency=Urgency.URGENT)
    hotline.workorder_dispatch(actor=operator, order=replied, main_unit=zhujian, co_units=[units["RX-WATER"]],
                               at=at(4))
    hotline.workorder_sign(actor=handler, order=replied, at=at(3.9))
    hotline.workorder_reply(actor=handler, order=replied, reply="管网抢修已完成，供水已恢复；已要求物业提前公告停水。",
                            at=at(2))
    waiting = order(1, OrderType.HELP, "楼道积水严重，老人出行不便，请求帮助。", "0102", phone, "王先生")
    hotline.workorder_dispatch(actor=operator, order=waiting, main_unit=zhujian, at=at(1))
    # A neighbour calls about the same flooded stairwell: one matter, merged into the first order.
    duplicate = order(0.5, OrderType.HELP, "金色家园楼道里都是水，老人下不了楼。", "0102", "13700000009", "钱女士")
    hotline.workorder_merge(actor=operator, order=duplicate, parent=waiting, reason="同一楼道积水，已派单办理。",
                            at=at(0.45))
    # Signed, with an extension the office approved.
    extended = order(6, OrderType.REPORT, "有人在小区绿地违规搭建彩钢棚。", "0102", "13700000004", address="北辰路 12 号")
    hotline.workorder_dispatch(actor=operator, order=extended, main_unit=zhujian, at=at(6))
    hotline.workorder_sign(actor=handler, order=extended, at=at(5.8))
    hotline.workorder_extension_ask(actor=handler, order=extended, days=3, reason="需联合综合执法局现场核查。", at=at(3))
    hotline.workorder_extension_decide(actor=office, order=extended, approve=True, at=at(2.9))
    # Returned: not the housing bureau's business; the operator re-dispatches.
    returned = order(2, OrderType.COMPLAINT, "买的健身卡店家跑路了，要求退费。", "030101", "13700000005", "赵女士")
    hotline.workorder_dispatch(actor=operator, order=returned, main_unit=zhujian, at=at(2))
    hotline.workorder_return(actor=handler, order=returned, reason="预付卡退费属市场监管部门职责，请改派区市监局。",
                             at=at(1.8))
    # Reopened once after a bad call-back.
    reopened = order(8, OrderType.COMPLAINT, "装修噪音每天晚上十点以后还在施工。", "0102", "13700000006", "孙先生")
    hotline.workorder_dispatch(actor=operator, order=reopened, main_unit=zhujian, at=at(8))
    hotline.workorder_sign(actor=handler, order=reopened, at=at(7.9))
    hotline.workorder_reply(actor=handler, order=reopened, reply="已告知施工方遵守作息时间。", at=at(6))
    hotline.workorder_reopen(actor=operator, order=reopened, reason="来电人反映噪音依旧", rating=2, at=at(1))
    # Overdue: dispatched ten days ago, never signed.
    late = order(10, OrderType.SUGGEST, "建议在老旧小区加装充电桩。", "0102", "13700000007", "周先生")
    hotline.workorder_dispatch(actor=operator, order=late, main_unit=zhujian, at=at(10))
    # Registered, waiting for dispatch; one at a town.
    order(0.1, OrderType.HELP, "路灯坏了一排，晚上很黑。", "0102", "13700000008", "吴女士",
          channel=OrderChannel.PORTAL, address="协兴镇牌坊村")


def demo_knowledge_load(*, units: dict) -> int:
    """The knowledge base (知识库): the written answers on common matters
    (hotline.knowledge_data) and, from the published catalog, what callers
    ask most about each item (materials; where and how long), each reviewed
    by its source unit and published by the office, through the services.
    A few stay in draft or in review, two end soon (the expiry warnings).
    The published items' service guides are knowledge of their own besides."""
    from govhall.catalog.models import ItemVersion, VersionStatus
    from govhall.hotline import knowledge as kb

    office = User.objects.get(username="rexianban")
    handler = User.objects.get(username="unit_zhujian")
    now = clock.now()
    today = clock.to_local_date(now)
    start = DAYS + 10  # in force before the first order of the history
    count = 0

    def entry(unit, question, answer, keywords="", days=None, stop=""):
        nonlocal count
        version = kb.knowledge_create(actor=office, source_unit=unit, question=question, answer=answer,
                                      keywords=keywords, valid_from=today - timedelta(days=start + 20),
                                      valid_until=today + timedelta(days=days) if days else None,
                                      at=now - timedelta(days=start))
        count += 1
        if stop == "draft":
            return
        kb.knowledge_submit(actor=office, version=version, at=now - timedelta(days=start - 1))
        if stop == "review":
            return
        reviewer = handler if unit.code == "RX-ZJ" else SYSTEM
        kb.knowledge_review(actor=reviewer, version=version, approve=True, at=now - timedelta(days=start - 2))
        kb.knowledge_publish(actor=office, version=version, at=now - timedelta(days=start - 3))

    for unit_code, question, answer, keywords, days in ANSWERS:
        entry(units[unit_code], question, answer, keywords, days)
    by_department = {unit.department_id: unit for unit in units.values() if unit.department_id}
    published = (ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("item")
                 .prefetch_related("materials").order_by("item__code"))
    for n, version in enumerate(published):
        unit = by_department.get(version.item.department_id, units["RX-SP"])
        materials = "；".join(m.name for m in version.materials.all()) or "无需提交材料"
        entry(unit, f"{version.name}要带什么材料？", f"办理“{version.name}”需提交：{materials}。",
              version.item.group, stop="review" if n == 0 else "")
        limit = "即办" if version.immediate else f"承诺 {version.promised_days or '—'} 个工作日办结"
        entry(unit, f"{version.name}在哪里办、多久能办好？",
              f"{version.location or '区政务服务中心'}办理，{version.office_hours or '工作日办公'}；{limit}。",
              version.item.group, stop="draft" if n == 1 else "")
    return count
