"""Checks of the loaded sample hall (called by test_demo.test_the_sample_hall,
which loads it once): every step staffed as the case policy reads it, every
printed login with work of its own, the heads' waiting requests, the town
center at work, and the plan of the default history."""

from collections import Counter, defaultdict

from django.utils import timezone

from govhall.cases.models import Case
from govhall.cases.policy import act_permitted, decision_index, grant_needed, may_have_duties
from govhall.cases.selectors import case_list_for_staff, case_list_todo
from govhall.cases.services import case_actions_for
from govhall.cases.states import Action, State
from govhall.catalog.models import ItemVersion, VersionStatus
from govhall.core import clock
from govhall.org.models import Center, User, Window
from govhall.org.roles import Role
from govhall.org.selectors import staff_authorizations


def _published() -> list[ItemVersion]:
    return list(ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
                .select_related("item__department").prefetch_related("item__themes").order_by("item__code"))


class _Hall:
    """The staff and their grants, read once."""

    def __init__(self):
        self.staff = list(User.objects.filter(is_active=True).exclude(role=Role.APPLICANT)
                          .select_related("department").order_by("username"))
        self.grants = {user.pk: staff_authorizations(user) for user in self.staff}

    def able(self, action: str, case: Case, steps: list, *, step: int | None = None, role: str | None = None):
        """The people of ``role`` the policy allows to take ``action`` on ``case``
        (at review step ``step``): the grant they hold by the policy's reading,
        then the policy's own judgement of the act (``act_permitted``)."""
        need = grant_needed(action, case, steps, step=step)
        code = case.item_version.item.base_code
        found = []
        for user in self.staff:
            if role is not None and user.role != role:
                continue
            if need is not None:
                department = getattr(need.department, "pk", need.department)
                if not any((department, need.authorization, c) in self.grants[user.pk] for c in ("", code)):
                    continue
            if act_permitted(action, actor=user, case=case, steps=steps, step=step):
                found.append(user.username)
        return found


def check_every_step_is_staffed() -> None:
    """For every step of every published item, someone of the role the step
    names holds the grant the policy asks for it (in the step's department);
    and every item has someone to deliver, certify, charge, a head for the
    head's acts and a reviewer to ask him."""
    hall = _Hall()
    for version in _published():
        steps = list(version.steps.select_related("department").order_by("order"))
        decision = decision_index(steps)
        label = f"{version.item.department.short_name} {version.name}"
        for index, step in enumerate(steps):
            case = Case(item_version=version, department=version.item.department, step=index,
                        state=State.SUBMITTED if index == 0 else State.IN_REVIEW)
            action = Action.ACCEPT if index == 0 else Action.APPROVE if index == decision else Action.COMPLETE_STEP
            assert hall.able(action, case, steps, step=index, role=step.role), \
                f"{label}: step {index} {step.name} ({step.role}) has nobody"
        case = Case(item_version=version, department=version.item.department, step=decision + 1,
                    state=State.APPROVED)
        for action in [Action.DELIVER, Action.CLOSE] + ([Action.CERTIFY] if version.result_type == "certificate"
                                                        else []) + ([Action.RECORD_PAYMENT] if version.no_fee is False
                                                                    else []):
            assert hall.able(action, case, steps), f"{label}: nobody for {action}"
        case = Case(item_version=version, department=version.item.department, step=1, state=State.IN_REVIEW)
        for action in (Action.SUSPEND, Action.EXTEND, Action.REFUSE_REQUEST, Action.TERMINATE):
            assert hall.able(action, case, steps, role=Role.DEPARTMENT_HEAD), f"{label}: no head for {action}"
        if version.promised_days:
            for action in (Action.REQUEST_SUSPENSION, Action.REQUEST_EXTENSION, Action.RESUME):
                assert hall.able(action, case, steps, role=Role.REVIEWER), f"{label}: no reviewer for {action}"


def check_every_login_has_work(output: str) -> None:
    """Every printed login lands on work of its own."""
    from govhall.demo.loader import demo_logins
    from govhall.evaluation.services import RATEABLE_STATES
    from govhall.supervision.models import Alert

    today = clock.today()
    logins = demo_logins()
    assert len(logins) >= 15
    for login in logins:
        assert f"  {login.username} " in output
        user = User.objects.get(username=login.username)
        if user.role in HOTLINE_ROLES:
            check_hotline_login(user)
            continue
        if user.role == Role.APPLICANT:
            own = Case.objects.filter(applicant=user)
            assert own.count() >= 3 and len(set(own.values_list("state", flat=True))) >= 3, login.username
            continue
        if may_have_duties(user, today=today):
            assert case_list_todo(user=user, today=today), f"{login.username}: nothing in 待办"
        else:
            assert case_list_for_staff(user=user).exists(), f"{login.username}: no case in scope"
    applicant = User.objects.get(username="applicant")
    own = Case.objects.filter(applicant=applicant)
    waiting = own.get(state=State.CORRECTION)
    assert Action.RESUBMIT in case_actions_for(applicant, waiting)  # waiting for him to correct
    assert own.filter(state__in=RATEABLE_STATES, rating__isnull=True).exists()  # one he can rate
    assert own.filter(rating__isnull=False).exists()
    assert Alert.objects.exists()  # the supervisor's wall


HOTLINE_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.HOTLINE_OFFICE, Role.MEMBER_UNIT_HANDLER})


def check_hotline_login(user) -> None:
    """The hotline's logins land on work orders of their own, with real chains."""
    from govhall.hotline.events import order_verify
    from govhall.hotline.models import Extension, OrderState, WorkOrder
    from govhall.hotline.selectors import order_list_visible

    if user.role == Role.MEMBER_UNIT_HANDLER:
        mine = order_list_visible(user=user, unit_active=True)
        assert mine.filter(state=OrderState.DISPATCHED).exists() and mine.filter(state=OrderState.SIGNED).exists()
        return
    orders = order_list_visible(user=user)
    assert set(orders.values_list("state", flat=True)) == set(OrderState.values), user.username
    assert orders.filter(reopen_count=1).exists()
    assert orders.filter(assignments__extension=Extension.APPROVED).exists()
    for order in WorkOrder.objects.all():
        assert order_verify(order) is None, order.number


def check_the_heads_wait() -> None:
    """Each featured head has a reviewer's request waiting for his approval."""
    today = clock.today()
    for username in ("head", "head_b"):
        head = User.objects.get(username=username)
        waiting = [(case, duties) for case, duties in case_list_todo(user=head, today=today) if case.request_action]
        assert waiting, username
        case, duties = waiting[0]
        assert Action.REFUSE_REQUEST in duties and case.department_id == head.department_id
        asker = User.objects.get(pk=case.request_data["requested_by"])
        assert asker.role == Role.REVIEWER


def check_the_town_works() -> None:
    """The town center (镇街便民服务中心) has its own windows, staff and cases."""
    town = Center.objects.get(code="511602101")
    assert Window.objects.filter(center=town).count() >= 2
    clerks = User.objects.filter(center=town, role=Role.CLERK)
    assert clerks.count() >= 2
    own = Case.objects.filter(center=town)
    assert own.count() >= 10 and len(set(own.values_list("state", flat=True))) >= 3
    manager = User.objects.get(username="town_manager")
    seen = case_list_for_staff(user=manager)
    assert seen.exists() and not seen.exclude(center__path__startswith=town.path).exists()
    for clerk in clerks:
        assert any(case.center_id == town.pk for case, _d in case_list_todo(user=clerk, today=clock.today()))


def check_the_default_plan() -> None:
    """`make run`'s history, as planned (not loaded): over 2,000 cases in six
    months of working days up to today, busier on Mondays, every outcome."""
    from govhall.calendars.selectors import work_calendar
    from govhall.demo.cases import DEFAULT_CASES, IMMEDIATE_OUTCOMES, ORDINARY_OUTCOMES, history_days
    from govhall.demo.cases import history_plan
    from govhall.demo.showcases import workdays_before

    today = clock.today()
    plan = history_plan(_published(), today=today, size=DEFAULT_CASES)
    assert len(plan) == DEFAULT_CASES >= 2000
    days = [timezone.localtime(p.received).date() for p in plan]
    calendar = work_calendar()
    assert all(calendar.is_workday(day) and day < today for day in days)
    assert (today - min(days)).days >= 175 and max(days) >= workdays_before(today, 2)[-1]
    assert len({(d.year, d.month) for d in days}) >= 6
    per_day = Counter(days)
    by_weekday = defaultdict(list)
    for day in history_days(today):
        by_weekday[day.weekday()].append(per_day[day])
    mean = {weekday: sum(counts) / len(counts) for weekday, counts in by_weekday.items()}
    assert mean[0] > mean[2] > mean[4]  # Mondays busiest, Fridays quietest
    outcomes = Counter(p.scenario for p in plan)
    assert {s for s, w in {**ORDINARY_OUTCOMES, **IMMEDIATE_OUTCOMES}.items() if w} <= set(outcomes)
    assert outcomes["immediate"] + outcomes["normal"] > len(plan) * 0.6
    assert plan == history_plan(_published(), today=today, size=DEFAULT_CASES)  # deterministic


def check_joint_approval() -> None:
    """The joint approval part (demo/joint.py): two published themes, and
    four joint cases in the states the screens show — delivered together,
    running, in the third of four stages, stopped by a denial — whose
    sub-cases are real cases of their departments, in their work lists."""
    from itertools import pairwise

    from govhall.catalog.application_form import delivery_offered
    from govhall.joint.models import (
        JointCase,
        JointState,
        StageState,
        SubCase,
        Theme,
        ThemeStatus,
    )
    from govhall.joint.selectors import (
        joint_case_list_visible,
        joint_sees_whole,
        joint_sub_cases,
    )

    today = clock.today()
    themes = {t.code: t for t in Theme.objects.filter(status=ThemeStatus.PUBLISHED)}
    assert set(themes) >= {"kaiban-qiye", "gongcheng-jianshe"}
    company, construction = themes["kaiban-qiye"], themes["gongcheng-jianshe"]
    stage = company.stages.get()  # one stage: registration, seal, tax and social insurance together
    assert {si.item.department.short_name for si in stage.items.select_related("item__department")} == {
        "区行政审批局", "区公安分局", "广安区税务局", "区人社局"}
    # The results delivered together at the window or by mail, as real
    # centers do (统一出件): every item of the theme offers both.
    offered = delivery_offered(*(si.item.current for si in stage.items.select_related("item__current")))
    assert {"window", "mail"} <= set(offered)
    stages = list(construction.stages.order_by("order").prefetch_related("depends_on"))
    assert [s.name for s in stages] == ["立项用地规划许可", "工程建设许可", "施工许可", "竣工验收"]
    for before, after in pairwise(stages):
        assert list(after.depends_on.all()) == [before]
    for s in stages:
        assert s.lead_department is not None
        assert s.items.values("item__department").distinct().count() >= 2, s.name  # several departments

    joints = {j.pk: j for j in JointCase.objects.select_related("theme")}
    assert sorted(j.delivery_method for j in joints.values() if j.theme.code == "kaiban-qiye") == ["mail", "window"]
    assert Counter((j.theme.code, j.state) for j in joints.values()) == Counter({
        ("kaiban-qiye", JointState.DELIVERED): 1, ("kaiban-qiye", JointState.RUNNING): 1,
        ("gongcheng-jianshe", JointState.RUNNING): 1, ("gongcheng-jianshe", JointState.STOPPED): 1})
    links = defaultdict(list)
    for link in SubCase.objects.filter(replaced=False).select_related("case__item_version__item", "joint_stage__stage"):
        links[link.joint_case_id].append(link)
        # A real case of the item's own department, of the joint case's applicant.
        assert link.case.department_id == link.case.item_version.item.department_id
        assert link.case.applicant_name == joints[link.joint_case_id].applicant_name
        assert link.joint_stage.joint_case_id == link.joint_case_id
    for joint in joints.values():
        states = {link.case.state for link in links[joint.pk]}
        stage_states = list(joint.stages.order_by("stage__order").values_list("state", flat=True))
        if joint.state == JointState.DELIVERED:  # delivered together: every result in one act
            assert states == {State.CLOSED} and stage_states == [StageState.DONE]
        elif joint.theme.code == "kaiban-qiye":  # running: sub-cases at different points
            assert states == {State.APPROVED, State.SUBMITTED} and stage_states == [StageState.RUNNING]
        elif joint.state == JointState.RUNNING:  # the third stage, its sub-cases at different points
            assert stage_states == [StageState.DONE, StageState.DONE, StageState.RUNNING, StageState.WAITING]
            third = {link.case.state for link in links[joint.pk] if link.joint_stage.stage.order == 3}
            assert {State.APPROVED, State.IN_REVIEW, State.SUBMITTED} <= third
            assert not any(link.joint_stage.stage.order == 4 for link in links[joint.pk])
            assert joint.light and joint.due_date > today
        else:  # stopped: one item denied, the others granted, no later stage started
            assert State.DENIED in states and states <= {State.DENIED, State.APPROVED, State.DELIVERED}
            assert stage_states == [StageState.FAILED, StageState.WAITING, StageState.WAITING, StageState.WAITING]
            assert joint.light == ""
    # The screens' logins: the manager sees every joint case, the lead
    # departments' reviewers the whole of their theme's, the window clerks
    # their waiting sub-cases in 待办.
    assert joint_case_list_visible(user=User.objects.get(username="manager")).count() == len(joints)
    for username, code in (("reviewer", "kaiban-qiye"), ("reviewer_b", "gongcheng-jianshe")):
        user = User.objects.get(username=username)
        for joint in joint_case_list_visible(user=user).filter(theme__code=code):
            assert joint_sees_whole(user, joint)
            assert joint_sub_cases(user=user, joint=joint).count() == len(links[joint.pk])
        assert joint_case_list_visible(user=user).filter(theme__code=code).count() == 2
    running = next(j for j in joints.values() if j.theme.code == "kaiban-qiye" and j.state == JointState.RUNNING)
    todo = {case.pk for case, _acts in case_list_todo(user=User.objects.get(username="clerk2"), today=today)}
    assert {link.case_id for link in links[running.pk] if link.case.state == State.SUBMITTED} <= todo
    check_joint_inspection_and_times(joints)


def check_joint_inspection_and_times(joints: dict) -> None:
    """The construction project in its third stage had a joint on-site
    inspection (联合踏勘) in its second stage: every participating sub-case
    suspended by its head and resumed by its department's findings; and the
    joint cases' own events carry the simulated times, not the load time."""
    from govhall.core.models import AuditEvent
    from govhall.joint.models import JointEvent, JointState

    third = next(j for j in joints.values() if j.theme.code == "gongcheng-jianshe" and j.state == JointState.RUNNING)
    event = JointEvent.objects.get(joint_case=third)
    assert event.kind == "inspection" and event.ground == "onsite_survey"
    findings = list(event.findings.select_related("sub_case__case"))
    assert len(findings) >= 2 and all(f.outcome for f in findings)
    for finding in findings:
        pause = finding.sub_case.case.pauses.get(ground="onsite_survey")
        assert pause.started_on >= event.created_at.date() and pause.ended_on is not None
    today = clock.today()
    for joint in joints.values():
        events = AuditEvent.objects.filter(target_type="joint.jointcase", target_id=str(joint.pk))
        received = events.get(action="joint_submit")
        assert received.at == joint.created_at  # the simulated moment of receipt
        assert all(clock.to_local_date(e.at) < today for e in events)  # none at the load time


def check_hotline_history() -> None:
    """Three months of work orders through the services (issue 15 item 10):
    every fate in the chains, the hot topics, the knowledge entries' source
    units, and a trained dispatch-suggestion model the intake page uses."""
    from datetime import timedelta

    from django.db.models import Count

    from govhall.demo.hotline import DEPARTMENT_UNITS
    from govhall.hotline.knowledge_data import ANSWERS
    from govhall.hotline.models import (
        KnowledgeVersion,
        SuggestModel,
        WorkOrder,
        WorkOrderEvent,
    )
    from govhall.hotline.suggest_services import suggestions_for

    orders = WorkOrder.objects.all()
    assert orders.count() >= 500
    assert orders.filter(created_at__lte=clock.now() - timedelta(days=85)).exists()
    days = Counter(clock.to_local_date(at) for at in orders.values_list("created_at", flat=True))
    assert len(days) >= 85 and max(days.values()) >= 15  # every day, busier on the hot days
    acts = Counter(WorkOrderEvent.objects.values_list("action", flat=True))
    for act in ("close_direct", "dispatch", "sign", "reply", "return", "extension_ask", "extension_decide", "close",
                "reopen"):
        assert acts[act] >= 1, act
    twice = WorkOrderEvent.objects.filter(action="dispatch").values("order").annotate(n=Count("pk")).filter(n=2)
    assert twice.exists()  # returned, then dispatched again
    closed = orders.filter(state="closed")
    assert (closed.filter(evaluation_rating__level__gte=4).count()
            > closed.filter(evaluation_rating__level__lte=2).count() > 0)
    # reopened, answered again, called back
    assert closed.filter(reopen_count=1, evaluation_rating__isnull=False).exists()
    assert closed.filter(knowledge__isnull=False).count() >= 20
    assert orders.filter(content__contains="协兴镇牌坊村", category__code="010101").count() >= 30
    assert orders.filter(content__contains="滨河花园").count() >= 60
    # Each knowledge entry's source unit owns the matter.
    codes = {question: code for code, question, *_rest in ANSWERS}
    for version in KnowledgeVersion.objects.select_related("entry__source_unit__department"):
        unit = version.entry.source_unit
        if version.question in codes:
            assert unit.code == codes[version.question], version.question
    units = {code for _name, code in DEPARTMENT_UNITS}
    assert {"RX-GA", "RX-WJ", "RX-MZ"} <= units
    for version in ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("item"):
        questions = [f"{version.name}要带什么材料？", f"{version.name}在哪里办、多久能办好？"]
        for entry in KnowledgeVersion.objects.filter(question__in=questions).select_related("entry__source_unit"):
            assert entry.entry.source_unit.department_id == version.item.department_id, entry.question
    # The model learned from the closed orders: the intake page suggests from it.
    model = SuggestModel.objects.get()
    assert model.file and model.orders == closed.count() and model.unit_top1 is not None
    answer = suggestions_for(actor=User.objects.get(username="hotline"), text="我们小区停水一整天了，什么时候来水")
    assert answer.source == "model" and answer.units[0].code == "RX-WATER"
