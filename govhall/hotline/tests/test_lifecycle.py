"""A work order from the call to the call-back: dispatch, sign, reply,
return and re-dispatch, extension once, reopen once, direct answers."""

from datetime import timedelta

import pytest

from govhall.core.errors import DomainError, NotPermitted
from govhall.hotline import services as hotline
from govhall.hotline.events import order_verify
from govhall.hotline.models import (
    AssignmentRole,
    Extension,
    OrderState,
    OrderType,
    WorkOrderEvent,
)
from govhall.hotline.selectors import caller_history

from .conftest import MONDAY, new_order


def test_create_dispatch_sign_reply_and_close_after_call_back(line):
    order = new_order(line)
    assert order.state == OrderState.REGISTERED
    assert order.number.startswith(f"{line.hall.district.code}-H20260302-")
    order = hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_b, co_units=[line.water],
                                       at=MONDAY + timedelta(minutes=5))
    assert (order.state, order.main_unit) == (OrderState.DISPATCHED, line.unit_b)
    assert {(a.unit.code, a.role) for a in order.assignments.filter(active=True)} == {
        ("U-B", AssignmentRole.MAIN), ("U-W", AssignmentRole.CO)}
    # The co-handling unit signs and gives its opinion; the order stays with the main unit.
    hotline.workorder_sign(actor=line.handler_water, order=order, at=MONDAY + timedelta(hours=1))
    assert order.state == OrderState.DISPATCHED
    hotline.workorder_sign(actor=line.handler_b, order=order, at=MONDAY + timedelta(hours=2))
    assert order.state == OrderState.SIGNED
    hotline.workorder_reply(actor=line.handler_water, order=order, reply="管网已抢修。", at=MONDAY + timedelta(hours=3))
    assert order.state == OrderState.SIGNED
    hotline.workorder_reply(actor=line.handler_b, order=order, reply="已督促物业恢复供水。", at=MONDAY + timedelta(hours=4))
    assert order.state == OrderState.REPLIED
    hotline.workorder_close(actor=line.operator, order=order, solved=True, rating=5, note="来电人表示满意",
                            at=MONDAY + timedelta(hours=5))
    order.refresh_from_db()
    assert (order.state, order.solved, order.evaluation_rating.level) == (OrderState.CLOSED, True, 5)
    actions = list(order.events.values_list("action", flat=True))
    assert actions == ["create", "dispatch", "co_sign", "sign", "co_reply", "reply", "close"]
    assert order_verify(order) is None


def test_a_return_goes_back_to_the_operator_who_dispatches_again(line):
    order = new_order(line)
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a)
    with pytest.raises(DomainError) as error:
        hotline.workorder_return(actor=line.handler_a, order=order, reason="  ")
    assert error.value.field == "reason"
    hotline.workorder_return(actor=line.handler_a, order=order, reason="供水不属本局职责")
    assert (order.state, order.main_unit, order.due_at) == (OrderState.RETURNED, None, None)
    returned = order.assignments.get(unit=line.unit_a)
    assert (returned.active, returned.return_reason) == (False, "供水不属本局职责")
    # The unit that returned it no longer acts on it.
    with pytest.raises(NotPermitted):
        hotline.workorder_sign(actor=line.handler_a, order=order)
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.water)
    hotline.workorder_sign(actor=line.handler_water, order=order)
    assert order.state == OrderState.SIGNED and order.assignments.count() == 2


def test_a_unit_asks_once_for_an_extension_which_the_office_decides(line):
    order = new_order(line)
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_b, at=MONDAY)
    hotline.workorder_sign(actor=line.handler_b, order=order, at=MONDAY)
    due = order.due_at
    with pytest.raises(DomainError) as error:
        hotline.workorder_extension_ask(actor=line.handler_b, order=order, days=0, reason="需现场勘查")
    assert error.value.field == "days"
    hotline.workorder_extension_ask(actor=line.handler_b, order=order, days=3, reason="需现场勘查")
    # Only the hotline office approves, not the operator.
    with pytest.raises(NotPermitted):
        hotline.workorder_extension_decide(actor=line.operator, order=order, approve=True)
    hotline.workorder_extension_decide(actor=line.office, order=order, approve=True)
    # 2026-03-09 17:00 + 3 working days
    assert order.due_at > due and order.due_at.isoformat().startswith("2026-03-12T")
    assert order.assignments.get(active=True).extension == Extension.APPROVED
    with pytest.raises(DomainError) as error:
        hotline.workorder_extension_ask(actor=line.handler_b, order=order, days=2, reason="再延")
    assert error.value.field == "extension"
    with pytest.raises(DomainError) as error:
        hotline.workorder_extension_decide(actor=line.office, order=order, approve=True)
    assert error.value.field == "extension"


def _replied(line, order, unit, handler):
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=unit)
    hotline.workorder_sign(actor=handler, order=order)
    hotline.workorder_reply(actor=handler, order=order, reply="已处理。")


def test_an_unsatisfied_caller_has_the_order_reopened_once_to_the_same_unit(line):
    order = new_order(line)
    _replied(line, order, line.unit_b, line.handler_b)
    hotline.workorder_reopen(actor=line.operator, order=order, reason="仍未供水", rating=1)
    assert (order.state, order.main_unit, order.reopen_count, order.evaluation_rating.level) == (
        OrderState.DISPATCHED, line.unit_b, 1, 1)
    hotline.workorder_sign(actor=line.handler_b, order=order)
    hotline.workorder_reply(actor=line.handler_b, order=order, reply="已恢复供水。")
    with pytest.raises(DomainError) as error:
        hotline.workorder_reopen(actor=line.operator, order=order, reason="还是不满意")
    assert error.value.field == "reopen"
    hotline.workorder_close(actor=line.operator, order=order, solved=True, rating=4)
    assert order.state == OrderState.CLOSED and order_verify(order) is None


def test_the_operator_answers_a_consultation_directly(line):
    order = new_order(line, type=OrderType.CONSULT, content="社保卡在哪里补办？")
    hotline.workorder_close_direct(actor=line.operator, order=order, answer="可到区政务服务中心社保窗口补办。")
    assert (order.state, order.direct_answer) == (OrderState.CLOSED, "可到区政务服务中心社保窗口补办。")
    assert order.events.last().data["answer"] == "可到区政务服务中心社保窗口补办。"


def test_wrong_states_are_refused_naming_the_state(line):
    order = new_order(line)
    with pytest.raises(DomainError) as error:
        hotline.workorder_close(actor=line.operator, order=order, solved=True)
    assert error.value.field == "state"
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_b)
    with pytest.raises(DomainError) as error:
        hotline.workorder_reply(actor=line.handler_b, order=order, reply="未签收先答复")
    assert error.value.field == "state"
    with pytest.raises(DomainError) as error:
        hotline.workorder_close_direct(actor=line.operator, order=order, answer="答复")
    assert error.value.field == "state"


@pytest.mark.parametrize("field, kwargs", [
    ("type", {"type": "weather"}),
    ("content", {"content": " "}),
    ("caller_phone", {"phone": "call me"}),
    ("latitude", {"latitude": "north", "longitude": "106.6"}),
    ("longitude", {"latitude": "30.5"}),
    ("urgency", {"urgency": "now"}),
])
def test_bad_input_names_the_field_and_writes_nothing(line, field, kwargs):
    with pytest.raises(DomainError) as error:
        new_order(line, **kwargs)
    assert error.value.field == field
    assert not WorkOrderEvent.objects.exists()


def test_dispatch_to_a_unit_of_another_hotline_is_refused(line):
    from govhall.core.actors import SYSTEM
    from govhall.hotline.models import UnitKind

    other = hotline.member_unit_create(actor=SYSTEM, hotline_center=line.hall.town, code="U-T", name="镇城管",
                                       kind=UnitKind.OTHER)
    order = new_order(line)
    with pytest.raises(DomainError) as error:
        hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=other)
    assert error.value.field == "main_unit"
    with pytest.raises(DomainError) as error:
        hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a, co_units=[line.unit_a])
    assert error.value.field == "co_units"


def test_repeat_caller_history_lists_the_same_number_within_the_days(line):
    old = new_order(line, when=MONDAY - timedelta(days=100))
    recent = new_order(line, when=MONDAY - timedelta(days=3))
    new_order(line, phone="13800001111", when=MONDAY - timedelta(days=1))
    history = caller_history(user=line.operator, phone="13912345678", at=MONDAY)
    assert history == [recent] and old not in history
    # A unit handler sees no history of orders not dispatched to it.
    assert caller_history(user=line.handler_a, phone="13912345678", at=MONDAY) == []


def test_only_a_unit_that_holds_the_order_acts_as_a_unit(line):
    from govhall.core.actors import SYSTEM

    order = new_order(line)
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_b, co_units=[line.water])
    for actor in (SYSTEM, line.handler_a, line.operator):
        with pytest.raises(NotPermitted):
            hotline.workorder_sign(actor=actor, order=order)
    hotline.workorder_sign(actor=line.handler_water, order=order)
    # A co-handling unit neither returns the order nor asks for its extension.
    with pytest.raises(NotPermitted):
        hotline.workorder_return(actor=line.handler_water, order=order, reason="不归我们管")
    assert order.state == OrderState.DISPATCHED and order_verify(order) is None


def test_two_people_at_once_one_wins_and_the_other_changes_nothing(line):
    from govhall.core.errors import Conflict
    from govhall.hotline.models import WorkOrder

    order = new_order(line)
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_b)
    stale = WorkOrder.objects.get(pk=order.pk)
    hotline.workorder_sign(actor=line.handler_b, order=order)
    with pytest.raises(Conflict):
        hotline.workorder_return(actor=line.handler_b, order=stale, reason="不属本单位")
    order.refresh_from_db()
    assignment = order.assignments.get(active=True)
    assert (order.state, assignment.return_reason) == (OrderState.SIGNED, "")
    assert order_verify(order) is None
