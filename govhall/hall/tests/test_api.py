"""The hall API: take a number, read a ticket's status; bad input is a 400
naming the field, and nothing is issued."""

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from govhall.hall import services as hall_services
from govhall.hall.models import Ticket
from govhall.hall.tests.conftest import issue, later

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(floor):
    client = APIClient()
    client.force_authenticate(floor.applicant)
    with time_machine.travel(later(30), tick=False):
        yield client


def test_a_number_by_the_api_and_its_status_by_code_without_login(api, floor):
    issue(floor.cat_b, 1)
    answer = api.post(reverse("api_hall_tickets"), {"center": "D1", "category": "b", "phone": "13912345678"},
                      format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["number"], body["state"], body["ahead"], body["expected_wait_minutes"]) == ("B002", "waiting", 1, 3)
    assert "phone" not in body and Ticket.objects.get(number="B002").source == "api"
    anonymous = APIClient().get(reverse("api_hall_ticket", args=[body["code"]]))
    assert anonymous.status_code == 200 and anonymous.json()["number"] == "B002"
    hall_services.ticket_call_next(actor=floor.clerk_b, window=floor.window_b, at=later(31))
    first = Ticket.objects.get(number="B001")
    called = APIClient().get(reverse("api_hall_ticket", args=[first.code])).json()
    assert (called["state"], called["window"], called["ahead"]) == ("called", "11", None)


@pytest.mark.parametrize("body, status, field", [
    ({"center": "D1"}, 400, "category"),
    ({"center": "D1", "category": "AB"}, 400, "category"),
    ({"center": "D1", "category": "A", "priority": "vip"}, 400, "priority"),
    ({"center": "D1", "category": "A", "priority": "appointment"}, 400, "priority"),
    ({"center": "D1", "category": "A", "priority": "green_channel"}, 403, "priority"),
    ({"center": "D1", "category": "A", "phone": "12ab"}, 400, "phone"),
    ({"center": "D1", "category": "Z"}, 404, "category"),
    ({"center": "nowhere", "category": "A"}, 404, "category"),
])
def test_bad_input_names_the_field_and_issues_nothing(api, body, status, field):
    answer = api.post(reverse("api_hall_tickets"), body, format="json")
    assert (answer.status_code, answer.json()["field"]) == (status, field)
    assert not Ticket.objects.exists()


def test_taking_a_number_needs_a_login_and_an_unknown_code_is_not_found(floor):
    assert APIClient().post(reverse("api_hall_tickets"), {"center": "D1", "category": "A"},
                            format="json").status_code in (401, 403)
    assert APIClient().get(reverse("api_hall_ticket", args=["nothing"])).status_code == 404


def test_the_schema_names_the_hall_endpoints(client):
    schema = client.get(reverse("api_schema")).content.decode()
    assert "/api/hall/tickets/" in schema and "TicketStateEnum" in schema


def test_addresses_no_ticket_or_center_can_have_are_not_found(floor, client):
    for url in ("/api/hall/tickets/ab%00/", "/api/hall/tickets/" + "x" * 200 + "/"):
        assert APIClient().get(url).status_code == 404, url
    for url in ("/hall/ticket/ab%00/", "/hall/D1%00/kiosk/", "/hall/D1%00/display/calls/"):
        assert client.get(url).status_code == 404, url
