"""Merging duplicate orders (合并; docs/hotline.md, "Merging"): the child is
closed as 已合并 and follows its parent, one event in each chain, every
refusal, and a merged matter counted once by supervision and the ranking."""

from datetime import date, timedelta

import pytest

from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.hotline import services as hotline
from govhall.hotline.events import order_verify
from govhall.hotline.models import OrderState, OrderType
from govhall.hotline.ranking import unit_ranking
from govhall.hotline.selectors import order_list_visible
from govhall.org import services as org
from govhall.org.roles import Role
from govhall.supervision.models import Alert
from govhall.test import PASSWORD

from .conftest import MONDAY, at, new_order

pytestmark = pytest.mark.django_db


def dispatched(line, *, when=MONDAY, unit=None, **kw):
    order = new_order(line, when=when, **kw)
    return hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=unit or line.unit_a, at=when)


def test_a_duplicate_is_closed_as_merged_and_counted_by_its_parent(line):
    parent = dispatched(line)
    child = dispatched(line, phone="13800001111", when=MONDAY + timedelta(minutes=30))
    hotline.workorder_sign(actor=line.handler_a, order=child, at=MONDAY + timedelta(hours=1))
    child = hotline.workorder_merge(actor=line.operator, order=child, parent=parent, reason="同一小区停水",
                                    at=MONDAY + timedelta(hours=2))
    child.refresh_from_db()
    parent.refresh_from_db()
    assert (child.state, child.parent, child.merge_reason) == (OrderState.MERGED, parent, "同一小区停水")
    assert child.closed_at == MONDAY + timedelta(hours=2)
    assert not child.assignments.filter(active=True).exists()  # its unit no longer holds it
    assert parent.state == OrderState.DISPATCHED and list(parent.children.all()) == [child]
    [child_event] = child.events.filter(action="merge")
    assert (child_event.to_state, child_event.data["parent"]) == (OrderState.MERGED, parent.number)
    [parent_event] = parent.events.filter(action="merge_child")
    assert (parent_event.to_state, parent_event.data["child"], parent_event.data["children"]) == (
        OrderState.DISPATCHED, child.number, 1)
    assert order_verify(child) is None and order_verify(parent) is None
    counts = {o.number: o.merged_count for o in order_list_visible(user=line.operator)}
    assert counts == {parent.number: 1, child.number: 0}
    # The child is merged for good: no act of its units any more, no second merge.
    with pytest.raises(NotPermitted):
        hotline.workorder_reply(actor=line.handler_a, order=child, reply="已处理。")
    with pytest.raises(DomainError) as error:
        hotline.workorder_merge(actor=line.operator, order=child, parent=parent, reason="再次合并")
    assert error.value.field == "state"


def test_merging_is_refused_for_every_wrong_parent_and_role(line, hall):
    parent, child = dispatched(line), new_order(line)

    def refused(order, target, field, *, actor=line.operator, reason="重复来电"):
        with pytest.raises(DomainError) as error:
            hotline.workorder_merge(actor=actor, order=order, parent=target, reason=reason)
        assert error.value.field == field

    refused(child, None, "parent")
    refused(child, child, "parent")  # not into itself
    refused(child, parent, "reason", reason="  ")
    # Not into an order that is closed or itself merged.
    closed = new_order(line)
    hotline.workorder_close_direct(actor=line.operator, order=closed, answer="已告知。")
    refused(child, closed, "parent")
    merged = new_order(line)
    hotline.workorder_merge(actor=line.operator, order=merged, parent=parent, reason="重复来电")
    refused(child, merged, "parent")
    # A parent of others is not merged away; a closed order is not merged.
    refused(parent, child, "state")
    refused(closed, parent, "state")
    # Not into another center's order.
    other_operator = org.user_create(actor=SYSTEM, username="op_town", password=PASSWORD, role=Role.HOTLINE_OPERATOR,
                                     full_name="op_town", center=hall.town)
    elsewhere = hotline.workorder_create(actor=other_operator, type=OrderType.COMPLAINT, channel="phone",
                                         content="路灯不亮。")
    refused(child, elsewhere, "parent")
    # Units do not merge; nothing changed.
    with pytest.raises(NotPermitted):
        hotline.workorder_merge(actor=line.handler_a, order=child, parent=parent, reason="重复来电")
    child.refresh_from_db()
    assert child.state == OrderState.REGISTERED and child.parent is None


def test_a_merged_duplicate_counts_once_in_repeated_complaints_and_the_ranking(line, settings):
    settings.GOVHALL_HOTLINE_REPEATED_COMPLAINTS = 2
    first = dispatched(line, when=at("2026-03-02 10:00"))
    duplicate = dispatched(line, when=at("2026-03-02 11:00"))
    assert Alert.objects.filter(rule="hotline.repeated_complaints").count() == 1  # two before the merge
    Alert.objects.all().delete()
    hotline.workorder_merge(actor=line.operator, order=duplicate, parent=first, reason="同一事项",
                            at=at("2026-03-02 12:00"))
    dispatched(line, type=OrderType.CONSULT, when=at("2026-03-03 10:00"))
    assert not Alert.objects.filter(rule="hotline.repeated_complaints").exists()  # one matter, and a consultation
    [figures] = [f for f in unit_ranking(center=line.hall.district, month=date(2026, 3, 1), at=at("2026-03-03 11:00"))
                 if f.unit == line.unit_a]
    assert figures.dispatched == 2  # the first complaint and the consultation; the duplicate is the first's


def test_the_order_page_merges_and_shows_the_children(line, client):
    parent, child = dispatched(line), new_order(line)
    client.force_login(line.operator)
    bad = client.post(f"/workbench/hotline/{child.number}/merge/", {"parent": "NO-SUCH", "reason": "重复"})
    assert bad.status_code == 400 and "要合并到的工单编号" in bad.content.decode()
    response = client.post(f"/workbench/hotline/{child.number}/merge/", {"parent": parent.number, "reason": "重复来电"})
    assert response.status_code == 302
    page = client.get(f"/workbench/hotline/{parent.number}/").content.decode()
    assert child.number in page and "并入的重复工单（1 件）" in page
    assert parent.number in client.get(f"/workbench/hotline/{child.number}/").content.decode()
    assert "合并 1 件" in client.get("/workbench/hotline/").content.decode()
