"""Electronic supervision of joint cases (docs/joint.md, "Supervision"): the
whole's and the stages' deadline alerts from the scheduled scan, late
pre-review opinions, the joint indicators and the supervisor's wall.

The company start-up's whole is 3 working days: received Mon 2026-03-02, due
Thu 03-05, yellow on that day (the standard scheme: no working day left),
red from Fri 03-06."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from govhall.core.errors import DomainError
from govhall.joint import green
from govhall.joint import services as joint
from govhall.joint.indicators import joint_indicators
from govhall.joint.models import JointCase, JointStage
from govhall.joint.receivers import joint_time_scan
from govhall.joint.tests.builders import STARTUP_MATERIALS, at, decide, receive_construction
from govhall.supervision.engine import supervise_scan
from govhall.supervision.models import Alert, AlertState

pytestmark = pytest.mark.django_db


def startup(hall, when="2026-03-02 10:00"):
    return joint.joint_submit(actor=hall.clerk, theme=hall.startup, applicant_name="张三",
                              applicant_id_number="110101199003070011", applicant_phone="13912345678",
                              form_data={"company_name": "示例科技有限公司", "capital": 100},
                              materials=STARTUP_MATERIALS, at=at(when))


def decide_all(jc, when: str) -> None:
    for link in jc.sub_cases.filter(replaced=False).select_related("case"):
        decide(link.case, at=at(when))


def deliver(hall, jc, when: str) -> JointCase:
    return joint.joint_deliver(actor=hall.clerk, joint_case=jc, method="window", received_by="张三", at=at(when))


def the_alert(rule: str, subject: str) -> Alert:
    return Alert.objects.get(rule=rule, subject=subject)


def with_stage_days(hall, theme, days: list):
    """A new published version of ``theme`` whose stages have ``days`` as their own limits."""
    draft = joint.theme_revise(actor=hall.manager, theme=theme)
    specs = joint.configured_stages(draft)
    for spec, limit in zip(specs, days, strict=True):
        spec["stage_days"] = limit
    joint.theme_configure(actor=hall.manager, theme=draft, stages=specs)
    return joint.theme_publish(actor=hall.manager, theme=draft)


# --- the whole ----------------------------------------------------------------------------

def test_the_scan_raises_the_whole_yellow_then_red_against_the_lead_department(joint_hall):
    hall = joint_hall
    jc = startup(hall)
    supervise_scan(at=at("2026-03-04 09:00"))
    assert not Alert.objects.filter(rule="joint.deadline").exists()  # green: a working day left
    supervise_scan(at=at("2026-03-05 09:00"))
    alert = the_alert("joint.deadline", f"joint:{jc.pk}")
    assert (alert.severity, alert.case, alert.department) == ("yellow", None, hall.departments["D"])
    assert jc.number in alert.message and alert.window == jc.window
    supervise_scan(at=at("2026-03-06 09:00"))
    alert.refresh_from_db()
    assert alert.severity == "red" and alert.escalated_at is not None and "已超期" in alert.message
    supervise_scan(at=at("2026-03-09 09:00"))  # rescans raise nothing new
    assert Alert.objects.filter(rule="joint.deadline").count() == 1


def test_a_yellow_whole_alert_is_cleared_by_a_delivery_in_time_and_a_red_one_stays(joint_hall):
    hall = joint_hall
    on_time, late = startup(hall), startup(hall)
    supervise_scan(at=at("2026-03-05 09:00"))
    assert the_alert("joint.deadline", f"joint:{on_time.pk}").severity == "yellow"
    decide_all(on_time, "2026-03-05 10:00")
    deliver(hall, on_time, "2026-03-05 15:00")
    assert the_alert("joint.deadline", f"joint:{on_time.pk}").state == AlertState.CLEARED
    supervise_scan(at=at("2026-03-06 09:00"))
    decide_all(late, "2026-03-06 10:00")
    deliver(hall, late, "2026-03-06 15:00")
    red = the_alert("joint.deadline", f"joint:{late.pk}")
    assert (red.severity, red.state) == ("red", AlertState.OPEN)  # lateness stays until answered and closed


def test_a_finish_after_the_deadline_is_red_at_once_even_before_a_scan(joint_hall):
    hall = joint_hall
    jc = startup(hall)
    decide_all(jc, "2026-03-06 10:00")
    deliver(hall, jc, "2026-03-06 15:00")
    # The decisions on Fri 03-06 made it ready with its light red, the delivery stays late.
    alert = the_alert("joint.deadline", f"joint:{jc.pk}")
    assert (alert.severity, alert.state) == ("red", AlertState.OPEN) and jc.number in alert.message


def test_an_extension_clears_a_yellow_whole_alert(joint_hall):
    hall = joint_hall
    jc = startup(hall)
    supervise_scan(at=at("2026-03-05 09:00"))
    joint.joint_extend(actor=hall.manager, joint_case=jc, days=5, reason="材料核查", approved_by="副区长李四",
                       at=at("2026-03-05 10:00"))
    assert the_alert("joint.deadline", f"joint:{jc.pk}").state == AlertState.CLEARED


# --- stages -------------------------------------------------------------------------------

def test_a_stage_limit_is_configured_and_refused_above_the_whole(joint_hall):
    hall = joint_hall
    draft = joint.theme_revise(actor=hall.manager, theme=hall.startup)
    specs = joint.configured_stages(draft)
    specs[0]["stage_days"] = 4  # the whole is 3
    with pytest.raises(DomainError) as refused:
        joint.theme_configure(actor=hall.manager, theme=draft, stages=specs)
    assert refused.value.field == "stages[0].stage_days"
    specs[0]["stage_days"] = 2
    joint.theme_configure(actor=hall.manager, theme=draft, stages=specs)
    assert joint.configured_stages(draft)[0]["stage_days"] == 2
    specs[0]["stage_days"] = None  # blank: no limit of its own
    joint.theme_configure(actor=hall.manager, theme=draft, stages=specs)
    assert draft.stages.get().stage_days is None


def test_a_stage_deadline_is_stored_and_alerted_against_its_lead_department(joint_hall):
    hall = joint_hall
    jc = receive_construction(hall, theme=with_stage_days(hall, hall.construction, [2, None, None, 5]))
    first = JointStage.objects.get(joint_case=jc, stage__order=1)
    # Started Mon 03-02: 2 working days, due Wed 03-04.
    assert (first.due_date, first.light) == (date(2026, 3, 4), "green") and first.watch_on == date(2026, 3, 4)
    assert JointStage.objects.get(joint_case=jc, stage__order=2).due_date is None  # waiting, and no limit
    supervise_scan(at=at("2026-03-03 09:00"))
    assert not Alert.objects.filter(rule="joint.stage_deadline").exists()
    supervise_scan(at=at("2026-03-04 09:00"))
    subject = f"joint:{jc.pk}:stage:{first.pk}"
    alert = the_alert("joint.stage_deadline", subject)
    assert (alert.severity, alert.department, alert.case) == ("yellow", hall.departments["C"], None)
    assert "立项用地规划" in alert.message and jc.number in alert.message
    supervise_scan(at=at("2026-03-05 09:00"))
    alert.refresh_from_db()
    assert alert.severity == "red"
    first.refresh_from_db()
    assert first.light == "red" and first.watch_on is None
    assert not Alert.objects.filter(rule="joint.deadline").exists()  # the whole (45 days) is green
    # The stage ends late: its light goes out, its deadline stays, the red alert stays.
    decide_all(jc, "2026-03-06 10:00")
    first.refresh_from_db()
    assert (first.light, first.watch_on, first.due_date) == ("", None, date(2026, 3, 4))
    assert the_alert("joint.stage_deadline", subject).state == AlertState.OPEN


def test_a_stage_applied_for_again_runs_on_with_the_days_it_had_left(joint_hall):
    hall = joint_hall
    jc = receive_construction(hall, theme=with_stage_days(hall, hall.construction, [None, 5, None, None]))
    decide_all(jc, "2026-03-03 10:00")  # the first stage done: the second starts Tue 03-03
    second = JointStage.objects.get(joint_case=jc, stage__order=2)
    assert second.due_date == date(2026, 3, 10)
    links = list(jc.sub_cases.filter(joint_stage=second).select_related("case"))
    decide(links[0].case, grant=False, at=at("2026-03-04 10:00"))
    for link in links[1:]:
        decide(link.case, at=at("2026-03-04 10:00"))
    # Stage two failed Wed 03-04 (one of its 5 days used): the joint case
    # stopped, the stage's clock with it; re-applied Mon 03-09, the stage
    # runs again with its 4 remaining working days from then.
    second.refresh_from_db()
    assert (second.state, second.light, second.watch_on) == ("failed", "", None)
    joint.joint_item_reapply(actor=hall.clerk, joint_case=jc, sub_case=links[0], at=at("2026-03-09 10:00"))
    second.refresh_from_db()
    assert second.state == "running" and second.due_date == date(2026, 3, 13) and second.light == "green"


# --- pre-review ---------------------------------------------------------------------------

def late_pre_review(hall):
    """A pre-review opened on Fri 03-06 (due Mon 03-09): department G gives
    its opinion in time, department E does not."""
    jc = receive_construction(hall)
    g, e = hall.departments["G"], hall.departments["E"]
    green.joint_green_channel_set(actor=hall.manager, joint_case=jc, green=True, reason="重点项目",
                                  at=at("2026-03-06 09:00"))
    review = green.pre_review_open(actor=hall.manager, joint_case=jc, departments=[g, e], at=at("2026-03-06 10:00"))
    opinions = {o.department_id: o for o in review.opinions.all()}
    green.pre_review_opinion_give(actor=hall.people.reviewer_g, opinion=opinions[g.pk], verdict="pass",
                                  at=at("2026-03-09 16:00"))
    return jc, e, opinions[e.pk]


def test_a_late_pre_review_opinion_alerts_its_department_once_and_is_cleared_when_given(joint_hall):
    hall = joint_hall
    jc, e, opinion = late_pre_review(hall)
    supervise_scan(at=at("2026-03-09 18:00"))  # due Mon 03-09: not late yet
    assert not Alert.objects.filter(rule="joint.prereview_late").exists()
    supervise_scan(at=at("2026-03-10 09:00"))
    alert = Alert.objects.get(rule="joint.prereview_late")
    assert (alert.department, alert.severity, alert.case) == (e, "yellow", None) and jc.number in alert.message
    supervise_scan(at=at("2026-03-10 18:00"))
    assert Alert.objects.filter(rule="joint.prereview_late").count() == 1
    alert.refresh_from_db()
    assert alert.severity == "yellow"  # one more working day (Tue 03-10) before red
    green.pre_review_opinion_give(actor=hall.people.reviewer_e, opinion=opinion, verdict="pass",
                                  at=at("2026-03-10 19:00"))
    alert.refresh_from_db()
    assert alert.state == AlertState.CLEARED


def test_a_pre_review_opinion_missing_a_further_working_day_turns_red_and_stays_for_the_supervisor(joint_hall):
    hall = joint_hall
    _jc, e, opinion = late_pre_review(hall)
    supervise_scan(at=at("2026-03-10 09:00"))
    supervise_scan(at=at("2026-03-11 09:00"))
    alert = Alert.objects.get(rule="joint.prereview_late")
    assert (alert.department, alert.severity, alert.escalated_at) == (e, "red", at("2026-03-11 09:00"))
    supervise_scan(at=at("2026-03-12 09:00"))
    assert Alert.objects.filter(rule="joint.prereview_late").count() == 1
    green.pre_review_opinion_give(actor=hall.people.reviewer_e, opinion=opinion, verdict="pass",
                                  at=at("2026-03-12 10:00"))
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN  # red: answered with a correction and closed by a supervisor


# --- the scan reads no sub-case -----------------------------------------------------------

def test_the_joint_part_of_the_scan_reads_no_case(joint_hall):
    hall = joint_hall
    red = receive_construction(hall, theme=with_stage_days(hall, hall.construction, [2, None, None, None]))
    startup(hall)
    green.joint_green_channel_set(actor=hall.manager, joint_case=red, green=True, reason="重点项目",
                                  at=at("2026-03-02 11:00"))
    green.pre_review_open(actor=hall.manager, joint_case=red, departments=[hall.departments["G"]],
                          at=at("2026-03-02 12:00"))
    JointCase.objects.update(watch_on=date(2026, 3, 2))
    with CaptureQueriesContext(connection) as captured:
        looked_at = joint_time_scan(today=date(2026, 3, 6), at=at("2026-03-06 09:00"))
    assert looked_at == 2 + 1 + 1  # two joint cases, one stage, one opinion
    assert Alert.objects.filter(rule="joint.deadline").count() == 1  # the start-up, red
    assert Alert.objects.filter(rule="joint.stage_deadline", severity="red").count() == 1
    assert Alert.objects.filter(rule="joint.prereview_late").count() == 1
    assert not [q["sql"] for q in captured.captured_queries if "cases_case" in q["sql"]]


# --- indicators ---------------------------------------------------------------------------

def test_the_joint_indicators_against_hand_computed_figures(joint_hall):
    hall = joint_hall
    fast, late = startup(hall), startup(hall)
    receive_construction(hall)  # received, still running
    decide_all(fast, "2026-03-03 10:00")
    deliver(hall, fast, "2026-03-04 10:00")  # 2 working days, by its deadline (03-05)
    decide_all(late, "2026-03-06 10:00")
    deliver(hall, late, "2026-03-09 10:00")  # 5 working days, after its deadline
    figures = joint_indicators(user=hall.manager, start=date(2026, 3, 1), end=date(2026, 3, 31), center=hall.district)
    assert (figures.received, figures.delivered, figures.on_time) == (3, 2, 1)
    assert figures.on_time_rate == 0.5 and figures.average_days == 3.5
    # Serial: 4 items × 10 promised days each, per delivered joint case.
    assert (figures.serial_days, figures.total_days, figures.saved_days) == (80, 7, 73)
    assert figures.saved_rate == 73 / 80
    april = joint_indicators(user=hall.manager, start=date(2026, 4, 1), end=date(2026, 4, 30))
    assert (april.received, april.delivered, april.average_days, april.saved_rate) == (0, 0, None, None)
    # Within the reader's scope: an applicant sees only his own.
    assert joint_indicators(user=hall.applicant, start=date(2026, 3, 1), end=date(2026, 3, 31)).received == 0


def test_the_joint_list_shows_the_indicators_to_managers_only(client, joint_hall):
    hall = joint_hall
    jc = startup(hall)
    decide_all(jc, "2026-03-03 10:00")
    deliver(hall, jc, "2026-03-04 10:00")
    client.force_login(hall.manager)
    page = client.get(reverse("joint_worklist"), {"month": "2026-03"}).content.decode()
    assert 'data-testid="joint-indicators"' in page and "40 − 2 = 38" in page
    assert client.get(reverse("joint_worklist"), {"month": "2026-13"}).status_code == 200  # said on the panel
    client.force_login(hall.clerk)
    assert 'data-testid="joint-indicators"' not in client.get(reverse("joint_worklist")).content.decode()


# --- the wall -----------------------------------------------------------------------------

def test_the_wall_lists_a_red_joint_case_for_a_supervisor_and_is_refused_to_an_applicant(client, joint_hall):
    hall = joint_hall
    jc = startup(hall)
    other = receive_construction(hall)  # green: not listed
    supervise_scan(at=at("2026-03-06 09:00"))
    client.force_login(hall.supervisor)
    page = client.get(reverse("supervision_wall")).content.decode()
    section = page[page.index('data-testid="joint-wall"'):]
    assert reverse("joint_detail", args=[jc.number]) in section and "开办企业一件事" in section
    assert 'class="light red"' in section and "2026-03-05" in section and "示例区市场监管局" in section
    assert other.number not in section
    client.force_login(hall.applicant)
    assert client.get(reverse("supervision_wall")).status_code == 403


# --- pages --------------------------------------------------------------------------------

def test_the_theme_page_sets_a_stage_limit_and_shows_a_refusal_at_its_field(client, joint_hall):
    hall = joint_hall
    draft = joint.theme_revise(actor=hall.manager, theme=hall.startup)
    spec = joint.configured_stages(draft)[0]
    post = {"stages-TOTAL_FORMS": "1", "stages-INITIAL_FORMS": "0", "stages-0-name": spec["name"],
            "stages-0-lead_department": spec["lead_department"], "stages-0-items": spec["items"],
            "stages-0-depends_on": "", "stages-0-stage_days": "4"}
    client.force_login(hall.manager)
    refused = client.post(reverse("joint_theme_detail", args=[draft.pk]), post)
    assert refused.status_code == 400
    assert "阶段办理时限应为 1 至 3 个工作日" in refused.content.decode()
    assert draft.stages.get().stage_days is None  # nothing written
    saved = client.post(reverse("joint_theme_detail", args=[draft.pk]), {**post, "stages-0-stage_days": "2"})
    assert saved.status_code == 302 and draft.stages.get().stage_days == 2


def test_the_joint_case_page_shows_the_stage_deadline_and_light(client, joint_hall):
    hall = joint_hall
    jc = receive_construction(hall, theme=with_stage_days(hall, hall.construction, [2, None, None, None]))
    supervise_scan(at=at("2026-03-04 09:00"))
    client.force_login(hall.manager)
    page = client.get(reverse("joint_detail", args=[jc.number])).content.decode()
    stage = page[page.index('data-testid="stage-deadline"'):][:600]
    assert "2026-03-04" in stage and 'class="light yellow"' in stage
