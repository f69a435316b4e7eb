"""The sample hall's queue (govhall/demo/hall.py) on a small copy of the
district center: categories mapped to its windows, the clerks signed in,
a morning of numbers served and a queue still waiting."""

from collections import Counter
from datetime import datetime, timedelta

import pytest

from govhall.core.actors import SYSTEM
from govhall.demo.hall import (
    DISTRICT,
    WAITING_AT_THE_END,
    demo_hall_load,
    demo_roster_load,
)
from govhall.hall import selectors
from govhall.hall.models import (
    AT_WINDOW,
    RosterEntry,
    ServiceCategory,
    Ticket,
    TicketState,
)
from govhall.hall.roster import roster_day, rostered_windows_per_category
from govhall.hall.tests.conftest import MORNING, SHANGHAI, later
from govhall.org import services as org
from govhall.org.models import Attendance, CenterLevel, WindowKind

pytestmark = pytest.mark.django_db


def _district(hall):
    """A small copy of the district center: windows 01, 04 and 13, a clerk
    at each, a manager."""
    district = org.center_create(actor=SYSTEM, code=DISTRICT, name="广安区政务服务中心", level=CenterLevel.DISTRICT,
                                 parent=hall.city)
    org.user_create(actor=SYSTEM, username="demo-manager", password="x", role="manager", center=district)
    windows = {}
    for number in ("01", "04", "13"):
        windows[number] = org.window_create(actor=SYSTEM, center=district, number=number, name="综合窗口",
                                            kind=WindowKind.COMPREHENSIVE)
        org.user_create(actor=SYSTEM, username=f"demo-clerk-{number}", password="x", role="clerk",
                        center=district, window=windows[number])
    return district, windows


def test_the_sample_morning_serves_numbers_and_leaves_a_queue(hall):
    district, windows = _district(hall)
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


def test_in_the_evening_the_sample_day_ends_at_closing_time(hall):
    district, windows = _district(hall)
    evening = MORNING.replace(hour=20)  # Monday 20:00
    assert demo_hall_load(now=evening) > 20
    opening, closing = MORNING.replace(hour=9), MORNING.replace(hour=17)
    for ticket in Ticket.objects.filter(center=district):
        moments = [ticket.issued_at, ticket.called_at, ticket.served_at, ticket.done_at]
        assert all(opening <= m <= closing for m in moments if m is not None), ticket.number
    sign_ins = Attendance.objects.filter(staff__window__in=windows.values(), date=MORNING.date())
    assert sign_ins.count() == 3 and all(a.check_in < opening for a in sign_ins)


@pytest.mark.parametrize("moment", [
    datetime(2026, 3, 7, 10, 0, tzinfo=SHANGHAI),  # Saturday
    datetime(2026, 3, 2, 7, 30, tzinfo=SHANGHAI),  # Monday before opening
])
def test_when_the_hall_is_closed_there_is_no_sample_day(hall, moment):
    district, _windows = _district(hall)
    assert demo_hall_load(now=moment) == 0
    assert not Ticket.objects.exists() and not Attendance.objects.filter(date=moment.date()).exists()
    # The categories and windows are set all the same.
    assert ServiceCategory.objects.filter(center=district).count() >= 3


def test_the_roster_covers_the_month_this_week_and_the_next(hall):
    district, windows = _district(hall)
    demo_hall_load(now=later(150))
    count = demo_roster_load(now=later(150))
    entries = RosterEntry.objects.filter(center=district)
    assert entries.count() == count > 0
    # This week (2–6 March) and the next (9–13 March): every window, both halves, working days only.
    for monday in (MORNING.date(), MORNING.date() + timedelta(days=7)):
        week = entries.filter(day__gte=monday, day__lt=monday + timedelta(days=7))
        assert week.count() == len(windows) * 5 * 2
        assert {e.day.weekday() for e in week} == {0, 1, 2, 3, 4}
    assert {e.staff.window_id for e in entries} == {w.pk for w in windows.values()}
    assert entries.filter(day__lt=MORNING.date() - timedelta(days=21)).exists()  # the month's history too
    # The day's view and the staffing column read it.
    assert {row.window.number for row in roster_day(district, on=MORNING.date())} >= {"01", "04", "13"}
    rostered = rostered_windows_per_category(center_id=district.pk, first=MORNING.date(), last=MORNING.date(),
                                             open_days=1)
    assert rostered and all(n >= 1 for n in rostered.values())
