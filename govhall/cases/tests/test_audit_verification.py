"""Verifying the audit chains at scale (issue 13 item 3): one streaming pass,
signed checkpoints, incremental runs that hash only what is new, and
``govhall verify-audit``'s output and exit codes (docs/security.md,
"Audit checkpoints")."""

import json
import threading
import time as time_module
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from govhall.cases import events as audit
from govhall.cases import services as cases
from govhall.cases.events import (
    _payload_bytes,
    chain_verify,
    chains_verify,
    checkpoint_latest,
    event_record,
)
from govhall.cases.models import AuditCheckpoint, Case, CaseEvent
from govhall.cases.tests.conftest import accept_checked
from govhall.cases.tests.test_lifecycle import submit
from govhall.core.actors import SYSTEM
from govhall.core.models import AuditEvent

OTHER_KEY = "another-key-of-at-least-thirty-two-characters"


def reviewed(desk, when="2026-03-02 10:00"):
    """A case with four events: submit, check materials, accept, review."""
    case = accept_checked(actor=desk.clerk, case=submit(desk, when=when))
    return cases.case_complete_step(actor=desk.reviewer, case=case, opinion="符合")


def approved(case, desk):
    """One more event on the case (#5)."""
    return cases.case_approve(actor=desk.approver, case=case, opinion="同意")


def run(*args) -> tuple[str, str]:
    """``verify-audit`` with ``args``: its output, or CommandError."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as error:
        error.out, error.err = out.getvalue(), err.getvalue()
        raise
    return out.getvalue(), err.getvalue()


def fails(*args) -> str:
    """``verify-audit`` must fail (exit 1): what it printed."""
    with pytest.raises(CommandError) as failure:
        run(*args)
    return failure.value.out + failure.value.err + str(failure.value)


# --- the canonical payload ---------------------------------------------------------

@pytest.mark.parametrize("data", [
    {}, {"opinion": "符合条件，予以受理", "at_step": 1}, {"z": [1, 2.5, None, True, {"b": "\"\\", "a": "\n\t\x01"}]},
    {"数字": 10**20, "emoji": "🙂", "nested": {"list": [], "dict": {}}}, {"key with space": "</script>"},
])
@pytest.mark.parametrize("actor, address", [(None, None), (7, "10.1.2.3"), (12345678901, "2001:db8::1")])
def test_the_payload_is_the_canonical_json_of_the_content(data, actor, address):
    when = datetime(2026, 3, 2, 2, 0, 0, 123456, tzinfo=UTC)
    content = {"case": 42, "seq": 3, "at": when.isoformat(), "actor": actor, "actor_role": "clerk",
               "action": "accept", "from": "submitted", "to": "accepted", "data": data,
               "client_address": address, "prev": "ab" * 32}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert _payload_bytes(42, 3, when.isoformat(), actor, "clerk", "accept", "submitted", "accepted", data, address,
                          "ab" * 32) == canonical


def test_events_written_before_the_fast_payload_still_verify(desk):
    # The hash the previous code computed (json.dumps of the content) is the one stored.
    case = reviewed(desk)
    for event in case.events.all():
        content = {"case": event.case_id, "seq": event.seq, "at": event.at.isoformat(), "actor": event.actor_id,
                   "actor_role": event.actor_role, "action": event.action, "from": event.from_state,
                   "to": event.to_state, "data": event.data, "client_address": event.client_address,
                   "prev": event.prev_hash}
        payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        assert audit._digest(event.hash_alg, payload) == event.hash
    assert chain_verify(case) is None


# --- full verification ------------------------------------------------------------------

def test_chains_verify_names_each_broken_case_once(desk):
    sound, edited, cut = reviewed(desk), reviewed(desk), reviewed(desk)
    CaseEvent.objects.filter(case=edited, seq=3).update(data={"forged": True})
    CaseEvent.objects.filter(case=cut, seq=2).delete()
    broken = {item.case_number: item for item in chains_verify()}
    assert set(broken) == {edited.number, cut.number}
    assert (broken[edited.number].seq, broken[edited.number].case_id) == (3, edited.pk)
    assert broken[edited.number].reason == "content was changed after it was written (hash differs)"
    assert broken[cut.number].reason == "event #2 is missing (next is #3)"
    assert chain_verify(sound) is None and chain_verify(edited) == broken[edited.number]


def test_a_case_with_a_head_but_no_event_is_named(desk):
    case = reviewed(desk)
    CaseEvent.objects.filter(case=case).delete()
    broken = list(chains_verify())
    assert [(b.case_number, b.seq) for b in broken] == [(case.number, 4)]
    assert broken[0].reason == "the case's last event #4 is missing or differs (the chain ends at #0)"
    assert chain_verify(case) == broken[0]


def test_an_unknown_algorithm_is_named(desk):
    case = reviewed(desk)
    CaseEvent.objects.filter(case=case, seq=2).update(hash_alg="md17")
    assert chain_verify(case).reason == "unknown hash algorithm md17"


def test_the_first_run_is_full_and_signs_checkpoint_one(desk):
    reviewed(desk), reviewed(desk)
    out, err = run()
    assert "no checkpoint yet: verifying everything" in out
    assert "2 case chain(s) verified; 8 event(s) hashed" in out
    last = CaseEvent.objects.order_by("-pk").first().pk
    assert f"checkpoint #1 signed: events up to id {last} (8 event(s))" in out and err == ""
    cp = AuditCheckpoint.objects.get()
    assert (cp.number, cp.last_event_id, cp.events, cp.hashed, cp.full, cp.previous) == (1, last, 8, 8, True, "")
    record = AuditEvent.objects.get(action="audit.checkpoint")
    assert record.data["number"] == 1 and record.data["signature"] == cp.signature


# --- incremental verification -----------------------------------------------------

def test_an_incremental_run_hashes_only_the_new_events(desk):
    first, _second, _third = reviewed(desk), reviewed(desk), reviewed(desk)
    run()
    approved(first, desk)  # one event onto a verified head
    reviewed(desk)  # a new case: four events
    out, _err = run()
    assert "2 case chain(s) with new events verified from checkpoint #1" in out
    assert "; 5 event(s) hashed" in out  # not the 12 verified before
    cp = AuditCheckpoint.objects.get(number=2)
    assert (cp.hashed, cp.events, cp.full) == (5, 17, False)
    assert cp.previous == AuditCheckpoint.objects.get(number=1).signature
    # Nothing new: nothing hashed, a checkpoint all the same (the run held).
    out, _err = run()
    assert "0 case chain(s) with new events verified from checkpoint #2" in out and "; 0 event(s) hashed" in out
    # --full hashes everything again and finds the same heads.
    out, _err = run("--full")
    assert "4 case chain(s) verified; 17 event(s) hashed" in out
    assert AuditCheckpoint.objects.get(number=4).heads == AuditCheckpoint.objects.get(number=3).heads


def test_an_edited_new_event_is_found_by_the_incremental_run(desk):
    case = reviewed(desk)
    run()
    case = approved(case, desk)
    CaseEvent.objects.filter(case=case, seq=5).update(data={"opinion": "不同意"})
    err = fails()
    assert f"{case.number} event #5: content was changed after it was written (hash differs)" in err
    assert "1 broken chain(s)" in err
    assert AuditCheckpoint.objects.count() == 1  # nothing signed while a chain is broken


def test_an_edited_checkpointed_event_is_found_by_full_only(desk):
    # Documented limit: an incremental run does not hash what a checkpoint covers.
    case = reviewed(desk)
    run()
    CaseEvent.objects.filter(case=case, seq=2).update(data={"forged": True})
    out, _err = run()
    assert "; 0 event(s) hashed" in out
    err = fails("--full")
    assert f"{case.number} event #2: content was changed after it was written (hash differs)" in err


def test_a_deleted_verified_middle_event_is_found_by_the_incremental_run(desk):
    checkpointed, fresh = reviewed(desk), reviewed(desk)
    run()
    approved(fresh, desk)
    # A verified event deleted: the count the checkpoint signed differs, so
    # the incremental run goes on with a full one and names it.
    CaseEvent.objects.filter(case=checkpointed, seq=2).delete()
    printed = fails()
    assert "checkpoint #1 vouched for 8 event(s) up to id" in printed and "there are now 7: verifying everything" in printed
    assert f"{checkpointed.number} event #3: event #2 is missing (next is #3)" in printed


def test_a_deleted_new_middle_event_is_found_by_the_incremental_run(desk):
    case = reviewed(desk)
    run()
    case = approved(case, desk)
    case = cases.case_certify(actor=desk.clerk, case=case, certificate_number="C-1")
    case = cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三")
    CaseEvent.objects.filter(case=case, seq=6).delete()
    assert f"{case.number} event #7: event #6 is missing (next is #7)" in fails()


def test_a_deleted_first_new_event_is_found_by_the_incremental_run(desk):
    case = reviewed(desk)
    run()
    case = approved(case, desk)
    case = cases.case_certify(actor=desk.clerk, case=case, certificate_number="C-1")
    CaseEvent.objects.filter(case=case, seq=5).delete()
    assert f"{case.number} event #6: event #5 is missing (next is #6)" in fails()


def test_a_deleted_last_event_is_found_by_both(desk):
    old, new = reviewed(desk), reviewed(desk)
    run()
    new = approved(new, desk)
    new = cases.case_certify(actor=desk.clerk, case=new, certificate_number="C-1")
    CaseEvent.objects.filter(case=new, seq=6).delete()
    err = fails()  # incremental: the new chain ends before the head on the case row
    assert f"{new.number} event #6: the case's last event #6 is missing or differs (the chain ends at #5)" in err
    CaseEvent.objects.filter(case=new, seq__gte=5).delete()
    Case.objects.filter(pk=new.pk).update(event_seq=4, event_hash=CaseEvent.objects.get(case=new, seq=4).hash)
    run()  # the new events are gone with the head: nothing left to name
    CaseEvent.objects.filter(case=old, seq=4).delete()  # a verified last event
    err = fails()
    assert f"{old.number} event #4: the case's last event #4 is missing or differs (the chain ends at #3)" in err


def test_a_verified_event_replaced_by_a_rehashed_copy_is_found_by_the_incremental_run(desk):
    # The last verified event deleted and written again, changed, under a new
    # id, its hash recomputed and the head moved: the chain itself holds.
    case = reviewed(desk)
    run()
    copy = CaseEvent.objects.get(case=case, seq=4)
    copy.pk, copy.data = None, {"opinion": "不符合"}
    copy.hash = audit._digest(copy.hash_alg, audit._payload(copy))
    CaseEvent.objects.filter(case=case, seq=4).delete()
    copy.save(force_insert=True)
    Case.objects.filter(pk=case.pk).update(event_hash=copy.hash)
    assert list(chains_verify()) == []
    printed = fails()
    assert "there are now 3: verifying everything" in printed  # the count it signed
    assert "checkpoint #1: vouched for 4 event(s) up to id" in printed
    assert "verified events were deleted or inserted" in printed


def test_the_only_new_event_deleted_is_found_by_full_only(desk):
    # Documented limit: a case with no event above the mark is not read.
    case = reviewed(desk)
    run()
    case = approved(case, desk)
    CaseEvent.objects.filter(case=case, seq=5).delete()
    out, _err = run()
    assert "0 case chain(s) with new events verified" in out
    err = fails("--full")
    assert f"{case.number} event #5: the case's last event #5 is missing or differs (the chain ends at #4)" in err


def test_an_inserted_event_is_found_by_the_incremental_run(desk):
    case = reviewed(desk)
    run()
    forged = event_record(case=case, actor=SYSTEM, action="approve", from_state="in_review", to_state="approved")
    case = approved(Case.objects.get(pk=case.pk), desk)
    # Slip the forged event (#5) in after the real approval.
    CaseEvent.objects.filter(pk=forged.pk).update(seq=99)
    CaseEvent.objects.filter(case=case, seq=6).update(seq=5)
    CaseEvent.objects.filter(pk=forged.pk).update(seq=6)
    assert f"{case.number} event #5: does not follow the previous event (prev_hash differs)" in fails()
    assert f"{case.number} event #5: does not follow the previous event" in fails("--full")


def test_a_rechained_history_is_found_by_full(desk):
    # Someone with the database rewrites a verified event and recomputes its
    # hash, the hashes after it and the head on the case row: every chain
    # holds, but not the heads the checkpoint signed.
    case = reviewed(desk)
    run()
    previous = CaseEvent.objects.get(case=case, seq=1).hash
    for event in CaseEvent.objects.filter(case=case, seq__gte=2).order_by("seq"):
        if event.seq == 2:
            event.data = {"forged": True}
        event.prev_hash = previous
        event.hash = audit._digest(event.hash_alg, audit._payload(event))
        CaseEvent.objects.filter(pk=event.pk).update(data=event.data, prev_hash=event.prev_hash, hash=event.hash)
        previous = event.hash
    Case.objects.filter(pk=case.pk).update(event_hash=previous)
    assert list(chains_verify()) == []
    err = fails("--full")
    assert "checkpoint #1: the chains' heads up to event id" in err and "rewritten together with their hashes" in err


# --- the checkpoints themselves -----------------------------------------------------

@pytest.fixture
def three_checkpoints(desk):
    case = reviewed(desk)
    run()
    case = approved(case, desk)
    run()
    cases.case_certify(actor=desk.clerk, case=case, certificate_number="C-1")
    run()
    assert list(AuditCheckpoint.objects.values_list("number", flat=True)) == [1, 2, 3]
    return desk


@pytest.mark.parametrize("change", [
    {"last_event_id": 10**9}, {"events": 1}, {"heads": "0" * 64}, {"full": True}, {"hashed": 0},
    {"signature": "0" * 64},
])
def test_an_edited_checkpoint_is_named(three_checkpoints, change):
    AuditCheckpoint.objects.filter(number=2).update(**change)
    err = fails()
    if "signature" in change:  # the forged signature itself, and the next one no longer follows it
        assert "checkpoint #3: does not follow checkpoint #2 (its signature differs)" in err
    assert "checkpoint #2: changed after it was signed (signature differs)" in err
    assert "checkpoint problem(s)" in err
    assert checkpoint_latest() is None
    assert AuditCheckpoint.objects.count() == 3  # nothing signed over a damaged series


def test_a_deleted_checkpoint_is_named(three_checkpoints):
    AuditCheckpoint.objects.filter(number=2).delete()
    assert "checkpoint #3: checkpoint #2 before it is missing" in fails()
    AuditCheckpoint.objects.filter(number=1).delete()
    assert "checkpoint #3: checkpoints #1–#2 before it are missing" in fails()


def test_a_deleted_last_checkpoint_is_named_through_the_audit_log(three_checkpoints):
    AuditCheckpoint.objects.filter(number=3).delete()
    assert "checkpoint #3: is missing (the audit log records it" in fails()


def test_a_checkpoint_signed_with_another_key_is_named(three_checkpoints, settings):
    settings.GOVHALL_AUDIT_KEY = OTHER_KEY
    err = fails()
    assert "checkpoint #1: signed with another key (not GOVHALL_AUDIT_KEY)" in err
    assert "checkpoint #3: signed with another key" in err


def test_a_forged_checkpoint_signed_with_another_key_is_named(three_checkpoints, settings):
    # The forger writes a checkpoint vouching for everything, with his own key.
    original = settings.GOVHALL_AUDIT_KEY
    settings.GOVHALL_AUDIT_KEY = OTHER_KEY
    latest = AuditCheckpoint.objects.get(number=3)
    forged = AuditCheckpoint(number=4, created_at=latest.created_at, last_event_id=10**9, events=latest.events,
                             heads=latest.heads, hashed=0, full=True, hash_alg="sha256",
                             key_id=audit._key_id(audit.audit_key()), previous=latest.signature)
    forged.signature = audit._signature(audit.audit_key(), forged)
    forged.save()
    settings.GOVHALL_AUDIT_KEY = original
    assert "checkpoint #4: signed with another key" in fails()


def test_a_new_series_after_a_key_change(three_checkpoints, settings):
    settings.GOVHALL_AUDIT_KEY = OTHER_KEY
    assert "--restart needs --full" in fails("--restart")
    out, _err = run("--full", "--restart")
    assert "checkpoint #4 signed" in out
    cp = AuditCheckpoint.objects.get(number=4)
    assert cp.restart and cp.previous == "" and cp.full
    out, _err = run()  # the old series is not read any more
    assert "from checkpoint #4" in out and checkpoint_latest().number == 5


def test_checkpoint_latest_is_the_last_valid_one(desk):
    assert checkpoint_latest() is None
    reviewed(desk)
    run()
    latest = checkpoint_latest()
    cp = AuditCheckpoint.objects.get()
    assert (latest.number, latest.at, latest.last_event_id, latest.events, latest.full) == (
        1, cp.created_at, cp.last_event_id, 4, True)


def test_the_high_water_mark_is_the_last_committed_event(desk):
    case = reviewed(desk)
    assert audit._high_water() == CaseEvent.objects.filter(case=case).order_by("-pk").first().pk


def test_the_time_of_an_event_is_read_as_written():
    from datetime import timedelta, timezone

    from govhall.cases.events import _at_text

    written = datetime(2026, 3, 2, 2, 0, 0, 5, tzinfo=UTC)
    assert _at_text(written) == written.isoformat() == "2026-03-02T02:00:00.000005+00:00"
    assert _at_text(written.replace(tzinfo=None)) == written.isoformat()  # SQLite gives UTC, naive
    assert _at_text(written.astimezone(timezone(timedelta(hours=8)))) == written.isoformat()


# --- PostgreSQL: ids taken before they commit ------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers: ids commit in order, an event cannot commit below a later one")


def open_writer(case_pk: int, taken: threading.Event, release: threading.Event, ids: dict) -> threading.Thread:
    """A transaction that writes the next event of the case and stays open until ``release``."""
    from govhall.supervision.tests.test_event_tail import in_open_transaction

    def write() -> int:
        case = Case.objects.get(pk=case_pk)
        return event_record(case=case, actor=SYSTEM, action="recompute_deadline", from_state=case.state,
                            to_state=case.state).pk

    return in_open_transaction(write, taken, release, ids)


def release_later(release: threading.Event, ids: dict) -> None:
    """Let the open transaction commit in half a second; note when."""
    def go():
        ids["released"] = time_module.monotonic()
        release.set()

    threading.Timer(0.5, go).start()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_waits_for_an_event_that_commits_below_a_later_one(desk):
    slow, fast = reviewed(desk), reviewed(desk)
    run()
    taken, release, ids = threading.Event(), threading.Event(), {}
    writer = open_writer(slow.pk, taken, release, ids)
    writer.start()
    try:
        assert taken.wait(timeout=60) and "low" in ids
        fast = approved(fast, desk)  # commits an event above the open one
        assert fast.events.get(seq=5).pk > ids["low"]
        release_later(release, ids)
        out, _err = run()  # waits for the open transaction before it reads its mark
        returned = time_module.monotonic()
    finally:
        release.set()
        writer.join(timeout=60)
    assert returned > ids["released"]
    cp = AuditCheckpoint.objects.get(number=2)
    assert cp.last_event_id >= fast.events.get(seq=5).pk and cp.events == 10 and cp.hashed == 2
    assert "; 2 event(s) hashed" in out
    out, _err = run("--full")
    assert AuditCheckpoint.objects.get(number=3).heads == cp.heads  # the full run agrees


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_writer_that_stays_open_is_a_clear_refusal(desk, monkeypatch):
    case = reviewed(desk)
    monkeypatch.setattr(audit, "WRITERS_WAIT", 0.3)
    taken, release, ids = threading.Event(), threading.Event(), {}
    writer = open_writer(case.pk, taken, release, ids)
    writer.start()
    try:
        assert taken.wait(timeout=60)
        printed = fails()
    finally:
        release.set()
        writer.join(timeout=60)
    assert "1 transaction(s) writing case events stayed open for 0.3 s; try again" in printed
    assert not AuditCheckpoint.objects.exists()


@postgresql_only
def test_a_repeated_event_in_another_month_is_named(desk):
    # (case, seq) is unique per monthly partition only: a copy of an event
    # dated in another month is stored beside it, and named.
    case = reviewed(desk)
    run()
    copy = CaseEvent.objects.get(case=case, seq=3)
    copy.pk, copy.at = None, copy.at.replace(year=2025)
    copy.save(force_insert=True)
    assert f"{case.number} event #3: event #3 is repeated" in fails("--full")
    assert f"{case.number} event #3: event #3 is repeated" in fails()  # a new event numbered as a verified one
