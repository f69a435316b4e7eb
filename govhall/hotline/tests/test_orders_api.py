"""The work orders' API (hotline/orders_api.py): registering through the
API, the list and the detail in the caller's scope with phones masked, and
every act through its service — 403 for a role or unit the policy refuses,
404 for an order the caller may not see, 409 for a stale version, 400
naming the field with nothing written."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from govhall.hotline import services as hotline
from govhall.hotline.models import (
    AssignmentRole,
    Extension,
    OrderChannel,
    OrderState,
    WorkOrder,
    WorkOrderEvent,
)
from govhall.hotline.orders_api import ACTION_VIEWS

from .conftest import MONDAY, new_order

PHONE, MASKED = "13912345678", "139****5678"


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def _act(api, user, order, act, body=None):
    return _as(api, user).post(
        reverse(f"api_hotline_order_act_{act}", args=[order.number]),
        body or {},
        format="json",
    )


def _dispatched(line, unit=None):
    order = new_order(line, phone=PHONE)
    return hotline.workorder_dispatch(
        actor=line.operator, order=order, main_unit=unit or line.unit_b, at=MONDAY
    )


def _snapshot():
    return (
        list(WorkOrder.objects.order_by("pk").values_list("pk", "state", "version")),
        WorkOrderEvent.objects.count(),
    )


# --- registering ---------------------------------------------------------------------


def test_an_operator_registers_an_order_through_the_api(api, line):
    body = {
        "type": "complaint",
        "content": "  路灯不亮。 ",
        "category": "0101",
        "caller_phone": PHONE,
        "caller_name": "李女士",
        "address": "人民路 1 号",
        "town": "T1",
        "latitude": "31.230416",
        "longitude": "121.473701",
        "urgency": "urgent",
        "related_case_number": "D1-20260302-00001",
    }
    response = _as(api, line.operator).post(
        reverse("api_hotline_orders"), body, format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    order = WorkOrder.objects.get(number=data["number"])
    assert (order.channel, order.state, order.content, order.category, order.town) == (
        OrderChannel.API,
        OrderState.REGISTERED,
        "路灯不亮。",
        line.category,
        line.hall.town,
    )
    assert (order.caller_phone, str(order.latitude), order.urgency) == (
        PHONE,
        "31.230416",
        "urgent",
    )
    assert (
        data["caller_phone"],
        data["caller_name"],
        data["town"],
        data["category"],
    ) == (MASKED, "李女士", "T1", "0101")
    assert (
        data["events"][0]["action"] == "create"
        and data["events"][0]["data"]["caller_phone"] == MASKED
    )
    assert PHONE not in response.content.decode()
    assert "dispatch" in data["actions"] and "sign" not in data["actions"]


def test_an_anonymous_caller_keeps_no_name(api, line):
    response = _as(api, line.office).post(
        reverse("api_hotline_orders"),
        {
            "type": "consult",
            "content": "社保卡怎么补办？",
            "caller_name": "王",
            "anonymous": True,
        },
        format="json",
    )
    assert response.status_code == 201
    assert WorkOrder.objects.get(number=response.json()["number"]).caller_name == ""
    assert response.json()["caller_name"] == "匿名"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "complaint"}, "content"),
        ({"type": "nonsense", "content": "x"}, "type"),
        ({"type": "complaint", "content": "x", "caller_phone": "abc"}, "caller_phone"),
        ({"type": "complaint", "content": "x", "category": "99"}, "category"),
        ({"type": "complaint", "content": "x", "town": "D1"}, "town"),
        ({"type": "complaint", "content": "x", "town": "NOPE"}, "town"),
        ({"type": "complaint", "content": "x", "latitude": "31.2"}, "longitude"),
        (
            {"type": "complaint", "content": "x", "latitude": "91", "longitude": "121"},
            "latitude",
        ),
        ({"type": "complaint", "content": "x" * 4001}, "content"),
    ],
)
def test_bad_input_names_the_field_and_registers_nothing(api, line, body, field):
    before = _snapshot()
    response = _as(api, line.operator).post(
        reverse("api_hotline_orders"), body, format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["handler_b", "manager", "applicant"])
def test_only_the_hotline_staff_register(api, line, who):
    user = getattr(line, who, None) or getattr(line.hall, who)
    response = _as(api, user).post(
        reverse("api_hotline_orders"),
        {"type": "consult", "content": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert not WorkOrder.objects.exists()


def test_not_logged_in_is_refused(api, line):
    assert api.get(reverse("api_hotline_orders")).status_code in (401, 403)
    assert api.post(
        reverse("api_hotline_orders"),
        {"type": "consult", "content": "x"},
        format="json",
    ).status_code in (401, 403)


# --- the list and the detail ---------------------------------------------------------


def test_the_list_is_the_callers_scope_filtered_and_masked(api, line):
    at_b = _dispatched(line)
    at_a = _dispatched(line, line.unit_a)
    registered = new_order(line, phone="13800001111")
    response = _as(api, line.operator).get(reverse("api_hotline_orders"))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert [row["number"] for row in data["results"]] == [
        registered.number,
        at_a.number,
        at_b.number,
    ]
    assert {row["caller_phone"] for row in data["results"]} == {MASKED, "138****1111"}
    assert PHONE not in response.content.decode()
    # A unit's handler: only what was dispatched to his unit.
    rows = _as(api, line.handler_b).get(reverse("api_hotline_orders")).json()["results"]
    assert [row["number"] for row in rows] == [at_b.number]
    # An applicant, another center's staff: nothing.
    assert (
        _as(api, line.hall.applicant).get(reverse("api_hotline_orders")).json()["count"]
        == 0
    )
    assert (
        _as(api, line.hall.town_manager)
        .get(reverse("api_hotline_orders"))
        .json()["count"]
        == 0
    )
    # Filters.
    rows = (
        _as(api, line.operator)
        .get(reverse("api_hotline_orders"), {"state": "registered"})
        .json()["results"]
    )
    assert [row["number"] for row in rows] == [registered.number]
    assert (
        _as(api, line.operator)
        .get(reverse("api_hotline_orders"), {"type": "consult"})
        .json()["count"]
        == 0
    )
    # Overdue: the unit's time limit (days, by the clock of the request) has long passed a month
    # after the orders (the clock set: the suite also runs as if today were another day).
    with time_machine.travel(MONDAY + timedelta(days=30), tick=True):
        rows = (
            _as(api, line.operator)
            .get(reverse("api_hotline_orders"), {"overdue": "true"})
            .json()["results"]
        )
    assert {row["number"] for row in rows} == {at_a.number, at_b.number}
    page = (
        _as(api, line.operator)
        .get(reverse("api_hotline_orders"), {"limit": 1, "offset": 1})
        .json()
    )
    assert [row["number"] for row in page["results"]] == [at_a.number]


def test_a_bad_filter_names_it(api, line):
    response = _as(api, line.operator).get(
        reverse("api_hotline_orders"), {"state": "lost"}
    )
    assert (response.status_code, response.json()["field"]) == (400, "state")


def test_the_detail_has_assignments_limits_and_events_masked(api, line):
    order = _dispatched(line)
    response = _as(api, line.handler_b).get(
        reverse("api_hotline_order", args=[order.number])
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["state"], data["main_unit"], data["caller_phone"]) == (
        "dispatched",
        "U-B",
        MASKED,
    )
    assert data["due_at"] is not None and data["due_kind"]
    assert [
        (row["unit"], row["role"], row["active"]) for row in data["assignments"]
    ] == [("U-B", AssignmentRole.MAIN, True)]
    assert [event["action"] for event in data["events"]] == ["create", "dispatch"]
    assert {"sign", "return"} <= set(data["actions"]) and "dispatch" not in data[
        "actions"
    ]
    assert PHONE not in response.content.decode()


@pytest.mark.parametrize("who", ["handler_a", "town_manager", "applicant"])
def test_an_order_out_of_scope_is_404(api, line, who):
    order = _dispatched(line)
    user = getattr(line, who, None) or getattr(line.hall, who)
    assert (
        _as(api, user)
        .get(reverse("api_hotline_order", args=[order.number]))
        .status_code
        == 404
    )
    assert (
        _as(api, line.operator)
        .get(reverse("api_hotline_order", args=["D1-H0\x00"]))
        .status_code
        == 404
    )


# --- the acts ------------------------------------------------------------------------


def test_every_act_of_the_table_has_its_endpoint():
    assert set(ACTION_VIEWS) == {
        "dispatch",
        "close_direct",
        "sign",
        "reply",
        "return",
        "extension_ask",
        "extension_decide",
        "close",
        "reopen",
        "merge",
        "escalation_note",
        "attach",
    }


def test_a_whole_order_through_the_api(api, line):
    order = new_order(line, phone=PHONE)
    response = _act(
        api,
        line.operator,
        order,
        "dispatch",
        {"main_unit": "U-B", "co_units": ["U-W"], "version": order.version},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "dispatched"
    assert {(row["unit"], row["role"]) for row in response.json()["assignments"]} == {
        ("U-B", "main"),
        ("U-W", "co"),
    }
    assert _act(api, line.handler_b, order, "sign").json()["state"] == "signed"
    assert (
        _act(
            api,
            line.handler_b,
            order,
            "extension_ask",
            {"days": 3, "reason": "需现场勘查"},
        ).status_code
        == 200
    )
    response = _act(api, line.office, order, "extension_decide", {"approve": True})
    assert response.status_code == 200
    assert {
        row["unit"]: row["extension"] for row in response.json()["assignments"]
    } == {"U-B": Extension.APPROVED, "U-W": ""}
    assert (
        _act(api, line.handler_b, order, "reply", {"reply": "已恢复供水。"}).json()[
            "state"
        ]
        == "replied"
    )
    response = _act(
        api, line.operator, order, "reopen", {"reason": "仍未解决", "rating": 2}
    )
    assert response.json()["state"] == "dispatched"
    _act(api, line.handler_b, order, "sign")
    _act(api, line.handler_b, order, "reply", {"reply": "已彻底修复。"})
    response = _act(
        api,
        line.operator,
        order,
        "close",
        {"solved": True, "rating": 5, "note": "满意"},
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["state"], data["solved"], data["rating"], data["reopen_count"]) == (
        "closed",
        True,
        5,
        1,
    )
    assert PHONE not in response.content.decode()


def test_return_close_direct_and_merge(api, line):
    order = _dispatched(line)
    response = _act(api, line.handler_b, order, "return", {"reason": "不属本单位职责"})
    assert (response.status_code, response.json()["state"]) == (200, "returned")
    direct = new_order(line)
    response = _act(
        api,
        line.operator,
        direct,
        "close_direct",
        {"answer": "请携带身份证到窗口补办。"},
    )
    assert (response.json()["state"], response.json()["direct_answer"]) == (
        "closed",
        "请携带身份证到窗口补办。",
    )
    duplicate = new_order(line)
    response = _act(
        api,
        line.operator,
        duplicate,
        "merge",
        {"parent": order.number, "reason": "同一事项"},
    )
    assert (
        response.status_code,
        response.json()["state"],
        response.json()["parent"],
    ) == (200, "merged", order.number)


def test_a_role_or_unit_the_policy_refuses_is_403_and_nothing_is_written(api, line):
    order = _dispatched(line)
    before = _snapshot()
    assert (
        _act(api, line.operator, order, "sign").status_code == 403
    )  # an operator does not sign
    assert (
        _act(api, line.handler_a, order, "return", {"reason": "x"}).status_code == 404
    )  # not his unit's
    assert (
        _act(
            api, line.handler_b, order, "extension_decide", {"approve": True}
        ).status_code
        == 403
    )
    assert (
        _act(
            api, line.hall.manager, order, "dispatch", {"main_unit": "U-A"}
        ).status_code
        == 403
    )
    assert (
        _act(
            api, line.hall.manager, order, "merge", {"parent": "nope", "reason": "x"}
        ).status_code
        == 403
    )
    assert _snapshot() == before


def test_a_co_unit_may_not_return_the_order(api, line):
    order = new_order(line)
    hotline.workorder_dispatch(
        actor=line.operator,
        order=order,
        main_unit=line.unit_b,
        co_units=[line.unit_a],
        at=MONDAY,
    )
    before = _snapshot()
    response = _act(api, line.handler_a, order, "return", {"reason": "不是我们的"})
    assert response.status_code == 403
    assert _snapshot() == before


def test_an_order_out_of_scope_is_404_for_every_act(api, line):
    order = _dispatched(line)
    before = _snapshot()
    for act in ACTION_VIEWS:
        assert _act(api, line.handler_a, order, act).status_code == 404, act
        assert _act(api, line.hall.applicant, order, act).status_code == 404, act
    assert _snapshot() == before


@pytest.mark.parametrize(
    "act, body, field",
    [
        ("dispatch", {}, "main_unit"),
        ("dispatch", {"main_unit": "NOPE"}, "main_unit"),
        ("dispatch", {"main_unit": "U-B", "co_units": ["U-B"]}, "co_units"),
        ("dispatch", {"main_unit": "U-B", "co_units": ["NOPE"]}, "co_units"),
        ("dispatch", {"main_unit": "U-B", "urgent": True}, "urgent"),
        ("close_direct", {"answer": " "}, "answer"),
        ("merge", {"parent": "D1-H20260302-99999", "reason": "同一事项"}, "parent"),
        ("merge", {"reason": "同一事项"}, "parent"),
        ("close", {"solved": True}, "state"),
    ],
)
def test_bad_input_on_an_act_names_the_field_and_writes_nothing(
    api, line, act, body, field
):
    order = new_order(line)
    before = _snapshot()
    response = _act(api, line.operator, order, act, body)
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field
    assert _snapshot() == before


def test_bad_input_of_a_unit_names_the_field(api, line):
    order = _dispatched(line)
    hotline.workorder_sign(actor=line.handler_b, order=order, at=MONDAY)
    before = _snapshot()
    for act, body, field in (
        ("reply", {"reply": ""}, "reply"),
        ("extension_ask", {"days": 11, "reason": "x"}, "days"),
        ("return", {}, "reason"),
    ):
        response = _act(api, line.handler_b, order, act, body)
        assert (response.status_code, response.json()["field"]) == (400, field), act
    assert _snapshot() == before


def test_a_stale_version_is_409(api, line):
    order = new_order(line)
    before = _snapshot()
    response = _act(
        api,
        line.operator,
        order,
        "dispatch",
        {"main_unit": "U-B", "version": order.version + 1},
    )
    assert response.status_code == 409
    assert _snapshot() == before


def test_the_schema_documents_the_orders(api, line):
    schema = (
        _as(api, line.operator)
        .get(reverse("api_schema"), HTTP_ACCEPT="application/json")
        .json()
    )
    assert "/api/hotline/orders/" in schema["paths"]
    assert "/api/hotline/orders/{number}/actions/dispatch/" in schema["paths"]
    operation = schema["paths"]["/api/hotline/orders/{number}/actions/dispatch/"][
        "post"
    ]
    assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
