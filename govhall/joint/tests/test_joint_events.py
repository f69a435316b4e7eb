"""Joint events (联合踏勘、联合审图、联合验收) of a joint case: scheduled once by
the stage's lead department for several departments, each department's
findings recorded for its own sub-case; a joint inspection the law counts
as a special procedure suspends a sub-case from its head's approval until
its findings (docs/joint.md, "Joint events")."""

from datetime import date

import pytest

from govhall.cases import services as cases
from govhall.cases.states import Action, State
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.joint import services as joint
from govhall.joint.models import FindingOutcome, JointFinding
from govhall.joint.selectors import joint_events
from govhall.joint.tests.builders import at, inspection_ready

pytestmark = pytest.mark.django_db


def schedule(jc, links, actor, **changes):
    kwargs = {"actor": actor, "joint_case": jc, "kind": "inspection", "scheduled_on": date(2026, 3, 6),
              "place": "示例花园一期项目现场", "sub_cases": links, "ground": "onsite_survey",
              "expected_days": 5, "at": at("2026-03-04 10:00"), **changes}
    return joint.joint_event_schedule(**kwargs)


def test_a_joint_inspection_suspends_a_sub_case_until_its_departments_findings(joint_hall):
    hall = joint_hall
    jc, land, environment, organizer = inspection_ready(hall)
    event = schedule(jc, [land, environment], organizer)
    assert event.organizer == hall.departments["C"]  # the stage's lead department
    # A suspension asked on each participating sub-case, the event its reason.
    for link in (land, environment):
        link.case.refresh_from_db()
        assert link.case.request_action == Action.SUSPEND
        assert "联合踏勘" in link.case.request_data["reason"]
    # Department A's head approves it as his own act: suspended from then.
    case = cases.case_suspend(actor=hall.head, case=environment.case, at=at("2026-03-05 10:00"))
    assert case.state == State.SUSPENDED

    # Each department records its findings for its own sub-case.
    finding = JointFinding.objects.get(event=event, sub_case=environment)
    with pytest.raises(NotPermitted):
        joint.joint_finding_record(actor=organizer, finding=finding, outcome="passed")
    with pytest.raises(DomainError) as refused:
        joint.joint_finding_record(actor=hall.reviewer, finding=finding, outcome="correction", text=" ")
    assert refused.value.field == "text"
    joint.joint_finding_record(actor=hall.reviewer, finding=finding, outcome="correction",
                               text="补充雨水排放方案", at=at("2026-03-09 10:00"))
    case.refresh_from_db()
    assert case.state != State.SUSPENDED
    assert case.pauses.get().ended_on == date(2026, 3, 9)  # resumed by its findings
    assert list(case.events.order_by("seq").values_list("action", flat=True))[-1] == Action.RESUME
    joint.joint_finding_record(actor=organizer, finding=JointFinding.objects.get(event=event, sub_case=land),
                               outcome="passed", at=at("2026-03-09 11:00"))
    with pytest.raises(DomainError) as again:
        joint.joint_finding_record(actor=hall.reviewer, finding=finding, outcome="passed")
    assert again.value.field == "outcome"

    # The findings are visible on the joint case, to the lead in full.
    (shown,) = joint_events(user=organizer, joint=jc)
    assert {(f.sub_case.case.number, f.outcome, f.text) for f in shown.shown_findings} == {
        (environment.case.number, FindingOutcome.CORRECTION, "补充雨水排放方案"),
        (land.case.number, FindingOutcome.PASSED, "")}
    actions = AuditEvent.objects.filter(target_type="joint.jointcase", target_id=str(jc.pk),
                                        action__startswith="joint_").values_list("action", flat=True)
    assert list(actions).count("joint_finding_record") == 2 and "joint_event_schedule" in actions


def test_a_joint_event_is_scheduled_by_the_lead_department_with_a_lawful_ground(joint_hall):
    hall = joint_hall
    jc, land, environment, organizer = inspection_ready(hall)
    with pytest.raises(NotPermitted):
        schedule(jc, [land, environment], hall.reviewer)  # department A does not lead the stage
    for changes, field in [({"ground": "survey_anywhere"}, "ground"), ({"sub_cases": []}, "sub_cases"),
                           ({"place": ""}, "place"), ({"kind": "party"}, "kind"),
                           ({"scheduled_on": date(2026, 3, 1)}, "scheduled_on")]:
        with pytest.raises(DomainError) as refused:
            schedule(jc, [land, environment], organizer, **changes)
        assert refused.value.field == field
    assert not jc.events.exists()
    environment.case.refresh_from_db()
    assert environment.case.request_action == ""  # nothing half-written
    # Without a ground the event is inside the time limit: nothing is asked.
    event = schedule(jc, [land, environment], organizer, kind="drawing_review", ground="")
    land.case.refresh_from_db()
    assert event.ground == "" and land.case.request_action == ""


def test_a_departments_findings_are_an_event_of_its_sub_cases_own_chain(joint_hall, client):
    from govhall.cases.events import chain_verify
    from govhall.cases.selectors import case_events
    from govhall.cases.states import event_label
    from govhall.joint.services import JOINT_FINDING

    hall = joint_hall
    jc, land, environment, organizer = inspection_ready(hall)
    event = schedule(jc, [land, environment], organizer)
    environment.case.refresh_from_db()
    cases.case_suspend(actor=hall.head, case=environment.case, at=at("2026-03-05 10:00"))
    finding = JointFinding.objects.get(event=event, sub_case=environment)
    joint.joint_finding_record(actor=hall.reviewer, finding=finding, outcome="correction",
                               text="补充雨水排放方案", at=at("2026-03-09 10:00"))
    case = environment.case
    case.refresh_from_db()
    events = list(case_events(case))
    # The finding is in the sub-case's chain, before the resume it brings.
    assert [e.action for e in events][-2:] == [JOINT_FINDING, Action.RESUME]
    noted = events[-2]
    assert noted.actor == hall.reviewer and noted.from_state == noted.to_state == State.SUSPENDED
    assert noted.data["joint_case"] == jc.number and noted.data["outcome"] == "correction"
    assert noted.data["text"] == "补充雨水排放方案" and "联合踏勘" in noted.data["opinion"]
    assert event_label(JOINT_FINDING) == "联合活动意见"
    assert chain_verify(case) is None  # the chain holds, the head moved with the event
    # The joint event's own record stays.
    finding.refresh_from_db()
    assert finding.outcome == FindingOutcome.CORRECTION and AuditEvent.objects.filter(
        action="joint_finding_record", target_id=str(jc.pk)).count() == 1
    # The case page's history shows it.
    client.force_login(hall.reviewer)
    page = client.get(f"/workbench/cases/{case.pk}/")
    assert page.status_code == 200
    assert "联合活动意见" in page.content.decode() and "补充雨水排放方案" in page.content.decode()


def test_findings_for_a_sub_case_already_decided_are_refused_and_nothing_is_written(joint_hall):
    hall = joint_hall
    jc, land, environment, organizer = inspection_ready(hall)
    event = schedule(jc, [land, environment], organizer, ground="")
    case = environment.case
    cases.case_terminate(actor=hall.head, case=case, reason="申请人要求终止", at=at("2026-03-05 10:00"))
    seq = case.event_seq
    finding = JointFinding.objects.get(event=event, sub_case=environment)
    with pytest.raises(DomainError) as refused:
        joint.joint_finding_record(actor=hall.reviewer, finding=finding, outcome="passed",
                                   at=at("2026-03-06 10:00"))
    assert refused.value.field == "state"
    case.refresh_from_db()
    finding.refresh_from_db()
    assert case.event_seq == seq and finding.outcome == ""


def test_a_sub_cases_special_procedure_stands_the_whole_clock_across_a_holiday(joint_hall, client):
    """Art. 45 leaves a special procedure's time out of art. 42's 45 days:
    the whole stands from the first participating sub-case's suspension to
    the last one's end, the overlap counted once, and shows no light then."""
    from govhall.calendars.selectors import work_calendar
    from govhall.cases.deadlines import promised_deadline

    hall = joint_hall
    jc, land, environment, organizer = inspection_ready(hall, received=at("2026-03-30 10:00"),
                                                        accepted="2026-03-31 10:00")
    from govhall.org import services as org
    from govhall.org.models import Action as Grant

    org.authorization_grant(actor=SYSTEM, staff=organizer, department=hall.departments["C"], action=Grant.REVIEW)
    before = jc.due_date
    assert before == promised_deadline(accepted_on=date(2026, 3, 30), promised_days=45).due
    event = schedule(jc, [land, environment], organizer, scheduled_on=date(2026, 4, 2), at=at("2026-04-01 10:00"))
    for link in (land, environment):
        link.case.refresh_from_db()
    cases.case_suspend(actor=hall.head, case=environment.case, at=at("2026-04-02 10:00"))
    jc.refresh_from_db()
    assert jc.procedure_pauses == [["2026-04-02", None]] and jc.procedures_open == 1
    assert (jc.due_date, jc.light, jc.watch_on) == (None, "", None)  # a legal pause never shows as overdue
    client.force_login(organizer)
    assert "子件依法按特别程序办理，整体计时暂停" in client.get(f"/workbench/joint/{jc.number}/").content.decode()
    cases.case_suspend(actor=SYSTEM, case=land.case, at=at("2026-04-03 10:00"))  # 自然资源局's own approval
    # Environment's findings end its procedure on 7 April (after 清明, 4–6
    # April): land still stands in its own, so the whole still stands.
    joint.joint_finding_record(actor=hall.reviewer, finding=JointFinding.objects.get(event=event, sub_case=environment),
                               outcome="passed", at=at("2026-04-07 10:00"))
    jc.refresh_from_db()
    assert jc.procedure_pauses == [["2026-04-02", None]] and jc.procedures_open == 1 and jc.due_date is None
    joint.joint_finding_record(actor=organizer, finding=JointFinding.objects.get(event=event, sub_case=land),
                               outcome="passed", at=at("2026-04-08 10:00"))
    jc.refresh_from_db()
    assert jc.procedure_pauses == [["2026-04-02", "2026-04-08"]] and jc.procedures_open == 0
    # The days of (2 April, 8 April] left out: 3 April, 7 and 8 April, the
    # holiday not being a working day anyway.
    assert work_calendar().workdays_between(before, jc.due_date) == 3
    assert jc.due_date == promised_deadline(accepted_on=date(2026, 3, 30), promised_days=45,
                                            pauses=[(date(2026, 4, 2), date(2026, 4, 8))]).due
    assert jc.light and jc.watch_on is not None
    actions = list(AuditEvent.objects.filter(target_type="joint.jointcase", target_id=str(jc.pk),
                                             action__startswith="joint_procedure").order_by("pk").values_list("action", flat=True))
    assert actions == ["joint_procedure_pause", "joint_procedure_resume"]


def test_a_sub_case_ended_in_its_special_procedure_lets_the_whole_clock_run_again(joint_hall):
    hall = joint_hall
    jc, _land, environment, organizer = inspection_ready(hall)
    schedule(jc, [environment], organizer)
    environment.case.refresh_from_db()
    case = cases.case_suspend(actor=hall.head, case=environment.case, at=at("2026-03-05 10:00"))
    jc.refresh_from_db()
    assert jc.procedures_open == 1 and jc.due_date is None
    cases.case_terminate(actor=hall.head, case=case, reason="申请人要求终止", at=at("2026-03-10 10:00"))
    jc.refresh_from_db()
    assert jc.procedure_pauses == [["2026-03-05", "2026-03-10"]] and jc.procedures_open == 0
    assert jc.due_date is not None
