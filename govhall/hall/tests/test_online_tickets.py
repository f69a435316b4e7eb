"""Numbers from the portal (网上取号, docs/hall.md "Numbers from the
portal"): within the hall's hours only, one open number per person,
category and day, through the kiosk's ticket service; the page."""

from datetime import datetime

import pytest
import time_machine
from django.core.cache import caches
from django.urls import reverse

from govhall.core.actors import SYSTEM
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.hall import services as hall_services
from govhall.hall.models import Ticket, TicketPriority, TicketSource
from govhall.hall.tests.conftest import SHANGHAI, issue, later
from govhall.hall.tests.test_tickets import call, finish

pytestmark = pytest.mark.django_db


def online(hall, minute, actor=None, category=None, phone="", care=False, at=None):
    return hall_services.ticket_issue_online(
        actor=actor or hall.applicant,
        category=category or hall.cat_a,
        phone=phone,
        care=care,
        at=at or later(minute),
    )


def test_an_applicant_takes_a_number_online_in_the_same_queue_as_the_kiosk(floor):
    issue(floor.cat_a, 1)
    ticket = online(floor, 2, care=True)
    assert (ticket.source, ticket.priority, ticket.number, ticket.issued_by) == (
        TicketSource.PORTAL,
        TicketPriority.CARE,
        "A002",
        floor.applicant,
    )
    # Called like any other: care before the earlier ordinary number.
    assert call(floor, 3).pk == ticket.pk


def test_one_open_number_per_person_category_and_day(floor):
    first = online(floor, 1)
    with pytest.raises(Conflict) as again:
        online(floor, 2)
    assert again.value.field == "category" and "A001" in again.value.message
    # Another category is another queue.
    assert online(floor, 3, category=floor.cat_b).number == "B001"
    # Once served (or a no-show) he may take a new one.
    called = call(floor, 4)
    assert called.pk == first.pk
    finish(floor, called, 10)
    assert online(floor, 11).number == "A002"
    assert Ticket.objects.filter(issued_by=floor.applicant).count() == 3


def test_without_an_account_a_phone_is_needed_and_is_the_person(floor):
    with pytest.raises(DomainError) as no_phone:
        online(floor, 1, actor=SYSTEM)
    assert no_phone.value.field == "phone"
    with pytest.raises(DomainError) as bad_phone:
        online(floor, 1, actor=SYSTEM, phone="12345")
    assert bad_phone.value.field == "phone"
    ticket = online(floor, 1, actor=SYSTEM, phone="13900001234")
    assert ticket.issued_by is None and ticket.phone == "13900001234"
    with pytest.raises(Conflict):
        online(floor, 2, actor=SYSTEM, phone="139 0000 1234")
    # The same phone at the kiosk is not refused (the rule is the portal's).
    issue(floor.cat_a, 3, phone="13900001234")
    assert online(floor, 4, actor=SYSTEM, phone="13900005678").number == "A003"


@pytest.mark.parametrize(
    "moment, words",
    [
        (
            datetime(2026, 3, 2, 8, 59, tzinfo=SHANGHAI),
            "09:00–17:00",
        ),  # Monday, before opening
        (datetime(2026, 3, 2, 17, 0, tzinfo=SHANGHAI), "09:00–17:00"),  # Monday, closed
        (datetime(2026, 3, 7, 10, 0, tzinfo=SHANGHAI), "不是工作日"),  # Saturday
    ],
)
def test_outside_the_halls_hours_no_number_is_given(floor, moment, words):
    with pytest.raises(DomainError) as closed:
        online(floor, 0, at=moment)
    assert closed.value.field == "category" and words in closed.value.message
    assert not Ticket.objects.exists()


def test_staff_take_numbers_at_the_kiosk_or_the_panel_not_online(floor):
    with pytest.raises(NotPermitted):
        online(floor, 1, actor=floor.clerk)


@pytest.fixture
def at_ten(floor):
    caches["default"].clear()  # the rate limit counts in the shared cache
    with time_machine.travel(later(60), tick=False):
        yield


def page(floor):
    return reverse("hall_online_ticket", args=[floor.district.code])


def test_the_page_gives_a_number_and_the_ticket_shows_place_and_wait(
    client, floor, at_ten
):
    issue(floor.cat_a, 50)
    client.force_login(floor.applicant)
    shown = client.get(page(floor))
    assert shown.status_code == 200 and floor.applicant.phone in shown.content.decode()
    response = client.post(
        page(floor), {"category": floor.cat_a.pk, "phone": floor.applicant.phone}
    )
    ticket = Ticket.objects.get(source=TicketSource.PORTAL)
    assert response.status_code == 302 and response["Location"] == reverse(
        "hall_ticket", args=[ticket.code]
    )
    slip = client.get(response["Location"]).content.decode()
    assert (
        "A002" in slip
        and "前面还有 <strong>1</strong> 人等候" in slip
        and page(floor) in slip
    )
    # The page lists his open number; a second one is refused naming the field.
    assert ticket.code in client.get(page(floor)).content.decode()
    again = client.post(page(floor), {"category": floor.cat_a.pk})
    assert again.status_code == 409 and "A002" in again.content.decode()
    assert Ticket.objects.filter(source=TicketSource.PORTAL).count() == 1


def test_the_page_refuses_bad_input_and_staff(client, floor, at_ten):
    assert (
        client.post(page(floor), {"category": floor.cat_a.pk}).status_code == 400
    )  # no phone, no account
    assert (
        client.post(
            page(floor), {"category": 999999, "phone": "13900001234"}
        ).status_code
        == 400
    )
    client.force_login(floor.clerk)
    assert client.get(page(floor)).status_code == 200
    assert client.post(page(floor), {"category": floor.cat_a.pk}).status_code == 403
    assert not Ticket.objects.exists()


def test_the_page_after_hours_says_when(client, floor):
    caches["default"].clear()
    with time_machine.travel(later(8 * 60 + 30), tick=False):  # Monday 17:30
        client.force_login(floor.applicant)
        response = client.post(page(floor), {"category": floor.cat_a.pk})
    assert response.status_code == 400 and "09:00–17:00" in response.content.decode()
    assert not Ticket.objects.exists()
