"""Handling an alert: the department signs and answers, a supervisor
closes or sends back; pages in scope only."""

import pytest
from django.urls import reverse

from govhall.cases.tests.conftest import accept_checked, at
from govhall.cases.tests.test_lifecycle import submit
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.supervision import services
from govhall.supervision.models import AlertState
from govhall.supervision.tests.test_rules import accepted, alerts, scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def red_alert(desk):
    accepted(desk)
    scan("2026-03-17 10:00")  # overdue: the case's deadline was Mon 03-16
    return next(a for a in alerts("case.deadline"))


def test_the_department_answers_and_the_supervisor_closes(desk, red_alert):
    alert = services.alert_acknowledge(actor=desk.reviewer, alert=red_alert)
    assert alert.state == AlertState.ACKNOWLEDGED
    alert = services.alert_answer(actor=desk.reviewer, alert=alert, answer="已督促承办人当日办结，并调整审查分工。")
    assert alert.state == AlertState.ANSWERED
    alert = services.alert_close(actor=desk.supervisor, alert=alert, note="整改到位")
    assert alert.state == AlertState.CLOSED and alert.closed_by == desk.supervisor
    actions = list(AuditEvent.objects.filter(target_id=str(alert.pk)).values_list("action", flat=True))
    assert {"alert.raise", "alert.acknowledge", "alert.answer", "alert.close"} <= set(actions)


def test_a_supervisor_sends_an_answer_back_with_a_reason(desk, red_alert):
    alert = services.alert_answer(actor=desk.reviewer, alert=red_alert, answer="已处理")
    with pytest.raises(DomainError) as error:
        services.alert_send_back(actor=desk.supervisor, alert=alert, note=" ")
    assert error.value.field == "note"
    alert = services.alert_send_back(actor=desk.supervisor, alert=alert, note="未说明超期原因")
    assert alert.state == AlertState.ACKNOWLEDGED and alert.sent_back == 1


def test_who_may_do_what(desk, red_alert):
    with pytest.raises(NotPermitted):
        services.alert_acknowledge(actor=desk.clerk_b, alert=red_alert)  # another department
    with pytest.raises(NotPermitted):
        services.alert_answer(actor=desk.supervisor, alert=red_alert, answer="x")  # supervisors do not answer
    with pytest.raises(DomainError) as error:
        services.alert_answer(actor=desk.reviewer, alert=red_alert, answer="")
    assert error.value.field == "answer"
    with pytest.raises(DomainError) as error:
        services.alert_close(actor=desk.supervisor, alert=red_alert)  # not answered yet
    assert error.value.field == "state"
    with pytest.raises(NotPermitted):
        services.alert_close(actor=desk.head, alert=red_alert)


def test_pages_show_alerts_in_scope_only(client, desk, red_alert):
    client.force_login(desk.reviewer)
    assert red_alert.message in client.get(reverse("alert_list")).content.decode()
    page = client.post(reverse("alert_act", args=[red_alert.pk, "answer"]), {"answer": ""}, follow=True)
    assert "请填写整改情况" in page.content.decode()
    client.force_login(desk.clerk_b)
    assert red_alert.message not in client.get(reverse("alert_list")).content.decode()
    assert client.get(reverse("alert_detail", args=[red_alert.pk])).status_code == 404


def test_the_wall_counts_lights_and_alerts_by_department(client, desk, red_alert):
    client.force_login(desk.supervisor)
    page = client.get(reverse("supervision_wall")).content.decode()
    assert desk.dept_a.short_name in page and "待处理红牌 <strong>2</strong>" in page  # the case and its review step
    assert client.get(reverse("supervision_wall"), HTTP_HX_REQUEST="true").status_code == 200
    client.force_login(desk.clerk)
    assert client.get(reverse("supervision_wall")).status_code == 403


def test_supervise_command_runs_the_scan(desk, capsys):
    from django.core.management import call_command

    accepted(desk)
    call_command("supervise")
    assert "new event(s) checked" in capsys.readouterr().out


def test_the_worker_schedule_keeps_one_scan_waiting(desk, settings):
    from django_tasks_db.models import DBTaskResult

    from govhall.supervision.tasks import schedule_next, supervise_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert schedule_next(immediately=True) is True
    assert schedule_next() is False  # one is already waiting
    waiting = DBTaskResult.objects.get(task_path=supervise_task.module_path, status="READY")
    # Running it scans and enqueues the next one.
    waiting.delete()
    supervise_task.call()
    assert DBTaskResult.objects.filter(task_path=supervise_task.module_path, status="READY").count() == 1


def test_a_town_manager_sees_the_alerts_of_cases_received_at_his_center(client, desk):
    """A case of a district department received at the town center is the
    town's (its manager lists it among his cases): so are its alerts, on the
    list, the page and the wall; the district's own cases' alerts are not."""
    from govhall.org import services as org
    from govhall.org.models import Action, Role, WindowKind
    from govhall.supervision import selectors

    window = org.window_create(actor=SYSTEM, center=desk.town, number="T1", name="便民服务窗口",
                               kind=WindowKind.COMPREHENSIVE)
    town_clerk = org.user_create(actor=SYSTEM, username="town_clerk", password="x-Secret-2026", role=Role.CLERK,
                                 full_name="镇窗口", center=desk.town, window=window)
    org.authorization_grant(actor=SYSTEM, staff=town_clerk, department=desk.dept_a, action=Action.ACCEPT)
    in_town = accept_checked(actor=town_clerk, case=submit(desk, actor=town_clerk, center=desk.town), at=at("2026-03-02 10:00"))
    accepted(desk, "2026-03-02 10:05")  # received at the district
    scan("2026-03-17 10:00")  # both overdue
    town = selectors.alert_list_for(desk.town_manager)
    assert town and {alert.case_id for alert in town} == {in_town.pk}
    assert {a.pk for a in selectors.alert_list_for(desk.manager)} == {a.pk for a in alerts() if a.state != "closed"}
    client.force_login(desk.town_manager)
    assert client.get(reverse("alert_detail", args=[town[0].pk])).status_code == 200
    wall = selectors.wall_for(desk.town_manager)
    assert wall["totals"]["red_alerts"] == len([a for a in town if a.severity == "red"]) > 0
