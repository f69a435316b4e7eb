"""Personal work lists (issue 12 item 4): 待办 by role, grants, current step
and the head's requests; 已办; counts on the home page; search; only the
links and pages a role can use."""

import pytest
import time_machine
from django.urls import reverse

from govhall.cases import services as cases
from govhall.cases.selectors import case_list_done, case_list_todo
from govhall.cases.tests.conftest import accept_checked, at, desk  # noqa: F401  (fixture)
from govhall.cases.tests.test_lifecycle import submit
from govhall.core.actors import SYSTEM
from govhall.org import services as org
from govhall.org.models import Action as Grant

TODAY = at("2026-03-04 09:00")


def todo(person) -> dict[str, list[str]]:
    return {case.number: duties for case, duties in case_list_todo(user=person, today=TODAY.date())}


def test_each_person_finds_the_cases_that_wait_for_him(desk):
    received = submit(desk, applicant_name="李四", applicant_id_number="110101198505050024")
    accepted = accept_checked(actor=desk.clerk, case=submit(desk), at=at("2026-03-02 10:05"))
    assert set(todo(desk.clerk)) == {received.number}  # the acceptance check waits at the window
    assert todo(desk.reviewer) == {accepted.number: ["complete_step"]}
    assert todo(desk.approver) == {} and todo(desk.head) == {}
    assert todo(desk.clerk_b) == {} and todo(desk.manager) == {} and todo(desk.supervisor) == {}

    reviewed = cases.case_complete_step(actor=desk.reviewer, case=accepted, opinion="符合", at=at("2026-03-03 10:00"))
    assert todo(desk.reviewer) == {} and set(todo(desk.approver)) == {reviewed.number}

    # A request for the head puts the case in the head's list, and only while it waits.
    asked = cases.case_request_extension(actor=desk.reviewer, case=reviewed, days=5, reason="需征求意见",
                                         at=at("2026-03-03 11:00"))
    assert set(todo(desk.head)[asked.number]) == {"refuse_request"}
    cases.case_extend(actor=desk.head, case=asked, at=at("2026-03-03 12:00"))
    assert todo(desk.head) == {}


def test_done_lists_what_i_acted_on_latest_first(desk):
    first = accept_checked(actor=desk.clerk, case=submit(desk), at=at("2026-03-02 10:05"))
    second = accept_checked(actor=desk.clerk, case=submit(desk), at=at("2026-03-02 10:10"))
    cases.case_complete_step(actor=desk.reviewer, case=second, opinion="符合", at=at("2026-03-03 09:00"))
    cases.case_complete_step(actor=desk.reviewer, case=first, opinion="符合", at=at("2026-03-03 10:00"))
    assert [c.number for c in case_list_done(user=desk.reviewer)] == [first.number, second.number]
    assert list(case_list_done(user=desk.approver)) == []


def test_the_home_page_counts_my_work_and_links_to_it(client, desk):
    accept_checked(actor=desk.clerk, case=submit(desk), at=at("2026-03-02 10:05"))
    with time_machine.travel(TODAY, tick=False):
        client.force_login(desk.reviewer)
        page = client.get(reverse("home")).content.decode()
        listed = client.get(reverse("case_worklist")).content.decode()
    assert "我的工作" in page and '?view=todo"><strong class="big">1</strong><br>我的待办' in page
    assert "D1-20260302-00001" in listed and "完成审查环节" in listed and "剩 " in listed


def test_search_by_number_query_code_identity_or_name_within_my_scope(client, desk):
    case = submit(desk)
    other = submit(desk, applicant_name="李四", applicant_id_number="110101198505050024")
    client.force_login(desk.clerk)
    url = reverse("case_worklist")
    for query in (case.number, case.query_code.lower(), "110101199003070011", "张三"):
        page = client.post(f"{url}?view=all", {"q": query}).content.decode()
        assert case.number in page and other.number not in page, query
        assert "1101**********0011" in page  # masked in the results
        assert page.count("110101199003070011") == (1 if query == "110101199003070011" else 0)  # the box only
    assert other.number not in client.post(f"{url}?view=all", {"q": "张"}).content.decode()  # names are exact
    client.force_login(desk.clerk_b)  # another department finds nothing of A's
    page = client.post(f"{url}?view=all", {"q": case.number}).content.decode()
    assert f'href="/workbench/cases/{case.pk}/"' not in page and "共 0 件" in page


def test_only_clerks_who_accept_see_and_open_the_window_receipt(client, desk):
    for person in (desk.reviewer, desk.supervisor, desk.hotline, desk.manager):
        client.force_login(person)
        assert "窗口收件" not in client.get(reverse("case_worklist")).content.decode(), person
        assert client.get(reverse("case_receive_pick")).status_code == 403, person
        assert client.get(reverse("case_receive", args=[desk.item.code])).status_code == 403, person
    org.authorization_grant(actor=SYSTEM, staff=desk.clerk_b, department=desk.dept_b, action=Grant.ACCEPT)
    client.force_login(desk.clerk_b)  # accepts B's items, not A's
    assert client.get(reverse("case_receive_pick")).status_code == 200
    assert client.get(reverse("case_receive", args=[desk.item.code])).status_code == 403
    client.force_login(desk.clerk)
    assert "窗口收件" in client.get(reverse("case_worklist")).content.decode()
    assert client.get(reverse("case_receive", args=[desk.item.code])).status_code == 200


def test_the_staff_case_page_names_the_applicants_acts_as_the_window_takes_them(client, desk):
    case = submit(desk)
    client.force_login(desk.clerk)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "登记撤回（申请人书面申请）" in page and "撤回申请<" not in page


def test_the_backup_takes_over_the_holders_work_while_the_holder_is_away(client, desk):
    """A/B岗: while the holder is on leave, the backup finds the holder's work
    in his own list and may do it with the holder's authorization; the day
    the holder is back, no longer."""
    from datetime import date

    from govhall.core.errors import NotPermitted
    from govhall.org.models import AttendanceStatus, Role
    from govhall.supervision.models import Alert

    backup = org.user_create(actor=SYSTEM, username="backup", password="x-password-1", role=Role.CLERK,
                             center=desk.district, window=desk.comprehensive, full_name="李备岗")
    org.post_create(actor=SYSTEM, window=desk.comprehensive, name="综合受理岗", holder=desk.clerk, backup=backup)
    case = submit(desk)
    assert todo(backup) == {}
    org.attendance_record(actor=SYSTEM, staff=desk.clerk, day=date(2026, 3, 4), status=AttendanceStatus.LEAVE,
                          note="年休假")
    with time_machine.travel(TODAY, tick=False):
        assert set(todo(backup)) == {case.number}
        client.force_login(backup)
        page = client.get(reverse("case_worklist")).content.decode()
    assert "今日代岗（A/B岗）" in page and "clerk" in page and case.number in page
    with pytest.raises(NotPermitted):  # the next day the holder is back
        accept_checked(actor=backup, case=case, at=at("2026-03-05 09:00"))
    accepted = accept_checked(actor=backup, case=case, at=at("2026-03-04 09:30"))
    assert accepted.state == "accepted" and accepted.events.get(action="accept").actor == backup
    from govhall.supervision.engine import supervise_scan

    supervise_scan(at=at("2026-03-06 09:00"))  # the integrity scan judges the act on the day it was taken
    assert not Alert.objects.filter(rule="case.unauthorized").exists()


def test_the_window_work_of_a_case_waits_at_the_center_that_received_it(desk):
    from govhall.cases.tests.conftest import apply_online

    town_case = apply_online(applicant=desk.applicant, version=desk.version, center=desk.town,
                             when=at("2026-03-02 10:00"))
    district_case = apply_online(applicant=desk.applicant, version=desk.version, center=desk.district,
                                 when=at("2026-03-02 10:05"))
    town_clerk = org.user_create(actor=SYSTEM, username="town_clerk", password="x-password-1", role="clerk",
                                 center=desk.town, full_name="镇窗口")
    org.authorization_grant(actor=SYSTEM, staff=town_clerk, department=desk.dept_a, action=Grant.ACCEPT)
    assert set(todo(desk.clerk)) == {district_case.number}
    assert set(todo(town_clerk)) == {town_case.number}
