"""Two clerks act on one case at the same moment, each on their own database
connection: exactly one wins, the other is told the case changed."""

import threading

import pytest
from django.db import connection

from govhall.cases.tests.conftest import check_materials
from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.states import State
from govhall.cases.tests.test_lifecycle import submit
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
