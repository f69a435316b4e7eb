"""The screens: who may open them, what they show, and the acts through them."""

from datetime import timedelta

import pytest
import time_machine

from govhall.hotline import services as hotline
from govhall.hotline.models import OrderState, OrderType, WorkOrder

from .conftest import MONDAY, new_order


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=True):
        yield


def test_the_operator_registers_and_dispatches_a_call_from_the_intake_page(line, client):
    c = client_for(client, line.operator)
    assert c.get("/workbench/hotline/intake/").status_code == 200
    response = c.post("/workbench/hotline/intake/", {
        "caller_phone": "13912345678", "caller_name": "王先生", "type": OrderType.COMPLAINT,
        "content": "路灯不亮", "urgency": "normal", "main_unit": line.unit_b.pk, "co_units": [line.water.pk],
        "step": "dispatch"})
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert (order.state, order.main_unit) == (OrderState.DISPATCHED, line.unit_b)


def test_a_failed_dispatch_on_the_intake_page_registers_nothing(line, client):
    c = client_for(client, line.operator)
    response = c.post("/workbench/hotline/intake/", {
        "caller_phone": "13912345678", "type": OrderType.COMPLAINT, "content": "路灯不亮", "urgency": "normal",
        "step": "dispatch"})
    assert response.status_code == 400
    assert "派单须选择主办单位" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_bad_input_on_the_intake_page_names_the_field(line, client):
    c = client_for(client, line.operator)
    response = c.post("/workbench/hotline/intake/", {
        "caller_phone": "call me", "type": OrderType.COMPLAINT, "content": "路灯不亮", "urgency": "normal"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "caller_phone" in form.errors and not WorkOrder.objects.exists()


def test_the_repeat_caller_history_appears_for_the_number_typed(line, client):
    earlier = new_order(line, when=MONDAY - timedelta(days=2))
    c = client_for(client, line.operator)
    page = c.get("/workbench/hotline/intake/history/", {"caller_phone": "13912345678"}).content.decode()
    assert earlier.number in page and "重复来电" in page
    assert earlier.number not in c.get("/workbench/hotline/intake/history/",
                                       {"caller_phone": "13800000000"}).content.decode()


def test_lists_show_the_phone_masked(line, client):
    order = new_order(line)
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_b)
    for user, url in [(line.operator, "/workbench/hotline/"), (line.handler_b, "/workbench/hotline/unit/"),
                      (line.operator, f"/workbench/hotline/{order.number}/")]:
        client.logout()
        page = client_for(client, user).get(url).content.decode()
        assert order.number in page and "139****5678" in page and "13912345678" not in page, url


def test_the_operator_list_filters_by_state_type_and_overdue(line, client):
    late = new_order(line, when=MONDAY - timedelta(days=20))
    hotline.workorder_dispatch(actor=line.operator, order=late, main_unit=line.unit_b, at=MONDAY - timedelta(days=20))
    fresh = new_order(line, type=OrderType.CONSULT)
    c = client_for(client, line.operator)
    overdue = c.get("/workbench/hotline/", {"overdue": "1"}).content.decode()
    assert late.number in overdue and fresh.number not in overdue
    consults = c.get("/workbench/hotline/", {"type": OrderType.CONSULT}).content.decode()
    assert fresh.number in consults and late.number not in consults
    registered = c.get("/workbench/hotline/", {"state": OrderState.REGISTERED}).content.decode()
    assert fresh.number in registered and late.number not in registered


def test_a_unit_handler_sees_and_acts_on_their_units_orders_only(line, client):
    mine = new_order(line)
    hotline.workorder_dispatch(actor=line.operator, order=mine, main_unit=line.unit_b)
    other = new_order(line, content="另一件事")
    hotline.workorder_dispatch(actor=line.operator, order=other, main_unit=line.unit_a)
    c = client_for(client, line.handler_b)
    page = c.get("/workbench/hotline/unit/").content.decode()
    assert mine.number in page and other.number not in page
    assert c.get(f"/workbench/hotline/{other.number}/").status_code == 404
    assert c.post(f"/workbench/hotline/{other.number}/sign/").status_code == 404
    assert c.post(f"/workbench/hotline/{mine.number}/sign/").status_code == 302
    assert c.post(f"/workbench/hotline/{mine.number}/reply/", {"text": "已修复路灯。"}).status_code == 302
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.state, other.state) == (OrderState.REPLIED, OrderState.DISPATCHED)
    # Answered: off the unit's to-do list, still in all its orders.
    assert mine.number not in c.get("/workbench/hotline/unit/").content.decode()
    page = c.get("/workbench/hotline/unit/", {"all": "1"}).content.decode()
    assert mine.number in page and other.number not in page
    # The hotline's own acts are not theirs.
    assert c.post(f"/workbench/hotline/{mine.number}/close/", {"solved": "1"}).status_code == 403
    assert c.get("/workbench/hotline/").status_code == 403
    assert c.get("/workbench/hotline/intake/").status_code == 403


def test_the_unit_returns_with_a_reason_and_the_operator_calls_back(line, client):
    order = new_order(line)
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a)
    c = client_for(client, line.handler_a)
    response = c.post(f"/workbench/hotline/{order.number}/return/", {"text": ""})
    assert response.status_code == 400 and "请填写此项" in response.content.decode()
    assert c.post(f"/workbench/hotline/{order.number}/return/", {"text": "不属本局职责"}).status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.RETURNED


def test_an_applicant_cannot_open_the_operator_pages(line, client):
    order = new_order(line)
    c = client_for(client, line.hall.applicant)
    for url in ["/workbench/hotline/intake/", "/workbench/hotline/", "/workbench/hotline/unit/",
                "/workbench/hotline/intake/history/?caller_phone=13912345678"]:
        assert c.get(url).status_code == 403, url
    assert c.get(f"/workbench/hotline/{order.number}/").status_code == 403


def test_the_home_page_links_each_role_to_its_screens(line, client):
    page = client_for(client, line.operator).get("/workbench/").content.decode()
    assert "/workbench/hotline/intake/" in page
    client.logout()
    page = client_for(client, line.handler_b).get("/workbench/").content.decode()
    assert "/workbench/hotline/unit/" in page and "/workbench/hotline/intake/" not in page
