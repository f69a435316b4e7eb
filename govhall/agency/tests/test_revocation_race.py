"""An authorization revoked at the same moment as an agent acts under it:
the act cannot pass once the revocation is committed — on PostgreSQL the
act's check locks the authorization's row, so it waits for a revocation in
progress and then sees it; on SQLite the two transactions run one after the
other (transaction_mode IMMEDIATE) and the act's check reads the committed
revocation."""

import threading
import time

import pytest
from django.db import connection, transaction

from govhall.agency.services import agency_revoke
from govhall.agency.tests.conftest import grant
from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.states import State
from govhall.cases.tests.conftest import apply_online, at
from govhall.core.errors import NotPermitted

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")


def _applied(desk):
    return apply_online(applicant=desk.applicant, version=desk.version, center=desk.district,
                        when=at("2026-03-02 10:00"))


def test_an_act_after_the_revocation_with_the_authorization_read_before_it_is_refused(desk, agent):
    record = grant(agent=agent, applicant=desk.applicant, items=[desk.item])
    case = _applied(desk)
    assert "withdraw" in cases.case_actions_for(agent, case)  # the agent's page offered it
    agency_revoke(actor=agent, authorization=record, reason="申请人收回")  # meanwhile
    with pytest.raises(NotPermitted):
        cases.case_withdraw(actor=agent, case=case, reason="代为撤回", at=at("2026-03-02 11:00"))
    case = Case.objects.get(pk=case.pk)
    assert case.state == State.SUBMITTED and not case.events.filter(actor=agent).exists()


def _waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _race(desk, agent, *, first, second) -> dict:
    """``first`` (the act or the revocation) holds the authorization's row
    in an open transaction until ``second``, on its own connection, waits
    on it; then commits. Returns what happened: "waited", and each side's
    outcome ("done" or "refused")."""
    record = grant(agent=agent, applicant=desk.applicant, items=[desk.item])
    case = _applied(desk)
    holding, second_pid, outcome = threading.Event(), [], {}
    acts = {"act": lambda: cases.case_withdraw(actor=agent, case=Case.objects.get(pk=case.pk), reason="代为撤回",
                                               at=at("2026-03-02 11:00")),
            "revoke": lambda: agency_revoke(actor=agent, authorization=record, reason="申请人收回")}

    def run_first():
        try:
            with transaction.atomic():
                acts[first]()
                outcome[first] = "done"
                holding.set()
                deadline = time.monotonic() + 30  # commit only once the other waits on the row
                while not (second_pid and _waiting_for_a_lock(second_pid[0])) and time.monotonic() < deadline:
                    time.sleep(0.05)
                outcome["waited"] = bool(second_pid) and _waiting_for_a_lock(second_pid[0])
        finally:
            connection.close()

    def run_second():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid.append(cursor.fetchone()[0])
            holding.wait(30)
            acts[second]()
            outcome[second] = "done"
        except NotPermitted:
            outcome[second] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcome["case"] = Case.objects.get(pk=case.pk)
    outcome["record"] = record
    return outcome


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_act_racing_a_revocation_in_progress_waits_for_it_and_is_refused(desk, agent):
    outcome = _race(desk, agent, first="revoke", second="act")
    assert (outcome["waited"], outcome["revoke"], outcome["act"]) == (True, "done", "refused")
    assert outcome["case"].state == State.SUBMITTED and not outcome["case"].events.filter(actor=agent).exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_revocation_racing_an_act_in_progress_waits_and_the_act_stands(desk, agent):
    outcome = _race(desk, agent, first="act", second="revoke")
    assert (outcome["waited"], outcome["act"], outcome["revoke"]) == (True, "done", "done")
    # the act committed before the revocation: it was done under a valid authorization
    withdrawn = outcome["case"].events.get(action="withdraw")
    assert withdrawn.actor == agent and withdrawn.data["on_behalf"]["agency"] == outcome["record"].pk
