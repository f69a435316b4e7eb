"""The work orders' event chain: the case event machinery
(``cases.events``) with the order as subject. One event per change,
hashed over the same content as a case event's with "order" in place of
"case" (SHA-256 or SM3 by GOVHALL_AUDIT_HASH)."""

from govhall.cases.events import (
    EventChain,
    chained_event_build,
    chained_verify,
    subject_payload_bytes,
)
from govhall.core import statements
from govhall.hotline.models import WorkOrder, WorkOrderEvent

ORDER_CHAIN = EventChain(WorkOrderEvent, "order", subject_payload_bytes("order"))


def order_event_build(*, order: WorkOrder, actor, action: str, from_state: str, to_state: str,
                      data: dict | None = None, client_address: str | None = None, at=None) -> WorkOrderEvent:
    return chained_event_build(ORDER_CHAIN, order, actor=actor, action=action, from_state=from_state,
                               to_state=to_state, data=data, client_address=client_address, at=at)


def order_event_store(order: WorkOrder, event: WorkOrderEvent) -> None:
    """Store an event built for ``order`` whose head the caller's guarded
    update has moved (or, for a new order, ``order_event_record``)."""
    statements.insert(event)
    order.event_seq, order.event_hash = event.seq, event.hash


def order_verify(order: WorkOrder) -> tuple[int, str] | None:
    """The first broken event of the order's chain (seq, reason), or None."""
    return chained_verify(ORDER_CHAIN, order)
