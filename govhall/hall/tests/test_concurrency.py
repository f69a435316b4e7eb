"""Clerks at several windows press 叫下一位 at the same moment, each on their
own database connection: each gets a different ticket, in queue order, and
numbers taken at the same moment are distinct and consecutive."""

import threading

import pytest
from django.db import connection

from govhall.core.actors import SYSTEM
from govhall.hall import services as hall_services
from govhall.hall.models import Ticket, TicketState
from govhall.hall.tests.conftest import issue, later
from govhall.org import services as org
from govhall.org.models import WindowKind


def together(work, count: int) -> list:
    """Run ``work(i)`` in ``count`` threads released at once; their results (or errors)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001  (reported by the test)
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_clerks_calling_at_the_same_moment_never_get_the_same_ticket(floor):
    clerks = [(floor.clerk, floor.comprehensive), (floor.clerk_b, floor.window_b)]
    for n in range(2):  # two more comprehensive windows serving B, each with its clerk signed in
        window = org.window_create(actor=SYSTEM, center=floor.district, number=f"0{n + 2}", name="综合窗口",
                                   kind=WindowKind.COMPREHENSIVE)
        hall_services.window_categories_set(actor=SYSTEM, window=window, categories=[floor.cat_b])
        clerk = org.user_create(actor=SYSTEM, username=f"clerk-{n}", password="x", role="clerk",
                                center=floor.district, window=window)
        org.attendance_check_in(staff=clerk, at=later(-5))
        clerks.append((clerk, window))
    tickets = [issue(floor.cat_b, minute) for minute in range(1, 7)]

    called = together(lambda i: hall_services.ticket_call_next(actor=clerks[i][0], window=clerks[i][1],
                                                               at=later(10)), len(clerks))
    assert not [c for c in called if isinstance(c, Exception)], called
    assert len({ticket.pk for ticket in called}) == len(clerks)
    # The first four in line were called, one each, and the rest still wait.
    assert sorted(ticket.pk for ticket in called) == [t.pk for t in tickets[:4]]
    assert Ticket.objects.filter(state=TicketState.CALLED).count() == 4
    assert {t.window_id for t in Ticket.objects.filter(state=TicketState.CALLED)} == {w.pk for _, w in clerks}


@pytest.mark.django_db(transaction=True)
def test_numbers_taken_at_the_same_moment_are_distinct_and_consecutive(floor):
    numbers = together(lambda i: issue(floor.cat_a, 1).number, 6)
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 7)], numbers
