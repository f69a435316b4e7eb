"""Many applicants book the last places of one slot at the same moment,
each on their own database connection: exactly the slot's capacity get it,
the rest are told it is full, and the counter matches the bookings (on
SQLite and PostgreSQL)."""

import pytest

from govhall.core.actors import SYSTEM
from govhall.core.errors import Conflict
from govhall.hall import appointments as appts
from govhall.hall.models import Appointment, AppointmentState, Slot
from govhall.hall.tests.conftest import later
from govhall.hall.tests.test_appointments import TUESDAY, at_day
from govhall.hall.tests.test_concurrency import together
from govhall.org import services as org
from govhall.org.roles import Role

PEOPLE = 8
CAPACITY = 3


@pytest.fixture
def crowd(floor):
    rows = appts.pattern_rows(weekdays=range(5), periods="09:00-10:00", minutes=30, capacity=CAPACITY)
    appts.slot_pattern_set(actor=floor.manager, category=floor.cat_b, rows=rows, at=later(-60))
    floor.people = [org.user_create(actor=SYSTEM, username=f"person-{n}", password="x", role=Role.APPLICANT,
                                    phone=f"1390000{n:04d}") for n in range(PEOPLE)]
    return floor


def _book(hall, who):
    return appts.appointment_book(actor=who, category=hall.cat_b, start=at_day(TUESDAY, 9), at=later(-30))


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_never_overfill_a_slot(crowd):
    results = together(lambda i: _book(crowd, crowd.people[i]), PEOPLE)
    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(booked) == CAPACITY and len(refused) == PEOPLE - CAPACITY, results
    assert all(r.field == "start" for r in refused)
    slot = Slot.objects.get()
    assert slot.booked == CAPACITY == Appointment.objects.filter(state=AppointmentState.BOOKED).count()


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancel_and_book_keep_the_counter_true(crowd):
    first = [_book(crowd, person) for person in crowd.people[:CAPACITY]]

    def work(i):
        if i < CAPACITY:
            return appts.appointment_cancel(actor=crowd.people[i], appointment=first[i], at=later(-20))
        return _book(crowd, crowd.people[i])

    results = together(work, PEOPLE)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)], results
    active = Appointment.objects.filter(state=AppointmentState.BOOKED).count()
    assert Slot.objects.get().booked == active <= CAPACITY


@pytest.mark.django_db(transaction=True)
def test_the_same_applicant_booking_twice_at_once_gets_one(crowd):
    person = crowd.people[0]
    starts = [at_day(TUESDAY, 9), at_day(TUESDAY, 9, 30)]
    results = together(lambda i: appts.appointment_book(actor=person, category=crowd.cat_b, start=starts[i],
                                                        at=later(-30)), 2)
    assert sum(isinstance(r, Appointment) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    assert sum(Slot.objects.values_list("booked", flat=True)) == 1
