"""Appointments in a real browser: an applicant books today's slot on the
portal (on a phone-sized screen), sees it under 我的预约 with its code,
then checks in at the hall's kiosk with the code and gets a ticket of
appointment priority. Screenshots land in /tmp/appointment-*.png."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from govhall.calendars import services as calendars
from govhall.core import clock
from govhall.hall import appointments as appts
from govhall.hall import services as hall_services
from govhall.hall.models import Appointment, Ticket
from govhall.org import services as org
from govhall.test import PASSWORD
from govhall.web.tests.browser import BROWSER, browser, log_in, page  # noqa: F401  (fixtures)

pytestmark = BROWSER
SHOTS = Path("/tmp")


@pytest.fixture
def open_for_booking(hall):
    """The live server runs on the real clock: today is made a working day
    and category A gets one slot starting in ten minutes (its check-in open
    already), with two places."""
    now = timezone.localtime(clock.now()).replace(second=0, microsecond=0)
    start, end = now + timedelta(minutes=10), now + timedelta(minutes=40)
    if end.date() != now.date():
        pytest.skip("too close to midnight for a slot of today")
    calendars.local_day_set(actor=hall.admin, day=now.date(), is_workday=True, name="测试工作日", reason="测试")
    hall.cat_a = hall_services.category_create(actor=hall.manager, center=hall.district, code="A", name="综合业务")
    hall_services.window_categories_set(actor=hall.manager, window=hall.comprehensive, categories=[hall.cat_a])
    org.attendance_check_in(staff=hall.clerk, at=clock.now())
    appts.slot_pattern_set(actor=hall.manager, category=hall.cat_a, rows=[
        appts.PatternRow(now.weekday(), start.time(), end.time(), 2)])
    hall.slot_label = f"{start:%H:%M}–{end:%H:%M}"
    return hall


@pytest.mark.django_db(transaction=True)
def test_an_applicant_books_on_the_portal_and_checks_in_at_the_kiosk(browser, page, live_server,  # noqa: F811
                                                                     open_for_booking):
    hall = open_for_booking
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server.url}/login/")
    phone.get_by_label("用户名").fill("applicant")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_load_state()
    phone.goto(f"{live_server.url}/")
    phone.get_by_role("link", name="预约办事").click()
    phone.get_by_role("link", name=re.compile("综合业务")).click()
    slot = phone.locator("label.slot", has_text=hall.slot_label)
    assert "余 2 个" in slot.inner_text()
    slot.click()
    assert phone.get_by_label("接收提醒短信的手机号码").input_value() == "13912345678"
    phone.screenshot(path=str(SHOTS / "appointment-book.png"), full_page=True)
    phone.get_by_role("button", name="确认预约").click()
    phone.wait_for_url(re.compile(r"/my/appointments/$"))
    appointment = Appointment.objects.get()
    assert phone.get_by_test_id("appointment-code").inner_text() == appointment.code
    assert "139****5678" in phone.get_by_test_id(f"appointment-{appointment.code}").inner_text()
    phone.screenshot(path=str(SHOTS / "appointment-mine.png"), full_page=True)

    kiosk = page  # the fixture's page: it also checks the Content Security Policy
    kiosk.set_default_timeout(10_000)
    kiosk.goto(f"{live_server.url}/hall/{hall.district.code}/kiosk/")
    kiosk.get_by_role("link", name="预约签到").click()
    kiosk.get_by_label("预约码").fill(appointment.code.lower())
    kiosk.screenshot(path=str(SHOTS / "appointment-checkin.png"), full_page=True)
    kiosk.get_by_role("button", name="签到取号").click()
    kiosk.wait_for_url(re.compile(r"/hall/ticket/[^/]+/$"))
    assert kiosk.get_by_test_id("ticket-number").inner_text() == "A001"
    ticket = Ticket.objects.get()
    assert (ticket.priority, ticket.source) == ("appointment", "appointment")
    assert Appointment.objects.get().ticket == ticket
    kiosk.screenshot(path=str(SHOTS / "appointment-ticket.png"), full_page=True)

    # 我的预约 now shows the booking checked in, with its number.
    phone.reload()
    assert "已签到" in phone.get_by_test_id(f"appointment-{appointment.code}").inner_text()
    assert phone.get_by_role("link", name="排队号 A001").count() == 1
