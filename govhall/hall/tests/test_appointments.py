"""Appointments (预约): the manager's weekly pattern, booking within the
capacity and the window, cancelling frees the place, check-in within its
window becomes an appointment-priority ticket called before ordinary
ones, no-shows counted and the booking block, SMS reminders through the
SMS backend, refusals."""

from datetime import time, timedelta

import pytest
import time_machine

from govhall.core.actors import SYSTEM
from govhall.core.audit import AuditEvent
from govhall.core.errors import Conflict, DomainError, NotFound, NotPermitted
from govhall.evaluation.sms import MemoryBackend
from govhall.hall import appointments as appts
from govhall.hall import services as hall_services
from govhall.hall.models import (
    Appointment,
    AppointmentState,
    Slot,
    SlotPattern,
    TicketPriority,
    TicketSource,
)
from govhall.hall.tests.conftest import MORNING, issue, later
from govhall.org import services as org
from govhall.org.roles import Role

pytestmark = pytest.mark.django_db

TUESDAY = MORNING.date() + timedelta(days=1)  # 2026-03-03, a working day


def at_day(day, hour, minute=0):
    return MORNING.replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=minute)


@pytest.fixture
def booking(floor):
    return open_booking(floor)


def open_booking(floor):
    """Category B books Monday to Friday, 09:00–11:00 in half hours, two
    places each; two more applicants."""
    rows = appts.pattern_rows(weekdays=range(5), periods="09:00-11:00", minutes=30, capacity=2)
    appts.slot_pattern_set(actor=floor.manager, category=floor.cat_b, rows=rows, at=later(-60))
    floor.other = org.user_create(actor=SYSTEM, username="lisi", password="x", role=Role.APPLICANT,
                                  full_name="李四", phone="13700001111")
    floor.third = org.user_create(actor=SYSTEM, username="wangwu", password="x", role=Role.APPLICANT,
                                  full_name="王五", phone="13700002222")
    return floor


def book(hall, who, hour=9, minute=0, day=TUESDAY, at=None):
    return appts.appointment_book(actor=who, category=hall.cat_b, start=at_day(day, hour, minute),
                                  at=at or later(-30))


def test_the_pattern_gives_half_hour_slots_on_working_days_only(booking):
    assert SlotPattern.objects.filter(category=booking.cat_b).count() == 5 * 4
    days = appts.bookable_slots(booking.cat_b, at=later(-30))
    # Monday 2 March (09:00 still ahead) to Friday 6 March; the weekend of 7–8 March has no slots.
    assert [d.isoformat() for d, _ in days] == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]
    monday = days[0][1]
    assert [s.start.strftime("%H:%M") for s in monday] == ["09:00", "09:30", "10:00", "10:30"]
    assert {s.remaining for s in monday} == {2}
    # Started slots are no longer offered.
    assert [s.start.strftime("%H:%M") for s in appts.bookable_slots(booking.cat_b, at=later(40))[0][1]] == ["10:00", "10:30"]
    assert AuditEvent.objects.filter(action="hall_slot_pattern_set").count() == 1


def test_a_slot_takes_only_its_capacity_and_a_cancellation_frees_a_place(booking):
    first = book(booking, booking.applicant)
    book(booking, booking.other)
    with pytest.raises(Conflict) as full:
        book(booking, booking.third)
    assert full.value.field == "start"
    slot = Slot.objects.get()
    assert (slot.capacity, slot.booked) == (2, 2)
    assert first.phone == "13912345678" and first.masked_phone == "139****5678" and len(first.code) == 8
    assert [s.remaining for s in appts.day_slots(booking.cat_b, TUESDAY)][:2] == [0, 2]

    appts.appointment_cancel(actor=booking.applicant, appointment=first, at=later(-20))
    assert Slot.objects.get().booked == 1 and first.state == AppointmentState.CANCELLED
    assert book(booking, booking.third).state == AppointmentState.BOOKED
    assert Slot.objects.get().booked == 2
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="appointment_").order_by("pk")] == [
        "appointment_book", "appointment_book", "appointment_cancel", "appointment_book"]


def test_one_active_booking_per_applicant_category_and_day(booking):
    book(booking, booking.applicant, 9)
    with pytest.raises(Conflict) as twice:
        book(booking, booking.applicant, 10)
    assert twice.value.field == "start"
    assert Slot.objects.get().booked == 1  # the refused booking took no place
    assert book(booking, booking.applicant, 10, day=TUESDAY + timedelta(days=1)).state == AppointmentState.BOOKED


@pytest.mark.parametrize("change, field", [
    ({"start": at_day(TUESDAY, 9, 15)}, "start"),  # not a slot of the pattern
    ({"start": at_day(TUESDAY + timedelta(days=4), 9)}, "start"),  # Saturday
    ({"start": at_day(TUESDAY + timedelta(days=14), 9)}, "start"),  # beyond the booking window
    ({"start": at_day(MORNING.date(), 9), "at": later(5)}, "start"),  # already started
    ({"phone": "12345"}, "phone"),
])
def test_bad_booking_input_names_the_field(booking, change, field):
    kwargs = {"actor": booking.applicant, "category": booking.cat_b, "start": at_day(TUESDAY, 9), "at": later(-30),
              **change}
    with pytest.raises(DomainError) as refused:
        appts.appointment_book(**kwargs)
    assert refused.value.field == field
    assert not Appointment.objects.exists() and not Slot.objects.filter(booked__gt=0).exists()


def test_refusals_staff_cannot_book_and_nobody_cancels_anothers_booking(booking):
    with pytest.raises(NotPermitted):
        book(booking, booking.clerk)
    mine = book(booking, booking.applicant)
    for intruder in (booking.other, booking.manager, SYSTEM):
        with pytest.raises(NotPermitted):
            appts.appointment_cancel(actor=intruder, appointment=mine, at=later(-20))
    with pytest.raises(DomainError) as late:
        appts.appointment_cancel(actor=booking.applicant, appointment=mine, at=at_day(TUESDAY, 9, 1))
    assert late.value.field == "appointment"
    assert Appointment.objects.get().state == AppointmentState.BOOKED and Slot.objects.get().booked == 1
    with pytest.raises(NotPermitted):
        appts.slot_pattern_set(actor=booking.clerk, category=booking.cat_b, rows=[])
    with pytest.raises(NotPermitted):
        appts.slot_pattern_set(actor=booking.town_manager, category=booking.cat_b, rows=[])


@pytest.mark.parametrize("kwargs, field", [
    ({"weekdays": [], "periods": "09:00-12:00", "minutes": 30, "capacity": 2}, "weekdays"),
    ({"weekdays": [0], "periods": "9点到12点", "minutes": 30, "capacity": 2}, "periods"),
    ({"weekdays": [0], "periods": "12:00-09:00", "minutes": 30, "capacity": 2}, "periods"),
    ({"weekdays": [0], "periods": "09:00-10:00,09:30-11:00", "minutes": 30, "capacity": 2}, "periods"),
    ({"weekdays": [0], "periods": "09:00-12:00", "minutes": 5, "capacity": 2}, "minutes"),
    ({"weekdays": [0], "periods": "09:00-12:00", "minutes": 30, "capacity": 0}, "capacity"),
])
def test_bad_pattern_input_names_the_field(kwargs, field):
    with pytest.raises(DomainError) as refused:
        appts.pattern_rows(**kwargs)
    assert refused.value.field == field


def test_a_smaller_capacity_never_drops_below_the_places_booked(booking):
    book(booking, booking.applicant)
    book(booking, booking.other)
    rows = appts.pattern_rows(weekdays=range(5), periods="09:00-11:00", minutes=30, capacity=1)
    appts.slot_pattern_set(actor=booking.manager, category=booking.cat_b, rows=rows, at=later(-10))
    assert Slot.objects.values_list("capacity", "booked").get() == (2, 2)
    assert appts.day_slots(booking.cat_b, TUESDAY)[1].capacity == 1


def test_check_in_within_the_window_gives_a_priority_ticket_called_first(booking):
    appointment = book(booking, booking.applicant, 9, 30, day=MORNING.date())
    walk_in = issue(booking.cat_b, 0)
    with pytest.raises(DomainError) as early:  # 09:30 slot: check-in opens at 09:00
        appts.appointment_check_in(actor=SYSTEM, appointment=appointment, at=later(-1))
    assert early.value.field == "code" and "09:00" in early.value.message
    found = appts.appointment_find(center=booking.district, code=appointment.code.lower(), phone="13912345678")
    ticket = appts.appointment_check_in(actor=SYSTEM, appointment=found, at=later(10))
    assert (ticket.source, ticket.priority, ticket.number) == (TicketSource.APPOINTMENT, TicketPriority.APPOINTMENT,
                                                               "B002")
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CHECKED_IN and appointment.ticket == ticket
    assert ticket.phone == "13912345678"
    # The walk-in came first, the appointment is called first.
    called = hall_services.ticket_call_next(actor=booking.clerk_b, window=booking.window_b, at=later(11))
    assert called.pk == ticket.pk and walk_in.state == "waiting"
    with pytest.raises(Conflict):
        appts.appointment_check_in(actor=SYSTEM, appointment=appointment, at=later(12))


def test_check_in_closes_fifteen_minutes_after_the_start_and_finds_only_this_centers_booking(booking):
    appointment = book(booking, booking.applicant, 9, 0, day=MORNING.date())
    with pytest.raises(DomainError) as late:
        appts.appointment_check_in(actor=SYSTEM, appointment=appointment, at=later(16))
    assert late.value.field == "code"
    for center, code, phone in [(booking.town, appointment.code, ""), (booking.district, appointment.code, "13900000000"),
                                (booking.district, "ABCDEFGH", "")]:
        with pytest.raises(NotFound):
            appts.appointment_find(center=center, code=code, phone=phone)
    with pytest.raises(DomainError) as bad:
        appts.appointment_find(center=booking.district, code="12", phone="")
    assert bad.value.field == "code"
    assert appts.appointment_check_in(actor=SYSTEM, appointment=appointment, at=later(15)).priority == "appointment"


def test_no_shows_are_marked_after_the_slot_and_three_in_thirty_days_block_booking(booking, settings):
    settings.GOVHALL_APPOINTMENT_BLOCK_DAYS = 30
    monday = MORNING.date()
    days = [monday, monday + timedelta(days=1), monday + timedelta(days=2)]
    for day in days:
        book(booking, booking.applicant, 9, day=day)
    checked = book(booking, booking.other, 9, day=monday)
    appts.appointment_check_in(actor=SYSTEM, appointment=checked, at=later(-5))
    assert appts.appointment_no_shows_mark(at=later(20)) == 0  # the 09:00–09:30 slot has not ended
    assert appts.appointment_no_shows_mark(at=later(30)) == 1
    assert Appointment.objects.get(pk=checked.pk).state == AppointmentState.CHECKED_IN
    assert appts.appointment_no_shows_mark(at=at_day(days[2], 10)) == 2
    assert appts.appointment_no_shows_mark(at=at_day(days[2], 10)) == 0
    assert appts.no_show_count(booking.applicant, at=at_day(days[2], 10)) == 3
    assert AuditEvent.objects.filter(action="appointment_no_show").count() == 3

    with pytest.raises(NotPermitted) as blocked:
        book(booking, booking.applicant, 9, day=days[2] + timedelta(days=1), at=at_day(days[2], 11))
    assert "2026-04-03" in blocked.value.message  # 30 days after the last no-show's slot (4 March)
    until = appts.blocked_until(booking.applicant, at=at_day(days[2], 11))
    assert appts.blocked_until(booking.applicant, at=until) is None
    assert appts.blocked_until(booking.other, at=at_day(days[2], 11)) is None


def test_two_no_shows_do_not_block(booking):
    for day in (MORNING.date(), TUESDAY):
        book(booking, booking.applicant, 9, day=day)
    appts.appointment_no_shows_mark(at=at_day(TUESDAY, 12))
    assert appts.blocked_until(booking.applicant, at=at_day(TUESDAY, 12)) is None


@pytest.fixture
def outbox(settings):
    settings.GOVHALL_SMS_BACKEND = "govhall.evaluation.sms.MemoryBackend"
    MemoryBackend.outbox.clear()
    yield MemoryBackend.outbox
    MemoryBackend.outbox.clear()


def test_reminders_go_out_the_day_before_and_an_hour_before_once_each(booking, outbox, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.GOVHALL_APPOINTMENT_REMIND_AT = time(17, 0)
    appointment = book(booking, booking.applicant, 10, day=TUESDAY)
    cancelled = book(booking, booking.other, 10, day=TUESDAY)
    appts.appointment_cancel(actor=booking.other, appointment=cancelled, at=later(-20))

    def sweep(moment):
        with django_capture_on_commit_callbacks(execute=True):
            return appts.appointment_reminders_send(at=moment)

    assert sweep(at_day(MORNING.date(), 16, 59)) == 0
    assert sweep(at_day(MORNING.date(), 17, 0)) == 1
    assert sweep(at_day(MORNING.date(), 18, 0)) == 0
    assert len(outbox) == 1 and outbox[0].phone == "13912345678"
    assert appointment.code in outbox[0].text and "3月3日 10:00" in outbox[0].text and "住建业务" in outbox[0].text
    assert sweep(at_day(TUESDAY, 8, 59)) == 0
    assert sweep(at_day(TUESDAY, 9, 0)) == 1
    assert sweep(at_day(TUESDAY, 9, 30)) == 0
    assert len(outbox) == 2
    events = AuditEvent.objects.filter(action="appointment_remind")
    assert events.count() == 2 and not any("1391234" in str(e.data) for e in events)


def test_a_booking_made_after_the_reminders_moment_gets_no_reminder(booking, outbox,
                                                                    django_capture_on_commit_callbacks):
    book(booking, booking.applicant, 9, 30, day=MORNING.date(), at=later(-20))  # at 08:40 for 09:30
    with django_capture_on_commit_callbacks(execute=True):
        assert appts.appointment_reminders_send(at=later(-15)) == 0
    assert outbox == []


def test_the_sweep_task_marks_and_reminds(booking, outbox, django_capture_on_commit_callbacks):
    from govhall.hall.tasks import appointment_sweep_task

    book(booking, booking.applicant, 9, day=MORNING.date())
    book(booking, booking.applicant, 10, day=TUESDAY)
    with time_machine.travel(at_day(TUESDAY, 9, 5), tick=False), django_capture_on_commit_callbacks(execute=True):
        result = appointment_sweep_task.call(reschedule=False)
    assert result == {"no_shows": 1, "reminders": 1}
    assert len(outbox) == 1


def test_the_sample_halls_appointments(hall):
    from govhall.demo.appointments import demo_appointments_load
    from govhall.demo.hall import DISTRICT
    from govhall.org.models import CenterLevel

    district = org.center_create(actor=SYSTEM, code=DISTRICT, name="广安区政务服务中心", level=CenterLevel.DISTRICT,
                                 parent=hall.city)
    manager = org.user_create(actor=SYSTEM, username="demo-manager", password="x", role="manager", center=district)
    window = org.window_create(actor=SYSTEM, center=district, number="01", name="综合窗口", kind="comprehensive")
    categories = [hall_services.category_create(actor=manager, center=district, code=c, name=f"类别{c}")
                  for c in "ACDF"]
    hall_services.window_categories_set(actor=manager, window=window, categories=categories)
    org.user_create(actor=SYSTEM, username="agent", password="x", role=Role.APPLICANT, phone="13987654321")
    now = later(20)  # Monday 09:20: the 09:00 slot's check-in is open; the previous working day is Friday
    assert demo_appointments_load(now=now) == 5
    assert SlotPattern.objects.filter(category__center=district).count() == 5 * (12 + 12 + 5 + 11)
    states = sorted(Appointment.objects.values_list("category__code", "state"))
    assert states == [("A", "booked"), ("C", "booked"), ("D", "no_show"), ("F", "booked"), ("F", "cancelled")]
    now_slot = Appointment.objects.get(category__code="A")
    assert appts.appointment_check_in(actor=SYSTEM, appointment=now_slot, at=now).priority == "appointment"


class FailingGateway:
    def send(self, phone, text):
        raise TimeoutError(f"gateway timed out sending to {phone}")


def test_a_failed_reminder_is_audited_with_the_phone_masked(booking, settings, django_capture_on_commit_callbacks):
    settings.GOVHALL_SMS_BACKEND = f"{__name__}.FailingGateway"
    appointment = book(booking, booking.applicant, 10, day=TUESDAY)
    with django_capture_on_commit_callbacks(execute=True):
        assert appts.appointment_reminders_send(at=at_day(TUESDAY, 9, 0)) == 1
    failure = AuditEvent.objects.get(action="appointment_remind_failed")
    assert failure.data["code"] == appointment.code and "139****5678" in failure.data["error"]
    assert "13912345678" not in str(failure.data)
    # Claimed once: the sweep does not send it again.
    with django_capture_on_commit_callbacks(execute=True):
        assert appts.appointment_reminders_send(at=at_day(TUESDAY, 9, 5)) == 0


def test_the_kiosk_says_exactly_what_is_wrong_with_a_code(booking):
    """A wrong, foreign, cancelled, used or expired code each get their own
    message, naming the field (docs/hall.md "Check-in at the hall")."""
    today = book(booking, booking.applicant, 9, 0, day=MORNING.date())
    with pytest.raises(NotFound) as unknown:
        appts.appointment_find(center=booking.district, code="ABCDEFGH")
    assert unknown.value.field == "code" and "ABCDEFGH" in unknown.value.message
    with pytest.raises(NotFound) as elsewhere:
        appts.appointment_find(center=booking.town, code=today.code)
    assert elsewhere.value.field == "code" and booking.district.name in elsewhere.value.message
    with pytest.raises(NotFound) as phone:
        appts.appointment_find(center=booking.district, code=today.code, phone="13900000000")
    assert phone.value.field == "phone"
    assert appts.appointment_find(center=booking.district, code=today.code, phone="139 1234 5678") == today
    # Another day's booking, too early: the slot's day and the opening are named.
    tuesday = book(booking, booking.other, 10, 0)
    with pytest.raises(DomainError) as early:
        appts.appointment_check_in(actor=SYSTEM, appointment=tuesday, at=later(0))
    assert "3月3日 10:00" in early.value.message and "3月3日 09:30" in early.value.message
    # Too late: when it closed.
    with pytest.raises(DomainError) as late:
        appts.appointment_check_in(actor=SYSTEM, appointment=today, at=later(20))
    assert "09:15" in late.value.message and "现场取号" in late.value.message
    # Used: its number; cancelled and expired say so.
    ticket = appts.appointment_check_in(actor=SYSTEM, appointment=today, at=later(10))
    with pytest.raises(Conflict) as used:
        appts.appointment_check_in(actor=SYSTEM, appointment=today, at=later(11))
    assert ticket.number in used.value.message
    appts.appointment_cancel(actor=booking.other, appointment=tuesday, at=later(12))
    with pytest.raises(Conflict) as cancelled:
        appts.appointment_check_in(actor=SYSTEM, appointment=tuesday, at=later(13))
    assert "已取消" in cancelled.value.message
    gone = book(booking, booking.third, 9, 30, day=MORNING.date())
    assert appts.appointment_no_shows_mark(at=later(61)) == 1
    gone.refresh_from_db()
    with pytest.raises(Conflict) as expired:
        appts.appointment_check_in(actor=SYSTEM, appointment=gone, at=later(62))
    assert "爽约" in expired.value.message and expired.value.field == "code"

