"""The office's list by work type (docs/hotline.md, "The office's list"):
each tab's orders on a hand-built set of orders in every state, their
order by time limit, the counts, who sees them; and the direct close from
the order page with a knowledge entry (recorded)."""

from datetime import timedelta

import pytest
import time_machine

from govhall.hotline import services as hotline
from govhall.hotline.models import OrderState, OrderType, WorkOrder
from govhall.hotline.selectors import (
    OFFICE_WORK,
    office_work_counts,
    office_work_orders,
    order_list_visible,
)

from .conftest import MONDAY, new_order
from .test_knowledge import _fresh_index, publish  # noqa: F401  (fixture)

NOW = MONDAY + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(NOW, tick=False):
        yield


def _dispatched(
    line, *, when, type=OrderType.COMPLAINT, content="小区停水三天，无人处理。"
):
    order = new_order(line, type=type, when=when, content=content)
    return hotline.workorder_dispatch(
        actor=line.operator, order=order, main_unit=line.unit_b, at=when
    )


def _signed(line, **kw):
    order = _dispatched(line, **kw)
    return hotline.workorder_sign(
        actor=line.handler_b, order=order, at=kw["when"] + timedelta(minutes=10)
    )


def _replied(line, *, when):
    order = _signed(line, when=when)
    return hotline.workorder_reply(
        actor=line.handler_b,
        order=order,
        reply="已修复。",
        at=when + timedelta(hours=1),
    )


@pytest.fixture
def orders(line):
    """One or more orders in every state, named by what the office must do."""
    day = MONDAY - timedelta(days=1)
    built = {
        # registered, oldest first in their tab
        "registered_old": new_order(line, when=MONDAY - timedelta(days=2)),
        "registered_new": new_order(line, when=MONDAY - timedelta(hours=2)),
        # dispatched this morning, a complaint (working days): signed by tonight, not late
        "dispatched": _dispatched(line, when=MONDAY),
        # a consultation dispatched at 07:00: the 2-hour sign limit has passed, the 22-hour reply limit not
        "sign_late": _dispatched(
            line, when=MONDAY - timedelta(hours=3), type=OrderType.CONSULT
        ),
        # a consultation signed the day before yesterday: its reply limit passed yesterday
        "reply_late": _signed(
            line, when=MONDAY - timedelta(days=2), type=OrderType.CONSULT
        ),
        "signed": _signed(line, when=MONDAY),
        "replied": _replied(line, when=day),
    }
    extension = _signed(line, when=MONDAY - timedelta(hours=1))
    built["extension"] = hotline.workorder_extension_ask(
        actor=line.handler_b,
        order=extension,
        days=3,
        reason="需现场勘查",
        at=MONDAY - timedelta(minutes=30),
    )
    returned = _dispatched(line, when=day)
    built["returned"] = hotline.workorder_return(
        actor=line.handler_b,
        order=returned,
        reason="不属本单位职责",
        at=day + timedelta(hours=1),
    )
    again = _replied(line, when=MONDAY - timedelta(days=3))
    again = hotline.workorder_reopen(
        actor=line.operator, order=again, reason="仍未解决", at=day
    )
    again = hotline.workorder_sign(
        actor=line.handler_b, order=again, at=day + timedelta(minutes=5)
    )
    built["replied_again"] = hotline.workorder_reply(
        actor=line.handler_b,
        order=again,
        reply="已再次修复。",
        at=day + timedelta(hours=2),
    )
    closed = _replied(line, when=MONDAY - timedelta(days=4))
    built["closed"] = hotline.workorder_close(
        actor=line.operator,
        order=closed,
        solved=True,
        rating=5,
        at=MONDAY - timedelta(days=3),
    )
    direct = new_order(line, when=MONDAY - timedelta(days=1), type=OrderType.CONSULT)
    built["direct"] = hotline.workorder_close_direct(
        actor=line.operator,
        order=direct,
        answer="已告知。",
        at=MONDAY - timedelta(days=1),
    )
    child = new_order(line, when=MONDAY - timedelta(hours=4))
    built["merged"] = hotline.workorder_merge(
        actor=line.operator,
        order=child,
        parent=built["registered_new"],
        reason="同一事项",
        at=MONDAY - timedelta(hours=3),
    )
    assert {o.state for o in built.values()} == set(OrderState.values)
    return built


EXPECTED = {
    "dispatch": ["registered_old", "registered_new"],
    "returned": ["returned"],
    "overdue": [
        "reply_late",
        "sign_late",
    ],  # by time limit: the one due yesterday first
    "extension": ["extension"],
    "callback": ["replied"],
    "close": ["replied_again"],
}


def _numbers(orders, names):
    return [orders[name].number for name in names]


def test_each_tab_holds_its_orders_by_time_limit_and_the_counts_agree(
    line, orders, django_assert_num_queries
):
    assert list(OFFICE_WORK) == list(EXPECTED)
    visible = order_list_visible(user=line.office)
    for work, names in EXPECTED.items():
        assert [
            o.number for o in office_work_orders(visible, work, at=NOW)
        ] == _numbers(orders, names), work
    with django_assert_num_queries(1):
        counts = office_work_counts(user=line.office, at=NOW)
    assert counts == {work: len(names) for work, names in EXPECTED.items()}


def test_an_order_leaves_the_tab_when_its_work_is_done(line, orders):
    hotline.workorder_extension_decide(
        actor=line.office, order=orders["extension"], approve=True, at=NOW
    )
    hotline.workorder_dispatch(
        actor=line.operator, order=orders["returned"], main_unit=line.unit_a, at=NOW
    )
    hotline.workorder_sign(actor=line.handler_b, order=orders["sign_late"], at=NOW)
    counts = office_work_counts(user=line.office, at=NOW)
    assert (counts["extension"], counts["returned"]) == (0, 0)
    # Signed late, but its reply limit (22 hours) has not passed: no longer overdue.
    assert [
        o.number
        for o in office_work_orders(
            order_list_visible(user=line.office), "overdue", at=NOW
        )
    ] == [orders["reply_late"].number]
    # Later, the sign-late order's reply limit passes too.
    later = NOW + timedelta(days=1)
    assert orders["sign_late"].number in {
        o.number
        for o in office_work_orders(
            order_list_visible(user=line.office), "overdue", at=later
        )
    }


def test_the_list_page_shows_the_tabs_with_counts_and_each_tab_its_orders(
    line, orders, client
):
    client.force_login(line.office)
    page = client.get("/workbench/hotline/")
    assert page.status_code == 200
    assert [(key, count) for key, _label, count in page.context["tabs"]] == [
        (work, len(names)) for work, names in EXPECTED.items()
    ]
    text = page.content.decode()
    assert "已退单待改派" in text and "待审批延期" in text and "?work=overdue" in text
    for work, names in EXPECTED.items():
        response = client.get("/workbench/hotline/", {"work": work})
        assert [o.number for o in response.context["page"].object_list] == _numbers(
            orders, names
        ), work
        assert 'aria-current="page"' in response.content.decode()
    # An unknown tab is the whole list, not an error.
    response = client.get("/workbench/hotline/", {"work": "nonsense"})
    assert response.status_code == 200 and response.context["work"] == ""
    assert len(response.context["page"].object_list) == WorkOrder.objects.count()


def test_the_tabs_count_only_what_the_person_may_see(line, orders, client):
    # The town's manager sees the town's orders: none of the district's.
    assert set(office_work_counts(user=line.hall.town_manager, at=NOW).values()) == {0}
    assert office_work_counts(user=line.hall.supervisor, at=NOW)["dispatch"] == 2
    # A member unit's handler has their own work list, not the hotline's.
    client.force_login(line.handler_b)
    assert client.get("/workbench/hotline/", {"work": "overdue"}).status_code == 403


def test_the_order_page_closes_directly_with_the_knowledge_entry_used(line, client):
    version = publish(line)
    order = new_order(line, type=OrderType.CONSULT, content="我家这两天没水了")
    client.force_login(line.operator)
    page = client.get(f"/workbench/hotline/{order.number}/").content.decode()
    # The knowledge panel, filled by the intake's suggest and pick views.
    assert (
        'id="knowledge-suggest"' in page
        and "/workbench/hotline/intake/knowledge/" in page
    )
    assert 'name="knowledge"' in page and 'name="answer"' in page
    suggested = client.get(
        "/workbench/hotline/intake/knowledge/", {"content": order.content}
    ).content.decode()
    assert f"k{version.pk}" in suggested
    response = client.post(
        f"/workbench/hotline/{order.number}/close_direct/",
        {"answer": version.answer, "knowledge": f"k{version.pk}"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.knowledge_id, order.direct_answer) == (
        OrderState.CLOSED,
        version.pk,
        version.answer,
    )
    # The order's chain records the entry and version used.
    event = order.events.get(action="close_direct")
    assert event.data["knowledge"] == {
        "kind": "entry",
        "entry": version.entry_id,
        "version": version.number,
        "id": version.pk,
    }
    assert (
        version.question
        in client.get(f"/workbench/hotline/{order.number}/").content.decode()
    )


def test_the_order_page_refuses_a_bad_knowledge_key_and_keeps_what_was_typed(
    line, client
):
    order = new_order(line, type=OrderType.CONSULT)
    client.force_login(line.operator)
    response = client.post(
        f"/workbench/hotline/{order.number}/close_direct/",
        {"answer": "我的答复", "knowledge": "k999999"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "所选知识不存在" in text and "我的答复" in text
    order.refresh_from_db()
    assert order.state == OrderState.REGISTERED and order.knowledge_id is None
    # Without an entry, the direct close records the answer alone.
    assert (
        client.post(
            f"/workbench/hotline/{order.number}/close_direct/", {"answer": "已告知"}
        ).status_code
        == 302
    )
    order.refresh_from_db()
    assert (order.state, order.direct_answer, order.knowledge_id) == (
        OrderState.CLOSED,
        "已告知",
        None,
    )


def test_a_direct_close_from_the_order_page_is_the_operators_only(line, client):
    version = publish(line)
    order = new_order(line, type=OrderType.CONSULT)
    hotline.workorder_dispatch(
        actor=line.operator, order=order, main_unit=line.unit_b, at=MONDAY
    )
    client.force_login(line.operator)
    # Dispatched: not registered any more, so no direct close (the state is named).
    response = client.post(
        f"/workbench/hotline/{order.number}/close_direct/",
        {"answer": version.answer, "knowledge": f"k{version.pk}"},
    )
    assert response.status_code == 400 and "直接办结" in response.content.decode()
    order.refresh_from_db()
    assert order.knowledge_id is None


def test_the_overdue_filter_of_the_list_and_the_api_is_the_overdue_tab(line, orders, client):
    """The list's 仅超期 and the API's ``overdue=true`` hold what the 超期 tab
    holds: a reply past its limit and a dispatch not signed past its sign
    limit (before its reply limit passed)."""
    expected = set(_numbers(orders, EXPECTED["overdue"]))
    assert {o.number for o in order_list_visible(user=line.office, overdue_at=NOW)} == expected
    client.force_login(line.office)
    page = client.get("/workbench/hotline/", {"overdue": "1"}).content.decode()
    assert all(number in page for number in expected)
    assert orders["replied"].number not in page
    listed = client.get("/api/hotline/orders/", {"overdue": "true"}).json()
    assert {row["number"] for row in listed["results"]} == expected
