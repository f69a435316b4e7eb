"""Each change of an order is one hash-chained event, built and verified by
the case event machinery; tampering shows."""

import json
from itertools import pairwise

import pytest

from govhall.cases.events import subject_payload_bytes
from govhall.hotline import services as hotline
from govhall.hotline.events import order_verify
from govhall.hotline.models import WorkOrder, WorkOrderEvent

from .conftest import new_order


@pytest.fixture
def replied(line):
    order = new_order(line)
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_b)
    hotline.workorder_sign(actor=line.handler_b, order=order)
    hotline.workorder_reply(actor=line.handler_b, order=order, reply="已处理。")
    return order


def test_the_payload_is_the_canonical_json_with_the_order_as_subject():
    content = {"order": 9, "seq": 2, "at": "2026-03-02T02:00:00+00:00", "actor": None, "actor_role": "system",
               "action": "sign", "from": "dispatched", "to": "signed", "data": {"单位": "U-B"},
               "client_address": None, "prev": "ab" * 32}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert subject_payload_bytes("order")(9, 2, "2026-03-02T02:00:00+00:00", None, "system", "sign", "dispatched",
                                          "signed", {"单位": "U-B"}, None, "ab" * 32) == canonical


def test_every_change_is_one_linked_event_and_the_chain_verifies(replied):
    events = list(replied.events.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(events))
    replied.refresh_from_db()
    assert (replied.event_seq, replied.event_hash) == (4, events[-1].hash)
    assert order_verify(replied) is None


def test_an_edited_event_is_detected(replied):
    WorkOrderEvent.objects.filter(order=replied, seq=2).update(data={"main_unit": "U-A"})
    assert order_verify(replied) == (2, "content was changed after it was written (hash differs)")


def test_a_deleted_last_event_is_detected(replied):
    WorkOrderEvent.objects.filter(order=replied, seq=4).delete()
    seq, reason = order_verify(WorkOrder.objects.get(pk=replied.pk))
    assert seq == 4 and "missing" in reason


def test_the_caller_phone_is_masked_in_the_chain(line):
    order = new_order(line)
    assert order.events.get(seq=1).data["caller_phone"] == "139****5678"
