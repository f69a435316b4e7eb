"""The sample hall (示例数据): a deterministic city → district → towns tree
with the 34 real departments of 广安区, windows and staff of every role.

Everything is created through the org services, so the audit log is real.
The loader refuses a database that holds anything but the sample hall.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from govhall.catalog.models import ItemVersion, VersionStatus
from govhall.core import clock
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError
from govhall.core.models import Installation
from govhall.demo.cases import DEFAULT_CASES, demo_cases_load
from govhall.demo.catalog import demo_catalog_load
from govhall.demo.guangan import SOURCE_NOTE, read_departments
from govhall.demo.hotline import demo_hotline_load
from govhall.demo.staffing import FEATURED, WINDOWS, staffing_plan
from govhall.org import services as org
from govhall.org.models import Center, CenterLevel, Department, User, WindowKind
from govhall.org.roles import Role
from govhall.supervision.engine import supervise_scan

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


FEATURED_USERNAMES = [row[0] for row in FEATURED]


@dataclass
class LoadReport:
    """What the last load of this process made (for the command's summary)."""

    cases: int = 0
    failures: list = field(default_factory=list)


LAST_LOAD = LoadReport()


def demo_logins() -> list[DemoLogin]:
    """The sample logins `govhall demo` prints (one or more per role, each
    with work of its own), all with the password DEMO_PASSWORD."""
    users = User.objects.filter(username__in=FEATURED_USERNAMES).select_related("center", "department", "window")
    by_name = {u.username: u for u in users}
    logins = []
    for username in FEATURED_USERNAMES:
        user = by_name.get(username)
        if user is None:
            continue
        where = " / ".join(str(x) for x in (user.center, user.department, user.window) if x)
        logins.append(DemoLogin(username, user.get_role_display(), user.display_name, where))
    return logins


def demo_other_staff_count() -> int:
    """The staff of the sample hall besides the printed logins (same password)."""
    return User.objects.exclude(username__in=FEATURED_USERNAMES).exclude(role=Role.APPLICANT).count()


def demo_load(*, cases: int = DEFAULT_CASES) -> list[DemoLogin]:
    """Create the sample hall with ``cases`` cases of history. Refuses a
    database with other data; returns the logins. Running it again on the
    sample hall changes nothing."""
    if demo_is_loaded():
        return demo_logins()
    with _bulk_load(), transaction.atomic():
        return _load(cases)


@contextmanager
def _bulk_load():
    """Cheaper bookkeeping while one transaction writes the whole hall: no
    query log (DEBUG keeps one, formatting every statement), and on SQLite a
    larger page cache (the default 2 MB spills the transaction's pages to
    the log again and again)."""
    with override_settings(DEBUG=False):  # no log of the load's hundred thousand queries (DEBUG keeps one)
        if connection.vendor != "sqlite":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            before = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _load(size: int) -> list[DemoLogin]:
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
    org.center_create(actor=SYSTEM, code="511602101201", name="协兴镇牌坊村便民服务站",
                      level=CenterLevel.VILLAGE, parent=towns["511602101"])
    org.center_create(actor=SYSTEM, code="511602-B01", name="广安区不动产登记分中心",
                      level=CenterLevel.BRANCH, parent=district, office_hours="工作日 9:00–17:00")

    departments: dict[str, Department] = {}
    for number, source in enumerate(read_departments(), start=1):
        departments[source.short_name] = org.department_create(
            actor=SYSTEM, center=district, code=f"511602-{number:02d}",
            name=FULL_NAMES.get(source.short_name, source.short_name), short_name=source.short_name,
            credit_code=source.credit_code, source=f"{SOURCE_NOTE}；deptCode={source.portal_code}",
        )

    centers = {c.code: c for c in Center.objects.all()}
    windows = {}
    for center_code, number, name, short_name in WINDOWS:
        department = departments[short_name] if short_name else None
        kind = WindowKind.DEDICATED if department else WindowKind.COMPREHENSIVE
        windows[(center_code, number)] = org.window_create(
            actor=SYSTEM, center=centers[center_code], number=number, name=name, kind=kind, department=department)

    demo_catalog_load()
    versions = list(ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
                    .select_related("item__department").prefetch_related("steps__department", "item__themes")
                    .order_by("item__code"))
    staffing = staffing_plan(versions)
    password_hash = make_password(DEMO_PASSWORD)  # one costly hash for every demo login
    users: dict[str, User] = {}
    for person in staffing.people.values():
        users[person.username] = org.user_create(
            actor=SYSTEM, username=person.username, password_hash=password_hash, role=person.role,
            full_name=person.full_name, center=centers.get(person.center),
            department=departments.get(person.department), window=windows.get((person.center, person.window)),
            phone=person.phone, id_number=person.id_number,
        )
    for person in staffing.people.values():
        for department, action, item_code in sorted(person.grants):
            org.authorization_grant(actor=SYSTEM, staff=users[person.username], department=departments[department],
                                    action=action, item_code=item_code)
    org.post_create(actor=SYSTEM, window=windows[("511602", "01")], name="企业开办受理岗",
                    holder=users["clerk"], backup=users["clerk2"])
    org.post_create(actor=SYSTEM, window=windows[("511602101", "01")], name="便民服务受理岗",
                    holder=users["town_clerk"], backup=users["town_clerk2"])

    result = demo_cases_load(staffing=staffing, size=size)
    demo_hotline_load(district=district)
    # Acts the services refused (none expected: a test checks it) leave their
    # case where it stood; the command reports them.
    LAST_LOAD.cases, LAST_LOAD.failures = result.cases, list(result.failures)
    _demo_attendance_load()
    # This morning at the hall's windows (signs today's clerks in: after the attendance history).
    from govhall.demo.hall import demo_hall_load, demo_hall_month_load, demo_roster_load

    demo_hall_load()
    demo_hall_month_load()  # the month before (statistics, staffing): its windows' attendance history
    demo_roster_load()  # the duty roster of those windows: the month, this week and the next
    # Supervision catches up with the history: lights, late steps, events checked.
    supervise_scan(at=clock.now())
    _demo_alerts_handle()
    from govhall.demo.appointments import demo_appointments_load

    demo_appointments_load()  # the hall's slot patterns and the sample applicants' bookings
    return demo_logins()


ATTENDANCE_WEEKS = 5  # at least; from the first day of the quarter otherwise


def attendance_start(today):
    """The first day of attendance kept: the quarter's first day (scores are
    quarterly), and at least ATTENDANCE_WEEKS back."""
    from datetime import date, timedelta

    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return min(quarter, today - timedelta(weeks=ATTENDANCE_WEEKS))


def _demo_attendance_load() -> None:
    """The sign-ins and sign-outs of the staff stationed at the hall's
    windows (进驻人员: the hall keeps their attendance, the attendance part of
    the performance scores) since the quarter began; a few days of leave or
    a trip, recorded by their center's manager (the A/B post's backup acts
    for a holder away), now and then a day without a record."""
    import random
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from govhall.calendars.selectors import work_calendar
    from govhall.org.models import AttendanceStatus

    rng = random.Random(20261122)
    calendar = work_calendar()
    today = clock.today()
    staff = list(User.objects.filter(window__isnull=False).exclude(role=Role.APPLICANT)
                 .select_related("center").order_by("username"))
    managers = list(User.objects.filter(role=Role.CENTER_MANAGER).select_related("center"))

    def manager_of(person):
        # The manager of the nearest center above the person's (the longest path that is a prefix).
        fits = [m for m in managers if person.center.path.startswith(m.center.path)]
        return max(fits, key=lambda m: len(m.center.path)) if fits else SYSTEM

    day = attendance_start(today)
    while day < today:
        if calendar.is_workday(day):
            for person in staff:
                luck = rng.random()
                if luck < 0.03:
                    org.attendance_record(actor=manager_of(person), staff=person, day=day,
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
    """The red alerts of the history handled as a hall handles them: the
    department's head answers with the correction (整改) a few working days
    after the alert, and the supervisor closes most answers (sends none
    back); the alerts of the last week are still open, waiting."""
    import random

    from govhall.calendars.selectors import work_calendar
    from govhall.demo.cases import Clock
    from govhall.supervision import services as supervision
    from govhall.supervision.models import Alert, AlertState

    rng = random.Random(20261124)
    sim = Clock(rng)
    now = clock.now()
    recent = work_calendar().add_workdays(clock.today() - timedelta(days=10), 0)
    supervisor = User.objects.get(username="supervisor")
    heads = {u.department_id: u for u in User.objects.filter(role=Role.DEPARTMENT_HEAD).order_by("username")}
    red = (Alert.objects.filter(severity="red", state=AlertState.OPEN, raised_at__date__lt=recent)
           .order_by("raised_at", "pk"))
    for alert in red:
        head = heads.get(alert.department_id)
        if head is None or rng.random() < 0.1:
            continue  # not answered yet
        at = sim.later(alert.raised_at, 1, 3)
        if at > now:
            continue
        alert = supervision.alert_answer(actor=head, alert=alert, at=at, answer=rng.choice(ALERT_ANSWERS))
        at = sim.later(at, 1, 2)
        if at <= now and rng.random() < 0.85:
            supervision.alert_close(actor=supervisor, alert=alert, note="整改措施到位，予以办结。", at=at)


ALERT_ANSWERS = [
    "已核实原因：承办人员请假期间未及时移交。已落实 A/B 岗补位，并对超期办件逐件督办。",
    "已核实：现场核查排期冲突导致延误。已调整核查排期，今后同类事项提前预约。",
    "已对经办人员进行提醒谈话，完善办件到期提醒，每日下班前清理待办。",
    "经核实系申请人补充材料时间较长所致，已加强一次性告知，并完善办件记录。",
]
