"""Taking numbers and calling them (取号, 叫号): the order of the queue,
recall, no-show, transfer, service, and who may do what."""

import pytest

from govhall.core.actors import SYSTEM
from govhall.core.errors import Conflict, DomainError, NotFound, NotPermitted
from govhall.core.models import AuditEvent
from govhall.hall import selectors
from govhall.hall import services as hall_services
from govhall.hall.models import Ticket, TicketState
from govhall.hall.tests.conftest import MORNING, issue, later
from govhall.org import services as org
from govhall.org.models import AttendanceStatus, WindowKind

pytestmark = pytest.mark.django_db


def call(hall, minute, window=None, clerk=None):
    return hall_services.ticket_call_next(actor=clerk or hall.clerk, window=window or hall.comprehensive,
                                          at=later(minute))


def finish(hall, ticket, minute, clerk=None):
    clerk = clerk or hall.clerk
    ticket = hall_services.ticket_start_service(actor=clerk, ticket=ticket, at=later(minute))
    return hall_services.ticket_done(actor=clerk, ticket=ticket, at=later(minute + 5))


def test_numbers_run_per_category_and_day_and_start_again_the_next_day(floor):
    numbers = [issue(floor.cat_a, 1).number, issue(floor.cat_b, 2).number, issue(floor.cat_a, 3).number]
    assert numbers == ["A001", "B001", "A002"]
    tomorrow = hall_services.ticket_issue(actor=SYSTEM, category=floor.cat_a, source="kiosk",
                                          at=later(24 * 60))
    assert tomorrow.number == "A001" and tomorrow.day != MORNING.date()
    assert AuditEvent.objects.filter(action="ticket_issue").count() == 4


def test_priorities_are_called_first_green_channel_care_appointment_then_by_place_in_line(floor):
    plain_1 = issue(floor.cat_a, 1)
    appointment = issue(floor.cat_a, 2, priority="appointment", source="appointment")
    care = issue(floor.cat_a, 3, priority="care")
    plain_2 = issue(floor.cat_a, 4)
    green = issue(floor.cat_a, 5, priority="green_channel", actor=floor.manager)
    called = []
    for minute in range(10, 60, 10):
        ticket = call(floor, minute)
        called.append(ticket.number)
        finish(floor, ticket, minute + 1)
    assert called == [green.number, care.number, appointment.number, plain_1.number, plain_2.number]
    assert call(floor, 70) is None  # nobody waits


def test_a_window_calls_only_the_categories_it_serves(floor):
    a = issue(floor.cat_a, 1)
    b = issue(floor.cat_b, 2)
    # The housing window serves B only: it skips the earlier A.
    assert call(floor, 5, window=floor.window_b, clerk=floor.clerk_b).pk == b.pk
    # The comprehensive window serves both.
    assert call(floor, 6).pk == a.pk


def test_the_place_in_line_and_the_expected_wait(floor):
    tickets = [issue(floor.cat_b, minute) for minute in (1, 2, 3)]
    first = call(floor, 4, window=floor.window_b, clerk=floor.clerk_b)
    finish(floor, first, 4, clerk=floor.clerk_b)  # called at 4, done at 9: 5 minutes
    last = Ticket.objects.get(pk=tickets[2].pk)
    place = selectors.ticket_place(last, at=later(10))
    # One ahead (tickets[1]); B's recent service time is 5 minutes; two windows on duty serve B.
    assert (place.ahead, place.windows) == (1, 2)
    assert place.minutes == round(1 * 5 / 2)
    # Without history the category's configured minutes count (A: 10).
    a1, a2 = issue(floor.cat_a, 11), issue(floor.cat_a, 12)
    assert selectors.ticket_place(a2, at=later(13)).ahead == 1
    assert selectors.ticket_place(a2, at=later(13)).minutes == 10  # one window (01) serves A
    assert selectors.ticket_place(a1, at=later(13)).minutes == 0


def test_recall_then_no_show(floor):
    issue(floor.cat_a, 1)
    ticket = call(floor, 2)
    ticket = hall_services.ticket_recall(actor=floor.clerk, ticket=ticket, at=later(3))
    ticket = hall_services.ticket_recall(actor=floor.clerk, ticket=ticket, at=later(4))
    assert ticket.recalls == 2 and ticket.announced_at == later(4) and ticket.called_at == later(2)
    ticket = hall_services.ticket_no_show(actor=floor.clerk, ticket=ticket, at=later(5))
    assert ticket.state == TicketState.NO_SHOW
    with pytest.raises(Conflict):
        hall_services.ticket_recall(actor=floor.clerk, ticket=ticket, at=later(6))
    # The window is free again for the next number.
    issue(floor.cat_a, 7)
    assert call(floor, 8).number == "A002"


def test_a_window_finishes_its_ticket_before_calling_the_next(floor):
    issue(floor.cat_a, 1), issue(floor.cat_a, 2)
    call(floor, 3)
    with pytest.raises(Conflict) as refused:
        call(floor, 4)
    assert refused.value.field == "window"


def test_transfer_to_another_window_keeps_the_number_and_the_place_in_line(floor):
    early = issue(floor.cat_b, 1)
    issue(floor.cat_b, 2)
    ticket = call(floor, 3)
    assert ticket.pk == early.pk
    moved = hall_services.ticket_transfer(actor=floor.clerk, ticket=ticket, window=floor.window_b, at=later(4))
    assert moved.number == early.number and moved.queue_at == early.queue_at and moved.target_window == floor.window_b
    assert Ticket.objects.get(pk=early.pk).state == TicketState.TRANSFERRED
    assert moved.transferred_from_id == early.pk
    # Only the housing window calls it, ahead of B002 (who came later).
    assert call(floor, 5).number == "B002"
    assert call(floor, 6, window=floor.window_b, clerk=floor.clerk_b).pk == moved.pk


def test_transfer_to_another_category_gets_its_number_and_keeps_priority_and_place(floor):
    issue(floor.cat_b, 1)
    care = issue(floor.cat_a, 2, priority="care")
    ticket = call(floor, 3)
    assert ticket.pk == care.pk
    moved = hall_services.ticket_transfer(actor=floor.clerk, ticket=ticket, category=floor.cat_b, at=later(4))
    assert (moved.number, moved.priority, moved.queue_at) == ("B002", "care", care.queue_at)
    assert call(floor, 5, window=floor.window_b, clerk=floor.clerk_b).pk == moved.pk


def test_transfer_names_the_field_at_fault(floor):
    issue(floor.cat_a, 1)
    ticket = call(floor, 2)
    with pytest.raises(DomainError) as nothing:
        hall_services.ticket_transfer(actor=floor.clerk, ticket=ticket, at=later(3))
    with pytest.raises(DomainError) as same_window:
        hall_services.ticket_transfer(actor=floor.clerk, ticket=ticket, window=floor.comprehensive, at=later(3))
    other = org.center_create(actor=SYSTEM, code="T9", name="别处", level="town", parent=floor.district)
    foreign = hall_services.category_create(actor=SYSTEM, center=other, code="A", name="别处业务")
    with pytest.raises(DomainError) as foreign_category:
        hall_services.ticket_transfer(actor=floor.clerk, ticket=ticket, category=foreign, at=later(3))
    unserved = hall_services.category_create(actor=SYSTEM, center=floor.district, code="U", name="无窗口类别")
    with pytest.raises(DomainError) as no_window:
        hall_services.ticket_transfer(actor=floor.clerk, ticket=ticket, category=unserved, at=later(3))
    # A window that calls no category: nobody there would call the person.
    idle = org.window_create(actor=SYSTEM, center=floor.district, number="09", name="空窗口",
                             kind=WindowKind.COMPREHENSIVE)
    with pytest.raises(DomainError) as idle_window:
        hall_services.ticket_transfer(actor=floor.clerk, ticket=ticket, window=idle, at=later(3))
    assert "09" in idle_window.value.message
    assert (nothing.value.field, same_window.value.field, foreign_category.value.field, no_window.value.field,
            idle_window.value.field) == ("category", "window", "category", "category", "window")
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.CALLED  # nothing half-done


def test_serving_links_the_case_the_visit_becomes(floor):
    from govhall.cases.models import Case

    issue(floor.cat_a, 1)
    ticket = call(floor, 2)
    case = _case(floor)
    ticket = hall_services.ticket_start_service(actor=floor.clerk, ticket=ticket, case=case, at=later(3))
    assert (ticket.state, ticket.case_id, ticket.served_at) == (TicketState.SERVING, case.pk, later(3))
    ticket = hall_services.ticket_done(actor=floor.clerk, ticket=ticket, at=later(9))
    assert ticket.state == TicketState.DONE and ticket.done_at == later(9)
    assert list(Case.objects.get(pk=case.pk).tickets.all()) == [ticket]


def test_a_case_outside_the_clerks_scope_cannot_be_linked(floor):
    issue(floor.cat_b, 1)
    ticket = call(floor, 2, window=floor.window_b, clerk=floor.clerk_b)
    with pytest.raises(NotFound):
        hall_services.ticket_start_service(actor=floor.clerk_b, ticket=ticket, case=_case(floor), at=later(3))
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.CALLED


def _case(hall):
    """A case of department A received by the comprehensive-window clerk."""
    from govhall.cases.tests.test_lifecycle import submit
    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec

    hall.item = item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
    hall.version = hall.item.current
    return submit(hall)


# --- who may call ------------------------------------------------------------------

def test_a_window_without_a_signed_in_clerk_cannot_call(floor):
    issue(floor.cat_a, 1)
    org.attendance_check_out(staff=floor.clerk, at=later(2))
    with pytest.raises(NotPermitted) as signed_out:
        call(floor, 3)
    assert signed_out.value.field == "window"
    # Nor one who has not signed in at all that day.
    with pytest.raises(NotPermitted):
        hall_services.ticket_call_next(actor=floor.clerk_b, window=floor.window_b, at=later(24 * 60))
    assert Ticket.objects.get().state == TicketState.WAITING


def test_clerks_call_for_their_own_window_only(floor):
    issue(floor.cat_b, 1)
    with pytest.raises(NotPermitted):
        call(floor, 2, window=floor.window_b, clerk=floor.clerk)
    for outsider in (floor.manager, floor.supervisor, floor.reviewer):
        with pytest.raises(NotPermitted):
            call(floor, 2, clerk=outsider)
    with pytest.raises(NotPermitted):
        call(floor, 2, clerk=SYSTEM)
    ticket = call(floor, 3)
    with pytest.raises(NotPermitted):  # another window's clerk cannot end it
        hall_services.ticket_no_show(actor=floor.clerk_b, ticket=ticket, at=later(4))


def test_the_backup_calls_for_the_absent_holders_window(floor):
    backup = org.user_create(actor=SYSTEM, username="backup", password="x", role="clerk", center=floor.district,
                             department=floor.dept_b)
    org.post_create(actor=SYSTEM, window=floor.window_b, name="住建受理岗", holder=floor.clerk_b, backup=backup)
    org.attendance_check_in(staff=backup, at=later(-5))
    issue(floor.cat_b, 1)
    with pytest.raises(NotPermitted):  # the holder is at work
        call(floor, 2, window=floor.window_b, clerk=backup)
    org.attendance_record(actor=floor.manager, staff=floor.clerk_b, day=MORNING.date(), status=AttendanceStatus.LEAVE,
                          note="事假")
    assert call(floor, 3, window=floor.window_b, clerk=backup).number == "B001"


def test_green_channel_numbers_only_from_the_centers_staff_and_appointments_only_at_check_in(floor):
    with pytest.raises(NotPermitted) as kiosk:
        issue(floor.cat_a, 1, priority="green_channel")
    with pytest.raises(NotPermitted):
        issue(floor.cat_a, 1, priority="green_channel", actor=floor.town_manager)  # another center
    with pytest.raises(DomainError) as appointment:
        issue(floor.cat_a, 1, priority="appointment")
    with pytest.raises(DomainError) as unknown:
        issue(floor.cat_a, 1, priority="vip")
    assert (kiosk.value.field, appointment.value.field, unknown.value.field) == ("priority", "priority", "priority")
    assert issue(floor.cat_a, 1, priority="green_channel", actor=floor.clerk).priority == "green_channel"
    assert Ticket.objects.count() == 1


def test_an_inactive_or_unserved_category_gives_no_numbers(floor):
    lonely = hall_services.category_create(actor=floor.manager, center=floor.district, code="C", name="无窗口类别")
    with pytest.raises(DomainError) as unserved:
        issue(lonely, 1)
    hall_services.category_update(actor=floor.manager, category=floor.cat_a, name="综合业务", active=False)
    with pytest.raises(DomainError) as inactive:
        issue(floor.cat_a, 1)
    assert unserved.value.field == inactive.value.field == "category"


def test_only_managers_of_the_center_manage_categories(floor):
    for outsider in (floor.clerk, floor.town_manager, floor.supervisor):
        with pytest.raises(NotPermitted):
            hall_services.category_create(actor=outsider, center=floor.district, code="D", name="新类别")
        with pytest.raises(NotPermitted):
            hall_services.window_categories_set(actor=outsider, window=floor.window_b, categories=[floor.cat_a])
    hall_services.category_create(actor=floor.admin, center=floor.district, code="D", name="新类别")


@pytest.mark.parametrize("code, field", [("AB", "code"), ("1", "code"), ("", "code"), ("A", "code")])
def test_a_category_letter_is_one_free_capital_letter(floor, code, field):
    with pytest.raises(DomainError) as refused:
        hall_services.category_create(actor=floor.manager, center=floor.district, code=code, name="X")
    assert refused.value.field == field


def test_a_phone_is_checked_and_masked_when_shown(floor):
    with pytest.raises(DomainError) as bad:
        issue(floor.cat_a, 1, phone="12ab")
    assert bad.value.field == "phone"
    ticket = issue(floor.cat_a, 1, phone="13912345678")
    assert ticket.phone == "13912345678" and ticket.masked_phone == "139****5678"
    assert "13912345678" not in str(AuditEvent.objects.filter(action="ticket_issue").values_list("data", flat=True)[0])
