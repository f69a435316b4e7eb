"""The web shell: login with lockout, a home page per role, scoped pages,
the deadline calculator, attendance."""

import re
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from govhall.cases.tests.conftest import SHANGHAI
from govhall.org.models import Attendance
from govhall.test import PASSWORD


def login(client, user):
    client.force_login(user)


def test_login_page_is_chinese_and_protected_by_csrf(client, db):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    assert "csrfmiddlewaretoken" in page.content.decode()


def test_login_then_home(client, hall):
    answer = client.post(reverse("login"), {"username": "reviewer", "password": PASSWORD}, follow=True)
    assert answer.status_code == 200
    assert "您好，reviewer" in answer.content.decode()


def test_repeated_failures_lock_the_account(client, hall, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "reviewer", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "reviewer", "password": PASSWORD})
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    # Another account from the same hall network is not locked.
    ok = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert ok.status_code == 302


def test_anonymous_visitors_are_sent_to_login(client, db):
    for name in ["home", "org_overview", "attendance", "calendar_tool"]:
        answer = client.get(reverse(name))
        assert answer.status_code == 302 and answer.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "persona, present, absent",
    [
        ("clerk", ["组织机构", "考勤签到", "工作日与期限计算", "我的授权"], ["基础数据管理"]),
        ("admin", ["组织机构", "基础数据管理"], []),
        ("supervisor", ["（只读）", "组织机构"], ["基础数据管理"]),
        ("applicant", ["工作日与期限计算", "139****5678", "1101**********0011"], ["组织机构", "考勤签到", "13912345678"]),
    ],
)
def test_home_links_what_the_role_can_do(client, hall, persona, present, absent):
    login(client, getattr(hall, persona))
    text = client.get(reverse("home")).content.decode()
    for word in present:
        assert word in text
    for word in absent:
        assert word not in text


def test_every_home_link_answers(client, hall):
    from govhall.web.views import _links_for

    for persona in ["admin", "manager", "clerk", "supervisor", "applicant", "hotline"]:
        user = getattr(hall, persona)
        client.force_login(user)
        for link in _links_for(user):
            assert client.get(link.url).status_code == 200, (persona, link.url)


def test_org_pages_show_only_the_scope(client, hall):
    login(client, hall.clerk_b)
    text = client.get(reverse("org_overview")).content.decode()
    assert "示例区住房和城乡建设局" in text
    assert "示例区行政审批局" not in text
    staff = client.get(reverse("org_staff")).content.decode()
    assert "reviewer" not in staff


def test_staff_list_masks_phones(client, hall):
    login(client, hall.manager)
    text = client.get(reverse("org_staff")).content.decode()
    assert "138****0001" in text and "13800000001" not in text


def test_applicants_cannot_open_staff_pages(client, hall):
    login(client, hall.applicant)
    assert client.get(reverse("org_overview")).status_code == 403
    assert client.get(reverse("attendance")).status_code == 403


def test_deadline_calculator_answers_htmx_with_the_date(client, hall):
    login(client, hall.clerk)
    answer = client.post(
        reverse("calendar_deadline"),
        {"start": "2025-09-26", "days": "5", "extension": "0", "pauses": ""},
        headers={"HX-Request": "true"},
    )
    text = answer.content.decode()
    assert answer.status_code == 200
    # 2025-09-26 (Fri) + 5: 09-28 (Sun, adjusted), 09-29, 09-30, 10-09, 10-10.
    assert "2025-10-10" in text


def test_deadline_calculator_names_the_bad_field(client, hall):
    login(client, hall.clerk)
    answer = client.post(reverse("calendar_deadline"), {"start": "2026-01-05", "days": "-1", "pauses": "2026-01-06"})
    text = answer.content.decode()
    assert answer.status_code == 400
    assert "时限（工作日）" in text and "第 1 行" in text


def test_deadline_beyond_the_calendar_is_an_error_not_a_guess(client, hall):
    login(client, hall.clerk)
    answer = client.post(reverse("calendar_deadline"), {"start": "2035-01-05", "days": "5"})
    assert answer.status_code == 400
    assert "超出工作日历范围" in answer.content.decode()


def test_calendar_page_marks_the_provisional_year(client, hall):
    login(client, hall.clerk)
    text = client.get(reverse("calendar_tool"), {"year": "2027"}).content.decode()
    assert "按法定节假日规则推算" in text


def test_the_date_pickers_get_their_value_as_yyyy_mm_dd(client, hall):
    """The browser's date input takes no other format (a localized
    2026/12/06 leaves the picker empty)."""
    with time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI), tick=False):
        login(client, hall.clerk)
        text = client.get(reverse("calendar_tool")).content.decode()
    assert re.search(r'<input type="date" name="start" value="2026-12-07"', text), text


def test_sign_in_from_the_attendance_page(client, hall):
    login(client, hall.clerk)
    assert client.post(reverse("attendance_sign_in")).status_code == 302
    assert Attendance.objects.filter(staff=hall.clerk, check_in__isnull=False).count() == 1
    again = client.post(reverse("attendance_sign_in"), follow=True)
    assert "今天已经签到" in again.content.decode()


def test_manager_records_leave_and_errors_name_the_field(client, hall):
    login(client, hall.manager)
    bad = client.post(reverse("attendance_record"), {"staff": hall.clerk.pk, "day": "2026-11-23", "status": "leave", "note": ""})
    assert bad.status_code == 400 and "须填写说明" in bad.content.decode()
    good = client.post(reverse("attendance_record"), {"staff": hall.clerk.pk, "day": "2026-11-23", "status": "leave", "note": "年假"})
    assert good.status_code == 302
    login(client, hall.clerk)
    assert client.post(reverse("attendance_record"), {"staff": hall.clerk.pk, "day": "2026-11-23", "status": "leave", "note": "x"}).status_code == 403


def test_english_is_available(client, hall):
    login(client, hall.clerk)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = client.get(reverse("home")).content.decode()
    assert "Attendance" in text


def test_chinese_first_whatever_the_browser_asks(client, db):
    text = client.get(reverse("portal_home"), headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "我要办事" in text and 'lang="zh-CN"' in text
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get(reverse("portal_home")).content.decode()
