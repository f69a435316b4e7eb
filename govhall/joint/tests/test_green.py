"""Green channel of joint cases and joint pre-review (联合预审), DESIGN 3.8."""

from datetime import date

import pytest

from govhall.calendars.selectors import work_calendar
from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.states import GREEN_ON
from govhall.cases.tests.conftest import at
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.joint import green
from govhall.joint.deadlines import whole_watch
from govhall.joint.models import JointCase
from govhall.joint.tests.builders import decide, receive_construction
from govhall.timing import Light


def test_a_joint_cases_flag_flags_its_sub_cases_with_the_reason(joint_hall):
    h = joint_hall
    jc = receive_construction(h)
    with pytest.raises(NotPermitted):
        green.joint_green_channel_set(actor=h.town_manager, joint_case=jc, green=True, reason="重点项目")
    with pytest.raises(DomainError) as error:
        green.joint_green_channel_set(actor=h.manager, joint_case=jc, green=True, reason="")
    assert error.value.field == "reason"
    green.joint_green_channel_set(actor=h.manager, joint_case=jc, green=True, reason="省重点项目",
                                  at=at("2026-03-02 11:00"))
    assert JointCase.objects.get(pk=jc.pk).green_channel
    subs = Case.objects.filter(joint_link__joint_case=jc)
    assert subs.count() == 3 and all(case.green_channel for case in subs)
    for case in subs:
        event = case.events.order_by("-seq").first()
        assert (event.action, event.data["reason"]) == (GREEN_ON, "省重点项目")
    audit = AuditEvent.objects.filter(action="joint_green_on").get()
    assert sorted(audit.data["cases"]) == sorted(subs.values_list("number", flat=True))
    green.joint_green_channel_set(actor=h.manager, joint_case=jc, green=False, reason="转常规",
                                  at=at("2026-03-03 11:00"))
    assert not JointCase.objects.get(pk=jc.pk).green_channel
    assert not Case.objects.filter(joint_link__joint_case=jc, green_channel=True).exists()


def test_a_pre_review_gives_each_department_one_working_day_and_shows_late_opinions(joint_hall):
    h = joint_hall
    jc = receive_construction(h)
    g, e = h.departments["G"], h.departments["E"]
    with pytest.raises(DomainError) as error:  # not green channel yet
        green.pre_review_open(actor=h.manager, joint_case=jc, departments=[g, e])
    assert error.value.field == "green_channel"
    green.joint_green_channel_set(actor=h.manager, joint_case=jc, green=True, reason="重点项目",
                                  at=at("2026-03-06 09:00"))
    with pytest.raises(DomainError) as error:
        green.pre_review_open(actor=h.manager, joint_case=jc, departments=[])
    assert error.value.field == "departments"
    # Opened on Friday 3-6: due the next working day, Monday 3-9.
    review = green.pre_review_open(actor=h.manager, joint_case=jc, departments=[g, e], note="请各部门提前预审",
                                   at=at("2026-03-06 10:00"))
    assert review.due_on == date(2026, 3, 9)
    opinions = {o.department_id: o for o in review.opinions.all()}
    with pytest.raises(NotPermitted):  # another department's reviewer
        green.pre_review_opinion_give(actor=h.people.reviewer_e, opinion=opinions[g.pk], verdict="pass")
    with pytest.raises(DomainError) as error:
        green.pre_review_opinion_give(actor=h.people.reviewer_g, opinion=opinions[g.pk], verdict="issues", text="")
    assert error.value.field == "text"
    given = green.pre_review_opinion_give(actor=h.people.reviewer_g, opinion=opinions[g.pk], verdict="issues",
                                          text="消防通道宽度不足", at=at("2026-03-09 16:00"))
    assert not given.late_on(date(2026, 3, 20))
    with pytest.raises(DomainError):  # once
        green.pre_review_opinion_give(actor=h.people.reviewer_g, opinion=opinions[g.pk], verdict="pass")
    waiting = opinions[e.pk]
    assert not waiting.late_on(date(2026, 3, 9)) and waiting.late_on(date(2026, 3, 10))
    late = green.pre_review_opinion_give(actor=h.people.reviewer_e, opinion=waiting, verdict="pass",
                                         at=at("2026-03-10 09:00"))
    assert late.late_on(date(2026, 3, 10))
    assert AuditEvent.objects.filter(action="pre_review_opinion").count() == 2


def test_a_case_pre_review_needs_the_green_channel_and_a_manager(joint_hall):
    h = joint_hall
    case = Case.objects.filter(joint_link__joint_case=receive_construction(h)).order_by("pk").first()
    with pytest.raises(DomainError):
        green.pre_review_open(actor=h.manager, case=case, departments=[h.dept_a])
    case = cases.case_green_channel_set(actor=h.manager, case=case, green=True, reason="重点项目",
                                        at=at("2026-03-02 11:00"))
    with pytest.raises(NotPermitted):
        green.pre_review_open(actor=h.reviewer, case=case, departments=[h.dept_a])
    # Opened after office hours on Monday: counted from Tuesday, due Wednesday.
    review = green.pre_review_open(actor=h.manager, case=case, departments=[h.dept_a, h.dept_b],
                                   at=at("2026-03-02 18:00"))
    assert review.due_on == date(2026, 3, 4) and review.opinions.count() == 2


def test_a_green_channel_joint_case_is_served_first_in_the_joint_work_list(joint_hall):
    from govhall.joint.selectors import joint_case_list_visible

    h = joint_hall
    first = receive_construction(h, when=at("2026-03-02 10:00"))
    second = receive_construction(h, when=at("2026-03-04 10:00"))
    assert list(joint_case_list_visible(user=h.manager)) == [first, second]
    green.joint_green_channel_set(actor=h.manager, joint_case=second, green=True, reason="重点项目",
                                  at=at("2026-03-04 11:00"))
    assert list(joint_case_list_visible(user=h.manager)) == [second, first]


def test_the_sub_cases_of_a_later_stage_of_a_green_channel_project_are_green_channel_too(joint_hall):
    h = joint_hall
    jc = receive_construction(h)
    green.joint_green_channel_set(actor=h.manager, joint_case=jc, green=True, reason="省重点项目",
                                  at=at("2026-03-02 11:00"))
    first = list(Case.objects.filter(joint_link__joint_case=jc))
    for case in first:
        decide(case, at=at("2026-03-03 10:00"))
    later = Case.objects.filter(joint_link__joint_case=jc).exclude(pk__in=[c.pk for c in first])
    assert later.exists() and all(case.green_channel for case in later)


def test_a_green_channel_projects_whole_deadline_turns_yellow_earlier(joint_hall):
    # 45 working days: yellow at 9 days left by the standard scheme
    # (max(1, 20% of 45)), at 18 for a green-channel project (max(2, 40% of 45)).
    h = joint_hall
    jc = receive_construction(h)
    calendar = work_calendar()
    fifteen_left = calendar.add_workdays(date(2026, 3, 2), 30)
    assert whole_watch(jc, today=fifteen_left, running=True).due_date == calendar.add_workdays(fifteen_left, 15)
    assert whole_watch(jc, today=fifteen_left, running=True).light == Light.GREEN
    green.joint_green_channel_set(actor=h.manager, joint_case=jc, green=True, reason="省重点项目",
                                  at=at("2026-03-02 11:00"))
    jc = JointCase.objects.get(pk=jc.pk)
    assert whole_watch(jc, today=fifteen_left, running=True).light == Light.YELLOW
