"""Who works in the sample hall: the windows that receive each department's
items, the staff of every department, and their authorizations (授权).

The plan is derived from the published items, step by step, through the
case policy's own reading of a step (``cases.policy``: a clerk's step needs
the acceptance grant, a reviewer's the review grant, an approver's or a
head's the approval grant, in the department that performs the step), so
that every step of every published item has someone with the role the step
names and the grant it needs — also where another bureau performs a step
(an on-site check by 区市监局 for an item of 区行政审批局).

Comprehensive windows (综合窗口, 一窗受理) receive for many departments; an
immediate item (即办件) is decided on the spot by the clerk who receives it,
who holds the approval grant for that item alone (受理+审批).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from govhall.cases.policy import DECISION_ROLES, STEP_AUTHORIZATION, decision_index
from govhall.org.models import Action
from govhall.org.roles import Role

DISTRICT, BRANCH, TOWN = "511602", "511602-B01", "511602101"

# Short usernames for each department's staff: <prefix>_reviewer, <prefix>_head …
PREFIXES = {
    "区经信局": "jingxin", "区教科体局": "jiaoti", "区公安分局": "gongan", "区消防大队": "xiaofang",
    "区司法局": "sifa", "区财政局": "caizheng", "区自然资源和规划局": "zigui", "区生态环境局": "huanjing",
    "区综合执法局": "zhifa", "区交通运输局": "jiaotong", "区水务局": "shuili", "区农业农村局": "nongye",
    "区商务局": "shangwu", "区文广旅局": "wenlv", "区卫健局": "weijian", "区应急管理局": "yingji",
    "区市监局": "shijian", "区统计局": "tongji", "区住建局": "zhujian", "区发改局": "fagai", "区委办": "weiban",
    "区民政局": "minzheng", "区人社局": "renshe", "区残联": "canlian", "区气象局": "qixiang",
    "广安区税务局": "shuiwu", "区公管办": "gongguan", "区政府办": "zhengfu", "区退役军人事务局": "tuiyi",
    "区医疗保障局": "yibao", "区林业局": "linye", "区行政审批局": "shenpi", "区烟草专卖局": "yancao",
    "区委统战部": "tongzhan",
}

# (center code, number, name, department short name or None for a comprehensive window)
WINDOWS = [
    (DISTRICT, "01", "企业开办综合窗口", None),
    (DISTRICT, "02", "企业开办综合窗口", None),
    (DISTRICT, "03", "工程建设项目综合窗口", None),
    (DISTRICT, "04", "社会事务综合窗口", None),
    (DISTRICT, "11", "公安户政窗口", "区公安分局"),
    (DISTRICT, "12", "税务综合服务窗口", "广安区税务局"),
    (DISTRICT, "13", "社会保险窗口", "区人社局"),
    (DISTRICT, "14", "医疗保障窗口", "区医疗保障局"),
    (DISTRICT, "15", "住房城乡建设窗口", "区住建局"),
    (DISTRICT, "16", "交通运输窗口", "区交通运输局"),
    (DISTRICT, "17", "行政审批局首席代表窗口", "区行政审批局"),
    (DISTRICT, "18", "林业窗口", "区林业局"),
    ("511602001", "01", "便民服务综合窗口", None),
    ("511602002", "01", "便民服务综合窗口", None),
    (TOWN, "01", "便民服务综合窗口", None),
    (TOWN, "02", "社保医保窗口", None),
    ("511602102", "01", "便民服务综合窗口", None),
    ("511602101201", "01", "代办服务点", None),
    (BRANCH, "01", "不动产登记综合窗口", None),
    (BRANCH, "02", "不动产交易税费窗口", "广安区税务局"),
]

# Where the district receives each department's items (center, window numbers).
ENTERPRISE = (DISTRICT, ("01", "02"))  # 企业开办综合窗口 (and 区行政审批局's chief at 17)
CONSTRUCTION = (DISTRICT, ("03",))
SOCIAL = (DISTRICT, ("04",))
RECEIVING = {
    "区行政审批局": ENTERPRISE, "区市监局": ENTERPRISE,
    "区公安分局": (DISTRICT, ("11",)), "广安区税务局": (DISTRICT, ("12",)), "区人社局": (DISTRICT, ("13",)),
    "区医疗保障局": (DISTRICT, ("14",)), "区住建局": (DISTRICT, ("15",)), "区交通运输局": (DISTRICT, ("16",)),
    "区林业局": (DISTRICT, ("18",)),
    "区自然资源和规划局": CONSTRUCTION, "区生态环境局": CONSTRUCTION, "区水务局": CONSTRUCTION,
    "区气象局": CONSTRUCTION, "区消防大队": CONSTRUCTION, "区政府办": CONSTRUCTION, "区发改局": CONSTRUCTION,
    "区经信局": CONSTRUCTION, "区综合执法局": CONSTRUCTION,
}
# Everything else at the social affairs window (民政, 卫健, 残联, 退役军人, 司法 …).

# The town center receives the people's items of these departments (its
# clerks accept for them; the district's departments review and decide).
TOWN_DEPARTMENTS = ("区民政局", "区人社局", "区医疗保障局", "区残联", "区退役军人事务局")
NOT_AT_TOWN = ("婚姻", "结婚", "离婚", "收养", "墓地", "养老机构")
# The real-estate branch hall (不动产登记分中心) receives the registrations.
BRANCH_WORDS = ("不动产", "房屋所有权")

@dataclass
class Person:
    username: str
    role: str
    full_name: str
    center: str | None  # center code (None: an applicant)
    department: str | None = None  # short name
    window: str | None = None  # window number at the center
    phone: str = ""
    id_number: str = ""
    featured: bool = False  # printed by `govhall demo`
    # (department short name, action, item base code or "" for all its items)
    grants: set = field(default_factory=set)

    def holds(self, department: str, action: str, base_code: str) -> bool:
        return (department, action, "") in self.grants or (department, action, base_code) in self.grants


# The logins `govhall demo` prints, one or more per role; the grants of the
# department staff among them come from the plan below like everyone's.
# (username, role, full name, center code, department, window number, phone, identity number)
FEATURED = [
    ("admin", Role.SYSTEM_ADMIN, "周建国", DISTRICT, None, None, "13800000001", ""),
    ("city_manager", Role.CENTER_MANAGER, "李文华", "5116", None, None, "13800000002", ""),
    ("manager", Role.CENTER_MANAGER, "陈敏", DISTRICT, None, None, "13800000003", ""),
    ("town_manager", Role.CENTER_MANAGER, "杨帆", TOWN, None, None, "13800000004", ""),
    ("supervisor", Role.SUPERVISOR, "黄立新", DISTRICT, None, None, "13800000005", ""),
    ("clerk", Role.CLERK, "王晓燕", DISTRICT, None, "01", "13800000006", ""),
    ("clerk2", Role.CLERK, "刘婷", DISTRICT, None, "02", "13800000007", ""),
    ("chief", Role.CHIEF_REPRESENTATIVE, "赵明", DISTRICT, "区行政审批局", "17", "13800000008", ""),
    ("reviewer", Role.REVIEWER, "孙丽", DISTRICT, "区行政审批局", None, "13800000009", ""),
    ("approver", Role.APPROVER, "吴强", DISTRICT, "区行政审批局", None, "13800000010", ""),
    ("head", Role.DEPARTMENT_HEAD, "郑国平", DISTRICT, "区行政审批局", None, "13800000011", ""),
    ("clerk_b", Role.CLERK, "冯雪", DISTRICT, "区住建局", "15", "13800000012", ""),
    ("reviewer_b", Role.REVIEWER, "何军", DISTRICT, "区住建局", None, "13800000013", ""),
    ("approver_b", Role.APPROVER, "许文", DISTRICT, "区住建局", None, "13800000017", ""),
    ("head_b", Role.DEPARTMENT_HEAD, "谢东", DISTRICT, "区住建局", None, "13800000018", ""),
    ("shijian_reviewer", Role.REVIEWER, "邓凯", DISTRICT, "区市监局", None, "13800000019", ""),
    ("town_clerk", Role.CLERK, "唐静", TOWN, None, "01", "13800000016", ""),
    ("town_clerk2", Role.CLERK, "韩梅", TOWN, None, "02", "13800000020", ""),
    ("applicant", Role.APPLICANT, "张三", None, None, None, "13912345678", "511602199001010014"),
    ("agent", Role.APPLICANT, "李四", None, None, None, "13987654321", "511602198505050023"),
    ("daiban", Role.AGENT, "王芳", DISTRICT, None, None, "13800000021", ""),
    # The 12345 hotline (govhall/demo/hotline.py).
    ("hotline", Role.HOTLINE_OPERATOR, "林晓", DISTRICT, None, None, "13800000022", ""),
    ("rexianban", Role.HOTLINE_OFFICE, "高远", DISTRICT, None, None, "13800000023", ""),
    ("unit_zhujian", Role.MEMBER_UNIT_HANDLER, "蒋华", DISTRICT, "区住建局", None, "13800000024", ""),
]
# Department staff among the featured logins: (department, role) → username.
FEATURED_DEPARTMENT_STAFF = {
    ("区行政审批局", Role.REVIEWER): "reviewer", ("区行政审批局", Role.APPROVER): "approver",
    ("区行政审批局", Role.DEPARTMENT_HEAD): "head",
    ("区住建局", Role.CLERK): "clerk_b", ("区住建局", Role.REVIEWER): "reviewer_b",
    ("区住建局", Role.APPROVER): "approver_b", ("区住建局", Role.DEPARTMENT_HEAD): "head_b",
    ("区市监局", Role.REVIEWER): "shijian_reviewer",
}
# Clerks of the district's comprehensive and dedicated windows not featured above.
WINDOW_CLERKS = {
    (DISTRICT, "03"): "clerk3", (DISTRICT, "04"): "clerk4",
    (DISTRICT, "11"): "gongan_clerk", (DISTRICT, "12"): "shuiwu_clerk", (DISTRICT, "13"): "renshe_clerk",
    (DISTRICT, "14"): "yibao_clerk", (DISTRICT, "16"): "jiaotong_clerk", (DISTRICT, "18"): "linye_clerk",
    (BRANCH, "01"): "budongchan_clerk",
}
ROLE_SUFFIX = {Role.CLERK: "clerk", Role.CHIEF_REPRESENTATIVE: "chief", Role.REVIEWER: "reviewer",
               Role.APPROVER: "approver", Role.DEPARTMENT_HEAD: "head"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["建国", "秀英", "志强", "丽华", "海燕", "俊杰", "晓东", "红梅", "文斌", "玉兰", "国强", "静怡", "明辉", "雪梅",
         "德胜", "晓丽", "永红", "春燕", "立新", "佳琪", "宏伟", "小军", "淑华", "子豪", "雨欣", "建平", "桂英", "振华",
         "思远", "凤英"]


def _names():
    """Distinct sample names, the same sequence every time."""
    taken = {row[2] for row in FEATURED}
    for given, surname in itertools.product(GIVEN, SURNAMES):
        name = surname + given
        if name not in taken:
            yield name


def is_town_item(version) -> bool:
    department = version.item.department.short_name
    return department in TOWN_DEPARTMENTS and not any(word in version.name for word in NOT_AT_TOWN)


def is_branch_item(version) -> bool:
    return version.item.department.short_name == "区自然资源和规划局" and any(w in version.name for w in BRANCH_WORDS)


def receiving_pools(version) -> list[tuple[tuple[str, tuple[str, ...]], float]]:
    """Where an item's applications are received: (center code, window
    numbers) with the share of cases each receives."""
    department = version.item.department.short_name
    if is_branch_item(version):
        return [((BRANCH, ("01",)), 0.85), (CONSTRUCTION, 0.15)]
    home = RECEIVING.get(department, SOCIAL)
    pools = [(home, 1.0)]
    if "kaiban-qiye" in _themes(version) and home != ENTERPRISE:
        pools = [(ENTERPRISE, 0.6), (home, 0.4)]
    if is_town_item(version):
        pools = [(pool, share * 0.7) for pool, share in pools] + [((TOWN, ("01", "02")), 0.3)]
    return pools


def _themes(version) -> set[str]:
    cached = getattr(version, "_demo_themes", None)
    if cached is None:
        cached = version._demo_themes = {t.code for t in version.item.themes.all()}
    return cached


@dataclass
class Staffing:
    """The people of the hall as planned (created by the loader), and who
    among them does what (used by the case history)."""

    people: dict[str, Person]
    # (center code, window number) → usernames of the clerks there
    windows: dict[tuple[str, str], list[str]]

    def pool_clerks(self, pool: tuple[str, tuple[str, ...]]) -> list[str]:
        return _pool_clerks(pool, self.windows)

    def able(self, *, department: str, action: str, base_code: str, roles=None) -> list[str]:
        """The usernames holding ``action`` on the item in ``department`` (with one of ``roles``)."""
        return [p.username for p in self.people.values()
                if p.holds(department, action, base_code) and (roles is None or p.role in roles)]

    def head(self, department: str) -> str:
        return next(p.username for p in self.people.values()
                    if p.role == Role.DEPARTMENT_HEAD and p.department == department)


def step_needs(version) -> list[tuple[int, str, str, str]]:
    """What each step of ``version`` needs, as the case policy reads it:
    (step index, role, department short name, grant). The acceptance step
    needs the clerk's acceptance grant in the item's department; review
    steps the grant of their role in the department that performs them; the
    decision step the approval grant (in the decision step's department);
    the steps after the decision (送达, 制证 …) the grant of their role."""
    from govhall.cases.selectors import case_steps

    steps = case_steps(_Probe(version))
    own = version.item.department.short_name
    decision = decision_index(steps)
    needs = []
    for index, step in enumerate(steps):
        department = step.department.short_name if step.department_id else own
        if index == decision:
            grant = Action.APPROVE
        else:
            grant = STEP_AUTHORIZATION.get(step.role, Action.REVIEW)
        needs.append((index, step.role, department, grant))
    return needs


class _Probe:
    """Enough of a case for ``case_steps``."""

    def __init__(self, version):
        self.item_version = version


def staffing_plan(versions: list) -> Staffing:
    """The staff of the sample hall for the published ``versions`` (with
    ``item__department`` and ``steps__department`` loaded)."""
    names = _names()
    people: dict[str, Person] = {}
    for username, role, full_name, center, department, window, phone, id_number in FEATURED:
        people[username] = Person(username, role, full_name, center, department, window, phone, id_number,
                                  featured=True)
    for (center, number), username in WINDOW_CLERKS.items():
        department = next((d for c, n, _name, d in WINDOWS if (c, n) == (center, number)), None)
        people[username] = Person(username, Role.CLERK, next(names), center, department, number)
    windows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for person in people.values():
        if person.role == Role.CLERK and person.window:
            windows[(person.center, person.window)].append(person.username)
    phones = (f"1380001{n:04d}" for n in itertools.count(1))

    def staff_of(department: str, role: str) -> Person:
        """The department's person of ``role`` (created the first time)."""
        featured = FEATURED_DEPARTMENT_STAFF.get((department, role))
        if featured:
            return people[featured]
        username = f"{PREFIXES[department]}_{ROLE_SUFFIX.get(role, role)}"
        if username not in people:
            people[username] = Person(username, role, next(names), DISTRICT, department, None, next(phones))
        return people[username]

    chief = people["chief"]
    chief.grants |= {("区行政审批局", action, "") for action in (Action.ACCEPT, Action.REVIEW, Action.APPROVE)}
    for version in versions:
        own = version.item.department.short_name
        code = version.item.base_code
        needs = step_needs(version)
        decision = decision_index(case_steps_of(version))
        decided_by_clerk = needs[decision][1] not in DECISION_ROLES
        # The receiving clerks: acceptance, delivery, certificate, fee; the
        # decision too where the item is decided on the spot.
        for pool, _share in receiving_pools(version):
            for username in _pool_clerks(pool, windows):
                clerk = people[username]
                # All the department's items at its home window and in the
                # town; this item alone at another (企业开办, the branch hall).
                whole = pool == RECEIVING.get(own, SOCIAL) or pool[0] == TOWN
                scope = "" if whole else code
                clerk.grants |= {(own, Action.ACCEPT, scope), (own, Action.DELIVER, scope)}
                if version.result_type == "certificate":
                    clerk.grants.add((own, Action.CERTIFY, scope))
                if version.no_fee is False:
                    clerk.grants.add((own, Action.CHARGE, scope))
                if decided_by_clerk:
                    clerk.grants.add((own, Action.APPROVE, code))
        # Every step: someone with the step's role and the grant it needs.
        for _index, role, department, grant in needs:
            if any(p.role == role and p.holds(department, grant, code) for p in people.values()):
                continue
            staff_of(department, role).grants.add((department, grant, ""))
        # The head of the department approves requests, extends, terminates;
        # a reviewer of the department asks for them and ends a special procedure.
        staff_of(own, Role.DEPARTMENT_HEAD).grants.add((own, Action.APPROVE, ""))
        if version.promised_days:
            staff_of(own, Role.REVIEWER).grants.add((own, Action.REVIEW, ""))
    return Staffing(people=people, windows=dict(windows))


def _pool_clerks(pool, windows) -> list[str]:
    center, numbers = pool
    return [name for number in numbers for name in windows.get((center, number), [])]


def case_steps_of(version) -> list:
    from govhall.cases.selectors import case_steps

    return case_steps(_Probe(version))
