"""督办 (docs/hotline.md, "Escalation"): a part not signed or not replied by
its limit is escalated to its unit's superior by supervision's time scan,
once per part and kind; the superior sees it and writes its urging note,
which the late unit reads."""

from datetime import timedelta

import pytest

from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.hotline import services as hotline
from govhall.hotline.events import order_verify
from govhall.hotline.models import Escalation, MemberUnit, OrderType, UnitKind
from govhall.hotline.selectors import order_get_visible
from govhall.org import services as org
from govhall.org.roles import Role
from govhall.test import PASSWORD

from .conftest import at, new_order
from .test_hotline_supervision import scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def superior(line):
    """The county water bureau (a unit of its own, with a handler) above unit A and the water company."""
    boss = org.user_create(actor=SYSTEM, username="boss", password=PASSWORD, role=Role.MEMBER_UNIT_HANDLER,
                           full_name="boss", department=line.hall.dept_b)
    unit = hotline.member_unit_create(actor=SYSTEM, hotline_center=line.hall.district, code="U-S", name="水务局",
                                      kind=UnitKind.OTHER, members=[boss])
    MemberUnit.objects.filter(pk__in=[line.unit_a.pk, line.water.pk]).update(superior=unit)
    unit.boss = boss
    return unit


def dispatched(line, *, when="2026-03-02 10:00", type=OrderType.COMPLAINT, co_units=()):
    order = new_order(line, type=type, when=at(when))
    return hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a, co_units=co_units,
                                      at=at(when))


def test_a_part_not_signed_then_not_replied_is_escalated_once_for_each(line, superior):
    order = dispatched(line, co_units=[line.water, line.unit_b])  # unit B has no superior
    scan("2026-03-02 16:59")
    assert not Escalation.objects.exists()  # the sign limit is the close of the day
    scan("2026-03-02 17:30")
    escalations = list(Escalation.objects.order_by("assignment__unit__code"))
    assert [(e.assignment.unit.code, e.kind, e.superior) for e in escalations] == [
        ("U-A", "sign", superior), ("U-W", "sign", superior)]
    scan("2026-03-03 09:00")  # later scans escalate nothing again
    assert Escalation.objects.count() == 2
    order.refresh_from_db()
    events = list(order.events.filter(action="escalate").values_list("data", flat=True))
    assert sorted(d["unit"] for d in events) == ["U-A", "U-W"] and {d["kind"] for d in events} == {"sign"}
    assert order_verify(order) is None
    # Signed late, but not replied by the limit (5 working days): escalated for the reply, once.
    hotline.workorder_sign(actor=line.handler_a, order=order, at=at("2026-03-03 09:30"))
    hotline.workorder_sign(actor=line.handler_water, order=order, at=at("2026-03-03 09:30"))
    scan("2026-03-09 09:00")
    assert not Escalation.objects.filter(kind="reply").exists()
    scan("2026-03-09 18:00")
    scan("2026-03-10 09:00")
    assert sorted(Escalation.objects.filter(kind="reply").values_list("assignment__unit__code", flat=True)) == [
        "U-A", "U-W"]
    # Once replied, nothing more.
    order.refresh_from_db()  # the scans moved its chain head
    hotline.workorder_reply(actor=line.handler_a, order=order, reply="已处理。", at=at("2026-03-10 10:00"))
    scan("2026-03-20 10:00")
    assert Escalation.objects.count() == 4


def test_a_returned_order_is_not_escalated(line, superior):
    returned = dispatched(line)
    hotline.workorder_return(actor=line.handler_a, order=returned, reason="非本单位职责", at=at("2026-03-02 11:00"))
    scan("2026-03-09 18:00")
    assert not Escalation.objects.exists()


def test_the_superior_sees_the_order_and_writes_its_note_which_the_unit_reads(line, superior, client):
    order = dispatched(line)
    scan("2026-03-02 17:30")
    [escalation] = Escalation.objects.all()
    boss = superior.boss
    assert order_get_visible(user=boss, number=order.number) is not None
    # Refusals: the late unit itself, an operator, an empty note; then once only.
    with pytest.raises(NotPermitted):
        hotline.workorder_escalation_note(actor=line.handler_a, escalation=escalation, note="请尽快签收")
    with pytest.raises(NotPermitted):
        hotline.workorder_escalation_note(actor=line.operator, escalation=escalation, note="请尽快签收")
    with pytest.raises(DomainError) as error:
        hotline.workorder_escalation_note(actor=boss, escalation=escalation, note=" ")
    assert error.value.field == "note"
    client.force_login(boss)
    work = client.get("/workbench/hotline/unit/").content.decode()
    assert "督办" in work and order.number in work and "待填写" in work
    response = client.post(f"/workbench/hotline/{order.number}/escalation_note/",
                           {"escalation": escalation.pk, "note": "请今日内签收办理"})
    assert response.status_code == 302
    page = client.get(f"/workbench/hotline/{order.number}/").content.decode()
    assert "请今日内签收办理" in page and 'id="acts"' not in page  # the superior neither signs nor replies
    escalation.refresh_from_db()
    assert (escalation.note, escalation.noted_by) == ("请今日内签收办理", boss)
    assert order.events.filter(action="escalation_note").get().data["note"] == "请今日内签收办理"
    with pytest.raises(DomainError) as error:
        hotline.workorder_escalation_note(actor=boss, escalation=escalation, note="再次督办")
    assert error.value.field == "note"
    assert client.post(f"/workbench/hotline/{order.number}/escalation_note/",
                       {"escalation": "x", "note": "再次督办"}).status_code == 404
    client.force_login(line.handler_a)
    assert "请今日内签收办理" in client.get(f"/workbench/hotline/{order.number}/").content.decode()
    # Once the order leaves the late unit, no note any more.
    order.refresh_from_db()
    hotline.workorder_sign(actor=line.handler_a, order=order, at=at("2026-03-03 09:00"))
    hotline.workorder_reply(actor=line.handler_a, order=order, reply="已处理。", at=at("2026-03-03 10:00"))
    second = Escalation.objects.create(order=order, assignment=escalation.assignment, kind="reply",
                                       superior=superior, raised_at=at("2026-03-03 10:00") - timedelta(minutes=1))
    with pytest.raises(DomainError) as error:
        hotline.workorder_escalation_note(actor=boss, escalation=second, note="请说明")
    assert error.value.field == "state"
