"""The case event log: append-only and hash-chained per case (DESIGN 3.6).

Each event stores the hash of the previous event of its case and its own
hash over its content, with the algorithm it used (SHA-256 by default, SM3
where national algorithms are required: GOVHALL_AUDIT_HASH). Editing,
deleting or inserting an event breaks the chain.

Verification is one ordered pass over the event table (``_chains``): every
chain in one statement, in constant memory, naming the first broken event
of each broken case. ``chain_verify`` runs it over one case,
``chains_verify`` over all, and ``audit_verify`` (``govhall verify-audit``,
the daily task) continues from the last signed checkpoint: the events it
covers are not hashed again (docs/security.md, "Audit checkpoints").
"""

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery

from govhall.cases.models import AuditCheckpoint, Case, CaseEvent, ChainedEvent
from govhall.core import clock, statements
from govhall.core.actors import SYSTEM, person
from govhall.core.audit import audit_record
from govhall.core.errors import DomainError
from govhall.core.writers import table_writers


def _digest(alg: str, payload: bytes) -> str:
    h = hashlib.new(alg)
    h.update(payload)
    return h.hexdigest()


# The payload is the canonical JSON of the event's content: keys sorted, no
# spaces, non-ASCII as is, i.e. json.dumps(content, sort_keys=True,
# ensure_ascii=False, separators=(",", ":")). Written out field by field
# (the keys below are in sorted order): the same bytes at half the cost, which
# verification pays once per event (tests/test_audit_verification.py proves
# the two equal).
_canonical_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def _json_text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _payload_bytes(case_id: int, seq: int, at: str, actor_id: int | None, actor_role: str, action: str,
                   from_state: str, to_state: str, data, client_address: str | None, prev_hash: str) -> bytes:
    """``at``: the event's time in ISO 8601 (``_at_text``); ids are ints."""
    return (f'{{"action":{encode_basestring(action)},"actor":{"null" if actor_id is None else actor_id},'
            f'"actor_role":{encode_basestring(actor_role)},"at":{encode_basestring(at)},"case":{case_id},'
            f'"client_address":{_json_text(client_address)},"data":{_canonical_json(data)},'
            f'"from":{encode_basestring(from_state)},"prev":{encode_basestring(prev_hash)},"seq":{seq},'
            f'"to":{encode_basestring(to_state)}}}').encode()


def _at_text(at: datetime) -> str:
    """An event's time as its payload has it: ISO 8601 in UTC, as written
    (a naive time read from SQLite is UTC)."""
    if at.tzinfo is None:
        return f"{at.isoformat()}+00:00"
    return at.isoformat() if at.utcoffset() == _NO_OFFSET else at.astimezone(UTC).isoformat()


_NO_OFFSET = timedelta(0)


def _payload(event: CaseEvent) -> bytes:
    return _payload_bytes(event.case_id, event.seq, _at_text(event.at), event.actor_id, event.actor_role,
                          event.action, event.from_state, event.to_state, event.data, event.client_address,
                          event.prev_hash)


def subject_payload_bytes(key: str) -> Callable[..., bytes]:
    """The payload function of a chain whose subject the content names
    ``key`` (a work order's: "order"): the canonical JSON of the same
    content as a case event's, built by the encoder (``_payload_bytes``
    writes the case's out by hand for speed; the tests prove the two equal)."""
    def payload_bytes(subject_id: int, seq: int, at: str, actor_id: int | None, actor_role: str, action: str,
                      from_state: str, to_state: str, data, client_address: str | None, prev_hash: str) -> bytes:
        return _canonical_json({
            "action": action, "actor": actor_id, "actor_role": actor_role, "at": at, key: subject_id,
            "client_address": client_address, "data": data, "from": from_state, "prev": prev_hash, "seq": seq,
            "to": to_state}).encode()
    return payload_bytes


@dataclass(frozen=True)
class EventChain:
    """One kind of hash-chained event log: the event model (a
    ``ChainedEvent``), the name of its foreign key to the subject whose row
    keeps the chain head (``event_seq``, ``event_hash``), and the payload
    function. The case events are ``CASE_CHAIN``; other apps declare theirs
    and share building and verification (govhall/hotline)."""

    model: type[ChainedEvent]
    subject: str
    payload_bytes: Callable[..., bytes]

    @property
    def row(self) -> tuple[str, ...]:
        """What verification reads of each event (``_ROW`` for the case chain)."""
        return ("pk", f"{self.subject}_id", *_ROW[2:14], f"{self.subject}__event_seq", f"{self.subject}__event_hash")

    def payload(self, event: ChainedEvent) -> bytes:
        return self.payload_bytes(getattr(event, f"{self.subject}_id"), event.seq, _at_text(event.at), event.actor_id,
                                  event.actor_role, event.action, event.from_state, event.to_state, event.data,
                                  event.client_address, event.prev_hash)


# The case events: their payload is written out by hand (``_payload_bytes``).
CASE_CHAIN = EventChain(CaseEvent, "case", _payload_bytes)


def chained_event_build(chain: EventChain, subject, *, actor, action: str, from_state: str, to_state: str,
                        data: dict | None = None, client_address: str | None = None, at=None,
                        payload: Callable[[ChainedEvent], bytes] | None = None) -> ChainedEvent:
    """The next event of ``subject``'s chain, hashed, not yet stored: it
    links to the chain head loaded with the subject."""
    event = chain.model(
        # In UTC, as the database gives it back: the hash is over what is stored.
        seq=subject.event_seq + 1, at=(at or clock.now()).astimezone(UTC),
        actor=person(actor), actor_role=actor.role,
        action=action, from_state=from_state, to_state=to_state, data=data or {}, client_address=client_address,
        hash_alg=settings.GOVHALL_AUDIT_HASH, prev_hash=subject.event_hash,
    )
    setattr(event, chain.subject, subject)
    # JSON round trip: what is hashed is exactly what the database returns.
    event.data = json.loads(json.dumps(event.data, ensure_ascii=False, default=str))
    event.hash = _digest(event.hash_alg, (payload or chain.payload)(event))
    return event


def event_build(*, case: Case, actor, action: str, from_state: str, to_state: str, data: dict | None = None,
                client_address: str | None = None, at=None) -> CaseEvent:
    """The next event of the case's chain, hashed, not yet stored: it links
    to the chain head loaded with the case."""
    return chained_event_build(CASE_CHAIN, case, actor=actor, action=action, from_state=from_state,
                               to_state=to_state, data=data, client_address=client_address, at=at, payload=_payload)


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


# --- verification: one ordered pass over the chains ------------------------------

@dataclass(frozen=True)
class Break:
    case_number: str
    seq: int
    reason: str
    case_id: int = 0


# What the pass reads of each event, with its case's head, in (case, seq) order.
_ROW = ("pk", "case_id", "seq", "at", "actor_id", "actor_role", "action", "from_state", "to_state", "data",
        "client_address", "hash_alg", "prev_hash", "hash", "case__event_seq", "case__event_hash")
# Rows fetched per round trip (a server-side cursor on PostgreSQL).
CHUNK = 5000


def _hasher(alg: str) -> Callable[[bytes], "hashlib._Hash"] | None:
    if alg == "sha256":
        return hashlib.sha256
    if alg in hashlib.algorithms_available:
        return lambda payload: hashlib.new(alg, payload)
    return None


@dataclass
class _Chain:
    """One case's chain as the pass found it."""

    case_id: int
    broken: tuple[int, str] | None = None  # the first broken event: seq, reason
    hashed: int = 0  # events hashed
    # The last event (seq, hash) with an id up to each mark (the new
    # checkpoint's, the last checkpoint's) and how many there are: before
    # the first event read, the head the chain continued from.
    head: tuple[int, str] | None = None
    count: int = 0
    old_head: tuple[int, str] | None = None
    old_count: int = 0


def _from_scratch(row) -> tuple[str, int, tuple[int, str] | None]:
    """Where a chain read from its first event starts: no previous hash, #1."""
    return "", 1, None


def _chains(rows: Iterable[tuple], *, mark: int = 0, old_mark: int = 0,
            start: Callable = _from_scratch, payload_bytes: Callable[..., bytes] = _payload_bytes) -> Iterator[_Chain]:
    """Check each chain of ``rows`` (``_ROW`` values in case, seq order) as
    ``chain_verify`` always has: no missing sequence number, each event
    linked to the previous one, a known algorithm, its content hashing to
    its hash, and the chain ending at the head kept on the case row
    (``payload_bytes``: another chain's payload function, ``EventChain``).
    ``start(row)`` gives the previous hash, the expected number and the
    head a chain continues from at its first row read. The hot loop of every
    verification: plain locals, one hash per event."""
    hashers: dict[str, Callable | None] = {}
    loads, at_text = json.JSONDecoder().decode, _at_text
    chain = None
    previous = case_seq = case_hash = ""
    expected = 0
    for row in rows:
        if chain is None or row[1] != chain.case_id:
            if chain is not None:
                _chain_end(chain, previous, expected, case_seq, case_hash)
                yield chain
            previous, expected, head = start(row)
            chain = _Chain(case_id=row[1], head=head, old_head=head)
            case_seq, case_hash = row[14], row[15]
        if chain.broken is not None:
            continue
        pk, case_id, seq, at, actor_id, actor_role, action, from_state, to_state, data, address, alg, prev, digest = row[:14]
        if seq != expected:
            # Repeated: (case, seq) is unique only per partition on PostgreSQL (cases/partitions.py).
            chain.broken = (seq, f"event #{seq} is repeated" if seq < expected
                            else f"event #{expected} is missing (next is #{seq})")
            continue
        if prev != previous:
            chain.broken = (seq, "does not follow the previous event (prev_hash differs)")
            continue
        hasher = hashers[alg] if alg in hashers else hashers.setdefault(alg, _hasher(alg))
        if hasher is None:
            chain.broken = (seq, f"unknown hash algorithm {alg}")
            continue
        chain.hashed += 1
        # The data as Django reads it: JSON text from either database.
        data = loads(data) if isinstance(data, str) else data
        payload = payload_bytes(case_id, seq, at_text(at), actor_id, actor_role, action, from_state, to_state,
                                data, address, prev)
        if hasher(payload).hexdigest() != digest:
            chain.broken = (seq, "content was changed after it was written (hash differs)")
            continue
        previous, expected = digest, expected + 1
        if pk <= mark:
            chain.head, chain.count = (seq, digest), chain.count + 1
            if pk <= old_mark:
                chain.old_head, chain.old_count = chain.head, chain.old_count + 1
    if chain is not None:
        _chain_end(chain, previous, expected, case_seq, case_hash)
        yield chain


def _chain_end(chain: _Chain, previous: str, expected: int, case_seq: int, case_hash: str) -> None:
    """The chain must end at the head kept on the case row: a deleted last event shows."""
    if chain.broken is None and (expected - 1, previous) != (case_seq, case_hash):
        reason = f"the case's last event #{case_seq} is missing or differs (the chain ends at #{expected - 1})"
        chain.broken = (case_seq, reason)


def _headless_cases(cases=None):
    """Cases whose row names a chain head but which have no event at all."""
    cases = Case.objects.all() if cases is None else cases
    return (cases.filter(Q(event_seq__gt=0) | ~Q(event_hash=""))
            .filter(~Exists(CaseEvent.objects.filter(case=OuterRef("pk")))).order_by("pk")
            .values_list("pk", "number", "event_seq"))


def _headless_break(pk: int, number: str, seq: int) -> Break:
    return Break(number, seq, f"the case's last event #{seq} is missing or differs (the chain ends at #0)", pk)


def _break(chain: _Chain, number: str | None = None) -> Break:
    if number is None:
        number = Case.objects.values_list("number", flat=True).get(pk=chain.case_id)
    seq, reason = chain.broken
    return Break(number, seq, reason, chain.case_id)


def _stream(events, extra: tuple[str, ...] = (), *, row: tuple[str, ...] = _ROW) -> Iterator[tuple]:
    """The events' rows in chain order, streamed in chunks: a server-side
    cursor on PostgreSQL (inside a transaction, so that it is not
    materialized as a holdable cursor). One statement, so the events and the
    case heads beside them are one snapshot. The rows as the driver gives
    them (``_chains`` reads the time and the JSON data itself: Django's
    converters per field cost more than the hash)."""
    # By id within a sequence number: a repeated event is the later one, run after run.
    sql, params = events.order_by(row[1], "seq", "pk").values_list(*row, *extra).query.sql_with_params()
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                # A plain scan: compiling it (JIT, chosen for the cost of a
                # statement over every monthly partition) took seconds.
                cursor.execute("SET LOCAL jit = off")
            with connection.chunked_cursor() as cursor:
                cursor.execute(sql, params)
                while rows := cursor.fetchmany(CHUNK):
                    yield from rows
    else:
        # Not in a transaction: SQLite's transactions here take the write
        # lock (IMMEDIATE), and a statement already reads one snapshot.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                yield from rows


def chain_verify(case: Case) -> Break | None:
    """The first broken event of a case's chain, or None when it holds."""
    for chain in _chains(_stream(CaseEvent.objects.filter(case=case))):
        return _break(chain, case.number) if chain.broken else None
    headless = list(_headless_cases(Case.objects.filter(pk=case.pk)))
    return _headless_break(*headless[0]) if headless else None


def chains_verify() -> Iterator[Break]:
    """Every case's chain, from scratch: yields each break found (one per
    case at most, the first broken event), in the order of the cases."""
    for chain in _chains(_stream(CaseEvent.objects.all())):
        if chain.broken:
            yield _break(chain)
    for pk, number, seq in _headless_cases():
        yield _headless_break(pk, number, seq)


def chained_verify(chain: EventChain, subject) -> tuple[int, str] | None:
    """The first broken event of another chain's subject (``EventChain``),
    as (seq, reason), or None when it holds: the checks of ``chain_verify``."""
    events = chain.model.objects.filter(**{chain.subject: subject})
    for found in _chains(_stream(events, row=chain.row), payload_bytes=chain.payload_bytes):
        return found.broken
    if subject.event_seq or subject.event_hash:
        return subject.event_seq, f"the last event #{subject.event_seq} is missing or differs (the chain ends at #0)"
    return None


# --- signed checkpoints ---------------------------------------------------------

def audit_key() -> bytes:
    """The key that signs checkpoints: GOVHALL_AUDIT_KEY, else one derived
    from SECRET_KEY. Never stored in the database: whoever can only write the
    database cannot sign a checkpoint."""
    if settings.GOVHALL_AUDIT_KEY:
        return settings.GOVHALL_AUDIT_KEY.encode("utf-8")
    return hmac.new(settings.SECRET_KEY.encode("utf-8"), b"govhall audit checkpoints", "sha256").digest()


def _key_id(key: bytes) -> str:
    """Names the key without revealing it: which key signed a checkpoint."""
    return hmac.new(key, b"govhall audit key id", "sha256").hexdigest()[:16]


HEADS_MODULUS = 1 << 256


def _head_tag(key: bytes, alg: str, case_id: int, head: tuple[int, str] | None) -> int:
    """A keyed tag of a case's chain head; a checkpoint keeps the sum of its
    cases' tags, updated by adding and subtracting as heads move. Keyed, so
    nobody without the key can make another set of heads with the same sum."""
    if head is None:
        return 0
    message = f"{case_id}:{head[0]}:{head[1]}".encode("ascii")
    return int.from_bytes(hmac.new(key, message, alg).digest(), "big")


def _signed_content(cp: AuditCheckpoint) -> bytes:
    content = {
        "number": cp.number, "created_at": cp.created_at.astimezone(UTC).isoformat(),
        "last_event_id": cp.last_event_id, "events": cp.events, "heads": cp.heads, "hashed": cp.hashed,
        "full": cp.full, "restart": cp.restart, "hash_alg": cp.hash_alg, "key_id": cp.key_id,
        "previous": cp.previous,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _signature(key: bytes, cp: AuditCheckpoint) -> str:
    alg = cp.hash_alg if cp.hash_alg in hashlib.algorithms_available else "sha256"
    return hmac.new(key, _signed_content(cp), alg).hexdigest()


@dataclass(frozen=True)
class CheckpointProblem:
    """Something wrong with the checkpoints themselves, or with the history
    they vouch for; not tied to one case."""

    number: int | None
    reason: str

    def __str__(self) -> str:
        return f"checkpoint #{self.number}: {self.reason}" if self.number else self.reason


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"checkpoint #{first} before it is missing"
    return f"checkpoints #{first}–#{last} before it are missing"


def _checkpoint_problem(cp: AuditCheckpoint, before: AuditCheckpoint | None, key: bytes) -> str | None:
    if cp.key_id != _key_id(key):
        return "signed with another key (not GOVHALL_AUDIT_KEY)"
    if not hmac.compare_digest(cp.signature, _signature(key, cp)):
        return "changed after it was signed (signature differs)"
    if cp.restart:
        return None
    if before is None:
        return _missing(1, cp.number - 1) if cp.number > 1 else None
    if cp.number != before.number + 1:
        return _missing(before.number + 1, cp.number - 1)
    if not hmac.compare_digest(cp.previous, before.signature):
        return f"does not follow checkpoint #{before.number} (its signature differs)"
    return None


def _audit_log_number() -> tuple[int, str] | None:
    """The last checkpoint the general audit log records: number, time."""
    record = (AuditCheckpoint._meta.label_lower, "audit.checkpoint")
    from govhall.core.models import AuditEvent

    last = (AuditEvent.objects.filter(target_type=record[0], action=record[1]).order_by("-pk")
            .values_list("data", "at").first())
    if last is None or not isinstance(last[0], dict) or not isinstance(last[0].get("number"), int):
        return None
    return last[0]["number"], last[1].isoformat()


def checkpoints_check(key: bytes | None = None) -> tuple[AuditCheckpoint | None, list[CheckpointProblem]]:
    """The series of checkpoints read from its last restart: the latest one,
    and what is wrong with any of them (a forged, edited or removed
    checkpoint, one signed with another key). Checkpoints are few (one a
    day): all are read."""
    key = audit_key() if key is None else key
    problems: list[CheckpointProblem] = []
    before = None
    for cp in AuditCheckpoint.objects.order_by("number").iterator():
        problem = _checkpoint_problem(cp, before, key)
        if problem is None and cp.restart:
            problems = []  # a new series: what came before is no longer vouched for
        elif problem is not None:
            problems.append(CheckpointProblem(cp.number, problem))
        before = cp
    recorded = _audit_log_number()
    if recorded is not None and (before is None or before.number < recorded[0]):
        problems.append(CheckpointProblem(recorded[0], f"is missing (the audit log records it, signed at {recorded[1]})"))
    return before, problems


@dataclass(frozen=True)
class Verified:
    """The last valid checkpoint, as /metrics shows it ("last verified chain")."""

    number: int
    at: datetime
    last_event_id: int
    events: int
    full: bool


def checkpoint_latest() -> Verified | None:
    """The last checkpoint, if the series holds (None when there is none or
    one of them is damaged): when the chains were last verified and up to
    which event."""
    latest, problems = checkpoints_check()
    if latest is None or problems:
        return None
    return Verified(latest.number, latest.created_at, latest.last_event_id, latest.events, latest.full)


def checkpoint_latest_full() -> datetime | None:
    """When the last full verification of the series was signed."""
    latest, problems = checkpoints_check()
    if latest is None or problems:
        return None
    return (AuditCheckpoint.objects.filter(full=True, number__lte=latest.number).order_by("-number")
            .values_list("created_at", flat=True).first())


# --- incremental and full verification ------------------------------------------

class AuditBusy(DomainError):
    """Writers of the event table stayed open past the wait."""


def event_writers() -> frozenset[str]:
    """The transactions that may have taken a case event id they have not
    committed yet (``core.writers.table_writers``): what a checkpoint's
    high-water mark and supervision's event tail wait for."""
    return table_writers(CaseEvent)


# How long a run waits for the transactions that may own an id below its
# high-water mark to end (PostgreSQL), and how often it looks.
WRITERS_WAIT = 30.0
WRITERS_POLL = 0.05


def _high_water() -> int:
    """The highest event id below which no event can still appear: the mark
    a checkpoint may vouch for. On PostgreSQL an id is taken when a row is
    inserted (or from the sequence), not when it commits, so an event below
    the highest committed id can commit later: every id up to it was taken
    before it was read, by a transaction that holds a lock on the table or
    its sequence until it ends, so the mark is read first and then the run
    waits for those transactions to end (not blocking anyone: later writers
    take higher ids). On SQLite writers are serialized (``event_writers``)."""
    mark = CaseEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    waiting = event_writers()
    deadline = time.monotonic() + WRITERS_WAIT
    while waiting:
        if time.monotonic() > deadline:
            raise AuditBusy(f"{len(waiting)} transaction(s) writing case events stayed open for "
                            f"{WRITERS_WAIT:g} s; try again")
        time.sleep(WRITERS_POLL)
        waiting &= event_writers()
    return mark


@dataclass
class Verification:
    """What one ``audit_verify`` run found."""

    full: bool
    since: AuditCheckpoint | None  # the checkpoint an incremental run continued from
    cases: int = 0  # chains verified (an incremental run: those with new events)
    hashed: int = 0  # events hashed
    breaks: list[Break] = field(default_factory=list)
    problems: list[CheckpointProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why an incremental run went on with a full one
    checkpoint: AuditCheckpoint | None = None  # signed when everything held

    @property
    def ok(self) -> bool:
        return not self.breaks and not self.problems


def _continue_from_checkpoint(row) -> tuple[str, int, tuple[int, str] | None]:
    """Where a chain with new events starts: after its verified head, the
    event before its first new one (``pred_hash``: None when missing). A
    first new event whose number a verified event already has is repeated."""
    seq, pred_hash, repeated = row[2], row[16], row[17]
    if repeated:
        return "", seq + 1, None  # reported as "event #<seq> is repeated"
    if seq == 1:
        return "", 1, None
    if pred_hash is None:
        return "", seq - 1, None  # reported as "event #<seq - 1> is missing"
    return pred_hash, seq, (seq - 1, pred_hash)


def _sound(result: Verification, chains: Iterable[_Chain]) -> Iterator[_Chain]:
    """The chains that hold; the first broken event of the others goes to ``result``."""
    for chain in chains:
        result.cases += 1
        result.hashed += chain.hashed
        if chain.broken:
            result.breaks.append(_break(chain))
        else:
            yield chain


def _incremental(result: Verification, since: AuditCheckpoint, mark: int, key: bytes, alg: str) -> tuple[int, int]:
    """The events above the checkpoint's mark, each chain continuing from
    the head it vouches for; returns the new count and heads sum."""
    before = CaseEvent.objects.filter(case=OuterRef("case"), seq=OuterRef("seq") - 1)
    verified_from = CaseEvent.objects.filter(case=OuterRef("case"), seq__gte=OuterRef("seq"),
                                             pk__lte=since.last_event_id)
    events = CaseEvent.objects.filter(pk__gt=since.last_event_id).annotate(
        pred_hash=Subquery(before.order_by("pk").values("hash")[:1]), repeated=Exists(verified_from))
    rows = _stream(events, ("pred_hash", "repeated"))
    count, heads = since.events, int(since.heads, 16)
    for chain in _sound(result, _chains(rows, mark=mark, start=_continue_from_checkpoint)):
        count += chain.count
        heads += _head_tag(key, alg, chain.case_id, chain.head) - _head_tag(key, alg, chain.case_id, chain.old_head)
    return count, heads % HEADS_MODULUS


def _full(result: Verification, since: AuditCheckpoint | None, mark: int, key: bytes, alg: str) -> tuple[int, int]:
    """Every chain from its first event; checks too that the history the
    last checkpoint vouched for is still what it signed."""
    old_mark = since.last_event_id if since else 0
    count = heads = old_count = old_heads = 0
    for chain in _sound(result, _chains(_stream(CaseEvent.objects.all()), mark=mark, old_mark=old_mark)):
        tag = _head_tag(key, alg, chain.case_id, chain.head)
        count, heads = count + chain.count, heads + tag
        if since is not None:
            old_count += chain.old_count
            old_heads += tag if chain.old_head == chain.head else _head_tag(key, alg, chain.case_id, chain.old_head)
    for pk, number, seq in _headless_cases():
        result.cases += 1
        result.breaks.append(_headless_break(pk, number, seq))
    if since is not None and not result.breaks:
        if old_count != since.events:
            result.problems.append(CheckpointProblem(since.number, (
                f"vouched for {since.events} event(s) up to id {since.last_event_id}, there are now {old_count}: "
                "verified events were deleted or inserted")))
        elif f"{old_heads % HEADS_MODULUS:064x}" != since.heads:
            result.problems.append(CheckpointProblem(since.number, (
                f"the chains' heads up to event id {since.last_event_id} differ from what it signed: "
                "verified events were rewritten together with their hashes")))
    return count, heads % HEADS_MODULUS


def audit_verify(*, full: bool = False, restart: bool = False) -> Verification:
    """Verify the case event chains and sign a checkpoint when everything
    holds (``govhall verify-audit``; docs/security.md, "Audit checkpoints").

    Incremental by default: from the last checkpoint, only the events above
    its mark are hashed, each chain continuing from the head it vouches
    for. It goes on with a full run when there is no checkpoint, when one is
    damaged, or when the events it covered no longer number what it signed.
    ``full``: every event from scratch, and the history the last checkpoint
    vouched for compared with what it signed. ``restart`` (with ``full``):
    start a new series of checkpoints whatever the old one shows (after a
    key change, or once a damaged series was examined)."""
    if restart and not full:
        raise DomainError("--restart needs --full: a new series starts from a full verification", field="restart")
    key, alg = audit_key(), settings.GOVHALL_AUDIT_HASH
    latest, problems = checkpoints_check(key)
    if restart:
        problems = []  # the old series is not read any more
    since = None if restart or problems else latest
    mark = _high_water()
    note = None
    if not full:
        if problems:
            note = "the checkpoints are damaged: verifying everything"
        elif since is None:
            note = "no checkpoint yet: verifying everything"
        else:
            present = CaseEvent.objects.filter(pk__lte=since.last_event_id).count()
            if present != since.events:
                note = (f"checkpoint #{since.number} vouched for {since.events} event(s) up to id "
                        f"{since.last_event_id}, there are now {present}: verifying everything")
    result = Verification(full=full or note is not None, since=since, problems=problems,
                          notes=[note] if note else [])
    if result.full:
        count, heads = _full(result, since, mark, key, alg)
    else:
        count, heads = _incremental(result, since, mark, key, alg)
    if result.ok:
        result.checkpoint = _checkpoint_sign(key, alg, latest=latest, mark=mark, events=count, heads=heads,
                                             hashed=result.hashed, full=result.full, restart=restart)
    return result


def _checkpoint_sign(key: bytes, alg: str, *, latest: AuditCheckpoint | None, mark: int, events: int, heads: int,
                     hashed: int, full: bool, restart: bool) -> AuditCheckpoint | None:
    """Sign the next checkpoint, chained to ``latest`` (the one the run
    read), and record it in the general audit log. None when another run
    signed one meanwhile: the series stays one line."""
    cp = AuditCheckpoint(
        number=(latest.number if latest else 0) + 1, created_at=clock.now().astimezone(UTC),
        last_event_id=mark, events=events, heads=f"{heads:064x}", hashed=hashed, full=full, restart=restart,
        hash_alg=alg, key_id=_key_id(key), previous="" if restart or latest is None else latest.signature)
    cp.signature = _signature(key, cp)
    try:
        with transaction.atomic():
            cp.save()
            audit_record(actor=SYSTEM, action="audit.checkpoint", target=cp, data={
                "number": cp.number, "last_event_id": cp.last_event_id, "full": cp.full, "restart": cp.restart,
                "signature": cp.signature})
    except IntegrityError:
        return None
    return cp
