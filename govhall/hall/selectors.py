"""Reads of the hall: who is on duty at which window, the queue, a ticket's
place and expected wait, what the screens show."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet

from govhall.hall.models import (
    AT_WINDOW,
    DEFAULT_SERVICE_MINUTES,
    ServiceCategory,
    Ticket,
    TicketState,
    WindowCategory,
)
from govhall.org.models import (
    AWAY_STATUSES,
    Attendance,
    AttendanceStatus,
    Center,
    Post,
    User,
    Window,
)
from govhall.org.roles import CENTER_ROLES, GLOBAL_ROLES

# Queue order (docs/hall.md, "Who is called first").
QUEUE_ORDER = ("rank", "queue_at", "pk")
# Service times that estimate the wait: the category's last so many services …
SERVICE_SAMPLE = 20
# … within this many days.
SERVICE_WINDOW_DAYS = 30


def staff_on_duty(staff: User, *, on: date) -> bool:
    """Whether ``staff`` is signed in today (考勤签到) and not signed out:
    the org app's attendance row of the day with a sign-in time, status
    present and no sign-out. Calling needs it (docs/hall.md)."""
    return Attendance.objects.filter(
        staff=staff, date=on, status=AttendanceStatus.PRESENT, check_in__isnull=False, check_out__isnull=True,
    ).exists()


def staff_windows(staff: User, *, on: date) -> list[Window]:
    """The windows ``staff`` serves on ``on``: the window of his placement,
    and the windows of A/B posts whose holder is away that day (the backup
    takes the holder's queue)."""
    ids = [staff.window_id] if staff.window_id else []
    away = Attendance.objects.filter(date=on, status__in=AWAY_STATUSES).values("staff_id")
    ids += list(Post.objects.filter(backup=staff, holder__in=away).values_list("window_id", flat=True))
    return list(Window.objects.filter(pk__in=ids, active=True).select_related("center").order_by("number"))


def windows_on_duty(*, center_id: int, on: date) -> QuerySet[Window]:
    """The center's windows with at least one clerk placed there signed in."""
    signed_in = Attendance.objects.filter(
        date=on, status=AttendanceStatus.PRESENT, check_in__isnull=False, check_out__isnull=True,
    ).values("staff__window_id")
    return Window.objects.filter(center_id=center_id, active=True, pk__in=signed_in)


def category_window_ids(category_ids) -> set[int]:
    return set(WindowCategory.objects.filter(category_id__in=category_ids).values_list("window_id", flat=True))


def window_category_ids(window: Window) -> list[int]:
    return list(WindowCategory.objects.filter(window=window, category__active=True)
                .values_list("category_id", flat=True))


def categories_public(*, center_id: int) -> QuerySet[ServiceCategory]:
    """The categories a kiosk offers: active ones served by some window."""
    return (ServiceCategory.objects.filter(center_id=center_id, active=True, windows__isnull=False)
            .distinct().order_by("code"))


def centers_taking_numbers() -> QuerySet[Center]:
    """The centers whose kiosk (and online page) offer at least one category."""
    return Center.objects.filter(pk__in=ServiceCategory.objects.filter(active=True, windows__isnull=False)
                                 .values("center_id")).order_by("path")


def category_list_managed(*, user: User) -> QuerySet[ServiceCategory]:
    """Categories in a manager's centers (their center and below); all for
    supervisors and system administrators."""
    if user.role in GLOBAL_ROLES or user.is_superuser:
        q = Q()
    elif user.role in CENTER_ROLES and user.center_id:
        q = Q(center__path__startswith=user.center.path)
    else:
        return ServiceCategory.objects.none()
    return ServiceCategory.objects.filter(q).select_related("center").prefetch_related("windows__window")


def queue_for_window(window: Window, *, on: date, category_ids=None) -> QuerySet[Ticket]:
    """The waiting tickets a window may call on ``on``, in queue order: those
    of the categories it serves not sent to another window, and those sent
    to it."""
    if category_ids is None:
        category_ids = window_category_ids(window)
    return (Ticket.objects.filter(center_id=window.center_id, day=on, state=TicketState.WAITING)
            .filter(Q(category_id__in=category_ids, target_window__isnull=True) | Q(target_window=window))
            .order_by(*QUEUE_ORDER))


def waiting_counts(*, center_id: int, on: date) -> dict[int, int]:
    """Waiting tickets per category id."""
    rows = (Ticket.objects.filter(center_id=center_id, day=on, state=TicketState.WAITING)
            .values("category_id").annotate(n=Count("pk")).order_by())
    return {row["category_id"]: row["n"] for row in rows}


def ticket_ahead(ticket: Ticket) -> int:
    """How many waiting tickets of the same queue come before ``ticket``."""
    if ticket.state != TicketState.WAITING:
        return 0
    same_queue = Q(target_window=ticket.target_window) if ticket.target_window_id else Q(
        category_id=ticket.category_id, target_window__isnull=True)
    before = (Q(rank__lt=ticket.rank) | Q(rank=ticket.rank, queue_at__lt=ticket.queue_at)
              | Q(rank=ticket.rank, queue_at=ticket.queue_at, pk__lt=ticket.pk))
    return Ticket.objects.filter(same_queue, before, center_id=ticket.center_id, day=ticket.day,
                                 state=TicketState.WAITING).count()


def category_service_minutes(category: ServiceCategory, *, at: datetime) -> float:
    """The category's recent average service time in minutes: from the call
    to the end of service (the walk to the window included), over its last
    SERVICE_SAMPLE finished services of the last SERVICE_WINDOW_DAYS days;
    the category's configured minutes while it has none."""
    rows = list(Ticket.objects.filter(category=category, state=TicketState.DONE, done_at__lte=at,
                                      done_at__gte=at - timedelta(days=SERVICE_WINDOW_DAYS), called_at__isnull=False)
                .order_by("-done_at").values_list("called_at", "done_at")[:SERVICE_SAMPLE])
    if not rows:
        return float(category.service_minutes or DEFAULT_SERVICE_MINUTES)
    return sum((done - called).total_seconds() for called, done in rows) / len(rows) / 60


@dataclass(frozen=True)
class Place:
    ahead: int  # waiting tickets called before this one
    windows: int  # windows on duty serving its queue (at least 1 for the estimate)
    minutes: int  # expected wait


def ticket_place(ticket: Ticket, *, at: datetime) -> Place:
    """A waiting ticket's place and expected wait: the tickets ahead × the
    category's recent average service time ÷ the windows on duty that serve
    it (at least one). A rough figure, shown as such (docs/hall.md)."""
    ahead = ticket_ahead(ticket)
    if ticket.target_window_id:
        windows = 1
    else:
        serving = category_window_ids([ticket.category_id])
        windows = windows_on_duty(center_id=ticket.center_id, on=ticket.day).filter(pk__in=serving).count()
    minutes = round(ahead * category_service_minutes(ticket.category, at=at) / max(windows, 1))
    return Place(ahead=ahead, windows=windows, minutes=minutes)


def _storable(text: str, limit: int) -> bool:
    """Whether ``text`` can be a stored key (PostgreSQL refuses NUL even in a query)."""
    return len(text) <= limit and "\x00" not in text


def ticket_get_public(*, code: str) -> Ticket | None:
    """A ticket by its query code (the public ticket page and API)."""
    if not _storable(code, 16):
        return None
    return (Ticket.objects.filter(code=code).select_related("center", "category", "window", "target_window")
            .first())


def center_get_public(*, code: str) -> Center | None:
    """A center by its code (the kiosk and display addresses)."""
    if not _storable(code, 32):
        return None
    return Center.objects.filter(code=code).first()


def ticket_at_window(window: Window, *, on: date) -> Ticket | None:
    """The ticket being called or served at ``window`` now."""
    return (Ticket.objects.filter(window=window, day=on, state__in=AT_WINDOW)
            .select_related("category").order_by("-announced_at", "-pk").first())


def display_calls(*, center_id: int, on: date, recent: int = 8) -> tuple[list[Ticket], list[Ticket]]:
    """What the hall display shows: the ticket at each window now (latest
    call first), and the last numbers called before those."""
    called = list(Ticket.objects.filter(center_id=center_id, day=on, announced_at__isnull=False)
                  .select_related("window").order_by("-announced_at", "-pk")[:recent + 40])
    current, seen, past = [], set(), []
    for ticket in called:
        if ticket.state in AT_WINDOW and ticket.window_id not in seen:
            seen.add(ticket.window_id)
            current.append(ticket)
        elif len(past) < recent:
            past.append(ticket)
    return current, past
