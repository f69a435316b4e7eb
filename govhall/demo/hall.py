"""The sample hall's queue (docs/hall.md, docs/demo.md): service categories
and the windows that call them at the district center and one town, the
clerks of those windows signed in today, and the morning so far — numbers
taken at the kiosk, called, served and finished through the hall
services, a few still at the windows and a queue still waiting, so that the
kiosk, the display and the calling panel show a working hall.

Everything runs through the real services, on the loader's clock, and
only within the hall's hours (GOVHALL_OFFICE_START–END of a working day):
loaded during them, the sample ends now; in the evening it ends at closing
time (the last numbers still waiting, the clerks still signed in); before
opening or on a day the hall is closed there is no sample day at all — the
last working day is in the month's history (``demo_hall_month_load``).
The duty roster of the sample windows covers the month and the next week
(``demo_roster_load``)."""

import base64
import heapq
import math
import random
from collections import deque
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from govhall.calendars.selectors import work_calendar
from govhall.core import clock
from govhall.core.actors import SYSTEM
from govhall.hall import roster as hall_roster
from govhall.hall import services as hall
from govhall.hall.appointments import is_open_day
from govhall.hall.models import (
    PRIORITY_RANK,
    ServiceCategory,
    Ticket,
    TicketCounter,
    TicketPriority,
    TicketSource,
    TicketState,
    WindowCategory,
)
from govhall.org import services as org
from govhall.org.models import (
    Attendance,
    AttendanceStatus,
    Center,
    Department,
    User,
    Window,
)

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


def sample_day_end(now: datetime) -> datetime | None:
    """Where today's sample ends: now during office hours, closing time in
    the evening of a working day; None before opening or on a day the hall
    is closed (nothing is played outside the hall's hours)."""
    local = timezone.localtime(now)
    if not is_open_day(local.date()) or local.time() < settings.GOVHALL_OFFICE_START:
        return None
    closing = timezone.make_aware(datetime.combine(local.date(), settings.GOVHALL_OFFICE_END))
    return min(now, closing)


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

    end = sample_day_end(now)
    if end is None:
        return 0  # the hall is closed now: no numbers, nobody signed in
    now = end
    office = timezone.make_aware(datetime.combine(clock.to_local_date(now), settings.GOVHALL_OFFICE_START))
    opening = max(office, now - timedelta(minutes=MORNING_MINUTES))
    clerks = {}
    for window in served:
        clerk = User.objects.filter(window=window, role="clerk", is_active=True).order_by("username").first()
        if clerk is not None:
            org.attendance_check_in(staff=clerk, at=office - timedelta(minutes=12))
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


# --- a month of history (the statistics and the staffing view) ------------------------

MONTH_DAYS = 30  # calendar days of history before today
MONTH_SEED = 20261207
# Numbers a day per category on an ordinary day (Tuesday–Thursday): the busy
# social insurance, business and tax queues, and — as in the street-center
# report — categories with one or two visitors a day at a window of their own.
DAILY = {
    (DISTRICT, "A"): 42, (DISTRICT, "B"): 3, (DISTRICT, "C"): 9, (DISTRICT, "D"): 30, (DISTRICT, "E"): 38,
    (DISTRICT, "F"): 58, (DISTRICT, "G"): 1.5, (TOWN, "A"): 12, (TOWN, "B"): 7,
}
WEEKDAY_FACTOR = {0: 1.3, 1: 1.0, 2: 1.0, 3: 0.95, 4: 0.85, 5: 0.6, 6: 0.6}  # Mondays busiest, Fridays quieter
# How the day's numbers spread over the opening hours (start of each half hour → weight):
# the morning peak 9–11, the lunch dip, a smaller afternoon peak 14–16.
HALF_HOURS = {
    (9, 0): 1.3, (9, 30): 1.8, (10, 0): 2.0, (10, 30): 1.9, (11, 0): 1.4, (11, 30): 0.9, (12, 0): 0.4,
    (12, 30): 0.3, (13, 0): 0.4, (13, 30): 0.8, (14, 0): 1.2, (14, 30): 1.3, (15, 0): 1.2, (15, 30): 1.0,
    (16, 0): 0.8, (16, 30): 0.4,
}


def demo_hall_month_load(*, now: datetime | None = None, centers: tuple[str, ...] = (DISTRICT, TOWN),
                         daily: dict | None = None) -> int:
    """The working days of the last month at the sample centers' windows,
    loaded as data (``bulk_create``): past tickets are history, not acts —
    they write no audit events, as imported records would not. Each day is
    played by a small queue simulation (arrivals by weekday and half hour,
    the windows calling their categories' earliest number, gamma-distributed
    service times, a few no-shows and recalls); a window opens when its
    clerk signs in (the attendance history), stays closed on his leave, and
    calls until its queue is empty.
    Deterministic for a given day; returns the number of tickets. ``centers``
    and ``daily`` (numbers a day per (center code, letter)) serve the bench."""
    now = now or clock.now()
    today = clock.to_local_date(now)
    calendar = work_calendar()
    rng = random.Random(MONTH_SEED)
    links = list(WindowCategory.objects.filter(category__center__code__in=centers, window__active=True)
                 .select_related("category__center", "window"))
    clerks = {}
    for link in links:
        clerks.setdefault(link.window, User.objects.filter(window=link.window, role="clerk", is_active=True)
                          .order_by("username").first())
    first = today - timedelta(days=MONTH_DAYS)
    shifts = {}
    for row in (Attendance.objects.filter(staff__in=[c for c in clerks.values() if c], date__gte=first,
                                          date__lt=today).values("staff_id", "date", "status", "check_in",
                                                                 "check_out")):
        shifts[(row["staff_id"], row["date"])] = row
    tickets, counters = [], []
    day = first
    while day < today:
        if calendar.is_workday(day):
            for center_code in centers:
                center_links = [link for link in links if link.category.center.code == center_code]
                tickets += _day_played(rng, day=day, links=center_links, clerks=clerks, shifts=shifts,
                                       counters=counters, daily=daily or DAILY)
        day += timedelta(days=1)
    TicketCounter.objects.bulk_create(counters, batch_size=500)
    Ticket.objects.bulk_create(tickets, batch_size=500)
    return len(tickets)


def _local(day, hour: int, minute: float) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0))) + timedelta(minutes=minute)


def _day_played(rng, *, day, links, clerks, shifts, counters, daily) -> list:
    """One center's day: the numbers taken and how each window called them."""
    open_windows = {}  # window → (clerk, opens)
    for window in {link.window for link in links}:
        clerk = clerks.get(window)
        shift = shifts.get((clerk.pk, day)) if clerk else None
        if shift is None:
            opens = _local(day, 8, 45 + rng.uniform(0, 10))
        elif shift["status"] != AttendanceStatus.PRESENT or shift["check_in"] is None:
            continue  # on leave or a trip: the window is closed
        else:
            opens = shift["check_in"]
        open_windows[window] = (clerk, opens)
    categories = {}
    for link in links:
        if link.window in open_windows:
            categories.setdefault(link.category, []).append(link.window)
    arrivals = []  # (moment, category, priority)
    factor = WEEKDAY_FACTOR[day.weekday()]
    total_weight = sum(HALF_HOURS.values())
    for category in sorted(categories, key=lambda c: c.code):
        expected = daily.get((category.center.code, category.code), 5) * factor * rng.uniform(0.85, 1.15)
        for (hour, minute), weight in HALF_HOURS.items():
            for _ in range(_poisson(rng, expected * weight / total_weight)):
                priority = "care" if rng.random() < 0.06 else "none"
                arrivals.append((_local(day, hour, minute + rng.uniform(0, 30)), category, priority))
    arrivals.sort(key=lambda a: a[0])
    free = {window: opens for window, (_clerk, opens) in open_windows.items()}
    serves = {window: [c.pk for c, ws in categories.items() if window in ws] for window in free}
    sequence: dict = {}
    upcoming: dict[int, deque] = {c.pk: deque() for c in categories}  # per category: not yet arrived
    waiting: dict[int, list] = {c.pk: [] for c in categories}  # per category: a heap of (rank, moment, index)
    rows = [None] * len(arrivals)
    for index, (moment, category, priority) in enumerate(arrivals):
        sequence[category] = sequence.get(category, 0) + 1
        number = sequence[category]
        rows[index] = Ticket(
            center_id=category.center_id, category=category, day=day, sequence=number,
            number=f"{category.code}{number:03d}", code=base64.urlsafe_b64encode(rng.randbytes(9)).decode(),
            source="kiosk", priority=priority, rank=PRIORITY_RANK[priority], issued_at=moment, queue_at=moment,
            state=TicketState.WAITING)
        upcoming[category.pk].append(index)
    # The windows call in the order they come free: each takes its categories' first number in line.
    while free:
        window = min(free, key=lambda w: (free[w], w.number))
        clock_at = free[window]
        for pk in serves[window]:
            while upcoming[pk] and arrivals[upcoming[pk][0]][0] <= clock_at:
                index = upcoming[pk].popleft()
                heapq.heappush(waiting[pk], (rows[index].rank, arrivals[index][0], index))
        ready = [pk for pk in serves[window] if waiting[pk]]
        if not ready:
            later_ones = [arrivals[upcoming[pk][0]][0] for pk in serves[window] if upcoming[pk]]
            if not later_ones:
                del free[window]  # nothing more for this window today
            else:
                free[window] = min(later_ones)
            continue
        _rank, _moment, index = heapq.heappop(waiting[min(ready, key=lambda pk: waiting[pk][0])])
        ticket, clerk = rows[index], open_windows[window][0]
        ticket.window, ticket.called_at, ticket.called_by = window, clock_at, clerk
        ticket.announced_at = clock_at
        if rng.random() < 0.04:  # nobody came: recalled, then no-show
            ticket.recalls, ticket.announced_at = 1, clock_at + timedelta(minutes=1)
            ticket.state, ticket.done_at = TicketState.NO_SHOW, clock_at + timedelta(minutes=2)
        else:
            mean = ticket.category.service_minutes
            ticket.served_at = clock_at + timedelta(minutes=rng.uniform(0.3, 1.0))
            ticket.done_at = ticket.served_at + timedelta(minutes=max(1.5, rng.gammavariate(3, mean / 3)))
            ticket.state = TicketState.DONE
        free[window] = ticket.done_at + timedelta(minutes=rng.uniform(0.2, 0.8))
    for row in rows:  # never called (no window open for it): the number lapsed
        if row.state == TicketState.WAITING:
            row.state = TicketState.CANCELLED
    for category, last in sequence.items():
        counters.append(TicketCounter(category=category, day=day, last=last))
    return rows


def _poisson(rng, mean: float) -> int:
    """A Poisson draw (Knuth; the means here are small)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# --- the duty roster ---------------------------------------------------------------

ROSTER_WEEKS_AHEAD = 1  # the current week and the next


def demo_roster_load(*, now: datetime | None = None) -> int:
    """The duty roster (排班) of the sample centers' windows that call a
    category: each window's clerk, mornings and afternoons, from the week
    the month's history begins to the week after this one — set a week at a
    time by the center's manager through ``roster_week_set``, as a manager
    would. Returns the number of entries."""
    now = now or clock.now()
    today = clock.to_local_date(now)
    first = hall_roster.week_start(today - timedelta(days=MONTH_DAYS))
    last = hall_roster.week_start(today) + timedelta(days=7 * ROSTER_WEEKS_AHEAD)
    count = 0
    for center in Center.objects.filter(code__in=[DISTRICT, TOWN]).order_by("path"):
        manager = User.objects.filter(role="manager", center=center).order_by("username").first() or SYSTEM
        clerks = {}
        for window in (Window.objects.filter(center=center, active=True, hall_categories__isnull=False)
                       .distinct().order_by("number")):
            clerk = User.objects.filter(window=window, role="clerk", is_active=True).order_by("username").first()
            if clerk is not None:
                clerks[window.pk] = clerk.pk
        if not clerks:
            continue
        monday = first
        while monday <= last:
            cells = {(window_id, day, half): staff_id for window_id, staff_id in clerks.items()
                     for day in hall_roster.week_days(monday) for half in hall_roster.HALVES}
            count += len(hall_roster.roster_week_set(actor=manager, center=center, monday=monday, cells=cells,
                                                     at=min(now, timezone.make_aware(
                                                         datetime.combine(monday - timedelta(days=3), time(16))))))
            monday += timedelta(days=7)
    return count
