"""The sample hall's queue (govhall/demo/hall.py) on a small copy of the
district center: categories mapped to its windows, the clerks signed in,
a morning of numbers served and a queue still waiting."""

from collections import Counter

import pytest

from govhall.core.actors import SYSTEM
from govhall.demo.hall import DISTRICT, WAITING_AT_THE_END, demo_hall_load
from govhall.hall import selectors
from govhall.hall.models import AT_WINDOW, ServiceCategory, Ticket, TicketState
from govhall.hall.tests.conftest import later
from govhall.org import services as org
from govhall.org.models import CenterLevel, WindowKind

pytestmark = pytest.mark.django_db


def test_the_sample_morning_serves_numbers_and_leaves_a_queue(hall):
    district = org.center_create(actor=SYSTEM, code=DISTRICT, name="广安区政务服务中心", level=CenterLevel.DISTRICT,
                                 parent=hall.city)
    org.user_create(actor=SYSTEM, username="demo-manager", password="x", role="manager", center=district)
    windows = {}
    for number in ("01", "04", "13"):
        windows[number] = org.window_create(actor=SYSTEM, center=district, number=number, name="综合窗口",
                                            kind=WindowKind.COMPREHENSIVE)
        org.user_create(actor=SYSTEM, username=f"demo-clerk-{number}", password="x", role="clerk",
                        center=district, window=windows[number])
    now = later(150)
    count = demo_hall_load(now=now)

    tickets = Ticket.objects.filter(center=district)
    assert tickets.count() == count > 20
    states = Counter(tickets.values_list("state", flat=True))
    assert states[TicketState.DONE] > 10 and states[TicketState.WAITING] >= WAITING_AT_THE_END[DISTRICT]
    assert Ticket.objects.filter(center=district, state__in=AT_WINDOW).count() <= len(windows)
    # A comprehensive window serves two categories; every number is unique in its category and day.
    assert set(ServiceCategory.objects.filter(windows__window=windows["04"]).values_list("code", flat=True)) == {"C", "F"}
    assert tickets.values("category", "number").distinct().count() == count
    assert all(t.issued_at <= now and (t.done_at is None or t.done_at <= now) for t in tickets)
    assert all(selectors.staff_on_duty(w.staff.get(), on=now.date()) for w in windows.values())
    assert selectors.display_calls(center_id=district.pk, on=now.date())[1]  # recent calls to show
