"""The case event log: append-only and hash-chained per case (DESIGN 3.6).

Each event stores the hash of the previous event of its case and its own
hash over its content, with the algorithm it used (SHA-256 by default, SM3
where national algorithms are required: GOVHALL_AUDIT_HASH). Editing,
deleting or inserting an event breaks the chain; ``chain_verify`` names the
first broken event.
"""

import hashlib
import json
from datetime import timezone as dt_timezone
from dataclasses import dataclass

from django.conf import settings

from govhall.cases.models import Case, CaseEvent
from govhall.core import clock, statements
from govhall.core.actors import person


def _digest(alg: str, payload: bytes) -> str:
    h = hashlib.new(alg)
    h.update(payload)
    return h.hexdigest()


def _payload(event: CaseEvent) -> bytes:
    content = {
        "case": event.case_id, "seq": event.seq, "at": event.at.isoformat(), "actor": event.actor_id,
        "actor_role": event.actor_role, "action": event.action, "from": event.from_state, "to": event.to_state,
        "data": event.data, "client_address": event.client_address, "prev": event.prev_hash,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def event_build(*, case: Case, actor, action: str, from_state: str, to_state: str, data: dict | None = None,
                client_address: str | None = None, at=None) -> CaseEvent:
    """The next event of the case's chain, hashed, not yet stored: it links
    to the chain head loaded with the case."""
    event = CaseEvent(
        # In UTC, as the database gives it back: the hash is over what is stored.
        case=case, seq=case.event_seq + 1, at=(at or clock.now()).astimezone(dt_timezone.utc),
        actor=person(actor), actor_role=actor.role,
        action=action, from_state=from_state, to_state=to_state, data=data or {}, client_address=client_address,
        hash_alg=settings.GOVHALL_AUDIT_HASH, prev_hash=case.event_hash,
    )
    # JSON round trip: what is hashed is exactly what the database returns.
    event.data = json.loads(json.dumps(event.data, ensure_ascii=False, default=str))
    event.hash = _digest(event.hash_alg, _payload(event))
    return event


def event_record(*, case: Case, actor, action: str, from_state: str, to_state: str, data: dict | None = None,
                 client_address: str | None = None, at=None) -> CaseEvent:
    """Append one event to the case's chain and move the chain head kept on
    the case row, for an event that is not a transition (a draft's
    creation: the case row was made by the caller's transaction, so no other
    writer appends to this chain concurrently). Transitions write their
    event and head with their guarded update (``cases.services._transition``)."""
    event = event_build(case=case, actor=actor, action=action, from_state=from_state, to_state=to_state, data=data,
                        client_address=client_address, at=at)
    statements.insert(event)
    statements.update(Case, where={"id": case.pk}, values={"event_seq": event.seq, "event_hash": event.hash})
    case.event_seq, case.event_hash = event.seq, event.hash
    return event


@dataclass(frozen=True)
class Break:
    case_number: str
    seq: int
    reason: str


def chain_verify(case: Case) -> Break | None:
    """The first broken event of a case's chain, or None when it holds."""
    previous_hash, expected_seq = "", 1
    for event in CaseEvent.objects.filter(case=case).order_by("seq"):
        if event.seq != expected_seq:
            return Break(case.number, event.seq, f"event #{expected_seq} is missing (next is #{event.seq})")
        if event.prev_hash != previous_hash:
            return Break(case.number, event.seq, "does not follow the previous event (prev_hash differs)")
        if event.hash_alg not in hashlib.algorithms_available:
            return Break(case.number, event.seq, f"unknown hash algorithm {event.hash_alg}")
        if _digest(event.hash_alg, _payload(event)) != event.hash:
            return Break(case.number, event.seq, "content was changed after it was written (hash differs)")
        previous_hash, expected_seq = event.hash, expected_seq + 1
    if (expected_seq - 1, previous_hash) != (case.event_seq, case.event_hash):
        return Break(case.number, case.event_seq,
                     f"the case's last event #{case.event_seq} is missing or differs (the chain ends at #{expected_seq - 1})")
    return None


def chains_verify():
    """Every case's chain: yields each break found (one per case at most)."""
    for case in Case.objects.order_by("pk").iterator():
        broken = chain_verify(case)
        if broken:
            yield broken
