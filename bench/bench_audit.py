"""Verifying the audit chains (issue 13, item 3): full verification against
the floor of hashing the same bytes, and an incremental run after a
checkpoint with 1% new events.

The event table is filled in bulk with sound chains (100,000 events by
default, ``--events N``: 10 per case, data like a real step's), then:

- hash floor: a plain Python loop hashing the payload bytes of every event,
  built beforehand and held in memory: the cost of the hashes alone;
- fetch floor: the rows the verification reads (the same statement, the
  same streaming cursor), fetched and dropped: what reading the events costs
  before any byte is built or hashed;
- fetch and build: the same, each payload's bytes built (``_payload_bytes``)
  but not hashed: the hash floor, the fetch floor and this split the full
  run's time into its parts;
- read-and-hash loop: a plain loop over the same rows read through the ORM
  (``values_list``, in chain order), each payload built the obvious way
  (``json.dumps`` of the content, sorted keys) and hashed, compared with its
  stored hash: what any verification must at least do, with no check of the
  chain and no checkpoint;
- full: ``audit_verify(full=True)``, i.e. ``govhall verify-audit --full``:
  the streaming pass with every check and the signed checkpoint;
- incremental: 1% new events appended to the chains, then
  ``audit_verify()`` from the checkpoint (the events it covers are not hashed
  again; the figure says how many were);
- the former verification (one query per case, every event loaded as a
  model and hashed) as context, one round;
- the peak of Python memory allocated during a full pass (tracemalloc), at
  half the events and at all of them: streaming (chunks of 5,000 rows), it
  should not grow.

Each database runs in its own subprocess on a throwaway database (as
bench_cases.py). Figures are the median of a few rounds; no assertions on
speed.

Run: python bench/bench_audit.py [--events N]   (part of `make bench`)
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from harness import desk_build, parent, throwaway_database  # bench/ is on sys.path

AT = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PER_CASE = 10
ROUNDS = 3
ACTIONS = ["submit", "check_materials", "accept", "complete_step", "complete_step", "approve", "certify", "pay",
           "deliver", "close"]


def child(label: str, events: int) -> None:
    with throwaway_database("bench_audit"):
        Bench(label, events).run()


def _data(n: int, seq: int) -> dict:
    """What a step records: an opinion, the step, a few material checks."""
    return {"opinion": f"材料齐全，符合法定形式，予以办理（第{seq}步）。", "at_step": seq % 3,
            "materials": [{"order": k, "verdict": "合格", "name": f"申请材料{k}"} for k in range(1 + n % 3)],
            "notice": f"D1-2026-{n:06d}-{seq}"}


class Bench:
    def __init__(self, label: str, events: int):
        self.label = label
        self.events = events
        self.desk = desk_build()

    # --- the data --------------------------------------------------------------

    def cases_add(self, count: int, first: int) -> None:
        """``count`` cases of PER_CASE sound events each, written in bulk."""
        from govhall.cases.models import Case

        d = self.desk
        batch = [Case(number=f"B-{first + n:07d}", query_code="BENCH", item_version=d.version, department=d.dept_a,
                      center=d.district, applicant_kind="person", applicant_name="测试", applicant_id_number="x",
                      applicant_phone="x", channel="window", state="closed", received_on=AT.date(),
                      promised_days=10, created_at=AT, updated_at=AT) for n in range(count)]
        Case.objects.bulk_create(batch, batch_size=2000)
        made = list(Case.objects.filter(number__in=[c.number for c in batch]).order_by("pk"))
        self.events_append(made, PER_CASE)

    def events_append(self, cases: list, per_case: int) -> None:
        """``per_case`` more events on each of ``cases``, chained onto their heads."""
        from govhall.cases.events import event_build
        from govhall.cases.models import Case, CaseEvent

        d, batch = self.desk, []
        for case in cases:
            for _ in range(per_case):
                seq = case.event_seq + 1
                event = event_build(case=case, actor=d.clerk, action=ACTIONS[(seq - 1) % len(ACTIONS)],
                                    from_state="accepted", to_state="in_review", data=_data(case.pk, seq),
                                    client_address="10.20.30.40", at=AT + timedelta(minutes=seq))
                batch.append(event)
                case.event_seq, case.event_hash = event.seq, event.hash
        CaseEvent.objects.bulk_create(batch, batch_size=5000)
        Case.objects.bulk_update(cases, ["event_seq", "event_hash"], batch_size=2000)

    # --- the contestants -------------------------------------------------------------

    def rows(self) -> list[tuple]:
        from govhall.cases.events import _ROW
        from govhall.cases.models import CaseEvent

        return list(CaseEvent.objects.order_by("case_id", "seq").values_list(*_ROW[:14]))

    def hash_floor(self, payloads: list[bytes]) -> float:
        sha256 = hashlib.sha256
        start = time.perf_counter()
        for payload in payloads:
            sha256(payload).hexdigest()
        return time.perf_counter() - start

    def fetch(self, build: bool) -> float:
        from govhall.cases.events import _ROW, _at_text, _payload_bytes, _stream
        from govhall.cases.models import CaseEvent

        start = time.perf_counter()
        count = 0
        if build:
            loads = json.JSONDecoder().decode
            for row in _stream(CaseEvent.objects.all()):
                data = loads(row[9]) if isinstance(row[9], str) else row[9]
                _payload_bytes(*row[1:3], _at_text(row[3]), *row[4:9], data, row[10], row[12])
                count += 1
        else:
            for _ in _stream(CaseEvent.objects.all()):
                count += 1
        spent = time.perf_counter() - start
        assert count == self.total() and len(_ROW) > 12
        return spent

    def read_and_hash(self) -> float:
        from govhall.cases.models import CaseEvent

        start = time.perf_counter()
        bad = 0
        rows = CaseEvent.objects.order_by("case_id", "seq").values_list(
            "case_id", "seq", "at", "actor_id", "actor_role", "action", "from_state", "to_state", "data",
            "client_address", "prev_hash", "hash")
        for case, seq, at, actor, role, action, frm, to, data, address, prev, digest in rows.iterator(5000):
            content = {"case": case, "seq": seq, "at": at.isoformat(), "actor": actor, "actor_role": role,
                       "action": action, "from": frm, "to": to, "data": data, "client_address": address,
                       "prev": prev}
            payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            bad += hashlib.sha256(payload).hexdigest() != digest
        spent = time.perf_counter() - start
        assert bad == 0
        return spent

    def full(self) -> float:
        from govhall.cases.events import audit_verify

        start = time.perf_counter()
        result = audit_verify(full=True)
        spent = time.perf_counter() - start
        assert result.ok and result.hashed == self.total(), (result.breaks, result.problems, result.hashed)
        return spent

    def former(self) -> float:
        """The verification before issue 13: a query per case, every event a model."""
        from govhall.cases.events import _digest, _payload
        from govhall.cases.models import Case, CaseEvent

        start = time.perf_counter()
        bad = 0
        for case in Case.objects.order_by("pk").iterator():
            for event in CaseEvent.objects.filter(case=case).order_by("seq"):
                bad += _digest(event.hash_alg, _payload(event)) != event.hash
        spent = time.perf_counter() - start
        assert bad == 0
        return spent

    def total(self) -> int:
        from govhall.cases.models import CaseEvent

        return CaseEvent.objects.count()

    def memory_peak(self) -> int:
        from govhall.cases.events import chains_verify

        tracemalloc.start()
        assert list(chains_verify()) == []
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    # --- the run -------------------------------------------------------------------------

    def run(self) -> None:
        from govhall.cases.events import _at_text, _payload_bytes, audit_verify
        from govhall.cases.models import Case

        cases = self.events // PER_CASE
        self.cases_add(cases // 2, 0)
        small_peak = self.memory_peak()
        self.cases_add(cases - cases // 2, cases // 2)
        n = self.total()
        large_peak = self.memory_peak()
        payloads = [_payload_bytes(row[1], row[2], _at_text(row[3]), *row[4:11], row[12]) for row in self.rows()]
        size = sum(map(len, payloads)) / len(payloads)
        floor = statistics.median(self.hash_floor(payloads) for _ in range(ROUNDS + 2))
        del payloads
        fetched = statistics.median(self.fetch(False) for _ in range(ROUNDS))
        built = statistics.median(self.fetch(True) for _ in range(ROUNDS))
        plain = statistics.median(self.read_and_hash() for _ in range(ROUNDS))
        full = statistics.median(self.full() for _ in range(ROUNDS))
        us = 1e6 / n
        print(f"{self.label} {n} events in {cases} cases (payload {size:.0f} bytes on average):", flush=True)
        print(f"  hash floor (the payload bytes in memory, hashed in a loop) {floor * us:.2f} µs/event", flush=True)
        print(f"  fetch floor (the verification's statement and cursor, rows dropped) {fetched * us:.2f} µs/event "
              f"({fetched / floor:.1f}× the hash floor)", flush=True)
        print(f"  fetch and build the payload bytes, no hash {built * us:.2f} µs/event "
              f"({built / floor:.1f}× the hash floor)", flush=True)
        print(f"  read-and-hash loop (ORM rows, json.dumps, sha256)  {plain * us:.2f} µs/event "
              f"({plain / floor:.1f}× the hash floor)", flush=True)
        print(f"  verify-audit --full {full:.2f} s = {full * us:.2f} µs/event: {full / floor:.1f}× the hash floor, "
              f"{full / plain:.2f}× the read-and-hash loop; {full * 1e6 / n:.0f} s per million events", flush=True)
        print(f"  full ÷ (fetch and build + hash floor): {full / (built + floor):.2f}×", flush=True)
        # 1% new events onto verified chains: one each on as many cases.
        new = max(1, n // 100)
        touched = list(Case.objects.order_by("?")[:new])
        self.events_append(touched, 1)
        start = time.perf_counter()
        result = audit_verify()
        incremental = time.perf_counter() - start
        assert result.ok and not result.full and result.hashed == new, (result.hashed, result.notes)
        print(f"  incremental after a checkpoint, {new} new events (1%): {incremental * 1000:.0f} ms, "
              f"{result.hashed} events hashed ({incremental / full * 100:.1f}% of the full run)", flush=True)
        former = self.former()
        print(f"  the former verification (a query per case, models): {former:.2f} s = {former * us:.1f} µs/event "
              f"({former / full:.1f}× the full run)", flush=True)
        print(f"  Python memory peak of a full pass: {small_peak / 1e6:.1f} MB at {n // 2} events, "
              f"{large_peak / 1e6:.1f} MB at {n}", flush=True)


def main() -> None:
    args = sys.argv[1:]
    events = int(args[args.index("--events") + 1]) if "--events" in args else 100_000
    if "--child" in args:
        child(args[args.index("--child") + 1], events)
        return
    sys.exit(parent(__file__, ["--events", str(events)]))


if __name__ == "__main__":
    main()
