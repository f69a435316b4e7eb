"""The hall the authorization matrix runs in: ``govhall.test.build_hall``
plus a second district center (other center) with its own department,
people of every role, an agent, and a case in each state an action starts
from — all built through the services, once per test module.

Labels name what a row of the table acts on: ``cases["review_a"]`` is a
case of department A received at the district center and owned by the
applicant's account; ``cases["review_b"]`` one of department B (another
department, same center); ``cases["review_t"]`` one of department A
received at the town center (a sub-center); ``cases["case_c"]`` one of
department C at the other district (another center), owned by the agent;
``cases["review_x"]`` one of department B whose current review step (the
formal review) is department A's — the approval bureau reviews, B decides
(DESIGN 3.2).
"""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.catalog.models import ImportJob, ImportStatus, Item, ThemeKind
from govhall.catalog.services import (
    item_create,
    item_form_attach,
    item_publish,
    theme_create,
)
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.core.tests.authorization.joint_world import build_joint
from govhall.evaluation.links import rating_token_make
from govhall.evaluation.models import FollowUp
from govhall.evaluation.services import rating_submit
from govhall.org import services as org
from govhall.org.models import Action, CenterLevel, User, WindowKind
from govhall.org.roles import Role
from govhall.supervision.models import Alert, AlertState
from govhall.test import PASSWORD, build_hall, sample_pdf, suspend

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# The hall is built on Monday 2 March 2026 and every request of the matrix
# is made the next morning (deadlines ten working days ahead: nothing late).
BUILT = at("2026-03-02 09:00")
REQUESTS_AT = at("2026-03-03 10:00")

ITEM_A = "511A0000000001-D1-000-A-1-00"
ITEM_FEE = "511A0000000003-D1-000-A-1-00"
ITEM_DRAFT = "511A0000000009-D1-000-A-1-00"
ITEM_B = "511B0000000001-D1-000-B-1-00"
ITEM_C = "511C0000000001-D2-000-C-1-00"
ITEM_X = "511B0000000002-D1-000-B-1-00"
THEME = "T-OPEN"

AGENT = {"full_name": "李四", "phone": "13987654321", "id_number": "511602198505050023"}


@dataclass
class World:
    hall: object
    people: dict[str, User]  # persona name → login ("anonymous" is absent)
    cases: dict[str, Case]
    items: dict[str, Item]
    alerts: dict[str, Alert]
    followups: dict[str, FollowUp]
    jobs: dict[str, ImportJob]
    notices: dict[str, int] = field(default_factory=dict)  # case label → a notice id of that case
    files: dict[str, int] = field(default_factory=dict)  # case label → a material file id of that case
    verify_code: str = ""
    rating_token: str = ""
    departments: dict[str, str] = field(default_factory=dict)  # label → department code
    sessions: dict[str, str] = field(default_factory=dict)  # persona → session key (the test logs them in)
    media_root: object = None  # where the module's files are stored
    joint_themes: dict = field(default_factory=dict)  # label → joint.Theme (joint_world.py)
    joints: dict = field(default_factory=dict)  # label → joint.JointCase
    orders: dict = field(default_factory=dict)  # label → hotline.WorkOrder (_hotline)
    tickets: dict = field(default_factory=dict)  # label → hall.Ticket (_hall)
    knowledge: dict = field(default_factory=dict)  # label → hotline.KnowledgeVersion (_knowledge)
    appointments: dict = field(default_factory=dict)  # label → hall.Appointment (_appointments)


def _user(username, role, **kw):
    kw.setdefault("full_name", username)
    return org.user_create(actor=SYSTEM, username=username, password=PASSWORD, role=role, **kw)


def _people(h) -> dict[str, User]:
    h.other = org.center_create(actor=SYSTEM, code="D2", name="示例二区政务服务中心", level=CenterLevel.DISTRICT,
                                parent=h.city)
    h.dept_c = org.department_create(actor=SYSTEM, center=h.other, code="C", name="示例二区市场监督管理局",
                                     short_name="市场监管局")
    h.window_c = org.window_create(actor=SYSTEM, center=h.other, number="21", name="市场监管窗口",
                                   kind=WindowKind.DEDICATED, department=h.dept_c)
    h.town_window = org.window_create(actor=SYSTEM, center=h.town, number="T1", name="便民服务窗口",
                                      kind=WindowKind.COMPREHENSIVE)
    people = {name: getattr(h, name) for name in (
        "applicant", "clerk", "reviewer", "approver", "head", "clerk_b", "manager", "town_manager", "supervisor",
        "hotline")}
    people["sysadmin"] = h.admin
    people["agent"] = _user("agent", Role.APPLICANT, **AGENT)
    people["town_clerk"] = _user("town_clerk", Role.CLERK, center=h.town, window=h.town_window)
    people["chief_b"] = _user("chief_b", Role.CHIEF_REPRESENTATIVE, department=h.dept_b)
    people["unit_b"] = _user("unit_b", Role.MEMBER_UNIT_HANDLER, department=h.dept_b)
    people["clerk_c"] = _user("clerk_c", Role.CLERK, center=h.other, department=h.dept_c, window=h.window_c)
    people["manager_c"] = _user("manager_c", Role.CENTER_MANAGER, center=h.other)
    grants = [
        ("reviewer", h.dept_a, Action.REVIEW), ("approver", h.dept_a, Action.APPROVE),
        ("clerk", h.dept_a, Action.DELIVER), ("clerk", h.dept_a, Action.CERTIFY), ("clerk", h.dept_a, Action.CHARGE),
        ("town_clerk", h.dept_a, Action.ACCEPT), ("clerk_b", h.dept_b, Action.ACCEPT),
        ("clerk_c", h.dept_c, Action.ACCEPT), ("clerk_c", h.dept_c, Action.CERTIFY),
        ("clerk_c", h.dept_c, Action.DELIVER), ("chief_b", h.dept_b, Action.REVIEW),
    ]
    for name, department, action in grants:
        org.authorization_grant(actor=SYSTEM, staff=people[name], department=department, action=action)
    return people


def _items(h) -> dict[str, Item]:
    items = {
        "a": item_create(actor=SYSTEM, spec=complete_spec("A", status="published")),
        "fee": item_create(actor=SYSTEM, spec=complete_spec(
            "A", code=ITEM_FEE, name="特种设备使用登记", no_fee=False,
            fees=[{"name": "工本费", "amount": "50.00", "basis": "《收费标准》"}], status="published")),
        "draft": item_create(actor=SYSTEM, spec=complete_spec("A", code=ITEM_DRAFT, name="食品小作坊登记")),
        "b": item_create(actor=SYSTEM, spec=complete_spec("B", code=ITEM_B, name="建筑工程施工许可",
                                                          status="published")),
        "c": item_create(actor=SYSTEM, spec=complete_spec("C", code=ITEM_C, name="小餐饮经营许可",
                                                          status="published")),
        # B's item whose formal review is done by the approval bureau (A).
        "x": item_create(actor=SYSTEM, spec=complete_spec("B", code=ITEM_X, name="建设工程消防验收", status="published", steps=[
            {"name": "受理", "role": "clerk", "days": 1, "department": ""},
            {"name": "形式审查", "role": "reviewer", "days": 2, "department": "A"},
            {"name": "实质审查", "role": "reviewer", "days": 4, "department": ""},
            {"name": "决定", "role": "approver", "days": 3, "department": ""}])),
    }
    # A blank form to download from the portal (published with the guide).
    draft = item_form_attach(actor=SYSTEM, item=items["a"], order=1, kind="template", filename="申请书.pdf",
                             content=sample_pdf("申请书"))
    item_publish(actor=SYSTEM, version=draft)
    theme_create(actor=SYSTEM, code=THEME, name="我要开餐馆", kind=ThemeKind.THEME)
    for item in items.values():
        item.refresh_from_db()
    return items


def _window(actor, version, center, when, *, name="张三", id_number="110101199003070011", phone="13912345678",
            applicant=None) -> Case:
    return cases.case_submit(actor=actor, item_version=version, center=center, channel="window",
                             applicant_name=name, applicant_id_number=id_number, applicant_phone=phone,
                             applicant=applicant, at=at(when))


def _checked(actor, case, when) -> Case:
    return cases.case_check_materials(actor=actor, case=case, checks=cases.checks_all_required_ok(case), at=at(when))


def _accepted(actor, case, when) -> Case:
    return cases.case_accept(actor=actor, case=_checked(actor, case, when), at=at(when))


def _cases(h, people, items) -> dict[str, Case]:
    A, fee, B, C, X = (items[k].current for k in ("a", "fee", "b", "c", "x"))
    clerk, reviewer, approver, you = people["clerk"], people["reviewer"], people["approver"], people["applicant"]
    c: dict[str, Case] = {}

    draft = cases.case_draft_create(actor=you, item_version=A, center=h.district, applicant_name=you.full_name,
                                    applicant_id_number=you.id_number, applicant_phone=you.phone,
                                    at=at("2026-03-02 09:10"))
    c["draft_a"] = cases.case_material_attach(actor=you, case=draft, material_order=1, filename="申请书.pdf",
                                              content=sample_pdf("申请书"), at=at("2026-03-02 09:11"))
    c["submitted_a"] = _window(clerk, A, h.district, "2026-03-02 09:20", applicant=you)
    c["checked_a"] = _checked(clerk, _window(clerk, A, h.district, "2026-03-02 09:25", applicant=you),
                              "2026-03-02 09:26")
    c["correction_a"] = cases.case_request_correction(
        actor=clerk, case=_window(clerk, A, h.district, "2026-03-02 09:30", applicant=you),
        items=[{"material": "食品经营许可申请书", "problem": "缺少申请人签字"}], at=at("2026-03-02 09:31"))

    def in_review(when):
        case = _window(clerk, A, h.district, when, applicant=you)
        case = cases.case_material_attach(actor=clerk, case=case, material_order=1, filename="扫描件.pdf",
                                          content=sample_pdf("扫描件"), at=at(when))
        return _accepted(clerk, case, when)

    c["review_a"] = in_review("2026-03-02 09:40")
    c["decision_a"] = cases.case_complete_step(actor=reviewer, case=in_review("2026-03-02 09:45"), opinion="符合条件",
                                              at=at("2026-03-02 11:00"))
    c["requested_a"] = cases.case_request_suspension(actor=reviewer, case=in_review("2026-03-02 09:50"),
                                                     ground="testing", reason="委托检测", expected_days=3,
                                                     at=at("2026-03-02 11:00"))
    c["suspended_a"] = suspend(in_review("2026-03-02 09:55"), reviewer=reviewer, head=people["head"],
                               at=at("2026-03-02 11:00"))

    def approved(version, when):
        case = _accepted(clerk, _window(clerk, version, h.district, when, applicant=you), when)
        case = cases.case_complete_step(actor=reviewer, case=case, opinion="符合条件", at=at(when))
        return cases.case_approve(actor=approver, case=case, opinion="同意", at=at(when))

    c["approved_fee"] = approved(fee, "2026-03-02 10:00")
    c["approved_a"] = approved(A, "2026-03-02 10:05")
    c["certified_a"] = cases.case_certify(actor=clerk, case=approved(A, "2026-03-02 10:10"),
                                          certificate_number="JY0001", at=at("2026-03-02 12:00"))

    def delivered(when):
        case = cases.case_certify(actor=clerk, case=approved(A, when), certificate_number="JY" + when[-5:],
                                  at=at(when))
        return cases.case_deliver(actor=clerk, case=case, method="window", received_by="张三", at=at(when))

    c["delivered_a"] = delivered("2026-03-02 10:15")
    c["rated_a"] = delivered("2026-03-02 10:20")
    rating_submit(actor=you, case=c["rated_a"], level=1, comment="等太久", at=at("2026-03-02 13:00"))

    c["review_b"] = _accepted(people["clerk_b"], _window(people["clerk_b"], B, h.district, "2026-03-02 10:30"),
                              "2026-03-02 10:30")
    c["review_x"] = _accepted(people["clerk_b"], _window(people["clerk_b"], X, h.district, "2026-03-02 10:35"),
                              "2026-03-02 10:35")
    c["review_t"] = _accepted(people["town_clerk"], _window(people["town_clerk"], A, h.town, "2026-03-02 10:40"),
                              "2026-03-02 10:40")

    agent, clerk_c = people["agent"], people["clerk_c"]
    case = _window(clerk_c, C, h.other, "2026-03-02 10:50", name=agent.full_name, id_number=agent.id_number,
                   phone=agent.phone, applicant=agent)
    case = cases.case_material_attach(actor=clerk_c, case=case, material_order=1, filename="扫描件.pdf",
                                      content=sample_pdf("扫描件"), at=at("2026-03-02 10:50"))
    case = _accepted(clerk_c, case, "2026-03-02 10:51")
    case = cases.case_complete_step(actor=SYSTEM, case=case, opinion="符合条件", at=at("2026-03-02 11:00"))
    case = cases.case_approve(actor=SYSTEM, case=case, opinion="同意", at=at("2026-03-02 11:10"))
    case = cases.case_certify(actor=clerk_c, case=case, certificate_number="JYC001", at=at("2026-03-02 11:20"))
    case = cases.case_deliver(actor=clerk_c, case=case, method="window", received_by="李四", at=at("2026-03-02 11:30"))
    rating_submit(actor=agent, case=case, level=2, comment="态度一般", at=at("2026-03-02 13:10"))
    c["case_c"] = case
    return {label: Case.objects.get(pk=case.pk) for label, case in c.items()}


def _alert(case, department, *, state=AlertState.OPEN, **extra) -> Alert:
    return Alert.objects.create(rule="case.deadline", severity="yellow", state=state, case=case,
                                department=department, subject=f"case:{case.pk}:matrix", message="办件临近期限",
                                raised_at=at("2026-03-02 14:00"), **extra)


def build_world() -> World:
    h = build_hall()
    people = _people(h)
    items = _items(h)
    c = _cases(h, people, items)
    alerts = {
        "alert_a": _alert(c["review_a"], h.dept_a),
        "answered_a": _alert(c["decision_a"], h.dept_a, state=AlertState.ANSWERED, answer="已督促办理",
                             answered_at=at("2026-03-02 15:00"), answered_by=people["reviewer"]),
        "alert_b": _alert(c["review_b"], h.dept_b),
        "alert_c": _alert(c["case_c"], h.dept_c),
        "alert_t": _alert(c["review_t"], h.dept_a),  # A's case received at the town
    }
    followups = {"followup_a": FollowUp.objects.get(rating__case=c["rated_a"]),
                 "followup_c": FollowUp.objects.get(rating__case=c["case_c"])}
    jobs = {label: ImportJob.objects.create(created_by=people[who], created_at=BUILT, filename="catalog.xlsx",
                                            status=ImportStatus.DONE)
            for label, who in (("job_manager", "manager"), ("job_manager_c", "manager_c"))}
    world = World(hall=h, people=people, cases=c, items=items, alerts=alerts, followups=followups, jobs=jobs)
    for label in ("review_a", "review_b", "review_t", "case_c", "review_x"):
        world.notices[label] = c[label].notices.order_by("pk").values_list("pk", flat=True).first()
    for label in ("draft_a", "review_a", "case_c"):
        world.files[label] = c[label].materials.order_by("pk").values_list("pk", flat=True).first()
    notice = c["review_a"].notices.order_by("pk").first()
    world.verify_code = notice.verify_code
    world.rating_token = rating_token_make(c["delivered_a"])
    world.departments = {"a": h.dept_a.code, "c": h.dept_c.code}
    world.joint_themes, world.joints = build_joint(h, people, items)  # last: the cases' numbers stay
    world.orders = _hotline(h, people)
    world.knowledge = _knowledge(h)
    world.tickets = _hall(h)
    world.appointments = _appointments(h)
    return world


def _hall(h) -> dict:
    """The district's queue on the day of the requests: category A called
    by the comprehensive window, B by window_b; a number of A waiting, and
    one of B called at window_b by a clerk of that window who signed in that
    day (not a persona: the personas sign in during the requests)."""
    from datetime import timedelta

    from govhall.hall import services as hall

    a = hall.category_create(actor=SYSTEM, center=h.district, code="A", name="综合业务")
    b = hall.category_create(actor=SYSTEM, center=h.district, code="B", name="住建业务")
    hall.window_categories_set(actor=SYSTEM, window=h.comprehensive, categories=[a])
    hall.window_categories_set(actor=SYSTEM, window=h.window_b, categories=[b])
    on_duty = _user("hall_clerk_b", Role.CLERK, department=h.dept_b, window=h.window_b)
    org.attendance_check_in(staff=on_duty, at=REQUESTS_AT - timedelta(hours=1))
    waiting = hall.ticket_issue(actor=SYSTEM, category=a, source="kiosk", at=REQUESTS_AT - timedelta(minutes=50))
    hall.ticket_issue(actor=SYSTEM, category=b, source="kiosk", at=REQUESTS_AT - timedelta(minutes=45))
    called = hall.ticket_call_next(actor=on_duty, window=h.window_b, at=REQUESTS_AT - timedelta(minutes=40))
    return {"waiting": waiting, "called": called}


def _appointments(h) -> dict:
    """Category A of the district open to booking (weekdays, half-hour
    slots in the morning), and the applicant's booking of Wednesday 4 March
    at 09:00, made when the hall is built (still to come on the morning of
    the requests: he may cancel it, the kiosk cannot check it in yet)."""
    from govhall.hall import appointments as appts
    from govhall.hall.models import ServiceCategory

    category = ServiceCategory.objects.get(center=h.district, code="A")
    rows = appts.pattern_rows(weekdays=range(5), periods="09:00-12:00", minutes=30, capacity=4)
    appts.slot_pattern_set(actor=SYSTEM, category=category, rows=rows, at=BUILT)
    booked = appts.appointment_book(actor=h.applicant, category=category, start=at("2026-03-04 09:00"), at=BUILT)
    return {"booked": booked}


def _knowledge(h) -> dict:
    """A published knowledge entry of the district's hotline whose source
    is department B's member unit (``unit_b`` handles it)."""
    from govhall.hotline import knowledge as kb
    from govhall.hotline.models import MemberUnit

    unit = MemberUnit.objects.get(code=f"U-{h.dept_b.code}")
    version = kb.knowledge_create(actor=SYSTEM, source_unit=unit, question="小区停水怎么办？", answer="拨打供水服务电话。",
                                  center=h.district)
    kb.knowledge_submit(actor=SYSTEM, version=version)
    kb.knowledge_review(actor=SYSTEM, version=version, approve=True)
    return {"published": kb.knowledge_publish(actor=SYSTEM, version=version)}


def _hotline(h, people) -> dict:
    """Two work orders of the district's hotline, registered by its
    operator: one dispatched to department B's member unit (``unit_b``
    handles it), one to department A's."""
    from govhall.hotline import services as hotline
    from govhall.hotline.models import OrderChannel, OrderType, UnitKind

    # A category of the tree (the category pages rename it).
    hotline.category_create(actor=SYSTEM, code="01", name="城乡建设")
    orders = {}
    for label, department in (("order_b", h.dept_b), ("order_a", h.dept_a)):
        unit = hotline.member_unit_create(actor=SYSTEM, hotline_center=h.district, code=f"U-{department.code}",
                                          name=department.name, kind=UnitKind.DEPARTMENT, department=department)
        order = hotline.workorder_create(actor=people["hotline"], type=OrderType.COMPLAINT,
                                         channel=OrderChannel.PHONE, content=f"工单 {label}",
                                         caller_phone="13912340000")
        orders[label] = hotline.workorder_dispatch(actor=people["hotline"], order=order, main_unit=unit)
    # A photo's place: one PDF on order_b (its file page is probed).
    hotline.workorder_attach(actor=people["hotline"], order=orders["order_b"], files=[("现场.pdf", sample_pdf())])
    return orders
