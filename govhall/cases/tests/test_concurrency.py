"""Two clerks act on one case at the same moment, each on their own database
connection: exactly one wins, the other is told the case changed."""

import os
import threading

import pytest
from django.db import connection

from govhall.cases import services as cases
from govhall.cases.models import Case, IdempotencyKey
from govhall.cases.states import State
from govhall.cases.tests.conftest import check_materials
from govhall.cases.tests.consistency import hall_problems
from govhall.cases.tests.test_lifecycle import submit
from govhall.cases.tests.workers import (
    PATH,
    api_tokens,
    race_path,
    run_forked,
    submit_many,
    submit_same_key,
)
from govhall.core.errors import Conflict


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_two_concurrent_actions_wins(desk):
    case = check_materials(actor=desk.clerk, case=submit(desk))  # ready to accept or to reject
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(name, action):
        stale = Case.objects.get(pk=case.pk)  # both read the same version
        barrier.wait()
        try:
            action(stale)
            outcomes[name] = "won"
        except Conflict:
            outcomes[name] = "conflict"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("accept", lambda c: cases.case_accept(actor=desk.clerk, case=c))),
        threading.Thread(target=act, args=("reject", lambda c: cases.case_reject(actor=desk.clerk, case=c, reason="材料不全"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["conflict", "won"]
    final = Case.objects.get(pk=case.pk)
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    assert final.state == {"accept": State.ACCEPTED, "reject": State.REJECTED}[winner]
    assert list(final.events.order_by("seq").values_list("action", flat=True)) == ["submit", "check_materials", winner]


# --- many worker processes on the same cases (issue 13, item 5) ------------------------
# Each worker is a process of its own with its own database connection
# (workers.run_forked), as the processes of a production server are.

WORKERS = int(os.environ.get("GOVHALL_RACE_WORKERS", "4"))


@pytest.fixture
def racing_desk(desk):
    api_tokens(desk.clerk, desk.reviewer, desk.approver)
    return desk


@pytest.mark.parametrize("via", ["services", "http"])
@pytest.mark.django_db(transaction=True)
def test_every_step_of_the_path_is_won_by_exactly_one_of_many_workers(racing_desk, via):
    numbers = [submit(racing_desk).number for _ in range(3)]
    outcomes = run_forked(race_path, WORKERS, numbers, via)
    for number in numbers:
        for action, _, _ in PATH:
            answers = sorted(outcome for worker in outcomes for n, a, outcome in worker if (n, a) == (number, action))
            # One wins; every other worker, who saw the same version, is told the case changed.
            assert answers == ["conflict"] * (WORKERS - 1) + ["won"], (number, action, answers)
        case = Case.objects.get(number=number)
        assert case.state == State.CLOSED
        assert list(case.events.order_by("seq").values_list("action", flat=True)) == ["submit", *[a for a, _, _ in PATH]]
    assert hall_problems() == []


@pytest.mark.parametrize("via", ["services", "http"])
@pytest.mark.django_db(transaction=True)
def test_receipts_at_the_same_moment_get_distinct_consecutive_numbers(racing_desk, via):
    per_worker = 5
    numbers = [n for worker in run_forked(submit_many, WORKERS, per_worker, via, racing_desk.item.code) for n in worker]
    assert len(set(numbers)) == len(numbers) == WORKERS * per_worker
    assert sorted(int(number.rsplit("-", 1)[1]) for number in numbers) == list(range(1, WORKERS * per_worker + 1))
    assert hall_problems() == []


@pytest.mark.django_db(transaction=True)
def test_retries_of_one_application_at_the_same_moment_create_one_case(racing_desk):
    answers = run_forked(submit_same_key, WORKERS, racing_desk.item.code, "retried-key")
    assert Case.objects.count() == IdempotencyKey.objects.count() == 1
    number = Case.objects.get().number
    # The first gets 201; every retry gets the same case, never a second one.
    assert sorted(status for status, _ in answers) == [200] * (WORKERS - 1) + [201], answers
    assert {answer for _, answer in answers} == {number}
    assert hall_problems() == []
