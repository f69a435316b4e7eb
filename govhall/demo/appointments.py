"""The sample hall's appointments (docs/hall.md "Appointments"): weekly
slot patterns for the district center's busiest categories, and a few
bookings of the sample applicants — one they can check in for at the kiosk
right now (when the hall is open), some on the coming working days, one
cancelled and one no-show on the previous working day. Everything runs
through the appointment services on the loader's clock."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from govhall.core import clock
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError
from govhall.demo.hall import DISTRICT
from govhall.hall import appointments as appts
from govhall.hall.models import ServiceCategory
from govhall.org.models import User

# letter → (periods, minutes per slot, places per slot), Monday to Friday.
PATTERNS = {
    "A": ("09:00-12:00, 14:00-17:00", 30, 3),
    "C": ("09:00-12:00, 14:00-17:00", 30, 2),
    "D": ("09:00-11:30", 30, 4),
    "F": ("09:00-12:00, 14:00-16:30", 30, 4),
}


def demo_appointments_load(*, now: datetime | None = None) -> int:
    """Patterns and bookings; returns the number of bookings made."""
    now = now or clock.now()
    categories = {c.code: c for c in ServiceCategory.objects.filter(center__code=DISTRICT, code__in=PATTERNS)}
    manager = User.objects.filter(role="manager", center__code=DISTRICT).order_by("username").first() or SYSTEM
    for letter, category in categories.items():
        periods, minutes, capacity = PATTERNS[letter]
        rows = appts.pattern_rows(weekdays=range(5), periods=periods, minutes=minutes, capacity=capacity)
        appts.slot_pattern_set(actor=manager, category=category, rows=rows, at=now - timedelta(days=10))
    people = {u.username: u for u in User.objects.filter(username__in=["applicant", "agent"])}
    if not categories or len(people) < 2:
        return 0
    today = clock.to_local_date(now)
    # The pattern's days: working days Monday to Friday (a working Saturday has no slots).
    ahead = [d for d in appts.booking_days(at=now) if d > today and d.weekday() < 5]
    before = next((d for d in (today - timedelta(days=n) for n in range(1, 10))
                   if d.weekday() < 5 and appts.is_open_day(d)), None)
    made = 0

    def book(who, letter, day, hour, minute=0):
        nonlocal made
        category = categories.get(letter)
        if category is None or day is None:
            return None
        start = timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=hour, minute=minute)))
        at = min(start - timedelta(days=1), now - timedelta(minutes=5))
        try:
            appointment = appts.appointment_book(actor=people[who], category=category, start=start, at=at)
        except DomainError:  # not a slot that day: the demo goes without it
            return None
        made += 1
        return appointment

    # One to check in for now at the kiosk: today's slot whose check-in window is open.
    if "A" in categories:
        for slot in appts.day_slots(categories["A"], today):
            opens = slot.start - timedelta(minutes=settings.GOVHALL_APPOINTMENT_CHECKIN_EARLY_MINUTES)
            if opens <= now <= slot.start + timedelta(minutes=settings.GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES):
                local = timezone.localtime(slot.start)
                book("applicant", "A", today, local.hour, local.minute)
                break
    book("agent", "D", before, 9, 30)  # nobody came: a no-show
    if ahead:
        book("applicant", "C", ahead[0], 10)
        book("agent", "F", ahead[0], 14, 30)
        cancelled = book("applicant", "F", ahead[-1], 9)
        if cancelled is not None:
            appts.appointment_cancel(actor=people["applicant"], appointment=cancelled, at=now - timedelta(minutes=2))
    appts.appointment_no_shows_mark(at=now)
    return made
