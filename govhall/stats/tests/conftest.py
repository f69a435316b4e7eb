"""A month of the hall (March 2026) built through the case services, with
ratings, alerts and attendance written directly: the figures of every test
in this folder are computed by hand from the list below.

March 2026 has no holiday: its working days are 2–6, 9–13, 16–20, 23–27,
30–31 (22 days). Department A's items are promised in 10 of 20 working days
(the immediate item in 0 of 5); B's in 10 of 20.

    case  item   window  clerk   received  accepted  what happens                              decided
    c1    A      01      clerk   03-02     03-02     reviewed 03-04, approved 03-06, delivered  03-06 (due 03-16)
                                                     at the window 03-09 (2 visits), closed
    c2    A      01      clerk   03-02     03-02     suspended 03-04, resumed 03-11            03-18 (due 03-23)
    c3    fee    01      clerk   03-02     03-02     approved late, 50.00 paid 03-20           03-20 (due 03-16)
    c4    A      02      clerk2  03-05     03-05     still in review: overdue since 03-20       — (due 03-19)
    c5    A      02      clerk2  03-25     03-25     in review, due in April                    —
    c6    A      01      clerk   03-02     03-02     suspended 03-05, still paused              —
    c7    imm.   02      clerk2  03-10     03-10     decided and delivered electronically       03-10 (due 03-10)
                                                     the same day (1 visit)
    c8    A      online  clerk   03-03     03-03     online (0 visits), delivered by e-mail     03-12 (due 03-17)
    c9    A      01      clerk   03-04     —         not accepted (不予受理) 03-04
    c10   A      01      clerk   03-05     03-05     withdrawn 03-09
    c11   A      01      clerk   03-06     03-06     received at the town center                03-10 (due 03-20)
    c12   B      11      clerk_b 03-03     03-03     department B, still open: overdue          — (due 03-17)
    c13   A      01      clerk   02-02     02-02     February backlog, still open: overdue      — (due 02-14)

Ratings (level, day): c1 5 (03-10), c7 3 (03-11), c8 1 (03-13), c11 4 (04-02).
Alerts: a1 case.deadline red c3 03-17 (01, clerk); a2 case.deadline yellow
c4 03-18 (02, clerk2); a3 case.delivery_late red c3 04-01 00:10 (outside
March); a4 review.followup_late red, no case, department A, 03-31 23:30;
a5 case.deadline red c12 03-18 (11, clerk_b).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from govhall.cases.tests.conftest import accept_checked
from govhall.calendars.selectors import work_calendar
from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.tests.conftest import apply_online, at, desk  # noqa: F401  (fixture)
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.evaluation.models import Rating
from govhall.org import services as org
from govhall.org.models import Action, Attendance, AttendanceStatus, WindowKind
from govhall.org.roles import Role
from govhall.stats.periods import Period
from govhall.supervision.models import Alert
from govhall.test import PASSWORD, suspend

MARCH = Period.month(2026, 3)
# Well after March: "at the period's end" is March 31 itself.
TODAY = date(2026, 4, 15)

APPLICANT = dict(applicant_name="张三", applicant_id_number="110101199003070011", applicant_phone="13912345678")


@dataclass
class Month:
    hall: object
    cases: dict


def _submit(actor, version, center, when, channel="window", **kw):
    return cases.case_submit(actor=actor, item_version=version, center=center, channel=channel, at=at(when),
                             **APPLICANT, **kw)


def _decide(h, case, *, review, decide, deny=False):
    case = cases.case_complete_step(actor=h.reviewer, case=case, opinion="材料齐全", at=at(review))
    if deny:
        return cases.case_deny(actor=h.approver, case=case, reasons="不符合条件", at=at(decide))
    return cases.case_approve(actor=h.approver, case=case, opinion="同意", at=at(decide))


def _rate(case, level, when):
    return Rating.objects.create(case=case, level=level, channel="portal", rated_at=at(when),
                                 department=case.department, window=case.window, staff=case.accepted_by)


def _alert(rule, severity, when, *, case=None, department, window=None, staff=None, subject=""):
    return Alert.objects.create(rule=rule, severity=severity, case=case, department=department, window=window,
                                staff=staff, subject=subject or f"case:{case.pk}", message=rule, raised_at=at(when))


def _attend(staff, period, *, away: int = 0, status=AttendanceStatus.LEAVE):
    """Present on every working day of ``period`` but the last ``away`` ones."""
    calendar = work_calendar()
    days = [d for d in period.dates() if calendar.is_workday(d)]
    rows = [Attendance(staff=staff, date=d, status=AttendanceStatus.PRESENT) for d in days[:len(days) - away]]
    rows += [Attendance(staff=staff, date=d, status=status, note="事假") for d in days[len(days) - away:]]
    Attendance.objects.bulk_create(rows)


@pytest.fixture
def month(desk):
    h = desk
    org.authorization_grant(actor=SYSTEM, staff=h.clerk_b, department=h.dept_b, action=Action.ACCEPT)
    h.window2 = org.window_create(actor=SYSTEM, center=h.district, number="02", name="综合窗口二",
                                  kind=WindowKind.COMPREHENSIVE)
    h.clerk2 = org.user_create(actor=SYSTEM, username="clerk2", password=PASSWORD, role=Role.CLERK, full_name="clerk2",
                               center=h.district, window=h.window2)
    for action in (Action.ACCEPT, Action.DELIVER, Action.CERTIFY):
        org.authorization_grant(actor=SYSTEM, staff=h.clerk2, department=h.dept_a, action=action)
    h.immediate = item_create(actor=SYSTEM, spec=complete_spec(
        "A", code="511A0000000002-D1-000-A-1-00", name="个体工商户名称变更登记（即办）", immediate=True,
        statutory_days=5, promised_days=0, procedure_class="simple",
        steps=[{"name": "受理", "role": "clerk", "days": 0, "department": ""},
               {"name": "决定", "role": "approver", "days": 0, "department": ""}],
        status="published")).current
    h.fee_item = item_create(actor=SYSTEM, spec=complete_spec(
        "A", code="511A0000000003-D1-000-A-1-00", name="特种设备使用登记", no_fee=False,
        fees=[{"name": "工本费", "amount": "50.00", "basis": "《收费标准》"}], status="published")).current
    h.item_b = item_create(actor=SYSTEM, spec=complete_spec("B", code="511B0000000001-D1-000-B-1-00",
                                                          name="建筑工程施工许可", status="published")).current
    A, district, town = h.version, h.district, h.town
    c = {}

    # c1: on time, delivered at the window, closed.
    c["c1"] = accept_checked(actor=h.clerk, case=_submit(h.clerk, A, district, "2026-03-02 10:00"),
                                at=at("2026-03-02 10:05"))
    c["c1"] = _decide(h, c["c1"], review="2026-03-04 10:00", decide="2026-03-06 10:00")
    c["c1"] = cases.case_certify(actor=h.clerk, case=c["c1"], certificate_number="JY1", at=at("2026-03-06 15:00"))
    c["c1"] = cases.case_deliver(actor=h.clerk, case=c["c1"], method="window", received_by="张三",
                                 at=at("2026-03-09 10:00"))
    c["c1"] = cases.case_close(actor=h.clerk, case=c["c1"], at=at("2026-03-09 10:01"))

    # c2: paused 03-04 → 03-11 (on-site inspection), decided 03-18.
    c["c2"] = accept_checked(actor=h.clerk, case=_submit(h.clerk, A, district, "2026-03-02 10:10"),
                                at=at("2026-03-02 10:15"))
    c["c2"] = cases.case_complete_step(actor=h.reviewer, case=c["c2"], opinion="需现场核查", at=at("2026-03-03 10:00"))
    c["c2"] = suspend(c["c2"], reviewer=h.reviewer, head=h.head, ground="testing", reason="委托检测机构检测经营场所",
                      expected_days=3, at=at("2026-03-04 10:00"))
    c["c2"] = cases.case_resume(actor=h.reviewer, case=c["c2"], at=at("2026-03-11 16:00"))
    c["c2"] = cases.case_approve(actor=h.approver, case=c["c2"], opinion="同意", at=at("2026-03-18 10:00"))

    # c3: the fee item, decided late, fee paid.
    c["c3"] = accept_checked(actor=h.clerk, case=_submit(h.clerk, h.fee_item, district, "2026-03-02 10:20"),
                                at=at("2026-03-02 10:25"))
    c["c3"] = _decide(h, c["c3"], review="2026-03-10 10:00", decide="2026-03-20 10:00")
    c["c3"] = cases.case_record_payment(actor=h.clerk, case=c["c3"], amount=Decimal("50.00"), method="cash",
                                        receipt_number="P001", at=at("2026-03-20 11:00"))

    # c4, c5: at window 02, still in review.
    c["c4"] = accept_checked(actor=h.clerk2, case=_submit(h.clerk2, A, district, "2026-03-05 10:00"),
                                at=at("2026-03-05 10:05"))
    c["c4"] = cases.case_complete_step(actor=h.reviewer, case=c["c4"], opinion="审查中", at=at("2026-03-06 10:00"))
    c["c5"] = accept_checked(actor=h.clerk2, case=_submit(h.clerk2, A, district, "2026-03-25 10:00"),
                                at=at("2026-03-25 10:05"))

    # c6: paused since 03-05.
    c["c6"] = accept_checked(actor=h.clerk, case=_submit(h.clerk, A, district, "2026-03-02 10:30"),
                                at=at("2026-03-02 10:35"))
    c["c6"] = suspend(c["c6"], reviewer=h.reviewer, head=h.head, ground="expert_review", reason="专家评审",
                      expected_days=20, at=at("2026-03-05 10:00"))

    # c7: an immediate item, decided and delivered (electronically) on the day.
    c["c7"] = accept_checked(actor=h.clerk2, case=_submit(h.clerk2, h.immediate, district, "2026-03-10 10:00"),
                                at=at("2026-03-10 10:01"))
    c["c7"] = cases.case_approve(actor=h.approver, case=c["c7"], opinion="同意", at=at("2026-03-10 10:20"))
    c["c7"] = cases.case_certify(actor=h.clerk2, case=c["c7"], certificate_number="JY7", at=at("2026-03-10 10:25"))
    c["c7"] = cases.case_deliver(actor=h.clerk2, case=c["c7"], method="electronic", received_by="张三",
                                 at=at("2026-03-10 10:30"))

    # c8: online, no visit at all.
    online = apply_online(applicant=h.applicant, version=A, center=district, when=at("2026-03-03 09:30"))
    c["c8"] = accept_checked(actor=h.clerk, case=online, at=at("2026-03-03 10:00"))
    c["c8"] = _decide(h, c["c8"], review="2026-03-09 10:00", decide="2026-03-12 10:00")
    c["c8"] = cases.case_certify(actor=h.clerk, case=c["c8"], certificate_number="JY8", at=at("2026-03-12 11:00"))
    c["c8"] = cases.case_deliver(actor=h.clerk, case=c["c8"], method="electronic", received_by="张三",
                                 at=at("2026-03-12 11:30"))

    # c9: not accepted; c10: withdrawn.
    c["c9"] = cases.case_reject(actor=h.clerk, case=_submit(h.clerk, A, district, "2026-03-04 10:00"),
                                reason="不属于本部门职权范围", at=at("2026-03-04 10:05"))
    c["c10"] = accept_checked(actor=h.clerk, case=_submit(h.clerk, A, district, "2026-03-05 11:00"),
                                 at=at("2026-03-05 11:05"))
    c["c10"] = cases.case_withdraw(actor=h.clerk, case=c["c10"], reason="申请人书面撤回", at=at("2026-03-09 10:00"))

    # c11: received at the town center (a sub-center of the district).
    c["c11"] = accept_checked(actor=h.clerk, case=_submit(h.clerk, A, town, "2026-03-06 10:00"),
                                 at=at("2026-03-06 10:05"))
    c["c11"] = _decide(h, c["c11"], review="2026-03-09 10:00", decide="2026-03-10 10:00")

    # c12: department B, still open and overdue.
    c["c12"] = accept_checked(actor=h.clerk_b, case=_submit(h.clerk_b, h.item_b, district, "2026-03-03 10:00"),
                                 at=at("2026-03-03 10:05"))

    # c13: February's backlog, still open.
    c["c13"] = accept_checked(actor=h.clerk, case=_submit(h.clerk, A, district, "2026-02-02 10:00"),
                                 at=at("2026-02-02 10:05"))

    _rate(c["c1"], 5, "2026-03-10 09:00")
    _rate(c["c7"], 3, "2026-03-11 09:00")
    _rate(c["c8"], 1, "2026-03-13 09:00")
    _rate(c["c11"], 4, "2026-04-02 09:00")

    # The event rules of supervision raised their own alerts while the cases
    # moved (c3's late decision, c6's long pause …); those rules are
    # supervision's to test. Here the alerts are exactly the five below.
    Alert.objects.all().delete()
    _alert("case.deadline", "red", "2026-03-17 09:00", case=c["c3"], department=h.dept_a, window=h.comprehensive,
           staff=h.clerk)
    _alert("case.deadline", "yellow", "2026-03-18 09:00", case=c["c4"], department=h.dept_a, window=h.window2,
           staff=h.clerk2)
    _alert("case.delivery_late", "red", "2026-04-01 00:10", case=c["c3"], department=h.dept_a,
           window=h.comprehensive, staff=h.clerk)
    _alert("review.followup_late", "red", "2026-03-31 23:30", department=h.dept_a, subject="followup:1")
    _alert("case.deadline", "red", "2026-03-18 09:00", case=c["c12"], department=h.dept_b, window=h.window_b,
           staff=h.clerk_b)

    return Month(hall=h, cases={name: Case.objects.get(pk=case.pk) for name, case in c.items()})


@pytest.fixture
def attendance(month):
    """March attendance: every clerk and A's reviewer and approver present
    on all 22 working days, except clerk2 (2 days' leave), A's head (2 days
    absent) and clerk_b (11 days' leave)."""
    h = month.hall
    _attend(h.clerk, MARCH)
    _attend(h.clerk2, MARCH, away=2)
    _attend(h.reviewer, MARCH)
    _attend(h.approver, MARCH)
    _attend(h.head, MARCH, away=2, status=AttendanceStatus.ABSENT)
    _attend(h.clerk_b, MARCH, away=11)
    return month

