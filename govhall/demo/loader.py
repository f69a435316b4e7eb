"""The sample hall (示例数据): a deterministic city → district → towns tree
with the 34 real departments of 广安区, windows and staff of every role.

Everything is created through the org services, so the audit log is real.
The loader refuses a database that holds anything but the sample hall.
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from govhall.core import clock
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError
from govhall.core.models import Installation
from govhall.demo.cases import demo_cases_load
from govhall.supervision.engine import supervise_scan
from govhall.demo.catalog import demo_catalog_load
from govhall.demo.guangan import SOURCE_NOTE, read_departments
from govhall.org import services as org
from govhall.org.models import Action, Center, CenterLevel, Department, User, WindowKind
from govhall.org.roles import Role

DEMO_PASSWORD = "govhall-demo"

# Full names of the departments whose short names the portal list gives.
FULL_NAMES = {
    "区经信局": "广安市广安区经济和信息化局",
    "区教科体局": "广安市广安区教育科技和体育局",
    "区公安分局": "广安市公安局广安区分局",
    "区消防大队": "广安市广安区消防救援大队",
    "区司法局": "广安市广安区司法局",
    "区财政局": "广安市广安区财政局",
    "区自然资源和规划局": "广安市广安区自然资源和规划局",
    "区生态环境局": "广安市广安生态环境局",
    "区综合执法局": "广安市广安区综合行政执法局",
    "区交通运输局": "广安市广安区交通运输局",
    "区水务局": "广安市广安区水务局",
    "区农业农村局": "广安市广安区农业农村局",
    "区商务局": "广安市广安区商务局",
    "区文广旅局": "广安市广安区文化广播电视和旅游局",
    "区卫健局": "广安市广安区卫生健康局",
    "区应急管理局": "广安市广安区应急管理局",
    "区市监局": "广安市广安区市场监督管理局",
    "区统计局": "广安市广安区统计局",
    "区住建局": "广安市广安区住房和城乡建设局",
    "区发改局": "广安市广安区发展和改革局",
    "区委办": "中共广安市广安区委办公室",
    "区民政局": "广安市广安区民政局",
    "区人社局": "广安市广安区人力资源和社会保障局",
    "区残联": "广安市广安区残疾人联合会",
    "区气象局": "广安市广安区气象局",
    "广安区税务局": "国家税务总局广安市广安区税务局",
    "区公管办": "广安市广安区公共资源交易管理办公室",
    "区政府办": "广安市广安区人民政府办公室",
    "区退役军人事务局": "广安市广安区退役军人事务局",
    "区医疗保障局": "广安市广安区医疗保障局",
    "区林业局": "广安市广安区林业局",
    "区行政审批局": "广安市广安区行政审批局",
    "区烟草专卖局": "广安市广安区烟草专卖局",
    "区委统战部": "中共广安市广安区委统一战线工作部",
}

# (number, name, department short name or None for a comprehensive window)
DISTRICT_WINDOWS = [
    ("01", "企业开办综合窗口", None),
    ("02", "企业开办综合窗口", None),
    ("03", "工程建设项目综合窗口", None),
    ("04", "社会事务综合窗口", None),
    ("11", "公安户政窗口", "区公安分局"),
    ("12", "税务综合服务窗口", "广安区税务局"),
    ("13", "社会保险窗口", "区人社局"),
    ("14", "医疗保障窗口", "区医疗保障局"),
    ("15", "住房城乡建设窗口", "区住建局"),
    ("16", "交通运输窗口", "区交通运输局"),
    ("17", "行政审批局首席代表窗口", "区行政审批局"),
    ("18", "林业窗口", "区林业局"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    full_name: str
    where: str


def demo_is_loaded() -> bool:
    return Installation.objects.filter(demo=True).exists()


def _holds_other_data() -> bool:
    return not demo_is_loaded() and (User.objects.exists() or Center.objects.exists())


def demo_logins() -> list[DemoLogin]:
    """The sample logins, all with the password DEMO_PASSWORD."""
    users = User.objects.filter(username__in=[u[0] for u in STAFF]).select_related("center", "department", "window")
    by_name = {u.username: u for u in users}
    logins = []
    for username, *_rest in STAFF:
        user = by_name.get(username)
        if user is None:
            continue
        where = " / ".join(str(x) for x in (user.center, user.department, user.window) if x)
        logins.append(DemoLogin(username, user.get_role_display(), user.display_name, where))
    return logins


# (username, role, full name, center code, department short name, window number, phone, id number)
STAFF = [
    ("admin", Role.SYSTEM_ADMIN, "周建国", "511602", None, None, "13800000001", ""),
    ("city_manager", Role.CENTER_MANAGER, "李文华", "5116", None, None, "13800000002", ""),
    ("manager", Role.CENTER_MANAGER, "陈敏", "511602", None, None, "13800000003", ""),
    ("town_manager", Role.CENTER_MANAGER, "杨帆", "511602101", None, None, "13800000004", ""),
    ("supervisor", Role.SUPERVISOR, "黄立新", "511602", None, None, "13800000005", ""),
    ("clerk", Role.CLERK, "王晓燕", "511602", None, "01", "13800000006", ""),
    ("clerk2", Role.CLERK, "刘婷", "511602", None, "02", "13800000007", ""),
    ("chief", Role.CHIEF_REPRESENTATIVE, "赵明", "511602", "区行政审批局", "17", "13800000008", ""),
    ("reviewer", Role.REVIEWER, "孙丽", "511602", "区行政审批局", None, "13800000009", ""),
    ("approver", Role.APPROVER, "吴强", "511602", "区行政审批局", None, "13800000010", ""),
    ("head", Role.DEPARTMENT_HEAD, "郑国平", "511602", "区行政审批局", None, "13800000011", ""),
    ("clerk_b", Role.CLERK, "冯雪", "511602", "区住建局", "15", "13800000012", ""),
    ("reviewer_b", Role.REVIEWER, "何军", "511602", "区住建局", None, "13800000013", ""),
    ("approver_b", Role.APPROVER, "许文", "511602", "区住建局", None, "13800000017", ""),
    ("head_b", Role.DEPARTMENT_HEAD, "谢东", "511602", "区住建局", None, "13800000018", ""),
    ("unit", Role.MEMBER_UNIT_HANDLER, "马超", "511602", "区住建局", None, "13800000014", ""),
    ("hotline", Role.HOTLINE_OPERATOR, "罗佳", "511602", None, None, "13800000015", ""),
    ("town_clerk", Role.CLERK, "唐静", "511602101", None, "01", "13800000016", ""),
    ("applicant", Role.APPLICANT, "张三", None, None, None, "13912345678", "511602199001010014"),
    ("agent", Role.APPLICANT, "李四", None, None, None, "13987654321", "511602198505050023"),
]

# Comprehensive window clerks accept for several departments (一窗受理).
AUTHORIZATIONS = [
    ("clerk", ["区市监局", "区行政审批局", "广安区税务局", "区公安分局", "区人社局"], [Action.ACCEPT, Action.DELIVER]),
    ("clerk", ["区行政审批局"], [Action.CERTIFY, Action.CHARGE]),
    ("clerk2", ["区市监局", "区行政审批局", "广安区税务局", "区公安分局", "区人社局"], [Action.ACCEPT, Action.DELIVER]),
    ("chief", ["区行政审批局"], [Action.ACCEPT, Action.REVIEW, Action.APPROVE]),
    ("reviewer", ["区行政审批局"], [Action.REVIEW]),
    ("approver", ["区行政审批局"], [Action.APPROVE]),
    ("head", ["区行政审批局"], [Action.APPROVE]),
    ("clerk_b", ["区住建局"], [Action.ACCEPT, Action.DELIVER, Action.CHARGE, Action.CERTIFY]),
    ("reviewer_b", ["区住建局"], [Action.REVIEW]),
    ("approver_b", ["区住建局"], [Action.APPROVE]),
    ("head_b", ["区住建局"], [Action.APPROVE]),
    ("town_clerk", ["区民政局", "区人社局", "区医疗保障局", "区残联"], [Action.ACCEPT, Action.DELIVER]),
]


@transaction.atomic
def demo_load() -> list[DemoLogin]:
    """Create the sample hall. Refuses a database with other data; returns
    the logins. Running it again on the sample hall changes nothing."""
    if demo_is_loaded():
        return demo_logins()
    if _holds_other_data():
        raise DomainError(_("数据库中已有非示例数据，拒绝载入示例数据。"), field="database")
    # First, so that everything made below (notices too) says it is sample data.
    Installation.objects.update_or_create(pk=1, defaults={"demo": True, "demo_loaded_at": clock.now()})

    city = org.center_create(actor=SYSTEM, code="5116", name="广安市政务服务中心", level=CenterLevel.CITY,
                             address="广安市广安区（示例地址）", phone="0826-12345", office_hours="工作日 9:00–12:00，13:30–17:00")
    district = org.center_create(actor=SYSTEM, code="511602", name="广安区政务服务中心", level=CenterLevel.DISTRICT,
                                 parent=city, address="广安区（示例地址）", phone="0826-2000000",
                                 office_hours="工作日 9:00–12:00，13:30–17:00")
    towns = {}
    for code, name in [("511602001", "浙江路街道便民服务中心"), ("511602002", "北辰街道便民服务中心"),
                       ("511602101", "协兴镇便民服务中心"), ("511602102", "花桥镇便民服务中心")]:
        towns[code] = org.center_create(actor=SYSTEM, code=code, name=name, level=CenterLevel.TOWN, parent=district,
                                        office_hours="工作日 9:00–12:00，13:30–17:00")
    village = org.center_create(actor=SYSTEM, code="511602101201", name="协兴镇牌坊村便民服务站",
                                level=CenterLevel.VILLAGE, parent=towns["511602101"])
    branch = org.center_create(actor=SYSTEM, code="511602-B01", name="广安区不动产登记分中心",
                               level=CenterLevel.BRANCH, parent=district, office_hours="工作日 9:00–17:00")

    departments: dict[str, Department] = {}
    for number, source in enumerate(read_departments(), start=1):
        departments[source.short_name] = org.department_create(
            actor=SYSTEM, center=district, code=f"511602-{number:02d}",
            name=FULL_NAMES.get(source.short_name, source.short_name), short_name=source.short_name,
            credit_code=source.credit_code, source=f"{SOURCE_NOTE}；deptCode={source.portal_code}",
        )

    windows = {}
    for number, name, short_name in DISTRICT_WINDOWS:
        department = departments[short_name] if short_name else None
        kind = WindowKind.DEDICATED if department else WindowKind.COMPREHENSIVE
        windows[("511602", number)] = org.window_create(
            actor=SYSTEM, center=district, number=number, name=name, kind=kind, department=department)
    for code, town in towns.items():
        windows[(code, "01")] = org.window_create(
            actor=SYSTEM, center=town, number="01", name="便民服务综合窗口", kind=WindowKind.COMPREHENSIVE)
    org.window_create(actor=SYSTEM, center=village, number="01", name="代办服务点", kind=WindowKind.COMPREHENSIVE)
    org.window_create(actor=SYSTEM, center=branch, number="01", name="不动产登记综合窗口", kind=WindowKind.COMPREHENSIVE)
    org.window_create(actor=SYSTEM, center=branch, number="02", name="不动产交易税费窗口", kind=WindowKind.DEDICATED,
                      department=departments["广安区税务局"])

    centers = {c.code: c for c in Center.objects.all()}
    password_hash = make_password(DEMO_PASSWORD)  # one costly hash for every demo login
    users: dict[str, User] = {}
    for username, role, full_name, center_code, dept_name, window_number, phone, id_number in STAFF:
        users[username] = org.user_create(
            actor=SYSTEM, username=username, password_hash=password_hash, role=role, full_name=full_name,
            center=centers.get(center_code), department=departments.get(dept_name),
            window=windows.get((center_code, window_number)), phone=phone, id_number=id_number,
        )
    for username, department_names, actions in AUTHORIZATIONS:
        for name in department_names:
            for action in actions:
                org.authorization_grant(actor=SYSTEM, staff=users[username], department=departments[name], action=action)
    org.post_create(actor=SYSTEM, window=windows[("511602", "01")], name="企业开办受理岗",
                    holder=users["clerk"], backup=users["clerk2"])

    demo_catalog_load()
    demo_cases_load()
    _demo_attendance_load()
    # Supervision catches up with the history: lights, late steps, every event checked.
    supervise_scan(at=clock.now())
    _demo_alerts_handle()
    return demo_logins()


ATTENDANCE_WEEKS = 5


def _demo_attendance_load() -> None:
    """The last weeks of sign-ins of the window and department staff (the
    attendance part of the performance scores), a few days of leave or a trip."""
    import random
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from govhall.calendars.selectors import work_calendar
    from govhall.org.models import AttendanceStatus
    from govhall.org.roles import DEPARTMENT_ROLES

    rng = random.Random(20261122)
    calendar = work_calendar()
    today = clock.today()
    staff = list(User.objects.filter(role__in=DEPARTMENT_ROLES).order_by("username"))
    day = today - timedelta(weeks=ATTENDANCE_WEEKS)
    while day < today:
        if calendar.is_workday(day):
            for person in staff:
                luck = rng.random()
                if luck < 0.03:
                    org.attendance_record(actor=SYSTEM, staff=person, day=day,
                                          status=rng.choice([AttendanceStatus.LEAVE, AttendanceStatus.TRIP]),
                                          note=rng.choice(["事假", "病假", "参加业务培训"]))
                    continue
                if luck < 0.04:
                    continue  # forgot to sign in: no record
                sign_in = timezone.make_aware(datetime.combine(day, time(8, 35 + rng.randint(0, 24))))
                org.attendance_check_in(staff=person, at=sign_in)
                org.attendance_check_out(staff=person, at=sign_in.replace(hour=17, minute=rng.randint(0, 40)))
        day += timedelta(days=1)


def _demo_alerts_handle() -> None:
    """Some red alerts already answered by their department, one of them
    closed by the supervisor, so every stage of handling shows."""
    from govhall.supervision import services as supervision
    from govhall.supervision.models import Alert, AlertState

    supervisor = User.objects.get(username="supervisor")
    red = Alert.objects.filter(severity="red", state=AlertState.OPEN).select_related("department").order_by("raised_at", "pk")
    for index, alert in enumerate(red[:3]):
        head = User.objects.filter(role=Role.DEPARTMENT_HEAD, department=alert.department).order_by("pk").first()
        if head is None:
            continue
        alert = supervision.alert_answer(actor=head, alert=alert, answer="已核实原因：承办人员请假期间未及时移交。"
                                         "已落实 A/B 岗补位，并对超期办件逐件督办。")
        if index == 0:
            supervision.alert_close(actor=supervisor, alert=alert, note="整改措施到位，予以办结。")
