"""Appointment pages and API: booking and cancelling on the portal, the
kiosk's check-in, the manager's pattern page; bad input names the field,
refusals are 4xx, nothing half-written."""

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from govhall.hall.models import Appointment, AppointmentState, SlotPattern, Ticket
from govhall.hall.tests.conftest import MORNING, later
from govhall.hall.tests.test_appointments import TUESDAY, at_day, book, open_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(floor):
    return open_booking(floor)


@pytest.fixture
def morning():
    with time_machine.travel(later(-30), tick=False):  # Monday 08:30
        yield


def logged_in(client, user):
    client.force_login(user)
    return client


def test_an_applicant_books_on_the_portal_and_cancels(client, booking, morning):
    logged_in(client, booking.applicant)
    page = client.get(reverse("portal_appointment_book"), {"category": booking.cat_b.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert "住建业务" in html and "3月3日" in html and "余 2 个" in html
    start = at_day(TUESDAY, 9).isoformat()
    answer = client.post(reverse("portal_appointment_book"), {"category": booking.cat_b.pk, "start": start,
                                                              "phone": "13912345678"})
    assert answer.status_code == 302 and answer.url == reverse("portal_my_appointments")
    appointment = Appointment.objects.get()
    mine = client.get(reverse("portal_my_appointments")).content.decode()
    assert appointment.code in mine and "139****5678" in mine and "13912345678" not in mine
    assert client.post(reverse("portal_appointment_cancel", args=[appointment.code])).status_code == 302
    assert Appointment.objects.get().state == AppointmentState.CANCELLED


@pytest.mark.parametrize("post, field_text", [
    ({"start": "tomorrow"}, "请选择预约时段"),
    ({"start": at_day(TUESDAY, 9, 15).isoformat()}, "不在可预约范围"),
    ({"phone": "123"}, "有效的手机号码"),
])
def test_bad_booking_on_the_portal_is_a_400_with_the_fields_message(client, booking, morning, post, field_text):
    logged_in(client, booking.applicant)
    data = {"category": booking.cat_b.pk, "start": at_day(TUESDAY, 9).isoformat(), **post}
    answer = client.post(reverse("portal_appointment_book"), data)
    assert answer.status_code == 400 and field_text in answer.content.decode()
    assert not Appointment.objects.exists()


def test_the_portal_pages_need_an_applicant_and_cancel_only_ones_own(client, booking, morning):
    assert client.get(reverse("portal_appointment_book")).status_code == 302  # to the login
    logged_in(client, booking.clerk)
    assert client.get(reverse("portal_my_appointments")).status_code == 403
    theirs = book(booking, booking.other)
    client.logout()
    logged_in(client, booking.applicant)
    assert client.post(reverse("portal_appointment_cancel", args=[theirs.code])).status_code == 404
    assert Appointment.objects.get().state == AppointmentState.BOOKED


def test_check_in_at_the_kiosk_gives_the_priority_ticket_page(client, booking):
    appointment = book(booking, booking.applicant, 9, 0, day=MORNING.date())
    url = reverse("hall_kiosk_check_in", args=[booking.district.code])
    with time_machine.travel(later(-40), tick=False):  # 08:20: too early
        early = client.post(url, {"code": appointment.code})
        assert early.status_code == 400 and "08:30" in early.content.decode()
    with time_machine.travel(later(-5), tick=False):
        assert client.post(url, {"code": "ABCDEFGH"}).status_code == 404
        assert client.post(url, {"code": appointment.code, "phone": "13900000000"}).status_code == 404
        answer = client.post(url, {"code": appointment.code.lower(), "phone": "13912345678"})
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("hall_ticket", args=[ticket.code])
    assert (ticket.priority, ticket.source) == ("appointment", "appointment")
    kiosk = client.get(reverse("hall_kiosk", args=[booking.district.code])).content.decode()
    assert url in kiosk and "预约签到" in kiosk


def test_the_manager_sets_the_pattern_and_sees_the_days_bookings(client, booking, morning):
    book(booking, booking.applicant)
    logged_in(client, booking.manager)
    page = client.get(reverse("hall_appointments_manage"), {"category": booking.cat_b.pk, "day": TUESDAY.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200 and "09:00-11:00" in html and "139****5678" in html and "张三" in html
    answer = client.post(reverse("hall_appointments_pattern", args=[booking.cat_b.pk]), {
        "weekdays": ["0", "2"], "periods": "14:00-16:00", "minutes": "60", "capacity": "5"})
    assert answer.status_code == 302
    assert sorted(SlotPattern.objects.values_list("weekday", "capacity")) == [(0, 5), (0, 5), (2, 5), (2, 5)]
    bad = client.post(reverse("hall_appointments_pattern", args=[booking.cat_b.pk]), {
        "weekdays": ["0"], "periods": "16:00-14:00", "minutes": "60", "capacity": "5"}, follow=True)
    assert "结束须晚于开始" in bad.content.decode() and SlotPattern.objects.count() == 4
    client.logout()
    logged_in(client, booking.clerk)
    assert client.get(reverse("hall_appointments_manage")).status_code == 403
    assert client.post(reverse("hall_appointments_pattern", args=[booking.cat_b.pk]),
                       {"weekdays": ["0"], "periods": "", "minutes": "30", "capacity": "1"}).status_code == 403
    assert SlotPattern.objects.count() == 4


def test_the_api_lists_slots_books_and_cancels(booking, morning):
    slots = APIClient().get(reverse("api_hall_slots"), {"center": "D1", "category": "b"})
    assert slots.status_code == 200
    first = slots.json()[0]
    assert first["remaining"] == 2 and first["day"] == "2026-03-02"
    api = APIClient()
    api.force_authenticate(booking.applicant)
    start = at_day(TUESDAY, 9).isoformat()
    answer = api.post(reverse("api_hall_appointments"), {"center": "D1", "category": "B", "start": start},
                      format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["state"] == "booked" and body["phone"] == "139****5678"
    again = api.post(reverse("api_hall_appointments"), {"center": "D1", "category": "B", "start": start},
                     format="json")
    assert again.status_code == 409 and again.json()["field"] == "start"
    other = APIClient()
    other.force_authenticate(booking.other)
    # Another applicant's booking is not found (its code is not confirmed), staff are refused.
    assert other.post(reverse("api_hall_appointment_cancel", args=[body["code"]])).status_code == 404
    staff = APIClient()
    staff.force_authenticate(booking.clerk)
    assert staff.post(reverse("api_hall_appointment_cancel", args=[body["code"]])).status_code == 403
    assert Appointment.objects.get(code=body["code"]).state == AppointmentState.BOOKED
    cancelled = api.post(reverse("api_hall_appointment_cancel", args=[body["code"]]))
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    schema = APIClient().get(reverse("api_schema")).content.decode()
    assert "/api/hall/slots/" in schema and "/api/hall/appointments/{code}/cancel/" in schema


@pytest.mark.parametrize("body, status, field", [
    ({"category": "B", "start": "2026-03-03T09:00:00+08:00"}, 400, "center"),
    ({"center": "D1", "category": "B", "start": "soon"}, 400, "start"),
    ({"center": "D1", "category": "Z", "start": "2026-03-03T09:00:00+08:00"}, 404, "category"),
    ({"center": "D1", "category": "B", "start": "2026-03-03T09:10:00+08:00"}, 400, "start"),
    ({"center": "D1", "category": "B", "start": "2026-03-03T09:00:00+08:00", "phone": "1"}, 400, "phone"),
])
def test_bad_api_input_names_the_field(booking, morning, body, status, field):
    api = APIClient()
    api.force_authenticate(booking.applicant)
    answer = api.post(reverse("api_hall_appointments"), body, format="json")
    assert (answer.status_code, answer.json()["field"]) == (status, field)
    assert not Appointment.objects.exists()
    assert APIClient().get(reverse("api_hall_slots"), {"center": "D1"}).json()["field"] == "category"
    staff = APIClient()
    staff.force_authenticate(booking.clerk)
    good = {"center": "D1", "category": "B", "start": "2026-03-03T09:00:00+08:00"}
    assert staff.post(reverse("api_hall_appointments"), good, format="json").status_code == 403
