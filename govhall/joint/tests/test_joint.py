"""Joint approval through the services: a construction project through its
four stages, a denial in one, a company start-up in one stage, the
combined form's refusals and who may do what (docs/joint.md)."""

import pytest

from govhall.cases.events import chain_verify
from govhall.cases.models import Case
from govhall.cases.states import State
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.joint import services as joint
from govhall.joint.models import JointCase, JointState, StageState, SubCase
from govhall.joint.selectors import joint_case_get, joint_case_list_visible, joint_sub_cases
from govhall.joint.tests.builders import STARTUP_MATERIALS, at, decide, receive_construction

pytestmark = pytest.mark.django_db


def stage_states(jc) -> dict[str, str]:
    return {s.stage.name: s.state for s in jc.stages.select_related("stage")}


def running_cases(jc, stage: str) -> list[Case]:
    return [link.case for link in SubCase.objects.filter(joint_case=jc, joint_stage__stage__name=stage, replaced=False)
            .select_related("case").order_by("stage_item__order")]


def test_a_construction_project_runs_through_its_four_stages_in_parallel(joint_hall):
    hall = joint_hall
    jc = receive_construction(hall)
    assert jc.number.startswith("D1-LB20260302-")
    # The first stage starts at once: one real case per item, each of its
    # own department, received at the comprehensive window; the others wait.
    assert stage_states(jc) == {"立项用地规划": StageState.RUNNING, "工程建设许可": StageState.WAITING,
                                "施工许可": StageState.WAITING, "竣工验收": StageState.WAITING}
    first = running_cases(jc, "立项用地规划")
    assert [c.department.code for c in first] == ["A", "C", "A"]
    assert all(c.state == State.SUBMITTED and c.window == hall.comprehensive for c in first)
    # Each sub-case got the combined answers to its own fields only.
    assert first[0].form_data == {"project_name": "示例花园一期"}
    assert first[1].form_data == {"project_name": "示例花园一期", "land_area": 12000}

    day = at("2026-03-04 10:00")
    decide(first[0], at=day)
    decide(first[1], at=day)
    assert stage_states(jc)["工程建设许可"] == StageState.WAITING  # one sub-case still undecided
    decide(first[2], at=day)
    assert stage_states(jc)["立项用地规划"] == StageState.DONE
    assert stage_states(jc)["工程建设许可"] == StageState.RUNNING
    for stage, when in [("工程建设许可", "2026-03-10 10:00"), ("施工许可", "2026-03-16 10:00"),
                        ("竣工验收", "2026-03-20 10:00")]:
        parallel = running_cases(jc, stage)
        assert len(parallel) >= 2 and all(c.state == State.SUBMITTED for c in parallel)
        for case in parallel:
            decide(case, at=at(when))
    jc.refresh_from_db()
    assert jc.state == JointState.READY
    assert set(stage_states(jc).values()) == {StageState.DONE}

    # The unified delivery serves all twelve results at once.
    jc = joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="王经理",
                             at=at("2026-03-23 10:00"))
    assert jc.state == JointState.DELIVERED
    subs = Case.objects.filter(joint_link__joint_case=jc)
    assert subs.count() == 12 and set(subs.values_list("state", flat=True)) == {State.DELIVERED}
    assert all(chain_verify(case) is None for case in subs)
    actions = list(AuditEvent.objects.filter(target_type="joint.jointcase", target_id=str(jc.pk))
                   .order_by("pk").values_list("action", flat=True))
    assert actions[0] == "joint_submit" and actions[-2:] == ["joint_ready", "joint_deliver"]
    assert actions.count("joint_stage_start") == 4 and actions.count("joint_stage_end") == 4


def test_a_done_stages_results_are_served_while_later_stages_run_and_the_rest_at_the_end(joint_hall):
    """Art. 44: a decision is served within 10 working days; a construction
    project's planning permits cannot wait for the completion acceptance."""
    hall = joint_hall
    jc = receive_construction(hall)
    with pytest.raises(DomainError) as refused:  # nothing done yet
        joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="王经理")
    assert refused.value.field == "state"
    first = running_cases(jc, "立项用地规划")
    for case in first:
        decide(case, at=at("2026-03-04 10:00"))
    jc = joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="王经理",
                             at=at("2026-03-05 10:00"))
    assert jc.state == JointState.RUNNING
    assert {c.state for c in Case.objects.filter(pk__in=[c.pk for c in first])} == {State.DELIVERED}
    assert not Case.objects.filter(joint_link__joint_case=jc, state=State.DELIVERED).exclude(
        pk__in=[c.pk for c in first]).exists()
    with pytest.raises(DomainError):  # the done stage's results are served; the rest still runs
        joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="王经理")
    for stage, when in [("工程建设许可", "2026-03-10 10:00"), ("施工许可", "2026-03-16 10:00"),
                        ("竣工验收", "2026-03-20 10:00")]:
        for case in running_cases(jc, stage):
            decide(case, at=at(when))
    jc = joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="王经理",
                             at=at("2026-03-23 10:00"))
    assert jc.state == JointState.DELIVERED
    subs = Case.objects.filter(joint_link__joint_case=jc)
    assert subs.count() == 12 and set(subs.values_list("state", flat=True)) == {State.DELIVERED}
    actions = list(AuditEvent.objects.filter(target_type="joint.jointcase", target_id=str(jc.pk))
                   .values_list("action", flat=True))
    assert actions.count("joint_stage_deliver") == 1 and actions.count("joint_deliver") == 1


def test_the_whole_deadline_is_45_working_days_on_the_row(joint_hall):
    jc = receive_construction(joint_hall)
    # Received Monday 2 March 2026: the 45th working day after it (no
    # holiday until Qingming, 4–6 April 2026, which it crosses).
    from govhall.calendars.selectors import work_calendar

    assert jc.due_date == work_calendar().add_workdays(jc.received_on, 45)
    assert jc.light == "green" and jc.watch_on is not None
    # The scan reads the rows whose day has come, not the sub-cases.
    assert joint.joint_watch_refresh(today=jc.watch_on) == 1
    jc.refresh_from_db()
    assert jc.light == "yellow"


def test_the_whole_deadline_extends_once_by_at_most_15_days_with_the_approval(joint_hall):
    hall = joint_hall
    jc = receive_construction(hall)
    due = jc.due_date
    with pytest.raises(DomainError) as refused:
        joint.joint_extend(actor=hall.manager, joint_case=jc, days=16, reason="规划调整", approved_by="副区长李四")
    assert refused.value.field == "days"
    with pytest.raises(NotPermitted):
        joint.joint_extend(actor=hall.clerk, joint_case=jc, days=10, reason="规划调整", approved_by="副区长李四")
    jc = joint.joint_extend(actor=hall.manager, joint_case=jc, days=15, reason="规划调整", approved_by="副区长李四",
                            at=at("2026-03-05 10:00"))
    from govhall.calendars.selectors import work_calendar

    assert jc.due_date == work_calendar().add_workdays(due, 15)
    with pytest.raises(DomainError) as again:
        joint.joint_extend(actor=hall.manager, joint_case=jc, days=1, reason="再延", approved_by="副区长李四")
    assert again.value.field == "days"


def test_a_denied_sub_case_fails_its_stage_and_stops_the_joint_case(joint_hall):
    hall = joint_hall
    jc = receive_construction(hall)
    for case in running_cases(jc, "立项用地规划"):
        decide(case, at=at("2026-03-04 10:00"))
    planning, *others = running_cases(jc, "工程建设许可")
    decide(planning, grant=False, at=at("2026-03-09 10:00"))
    jc.refresh_from_db()
    assert jc.state == JointState.RUNNING  # the stage waits for its other sub-cases
    for case in others:
        decide(case, at=at("2026-03-10 10:00"))
    jc.refresh_from_db()
    assert jc.state == JointState.STOPPED
    assert stage_states(jc)["工程建设许可"] == StageState.FAILED
    assert stage_states(jc)["施工许可"] == StageState.WAITING  # nothing later starts
    assert jc.due_date is None and jc.light == "" and jc.watch_on is None  # the whole's clock stands

    # The applicant re-applies for the denied item within the joint case:
    # a new sub-case replaces it, the stage and the whole clock run again,
    # the stopped days (10 → 16 March, 4 working days) added to the deadline.
    link = SubCase.objects.get(case=planning)
    fresh = joint.joint_item_reapply(actor=hall.clerk, joint_case=jc, sub_case=link,
                                     form_data={"project_name": "示例花园一期", "land_area": 11000},
                                     at=at("2026-03-16 10:00"))
    jc.refresh_from_db()
    from govhall.calendars.selectors import work_calendar

    assert jc.state == JointState.RUNNING and fresh.case.form_data["land_area"] == 11000
    assert jc.due_date == work_calendar().add_workdays(jc.received_on, 45 + 4)
    assert SubCase.objects.get(pk=link.pk).replaced
    decide(fresh.case, at=at("2026-03-18 10:00"))
    assert stage_states(jc)["工程建设许可"] == StageState.DONE
    assert stage_states(jc)["施工许可"] == StageState.RUNNING


def test_a_stopped_joint_case_ends_by_delivering_what_was_decided(joint_hall):
    hall = joint_hall
    jc = receive_construction(hall)
    filing, land, environment = running_cases(jc, "立项用地规划")
    decide(filing, at=at("2026-03-04 10:00"))
    decide(environment, at=at("2026-03-04 10:00"))
    decide(land, grant=False, at=at("2026-03-04 11:00"))
    jc.refresh_from_db()
    assert jc.state == JointState.STOPPED
    jc = joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="王经理",
                             at=at("2026-03-05 10:00"))
    assert jc.state == JointState.ENDED
    for case in (filing, land, environment):
        case.refresh_from_db()
        assert case.state == State.DELIVERED
    assert land.notices.filter(kind="denial").exists()  # the denial decision, with the rights notice
    assert jc.stages.filter(state=StageState.WAITING).count() == 3


def test_a_company_start_up_completes_in_one_stage_with_one_delivery(joint_hall):
    hall = joint_hall
    jc = joint.joint_submit(actor=hall.clerk, theme=hall.startup, applicant_name="张三",
                            applicant_id_number="110101199003070011", applicant_phone="13912345678",
                            form_data={"company_name": "示例科技有限公司", "capital": 100},
                            materials=STARTUP_MATERIALS, at=at("2026-03-02 10:00"))
    cases = running_cases(jc, "企业开办")
    assert sorted(c.department.code for c in cases) == ["D", "E", "F", "G"]
    # 身份证明 is asked by four items and handed in once.
    assert jc.materials.count("身份证明") == 1
    for case in cases:
        decide(case, at=at("2026-03-03 10:00"))
    jc.refresh_from_db()
    assert jc.state == JointState.READY
    jc = joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="张三",
                             at=at("2026-03-04 10:00"))
    assert jc.state == JointState.DELIVERED
    delivered = AuditEvent.objects.get(target_type="joint.jointcase", target_id=str(jc.pk), action="joint_deliver")
    assert sorted(delivered.data["cases"]) == sorted(c.number for c in cases)


def test_an_applicant_applies_online_with_each_shared_file_uploaded_once(joint_hall):
    from govhall.test import sample_pdf

    hall = joint_hall
    files = {name: (f"{index}.pdf", sample_pdf(name)) for index, name in enumerate(STARTUP_MATERIALS)}
    jc = joint.joint_submit(actor=hall.applicant, theme=hall.startup, applicant_name="张三",
                            applicant_id_number="110101199003070011", applicant_phone="13912345678",
                            form_data={"company_name": "示例科技有限公司", "capital": 100}, files=files,
                            at=at("2026-03-02 10:00"))
    assert jc.channel == "online" and jc.uploads.count() == 6
    for case in running_cases(jc, "企业开办"):
        assert case.applicant == hall.applicant
        assert {m.name for m in case.materials.all()} == {m.name for m in case.item_version.materials.all()}
    assert joint_case_get(user=hall.applicant, number=jc.number) == jc


# --- refusals name the field; nothing is half-written -------------------------------

def test_theme_configuration_refusals_name_the_place(joint_hall):
    hall = joint_hall
    theme = joint.theme_create(actor=hall.manager, center=hall.district, code="bad", name="示例")
    code = {key: item.code for key, item in hall.items.items()}
    cases = [
        ([{"name": "一", "lead_department": "", "items": [code["filing"]]}], "stages[0].lead_department"),
        ([{"name": "一", "lead_department": "A", "items": [code["filing"]]},
          {"name": "二", "lead_department": "B", "items": [code["filing"]]}], "stages[1].items[0]"),
        ([{"name": "一", "lead_department": "A", "items": [code["filing"]], "depends_on": ["二"]},
          {"name": "二", "lead_department": "B", "items": [code["permit"]], "depends_on": ["一"]}],
         "stages[0].depends_on"),
        ([{"name": "一", "lead_department": "A", "items": [code["filing"]], "depends_on": ["三"]}],
         "stages[0].depends_on[0]"),
        ([{"name": "一", "lead_department": "A", "items": ["no-such-item"]}], "stages[0].items[0]"),
    ]
    for stages, field in cases:
        with pytest.raises(DomainError) as refused:
            joint.theme_configure(actor=hall.manager, theme=theme, stages=stages)
        assert refused.value.field == field, stages
    assert not theme.stages.exists()
    with pytest.raises(DomainError) as refused:
        joint.theme_create(actor=hall.manager, center=hall.district, code="x", name="示例", whole_days=46)
    assert refused.value.field == "whole_days"


def test_an_item_without_a_published_version_is_refused(joint_hall):
    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec

    hall = joint_hall
    draft = item_create(actor=SYSTEM, spec=complete_spec("A", code="511000000000099-D1-000-A-1-00"))
    theme = joint.theme_create(actor=hall.manager, center=hall.district, code="draft-item", name="示例")
    with pytest.raises(DomainError) as refused:
        joint.theme_configure(actor=hall.manager, theme=theme, stages=[
            {"name": "一", "lead_department": "A", "items": [hall.items["filing"].code, draft.code]}])
    assert refused.value.field == "stages[0].items[1]"


@pytest.mark.parametrize("changes, field", [
    ({"form_data": {"land_area": 12000}}, "form.project_name"),
    ({"form_data": {"project_name": "示例", "land_area": 0}}, "form.land_area"),
    ({"form_data": {"project_name": "示例", "land_area": 5, "color": "红"}}, "form.color"),
    ({"materials": ["项目立项批复"]}, "materials"),
    ({"materials": ["不存在的材料"]}, "materials[0]"),
    ({"applicant_phone": "123"}, "applicant_phone"),
])
def test_a_bad_combined_application_is_refused_naming_the_field_and_writes_nothing(joint_hall, changes, field):
    with pytest.raises(DomainError) as refused:
        receive_construction(joint_hall, **changes)
    assert refused.value.field == field
    assert not JointCase.objects.exists() and not Case.objects.exists()


# --- who may act and see ------------------------------------------------------------------

def test_a_clerk_of_another_center_can_neither_receive_nor_deliver(joint_hall):
    from govhall.org import services as org
    from govhall.org.models import CenterLevel, WindowKind
    from govhall.org.roles import Role

    hall = joint_hall
    other = org.center_create(actor=SYSTEM, code="D2", name="另一区政务服务中心", level=CenterLevel.DISTRICT,
                              parent=hall.city)
    window = org.window_create(actor=SYSTEM, center=other, number="01", name="综合窗口", kind=WindowKind.COMPREHENSIVE)
    stranger = org.user_create(actor=SYSTEM, username="clerk_d2", password="x", role=Role.CLERK, center=other,
                               window=window)
    with pytest.raises(NotPermitted):
        receive_construction(hall, actor=stranger)
    jc = receive_construction(hall)
    with pytest.raises(NotPermitted):
        joint.joint_deliver(actor=stranger, joint_case=jc, method="window", received_by="王经理")
    assert joint_case_get(user=stranger, number=jc.number) is None
    with pytest.raises(NotPermitted):
        joint.theme_create(actor=hall.town_manager, center=hall.district, code="town", name="示例")


def test_a_clerk_without_a_departments_grant_receives_nothing(joint_hall):
    from govhall.org.models import Action, Authorization

    hall = joint_hall
    Authorization.objects.filter(staff=hall.clerk, department__code="C", action=Action.ACCEPT).delete()
    with pytest.raises(NotPermitted):
        receive_construction(hall)
    assert not JointCase.objects.exists() and not Case.objects.exists()


def test_the_lead_department_sees_the_whole_and_others_their_own(joint_hall):
    hall = joint_hall
    jc = receive_construction(hall)
    for case in running_cases(jc, "立项用地规划"):
        decide(case, at=at("2026-03-04 10:00"))
    # 住建局 leads 施工许可 and 竣工验收: the whole, 自然资源局's sub-cases too.
    lead = hall.people.lead_b
    assert jc in joint_case_list_visible(user=lead)
    assert {s.case.department.code for s in joint_sub_cases(user=lead, joint=jc)} == {"A", "B", "C"}
    # 公安局 has an item in the last stage, not yet started: nothing to see yet.
    assert joint_case_get(user=hall.people.reviewer_g, number=jc.number) is None
    # 税务局 has nothing in this theme.
    assert joint_case_get(user=hall.people.reviewer_e, number=jc.number) is None
    # 审批局 (an item, no stage to lead) sees the joint case and only its own sub-case.
    assert {s.case.department.code for s in joint_sub_cases(user=hall.reviewer, joint=jc)} == {"A"}
    assert joint_case_get(user=hall.supervisor, number=jc.number) == jc


def test_a_stage_that_cannot_start_waits_and_the_decision_before_it_stands(joint_hall):
    from govhall.catalog.services import item_edit, item_publish
    from govhall.catalog.tests.factories import complete_spec

    hall = joint_hall
    jc = receive_construction(hall)
    # 建设工程规划许可 is republished with a question the application did not answer.
    planning = hall.items["planning"]
    spec = complete_spec("C", code=planning.code, name=planning.current.name,
                         form_fields=[*planning.current.form_fields,
                                      {"key": "floors", "label": "地上层数", "type": "number", "required": True,
                                       "options": [], "max_length": None, "min": 1, "max": 200, "help": ""}],
                         materials=[{"name": m.name, "required": m.required, "condition": "", "form": m.form,
                                     "copies": 1, "source": m.source, "source_department": "", "notes": ""}
                                    for m in planning.current.materials.all()])
    item_publish(actor=SYSTEM, version=item_edit(actor=SYSTEM, item=planning, spec=spec))
    first = running_cases(jc, "立项用地规划")
    for case in first:
        decide(case, at=at("2026-03-04 10:00"))
    first[-1].refresh_from_db()
    assert first[-1].state == State.APPROVED  # the decision stands
    assert stage_states(jc) == {"立项用地规划": StageState.DONE, "工程建设许可": StageState.WAITING,
                                "施工许可": StageState.WAITING, "竣工验收": StageState.WAITING}
    failed = AuditEvent.objects.get(target_id=str(jc.pk), action="joint_stage_start_failed")
    assert failed.data["field"] == "form.floors"
    waiting = jc.stages.get(stage__name="工程建设许可")
    with pytest.raises(DomainError) as refused:
        joint.joint_stage_start(actor=hall.clerk, joint_stage=waiting, form_data={"floors": 0})
    assert refused.value.field == "form.floors"
    joint.joint_stage_start(actor=hall.clerk, joint_stage=waiting, form_data={"floors": 18},
                            at=at("2026-03-05 10:00"))
    assert stage_states(jc)["工程建设许可"] == StageState.RUNNING
    planning_case = running_cases(jc, "工程建设许可")[0]
    assert planning_case.form_data["floors"] == 18 and planning_case.window == hall.comprehensive


@pytest.mark.django_db(transaction=True)
def test_two_sub_cases_decided_at_the_same_moment_end_their_stage_once(joint_hall):
    """Both decisions are written, uncommitted, before either looks at its
    stage: each must see the other's, so the stage ends (once)."""
    import threading

    from django.db import connection

    from govhall.cases import services as case_services
    from govhall.cases.selectors import case_steps
    from govhall.cases.signals import case_changed
    from govhall.cases.tests.conftest import accept_checked
    from govhall.joint import receivers

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serializes writers: the second decision waits for the first to commit")
    hall = joint_hall
    jc = joint.joint_submit(actor=hall.clerk, theme=hall.startup, applicant_name="张三",
                            applicant_id_number="110101199003070011", applicant_phone="13912345678",
                            form_data={"company_name": "示例科技有限公司", "capital": 100},
                            materials=STARTUP_MATERIALS, at=at("2026-03-02 10:00"))
    licence, seal, tax, insurance = running_cases(jc, "企业开办")
    for case in (licence, seal):
        decide(case, at=at("2026-03-03 10:00"))
    ready = []
    for case in (tax, insurance):
        case = accept_checked(actor=SYSTEM, case=case, at=at("2026-03-03 10:00"))
        while case.step < len(case_steps(case)) - 1:
            case = case_services.case_complete_step(actor=SYSTEM, case=case, opinion="符合要求")
        ready.append(case.pk)
    written = threading.Barrier(2, timeout=30)

    def meet(*, action, **kwargs):
        if action == "approve":
            written.wait()  # both decisions written, neither committed

    # The meeting point runs before the joint layer's receiver.
    case_changed.disconnect(dispatch_uid="joint_sub_case_changed")
    case_changed.connect(meet, dispatch_uid="test_meet")
    case_changed.connect(receivers.sub_case_changed, dispatch_uid="joint_sub_case_changed")
    errors = []

    def approve(pk):
        try:
            case_services.case_approve(actor=SYSTEM, case=Case.objects.get(pk=pk), opinion="准予")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=approve, args=(pk,)) for pk in ready]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        case_changed.disconnect(dispatch_uid="test_meet")
    assert errors == []
    jc.refresh_from_db()
    assert jc.state == JointState.READY
    assert AuditEvent.objects.filter(target_id=str(jc.pk), action="joint_stage_end").count() == 1


# --- the read-only interfaces ---------------------------------------------------------------

def test_the_api_lists_and_shows_joint_cases_within_the_callers_scope(joint_hall, client):
    hall = joint_hall
    jc = receive_construction(hall)
    for case in running_cases(jc, "立项用地规划"):
        decide(case, at=at("2026-03-04 10:00"))
    client.force_login(hall.people.lead_b)
    listed = client.get("/api/joint/cases/").json()
    assert [row["number"] for row in listed["results"]] == [jc.number]
    assert listed["results"][0]["applicant_id_number"] != "91510100MA6123456W"  # masked
    detail = client.get(f"/api/joint/cases/{jc.number}/").json()
    assert [s["state"] for s in detail["stages"]] == ["done", "running", "waiting", "waiting"]
    assert sum(len(s["sub_cases"]) for s in detail["stages"]) == 6  # the lead department sees the whole
    client.force_login(hall.reviewer)  # 审批局: its own sub-cases only
    detail = client.get(f"/api/joint/cases/{jc.number}/").json()
    assert {c["department"] for s in detail["stages"] for c in s["sub_cases"]} == {"A"}
    client.force_login(hall.people.reviewer_e)  # 税务局: nothing in this joint case
    assert client.get(f"/api/joint/cases/{jc.number}/").status_code == 404
    assert client.get("/api/joint/cases/").json()["results"] == []


def test_the_admin_shows_a_joint_case_read_only_and_masked(joint_hall, client):
    hall = joint_hall
    jc = receive_construction(hall)
    client.force_login(hall.admin)
    page = client.get(f"/admin/joint/jointcase/{jc.pk}/change/")
    assert page.status_code == 200
    assert jc.number in page.content.decode() and "91510100MA6123456W" not in page.content.decode()
    # each stage with its own deadline and light (分阶段时限), as stored for supervision
    assert "阶段办理期限" in page.content.decode()
    theme_page = client.get(f"/admin/joint/theme/{jc.theme_id}/change/").content.decode()
    assert "阶段办理时限（工作日）" in theme_page


# --- stages that fail, finish or are re-applied for while the case stands stopped ---

def receive_branching(hall):
    """A theme of three stages: 甲 and 乙 start together, 丙 waits for 甲
    only; received at the comprehensive window."""
    from govhall.joint.forms import theme_form

    code = {key: hall.items[key].code for key in ("filing", "land", "environment", "planning")}
    theme = joint.theme_create(actor=hall.manager, center=hall.district, code="branching", name="分支项目审批")
    joint.theme_configure(actor=hall.manager, theme=theme, stages=[
        {"name": "甲", "lead_department": "C", "items": [code["filing"], code["land"]]},
        {"name": "乙", "lead_department": "A", "items": [code["environment"]]},
        {"name": "丙", "lead_department": "C", "items": [code["planning"]], "depends_on": ["甲"]},
    ])
    joint.theme_publish(actor=hall.manager, theme=theme)
    names = [m["name"] for m in theme_form(joint.theme_versions(theme)).materials]
    return receive_construction(hall, theme=theme, materials=names)


def branching_stopped(hall):
    """The branching project with 乙's one sub-case denied on 4 March (the
    case stopped) while 甲's two are undecided."""
    jc = receive_branching(hall)
    (environment,) = running_cases(jc, "乙")
    decide(environment, grant=False, at=at("2026-03-04 10:00"))
    return jc, environment, running_cases(jc, "甲")


def test_a_second_stage_failing_while_stopped_keeps_one_pause_and_the_case_resumes_when_none_failed(joint_hall):
    hall = joint_hall
    jc, environment, (filing, land) = branching_stopped(hall)
    decide(filing, at=at("2026-03-05 10:00"))
    # The second stage failing while the case stands stopped: the department's
    # denial stands, the case stays stopped with its one open pause.
    decide(land, grant=False, at=at("2026-03-05 11:00"))
    land.refresh_from_db()
    jc.refresh_from_db()
    assert land.state == State.DENIED
    assert stage_states(jc) == {"甲": StageState.FAILED, "乙": StageState.FAILED, "丙": StageState.WAITING}
    assert jc.state == JointState.STOPPED and jc.pauses == [["2026-03-04", None]]

    # Re-applying for one failed stage's item runs that stage again; the
    # whole stays stopped while the other stage stands failed.
    joint.joint_item_reapply(actor=hall.clerk, joint_case=jc, sub_case=SubCase.objects.get(case=environment),
                             at=at("2026-03-09 10:00"))
    jc.refresh_from_db()
    assert jc.state == JointState.STOPPED and jc.due_date is None
    assert stage_states(jc)["乙"] == StageState.RUNNING
    joint.joint_item_reapply(actor=hall.clerk, joint_case=jc, sub_case=SubCase.objects.get(case=land),
                             at=at("2026-03-10 10:00"))
    jc.refresh_from_db()
    assert jc.state == JointState.RUNNING and jc.pauses == [["2026-03-04", "2026-03-10"]]


def test_a_stage_done_while_stopped_starts_its_followers_only_when_the_case_resumes(joint_hall):
    hall = joint_hall
    jc, environment, first = branching_stopped(hall)
    for case in first:
        decide(case, at=at("2026-03-05 10:00"))
    jc.refresh_from_db()
    assert jc.state == JointState.STOPPED
    assert stage_states(jc) == {"甲": StageState.DONE, "乙": StageState.FAILED, "丙": StageState.WAITING}
    assert running_cases(jc, "丙") == []
    joint.joint_item_reapply(actor=hall.clerk, joint_case=jc, sub_case=SubCase.objects.get(case=environment),
                             at=at("2026-03-09 10:00"))
    jc.refresh_from_db()
    assert jc.state == JointState.RUNNING
    assert stage_states(jc) == {"甲": StageState.DONE, "乙": StageState.RUNNING, "丙": StageState.RUNNING}
    assert [c.state for c in running_cases(jc, "丙")] == [State.SUBMITTED]


def test_a_stopped_case_is_not_ended_while_a_sub_case_is_undecided(joint_hall):
    hall = joint_hall
    jc, environment, (filing, land) = branching_stopped(hall)
    jc.refresh_from_db()
    assert jc.state == JointState.STOPPED
    with pytest.raises(DomainError) as refused:
        joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="王经理",
                            at=at("2026-03-05 10:00"))
    assert refused.value.field == "state"
    assert filing.number in refused.value.message and land.number in refused.value.message
    jc.refresh_from_db()
    environment.refresh_from_db()
    assert jc.state == JointState.STOPPED and environment.state == State.DENIED  # nothing served
    decide(filing, at=at("2026-03-05 10:00"))
    decide(land, at=at("2026-03-05 10:00"))
    jc = joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="王经理",
                             at=at("2026-03-06 10:00"))
    assert jc.state == JointState.ENDED
    assert stage_states(jc)["丙"] == StageState.WAITING  # ended: nothing started after it
    assert set(Case.objects.filter(joint_link__joint_case=jc).values_list("state", flat=True)) == {State.DELIVERED}


def test_the_days_a_case_stood_stopped_never_count_against_the_whole_and_a_second_delivery_says_so(joint_hall):
    from govhall.calendars.selectors import work_calendar

    hall = joint_hall
    jc = receive_construction(hall)
    for case in running_cases(jc, "立项用地规划"):
        decide(case, grant=case.department.code != "C", at=at("2026-03-04 11:00"))
    # Stopped Wednesday 4 March, ended Monday 9 March: 3 working days left out.
    jc = joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="王经理",
                             at=at("2026-03-09 10:00"))
    assert jc.state == JointState.ENDED and jc.pauses == [["2026-03-04", "2026-03-09"]]
    assert jc.due_date == work_calendar().add_workdays(jc.received_on, 45 + 3)
    with pytest.raises(DomainError) as again:
        joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="王经理")
    assert again.value.field == "state" and "已结束" in again.value.message


def test_a_second_unified_delivery_says_it_was_delivered(joint_hall):
    hall = joint_hall
    jc = joint.joint_submit(actor=hall.clerk, theme=hall.startup, applicant_name="张三",
                            applicant_id_number="110101199003070011", applicant_phone="13912345678",
                            form_data={"company_name": "示例科技有限公司", "capital": 100},
                            materials=STARTUP_MATERIALS, at=at("2026-03-02 10:00"))
    for case in running_cases(jc, "企业开办"):
        decide(case, at=at("2026-03-03 10:00"))
    jc = joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="张三",
                             at=at("2026-03-04 10:00"))
    with pytest.raises(DomainError) as again:
        joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="张三")
    assert again.value.field == "state" and again.value.message == "联办件已统一出件。"


def test_the_yellow_threshold_counts_the_extension(joint_hall):
    from govhall.calendars.selectors import light_scheme, work_calendar
    from govhall.timing import light_changes_on

    hall = joint_hall
    jc = receive_construction(hall)
    jc = joint.joint_extend(actor=hall.manager, joint_case=jc, days=15, reason="规划调整", approved_by="副区长李四",
                            at=at("2026-03-05 10:00"))
    expected = light_changes_on(work_calendar(), today=at("2026-03-05 10:00").date(), due=jc.due_date,
                                promised_days=60, scheme=light_scheme())
    assert jc.watch_on == expected
    assert expected != light_changes_on(work_calendar(), today=at("2026-03-05 10:00").date(), due=jc.due_date,
                                        promised_days=45, scheme=light_scheme())


def test_a_long_file_name_keeps_its_ending_and_the_file_reaches_every_sub_case(joint_hall):
    from govhall.test import sample_pdf

    hall = joint_hall
    long_name = "营" * 230 + ".PDF"
    files = {name: (long_name if index == 2 else f"{index}.pdf", sample_pdf(name))
             for index, name in enumerate(STARTUP_MATERIALS)}
    jc = joint.joint_submit(actor=hall.applicant, theme=hall.startup, applicant_name="张三",
                            applicant_id_number="110101199003070011", applicant_phone="13912345678",
                            form_data={"company_name": "示例科技有限公司", "capital": 100}, files=files,
                            at=at("2026-03-02 10:00"))
    kept = jc.uploads.get(name=STARTUP_MATERIALS[2]).original_name
    assert len(kept) == 200 and kept.endswith(".PDF")
    # 身份证明 is asked by every item: attached to each of the four sub-cases.
    attached = [c.materials.get(name=STARTUP_MATERIALS[2]).original_name for c in running_cases(jc, "企业开办")]
    assert attached == [kept] * 4


def test_the_receipts_audit_event_masks_identity_numbers_and_phones_in_the_answers(joint_hall):
    hall = joint_hall
    jc = receive_construction(hall, form_data={"project_name": "示例花园 联系人13812345678 证件110101199003070011",
                                               "land_area": 12000})
    event = AuditEvent.objects.get(target_type="joint.jointcase", target_id=str(jc.pk), action="joint_submit")
    assert event.data["form"] == {"project_name": "示例花园 联系人138****5678 证件1101**********0011",
                                  "land_area": 12000}
    # The sub-cases keep the answers as given (their own record).
    assert "13812345678" in running_cases(jc, "立项用地规划")[0].form_data["project_name"]
