"""The sample hall's queue (docs/hall.md, docs/demo.md): service categories
and the windows that call them at the district center and one town, the
clerks of those windows signed in today, and the morning so far — numbers
taken at the kiosk, called, served and finished through the hall
services, a few still at the windows and a queue still waiting, so that the
kiosk, the display and the calling panel show a working hall.

Everything runs through the real services, on the loader's clock: the
morning ends now, whatever the hour (at night it is squeezed into the hours
since midnight)."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from govhall.core import clock
from govhall.core.actors import SYSTEM
from govhall.hall import services as hall
from govhall.hall.models import ServiceCategory, TicketPriority, TicketSource
from govhall.org import services as org
from govhall.org.models import Center, Department, User, Window

DISTRICT, TOWN = "511602", "511602101"
# (center, letter, name, departments (short names), windows, minutes per service)
CATEGORIES = [
    (DISTRICT, "A", "企业开办", ["区行政审批局", "区市监局"], ["01", "02"], 12),
    (DISTRICT, "B", "工程建设项目", ["区自然资源和规划局", "区住建局", "区发改局"], ["03"], 20),
    (DISTRICT, "C", "社会事务", ["区民政局", "区卫健局", "区残联", "区退役军人事务局"], ["04"], 8),
    (DISTRICT, "D", "户政业务", ["区公安分局"], ["11"], 6),
    (DISTRICT, "E", "税务业务", ["广安区税务局"], ["12"], 10),
    # The social affairs window (04) also calls F: a comprehensive window serving two categories.
    (DISTRICT, "F", "社保医保", ["区人社局", "区医疗保障局"], ["13", "14", "04"], 7),
    (DISTRICT, "G", "住房城乡建设", ["区住建局"], ["15"], 10),
    (TOWN, "A", "便民服务", [], ["01"], 8),
    (TOWN, "B", "社保医保", [], ["02"], 6),
]
# How busy each district category is, relative to the others.
BUSY = {"A": 3, "C": 2, "D": 2, "E": 2, "F": 3}
SEED = 20261206
MORNING_MINUTES = 150  # how much of the day the sample hall has been open
ARRIVALS_PER_HOUR = {DISTRICT: 36, TOWN: 8}
WAITING_AT_THE_END = {DISTRICT: 9, TOWN: 2}


def demo_hall_load(*, now: datetime | None = None) -> int:
    """Categories, window mappings, today's sign-ins and tickets; returns
    the number of tickets."""
    now = now or clock.now()
    rng = random.Random(SEED)
    centers = {c.code: c for c in Center.objects.filter(code__in=[DISTRICT, TOWN])}
    manager = {c: User.objects.filter(role="manager", center=centers[c]).order_by("username").first() or SYSTEM
               for c in centers}
    departments = {d.short_name: d for d in Department.objects.all()}
    windows = {(w.center.code, w.number): w for w in Window.objects.filter(center__in=centers.values())
               .select_related("center")}
    served: dict[Window, list[ServiceCategory]] = {}
    categories: dict[str, list[ServiceCategory]] = {}
    for center_code, letter, name, short_names, numbers, minutes in CATEGORIES:
        if center_code not in centers:
            continue
        category = hall.category_create(
            actor=manager[center_code], center=centers[center_code], code=letter, name=name, service_minutes=minutes,
            departments=[departments[s] for s in short_names if s in departments])
        for number in numbers:
            if (center_code, number) in windows:
                served.setdefault(windows[(center_code, number)], []).append(category)
                if category not in categories.setdefault(center_code, []):
                    categories[center_code].append(category)
    for window, window_categories in served.items():
        hall.window_categories_set(actor=manager[window.center.code], window=window, categories=window_categories)

    midnight = timezone.make_aware(datetime.combine(clock.to_local_date(now), time(0, 1)))
    opening = max(midnight, now - timedelta(minutes=MORNING_MINUTES))
    clerks = {}
    for window in served:
        clerk = User.objects.filter(window=window, role="clerk", is_active=True).order_by("username").first()
        if clerk is not None:
            org.attendance_check_in(staff=clerk, at=opening - (opening - midnight) / 10)
            clerks[window] = clerk
    count = 0
    for center_code, center_categories in categories.items():
        count += _morning(rng, now=now, opening=opening, categories=center_categories, staff=manager[center_code],
                          clerks={w: c for w, c in clerks.items() if w.center.code == center_code},
                          rate=ARRIVALS_PER_HOUR[center_code], waiting=WAITING_AT_THE_END[center_code])
    return count


def _morning(rng, *, now, opening, categories, staff, clerks, rate, waiting) -> int:
    """One center's morning, minute by minute: people arrive and take a
    number, each free window calls the next, serves it and finishes; in the
    last minutes more arrive than the windows can call."""
    span = (now - opening).total_seconds() / 60
    moments = sorted(opening + timedelta(minutes=rng.uniform(0, span * 0.85)) for _ in range(int(rate * span / 60)))
    moments += sorted(now - timedelta(minutes=rng.uniform(0.2, max(span * 0.1, 0.5))) for _ in range(waiting))
    weights = [BUSY.get(c.code, 1) for c in categories]
    arrivals = [(at, rng.choices(categories, weights=weights)[0]) for at in moments]
    free = {window: opening for window in clerks}
    minute, issued = opening, 0
    final = now - timedelta(minutes=span * 0.1)  # the windows stop calling: the last arrivals wait
    while minute < now:
        while issued < len(arrivals) and arrivals[issued][0] <= minute:
            at, category = arrivals[issued]
            luck = rng.random()
            priority = (TicketPriority.CARE if luck < 0.08 else TicketPriority.GREEN_CHANNEL
                        if luck < 0.11 and staff is not SYSTEM else TicketPriority.NONE)
            hall.ticket_issue(actor=staff if priority == TicketPriority.GREEN_CHANNEL else SYSTEM, category=category,
                              source=TicketSource.KIOSK, priority=priority, at=at)
            issued += 1
        for window, clerk in clerks.items():
            if free[window] > minute or minute > final:
                continue
            ticket = hall.ticket_call_next(actor=clerk, window=window, at=minute)
            if ticket is None:
                free[window] = minute + timedelta(minutes=1)
                continue
            service = timedelta(minutes=max(2.0, rng.gauss(ticket.category.service_minutes, 3)))
            if rng.random() < 0.05:  # nobody came
                hall.ticket_recall(actor=clerk, ticket=ticket, at=minute + timedelta(minutes=1))
                hall.ticket_no_show(actor=clerk, ticket=ticket, at=minute + timedelta(minutes=2))
                free[window] = minute + timedelta(minutes=2.5)
                continue
            ticket = hall.ticket_start_service(actor=clerk, ticket=ticket, at=minute + timedelta(minutes=0.5))
            if minute + service >= now:
                free[window] = now  # still at the window
                continue
            hall.ticket_done(actor=clerk, ticket=ticket, at=minute + service)
            free[window] = minute + service + timedelta(minutes=0.5)
        minute += timedelta(minutes=1)
    while issued < len(arrivals):
        at, category = arrivals[issued]
        hall.ticket_issue(actor=SYSTEM, category=category, source=TicketSource.KIOSK, at=min(at, now))
        issued += 1
    return issued
