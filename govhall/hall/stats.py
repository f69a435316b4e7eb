"""The hall's statistics over a period (docs/hall.md, "Statistics and
staffing"): per category, window and hour of day — arrivals, served,
no-shows, waiting time (issued → called: mean and 90th percentile), service
time (service start → done), the time a ticket holds its window (called →
done), and each window's utilization.

Everything is aggregated in the database (GROUP BY; the hour in the
center's time zone through Django's ``ExtractHour``; durations in seconds
through ``Seconds``, one expression for SQLite and PostgreSQL); Python only
walks the grouped rows (categories, windows, hours, window-days, wait
minutes), never a month of tickets one by one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Avg, Count, F, FloatField, Func, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, Floor, Round
from django.utils import timezone

from govhall.hall.models import ServiceCategory, Ticket, TicketState
from govhall.org.models import Attendance, AttendanceStatus, Window

# A window-day with tickets but no usable attendance (no sign-in, or no
# sign-out on a past day) counts as a standard working day of this length.
STANDARD_DAY_SECONDS = 8 * 3600
# The hours of day the tables and the staffing view show at least.
OPENING_HOURS = range(8, 18)


class Seconds(Func):
    """``end − start`` in seconds, as a float, on SQLite and PostgreSQL."""

    output_field = FloatField()

    def __init__(self, end, start):
        super().__init__(F(end), F(start))

    def _parts(self, compiler, connection):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return end, start, (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra):
        end, start, params = self._parts(compiler, connection)
        return f"((julianday({end}) - julianday({start})) * 86400.0)", params

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        end, start, params = self._parts(compiler, connection)
        return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS double precision)", params


def _seconds(end: str, start: str):
    # Whole seconds: SQLite's julianday carries ~0.1 ms of rounding noise.
    return Round(Seconds(end, start))


WAIT = _seconds("called_at", "issued_at")
SERVICE = _seconds("done_at", "served_at")
HOLDING = _seconds("done_at", "called_at")
CALLED = Q(called_at__isnull=False)
DONE = Q(state=TicketState.DONE, served_at__isnull=False, done_at__isnull=False, called_at__isnull=False)
HELD = Q(called_at__isnull=False, done_at__isnull=False, window__isnull=False)


def local_hour(field_name: str = "issued_at"):
    """The hour of day of a moment in the center's time zone (0–23)."""
    return ExtractHour(field_name, tzinfo=timezone.get_default_timezone())


@dataclass
class Row:
    """The figures of one group (a category, a window, an hour …)."""

    key: object
    label: str = ""
    arrivals: int = 0  # numbers taken (transferred tickets not counted again)
    called: int = 0
    served: int = 0
    no_shows: int = 0
    wait_seconds: float | None = None  # mean, issued → called
    wait_p90_minutes: int | None = None  # 90th percentile, whole minutes rounded down
    service_seconds: float | None = None  # mean, service start → done
    holding_seconds: float | None = None  # mean, called → done (the window is taken)
    busy_seconds: float = 0.0  # windows: the sum of holding times
    staffed_seconds: float = 0.0  # windows: signed-in time (see window utilization)
    estimated: bool = False  # windows: some day without attendance counted as a standard day
    extra: dict = field(default_factory=dict)

    @property
    def wait_minutes(self) -> float | None:
        return None if self.wait_seconds is None else self.wait_seconds / 60

    @property
    def service_minutes(self) -> float | None:
        return None if self.service_seconds is None else self.service_seconds / 60

    @property
    def holding_minutes(self) -> float | None:
        return None if self.holding_seconds is None else self.holding_seconds / 60

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.called if self.called else None

    @property
    def utilization(self) -> float | None:
        return self.busy_seconds / self.staffed_seconds if self.staffed_seconds else None

    @property
    def busy_hours(self) -> float:
        return self.busy_seconds / 3600

    @property
    def staffed_hours(self) -> float:
        return self.staffed_seconds / 3600

    @property
    def utilization_percent(self) -> int | None:
        return None if self.utilization is None else round(self.utilization * 100)

    @property
    def no_show_percent(self) -> int | None:
        return None if self.no_show_rate is None else round(self.no_show_rate * 100)


@dataclass
class HallStats:
    center_id: int
    first: date
    last: date
    open_days: int  # days with at least one number taken
    categories: list[Row]
    windows: list[Row]
    hours: list[Row]
    # (category id, hour) → Row with arrivals and extra["window_days"]
    category_hours: dict[tuple[int, int], Row]


def period_tickets(*, center_id: int, first: date, last: date) -> QuerySet[Ticket]:
    """The center's tickets of the days ``first`` … ``last`` (local dates)."""
    return Ticket.objects.filter(center_id=center_id, day__gte=first, day__lte=last)


def _aggregate(tickets: QuerySet[Ticket], *keys, **named) -> dict:
    """The figures per group of ``keys`` (field names or ``named`` expressions)."""
    rows = (tickets.annotate(**named).values(*keys, *named).order_by().annotate(
        arrivals=Count("pk", filter=Q(transferred_from__isnull=True)),
        called=Count("pk", filter=CALLED),
        served=Count("pk", filter=Q(state=TicketState.DONE)),
        no_shows=Count("pk", filter=Q(state=TicketState.NO_SHOW)),
        wait_seconds=Avg(WAIT, filter=CALLED),
        service_seconds=Avg(SERVICE, filter=DONE),
        holding_seconds=Avg(HOLDING, filter=DONE),
        busy_seconds=Sum(HOLDING, filter=HELD),
    ))
    names = (*keys, *named)
    out = {}
    for row in rows:
        key = tuple(row[n] for n in names)
        out[key if len(key) > 1 else key[0]] = Row(
            key=key if len(key) > 1 else key[0], arrivals=row["arrivals"], called=row["called"],
            served=row["served"], no_shows=row["no_shows"], wait_seconds=row["wait_seconds"],
            service_seconds=row["service_seconds"], holding_seconds=row["holding_seconds"],
            busy_seconds=float(row["busy_seconds"] or 0))
    return out


def _wait_histogram(tickets: QuerySet[Ticket], *keys, **named) -> dict:
    """The waits by whole minute per group: {group: {minute: tickets}}."""
    rows = (tickets.filter(CALLED).annotate(**named, minute=Floor(WAIT / 60.0)).values(*keys, *named, "minute")
            .order_by().annotate(n=Count("pk")))
    names = (*keys, *named)
    histograms: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = tuple(row[n] for n in names)
        histograms[key if len(key) > 1 else key[0]][int(row["minute"])] += row["n"]
    return histograms


def _p90(histograms: dict, group=lambda key: key) -> dict:
    """The 90th percentile of the wait per ``group`` of the histograms' keys,
    in whole minutes (rounded down; nearest rank)."""
    merged: dict = defaultdict(lambda: defaultdict(int))
    for key, bars in histograms.items():
        for minute, n in bars.items():
            merged[group(key)][minute] += n
    result = {}
    for key, bars in merged.items():
        rank, seen = -(-9 * sum(bars.values()) // 10), 0  # ceil(0.9 · total): the nearest rank
        for minute in sorted(bars):
            seen += bars[minute]
            if seen >= rank:
                result[key] = minute
                break
    return result


def _combine(cells: dict, group) -> dict:
    """The figures per ``group`` of the cells' keys, added up from the cells
    (per category and hour): sums, and means weighted by the tickets they
    are taken over."""
    combined: dict = {}
    for key, cell in cells.items():
        row = combined.setdefault(group(key), Row(key=group(key)))
        for name, weight in (("wait_seconds", "called"), ("service_seconds", "served"),
                             ("holding_seconds", "served")):
            value = getattr(cell, name)
            if value is not None:
                row.extra[name] = row.extra.get(name, 0.0) + value * getattr(cell, weight)
                row.extra[weight + "_" + name] = row.extra.get(weight + "_" + name, 0) + getattr(cell, weight)
        row.arrivals += cell.arrivals
        row.called += cell.called
        row.served += cell.served
        row.no_shows += cell.no_shows
        row.busy_seconds += cell.busy_seconds
    for row in combined.values():
        for name, weight in (("wait_seconds", "called"), ("service_seconds", "served"),
                             ("holding_seconds", "served")):
            count = row.extra.pop(weight + "_" + name, 0)
            total = row.extra.pop(name, None)
            setattr(row, name, total / count if count else None)
    return combined


def _staffed_seconds(*, center_id: int, first: date, last: date, at: datetime) -> dict[tuple[int, date], float]:
    """Signed-in seconds per (window, day): from the first sign-in to the last
    sign-out of the clerks placed at the window that day (present); a day
    still open counts until ``at``."""
    rows = (Attendance.objects.filter(date__gte=first, date__lte=last, status=AttendanceStatus.PRESENT,
                                      check_in__isnull=False, staff__window__center_id=center_id)
            .values("staff__window_id", "date").order_by()
            .annotate(start=Min("check_in"), end=Max("check_out"),
                      open=Count("pk", filter=Q(check_out__isnull=True))))
    today = timezone.localtime(at).date()
    spans = {}
    for row in rows:
        end = row["end"]
        if row["open"] and row["date"] == today:
            end = max(end, at) if end else at
        if end is not None and end > row["start"]:
            spans[(row["staff__window_id"], row["date"])] = (end - row["start"]).total_seconds()
    return spans


def hall_stats(*, center_id: int, first: date, last: date, at: datetime) -> HallStats:
    """The statistics of a center's hall for the days ``first`` … ``last``."""
    tickets = period_tickets(center_id=center_id, first=first, last=last)
    hour = local_hour()
    open_days = tickets.values("day").distinct().count()

    category_hours = _aggregate(tickets, "category_id", hour=hour)
    waits = _wait_histogram(tickets, "category_id", hour=hour)

    categories = _combine(category_hours, lambda key: key[0])
    p90 = _p90(waits, group=lambda key: key[0])
    names = {c.pk: str(c) for c in ServiceCategory.objects.filter(center_id=center_id)}
    for pk, row in categories.items():
        row.label, row.wait_p90_minutes = names.get(pk, ""), p90.get(pk)
        row.extra["per_day"] = row.arrivals / max(open_days, 1)

    windows = _aggregate(tickets.filter(window__isnull=False), "window_id")
    p90 = _p90(_wait_histogram(tickets.filter(window__isnull=False), "window_id"))
    _window_utilization(windows, tickets, center_id=center_id, first=first, last=last, at=at)
    labels = {w.pk: str(w) for w in Window.objects.filter(center_id=center_id)}
    for pk, row in windows.items():
        row.label, row.wait_p90_minutes = labels.get(pk, ""), p90.get(pk)

    hours = _combine(category_hours, lambda key: key[1])
    p90 = _p90(waits, group=lambda key: key[1])
    for h in set(OPENING_HOURS) | set(hours):
        row = hours.setdefault(h, Row(key=h))
        row.label, row.wait_p90_minutes = f"{h:02d}:00", p90.get(h)

    # Windows that called a category's tickets in an hour, counted per day.
    window_days = (tickets.filter(CALLED).annotate(hour=local_hour("called_at"))
                   .values("category_id", "hour", "window_id").order_by()
                   .annotate(days=Count("day", distinct=True)))
    for row in window_days:
        key = (row["category_id"], row["hour"])
        cell = category_hours.setdefault(key, Row(key=key))
        cell.extra["window_days"] = cell.extra.get("window_days", 0) + row["days"]

    order = sorted(categories.values(), key=lambda r: r.label)
    return HallStats(center_id=center_id, first=first, last=last, open_days=open_days, categories=order,
                     windows=sorted(windows.values(), key=lambda r: r.label),
                     hours=[hours[h] for h in sorted(hours)], category_hours=category_hours)


def _window_utilization(windows: dict, tickets, *, center_id, first, last, at) -> None:
    """Utilization = the window's busy time (the holding times of its tickets,
    called → done) ÷ its staffed time (signed-in time from attendance, per
    day; a day with tickets but no usable attendance counts as a standard
    day, and the window is marked estimated)."""
    busy = (tickets.filter(HELD).values("window_id", "day").order_by().annotate(busy=Sum(HOLDING)))
    spans = _staffed_seconds(center_id=center_id, first=first, last=last, at=at)
    days: dict[int, set] = defaultdict(set)
    for row in busy:
        days[row["window_id"]].add(row["day"])
    for window_id, day in spans:
        days[window_id].add(day)
    for window_id, window_days in days.items():
        row = windows.setdefault(window_id, Row(key=window_id))
        for day in window_days:
            if (window_id, day) in spans:
                row.staffed_seconds += spans[(window_id, day)]
            else:
                row.staffed_seconds += STANDARD_DAY_SECONDS
                row.estimated = True

