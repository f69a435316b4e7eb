"""The event scan reads every committed case event once, whatever order the
transactions that wrote them commit in (docs/supervision.md, "The event
tail").

Ids are taken before commit: an event can commit below the last id a scan
read. The scan keeps those ids ("holes"), reads them again, and forgets them
once no transaction that could own them is running. Most tests here stand in
for the running transactions (``writers``) and store events under chosen ids
(``late_event``): as if a transaction had taken that id earlier and
committed only now; they run on both databases. The PostgreSQL tests at the
end do it with real concurrent transactions.
"""

import threading

import pytest
from django.db import connection, transaction
from django.db.models import Max

from govhall.cases.events import event_build, event_record
from govhall.cases.models import Case, CaseEvent
from govhall.cases.tests.conftest import at
from govhall.cases.tests.test_lifecycle import submit
from govhall.core.actors import SYSTEM
from govhall.core.writers import id_gaps, ranges_without
from govhall.supervision import engine
from govhall.supervision.models import ScanMark
from govhall.supervision.tests.test_rules import alerts, scan

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers: ids commit in order, an event cannot commit below a later one")


@pytest.fixture
def checked(monkeypatch):
    """The ids of the events the integrity rules were run on, in order."""
    ids: list[int] = []
    real = engine.integrity_findings

    def record(event):
        ids.append(event.pk)
        return real(event)

    monkeypatch.setattr(engine, "integrity_findings", record)
    return ids


@pytest.fixture
def writers(monkeypatch):
    """The transactions the scan is told are running (add and remove names)."""
    running: set[str] = set()
    monkeypatch.setattr(engine, "_event_writers", lambda: frozenset(running))
    return running


def late_event(case: Case, pk: int, when: str = "2026-03-02 11:00") -> CaseEvent:
    """The next event of the case's chain, stored under the id ``pk``."""
    event = event_build(case=case, actor=SYSTEM, action="recompute_deadline", from_state=case.state,
                        to_state=case.state, at=at(when))
    event.pk = pk
    event.save(force_insert=True)
    Case.objects.filter(pk=case.pk).update(event_seq=event.seq, event_hash=event.hash)
    case.event_seq, case.event_hash = event.seq, event.hash
    return event


def mark() -> ScanMark:
    return ScanMark.objects.get(name="case_events")


@pytest.fixture
def scanned(desk, checked):
    """A submitted case whose events the scan has read; ``base``: an id well
    above every id taken so far (the test's own ids start there)."""
    case = submit(desk)
    scan("2026-03-02 10:30")
    checked.clear()
    return case, CaseEvent.objects.aggregate(top=Max("pk"))["top"] + 1000


@pytest.mark.django_db
class TestHoles:
    def test_an_event_committed_below_the_mark_is_checked_when_it_commits(self, scanned, checked, writers):
        case, base = scanned
        last = mark().last_id
        writers.add("7/1")
        late_event(case, base + 3)
        scan("2026-03-02 12:00")
        # Everything between the old mark and the new event may still come,
        # kept as one range with the transaction that may own it.
        assert checked == [base + 3]
        assert (mark().last_id, mark().holes) == (base + 3, [{"ranges": [[last + 1, base + 2]], "writers": ["7/1"]}])
        late_event(case, base + 1)
        scan("2026-03-02 12:05")
        assert checked == [base + 3, base + 1]
        assert mark().holes == [{"ranges": [[last + 1, base], [base + 2, base + 2]], "writers": ["7/1"]}]
        # The last one commits as its transaction ends: the next read finds
        # it, and nothing is left to wait for.
        late_event(case, base + 2)
        writers.clear()
        scan("2026-03-02 12:10")
        assert checked == [base + 3, base + 1, base + 2]
        assert mark().holes == []
        assert scan("2026-03-02 12:15").events == 0 and checked == [base + 3, base + 1, base + 2]

    def test_a_hole_no_running_transaction_can_own_is_forgotten_at_once(self, scanned, checked, writers):
        # On SQLite always (a missing id was rolled back), on PostgreSQL when
        # nobody else is writing: the scan reads it once more and forgets it.
        case, base = scanned
        late_event(case, base + 2)
        assert scan("2026-03-02 12:00").events == 1
        assert (mark().last_id, mark().holes) == (base + 2, [])

    def test_a_rolled_back_id_is_forgotten_and_the_state_stays_small(self, scanned, checked, writers):
        # A long transaction stays open while short ones come and go, and
        # every scan finds one more id that was rolled back.
        case, base = scanned
        for i in range(1, 31):
            writers.clear()
            writers.update({"3/100", f"5/{i}"})
            late_event(case, base + 2 * i)
            scan(f"2026-03-02 12:{i:02d}")
            # One group per set of transactions still running, not per scan.
            assert len(mark().holes) <= 2
        assert checked == [base + 2 * i for i in range(1, 31)]
        writers.clear()
        scan("2026-03-02 13:00")
        assert mark().holes == [] and checked == [base + 2 * i for i in range(1, 31)]

    def test_late_events_beyond_one_batch_are_read_over_several_scans(self, scanned, checked, writers, monkeypatch):
        monkeypatch.setattr(engine, "EVENT_BATCH", 2)
        case, base = scanned
        writers.add("7/1")
        late_event(case, base + 4)
        scan("2026-03-02 12:00")
        for pk in (base + 1, base + 2, base + 3):
            late_event(case, pk)
        writers.clear()
        # Two of the three are read; the hole is kept, though its writer
        # ended, until a read has been made that was not cut short.
        scan("2026-03-02 12:05")
        assert checked == [base + 4, base + 1, base + 2] and mark().holes != []
        scan("2026-03-02 12:10")
        assert checked == [base + 4, base + 1, base + 2, base + 3] and mark().holes == []

    def test_a_rolled_back_event_is_never_checked_and_leaves_nothing_behind(self, desk, checked):
        case = submit(desk)
        with pytest.raises(RuntimeError), transaction.atomic():
            event_record(case=Case.objects.get(pk=case.pk), actor=SYSTEM, action="recompute_deadline",
                         from_state="submitted", to_state="submitted", at=at("2026-03-02 10:10"))
            raise RuntimeError("rolled back")
        kept = event_record(case=Case.objects.get(pk=case.pk), actor=SYSTEM, action="recompute_deadline",
                            from_state="submitted", to_state="submitted", at=at("2026-03-02 10:20"))
        scan("2026-03-02 10:30")
        assert checked[-1] == kept.pk and len(checked) == len(set(checked)) == case.events.count()
        assert mark().holes == []


@pytest.mark.parametrize(("after", "ids", "gaps"), [
    (0, [], []),
    (0, [1, 2, 3], []),
    (0, [2, 3, 7], [[1, 1], [4, 6]]),
    (10, [11, 15], [[12, 14]]),
])
def test_gaps(after, ids, gaps):
    assert id_gaps(after, ids) == gaps


@pytest.mark.parametrize(("ranges", "seen", "left"), [
    ([[1, 5]], set(), [[1, 5]]),
    ([[1, 5]], {1, 3, 5}, [[2, 2], [4, 4]]),
    ([[1, 5]], {1, 2, 3, 4, 5}, []),
    ([[7, 9], [1, 3], [4, 5]], {9}, [[1, 5], [7, 8]]),
    ([[1, 3], [2, 6]], {100}, [[1, 6]]),
])
def test_ranges_without(ranges, seen, left):
    assert ranges_without(ranges, seen) == left


# --- real concurrent transactions (PostgreSQL) -----------------------------------------


def approve_outside(desk, case: Case, when: str) -> CaseEvent:
    """A decision event written outside the services, on a case never accepted."""
    return event_record(case=Case.objects.get(pk=case.pk), actor=desk.approver, action="approve",
                        from_state="submitted", to_state="approved", at=at(when))


def in_open_transaction(write, taken: threading.Event, release: threading.Event, ids: dict):
    """A thread (its own connection) that writes in one transaction and keeps
    it open until ``release``."""
    def run():
        try:
            with transaction.atomic():
                ids["low"] = write()
                taken.set()
                assert release.wait(timeout=60)
        finally:
            taken.set()
            connection.close()

    return threading.Thread(target=run)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_event_whose_transaction_commits_after_a_later_one_is_still_checked(desk, checked):
    slow, fast = submit(desk), submit(desk, "2026-03-02 10:05")
    scan("2026-03-02 10:30")
    checked.clear()
    taken, release, ids = threading.Event(), threading.Event(), {}
    # T1 writes a decision (the lower id) and stays open.
    writer = in_open_transaction(lambda: approve_outside(desk, slow, "2026-03-02 11:00").pk, taken, release, ids)
    writer.start()
    try:
        assert taken.wait(timeout=60) and "low" in ids
        # T2 writes one (the higher id) and commits; a scan runs.
        with transaction.atomic():
            ids["high"] = approve_outside(desk, fast, "2026-03-02 11:05").pk
        assert ids["low"] < ids["high"]
        assert scan("2026-03-02 12:00").cases == 0
        assert checked == [ids["high"]]
        assert [hole["ranges"] for hole in mark().holes] == [[[ids["low"], ids["low"]]]]
    finally:
        release.set()
        writer.join(timeout=60)
    # T1 commits; the next scan checks its event, once, and forgets the hole.
    scan("2026-03-02 12:05")
    assert checked == [ids["high"], ids["low"]]
    assert scan("2026-03-02 12:10").events == 0 and mark().holes == []
    assert sorted(a.case_id for a in alerts("case.no_acceptance")) == sorted([slow.pk, fast.pk])


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_id_taken_before_its_transaction_has_a_transaction_id_is_waited_for(desk, checked):
    # An INSERT takes its id (nextval) before its row gets a transaction id,
    # and nextval itself gives the transaction none: a scan that judged the
    # owners of a hole by transaction ids (pg_snapshot_xmin/xmax) would see
    # nobody running here, forget the hole, and miss the event.
    slow, fast = submit(desk), submit(desk, "2026-03-02 10:05")
    scan("2026-03-02 10:30")
    checked.clear()
    taken, release, ids = threading.Event(), threading.Event(), {}
    sequence = f"pg_get_serial_sequence('{CaseEvent._meta.db_table}', 'id')"

    def take_id_then_write():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval({sequence})")
            pk = cursor.fetchone()[0]
        taken.set()
        assert release.wait(timeout=60)
        case = Case.objects.get(pk=slow.pk)
        event = event_build(case=case, actor=desk.approver, action="approve", from_state="submitted",
                            to_state="approved", at=at("2026-03-02 11:00"))
        event.pk = pk
        event.save(force_insert=True)
        Case.objects.filter(pk=case.pk).update(event_seq=event.seq, event_hash=event.hash)
        return pk

    def run():
        try:
            with transaction.atomic():
                ids["low"] = take_id_then_write()
        finally:
            taken.set()
            connection.close()

    writer = threading.Thread(target=run)
    writer.start()
    try:
        assert taken.wait(timeout=60)
        with transaction.atomic():
            ids["high"] = approve_outside(desk, fast, "2026-03-02 11:05").pk
        scan("2026-03-02 12:00")
        # Other transactions come and go (and take transaction ids) meanwhile.
        with transaction.atomic():
            ids["later"] = event_record(case=Case.objects.get(pk=fast.pk), actor=SYSTEM, action="recompute_deadline",
                                        from_state="approved", to_state="approved", at=at("2026-03-02 12:01")).pk
        scan("2026-03-02 12:02")
        assert checked == [ids["high"], ids["later"]] and mark().holes != []
    finally:
        release.set()
        writer.join(timeout=60)
    scan("2026-03-02 12:05")
    assert checked == [ids["high"], ids["later"], ids["low"]] and mark().holes == []
