"""The duty roster (排班, docs/hall.md "Duty roster"): which clerk staffs
which window on which day, morning or afternoon.

A center's managers set a week at a time (the grid window × day ×
half-day) or copy the week before; each change is one audited transaction.
The roster is the plan; who may call at a window on the day stays the hall's
rule (``selectors.staff_windows``: the clerk's window, and an A/B holder's
window while the holder is away) and calling still needs the clerk signed
in. The day's view puts the two side by side: each rostered clerk's
attendance and, when he is away, the A/B backup who takes the window's queue.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from govhall.core import clock
from govhall.core.actors import Actor, person
from govhall.core.audit import audit_record
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.hall import selectors
from govhall.hall.appointments import is_open_day
from govhall.hall.models import HalfDay, RosterEntry, WindowCategory
from govhall.hall.services import _require_hall_manager
from govhall.org.models import Attendance, Center, Post, User, Window
from govhall.org.roles import GLOBAL_ROLES, Role
from govhall.org.selectors import staff_is_away

# Who can be rostered at a window: window clerks and chief representatives.
ROSTER_ROLES = frozenset({Role.CLERK, Role.CHIEF_REPRESENTATIVE})
HALVES = (HalfDay.MORNING, HalfDay.AFTERNOON)

Cell = tuple[int, date, str]  # (window id, day, half)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def week_days(monday: date) -> list[date]:
    """The open days of the week starting ``monday`` (govhall/timing's calendar)."""
    return [d for d in (monday + timedelta(days=i) for i in range(7)) if is_open_day(d)]


def staff_center_ids(staff: User) -> set[int]:
    """The centers a staff member works at: his own, his department's, his window's."""
    ids = {staff.center_id, getattr(staff.department, "center_id", None), getattr(staff.window, "center_id", None)}
    return {i for i in ids if i}


def rosterable_staff(center: Center) -> QuerySet[User]:
    """The clerks a manager may roster at ``center``'s windows."""
    return (User.objects.filter(Q(center=center) | Q(department__center=center) | Q(window__center=center),
                                role__in=ROSTER_ROLES, is_active=True)
            .select_related("department", "window").order_by("username"))


def _require_monday(day: date) -> None:
    if day.weekday() != 0:
        raise DomainError(_("排班按周设置，请从星期一开始。"), field="week")


def _cell_order(item) -> tuple:
    (window_id, day, half), _staff_id = item
    return day, half, window_id


def _replace_week(*, actor: Actor, center: Center, monday: date, cells: dict[Cell, int | None],
                  at: datetime) -> list[RosterEntry]:
    """Validate ``cells`` and make them the week's roster of ``center``."""
    # Two managers saving the same center's week one after the other, not interleaved.
    Center.objects.select_for_update().filter(pk=center.pk).first()
    days = set(week_days(monday))
    windows = {w.pk: w for w in Window.objects.filter(center=center, active=True)}
    wanted = {cell: staff_id for cell, staff_id in cells.items() if staff_id}
    staff = {u.pk: u for u in rosterable_staff(center).filter(pk__in=set(wanted.values()))}
    taken: dict[tuple[int, date, str], int] = {}
    for (window_id, day, half), staff_id in sorted(wanted.items(), key=_cell_order):
        if window_id not in windows:
            raise DomainError(_("只能为本中心启用的窗口排班。"), field="window")
        if day not in days:
            raise DomainError(_("{day} 不是本周的工作日。").format(day=day.isoformat()), field="day")
        if half not in HALVES:
            raise DomainError(_("时段须为上午或下午。"), field="half")
        clerk = staff.get(staff_id)
        if clerk is None:
            raise DomainError(_("只能安排本中心的窗口工作人员。"), field="staff")
        other = taken.setdefault((staff_id, day, half), window_id)
        if other != window_id:
            raise DomainError(_("{name} 在 {day} {half} 已排在窗口 {window}，同一时段只能排一个窗口。").format(
                name=clerk.display_name, day=day.isoformat(), half=HalfDay(half).label,
                window=windows[other].number), field="staff")
    elsewhere = (RosterEntry.objects.filter(staff_id__in=list(staff), day__in=days).exclude(center=center)
                 .select_related("staff", "window"))
    for entry in elsewhere:
        if (entry.staff_id, entry.day, entry.half) in taken:
            raise DomainError(_("{name} 在 {day} {half} 已排在其他中心的窗口 {window}。").format(
                name=entry.staff.display_name, day=entry.day.isoformat(), half=entry.get_half_display(),
                window=entry.window.number), field="staff")
    RosterEntry.objects.filter(center=center, day__gte=monday, day__lt=monday + timedelta(days=7)).delete()
    try:
        # A clerk rostered at the same moment by another center's manager
        # trips the unique constraint: refused, nothing written.
        with transaction.atomic():
            return RosterEntry.objects.bulk_create([
                RosterEntry(center=center, window_id=window_id, staff_id=staff_id, day=day, half=half,
                            set_by=person(actor), set_at=at)
                for (window_id, day, half), staff_id in sorted(wanted.items(), key=_cell_order)
            ])
    except IntegrityError as error:
        raise Conflict(_("排班刚被他人修改，请刷新后重试。"), field="staff") from error


@transaction.atomic
def roster_week_set(*, actor: Actor, center: Center, monday: date, cells: dict[Cell, int | None],
                    at: datetime | None = None) -> list[RosterEntry]:
    """Set the week starting ``monday`` of ``center``'s roster to ``cells``
    ((window id, day, half) → staff id; empty or missing: nobody). The
    week's other entries are cleared. Refused with the field named: a
    window not of the center, a day not open, a clerk not of the center or
    not a window role, a clerk on two windows in one half-day."""
    at = at or clock.now()
    _require_hall_manager(actor, center)
    _require_monday(monday)
    entries = _replace_week(actor=actor, center=center, monday=monday, cells=cells, at=at)
    audit_record(actor=actor, action="hall_roster_set", target=center, at=at,
                 data={"week": monday.isoformat(), "entries": len(entries)})
    return entries


@transaction.atomic
def roster_week_copy(*, actor: Actor, center: Center, monday: date, at: datetime | None = None) -> list[RosterEntry]:
    """Copy the week before into the week starting ``monday`` (same weekday,
    same half-day; days not open this week are left out), replacing it."""
    at = at or clock.now()
    _require_hall_manager(actor, center)
    _require_monday(monday)
    previous = RosterEntry.objects.filter(center=center, day__gte=monday - timedelta(days=7), day__lt=monday)
    if not previous.exists():
        raise DomainError(_("上一周没有排班，无法复制。"), field="week")
    days = set(week_days(monday))
    cells = {(e.window_id, e.day + timedelta(days=7), e.half): e.staff_id for e in previous
             if e.day + timedelta(days=7) in days}
    entries = _replace_week(actor=actor, center=center, monday=monday, cells=cells, at=at)
    audit_record(actor=actor, action="hall_roster_copy", target=center, at=at,
                 data={"week": monday.isoformat(), "entries": len(entries)})
    return entries


# --- reads ---------------------------------------------------------------------------

def roster_centers(user: User) -> QuerySet[Center]:
    """The centers whose roster ``user`` reads: managers their center and
    those below, supervisors and administrators all, window clerks their own."""
    if user.role in GLOBAL_ROLES or user.is_superuser:
        return Center.objects.all()
    if user.role == Role.CENTER_MANAGER and user.center_id:
        return Center.objects.filter(path__startswith=user.center.path)
    if user.role in ROSTER_ROLES:
        return Center.objects.filter(pk__in=staff_center_ids(user))
    raise NotPermitted(_("只有中心管理人员和窗口工作人员可以查看排班。"))


def roster_editable(user: User, center: Center) -> bool:
    try:
        _require_hall_manager(user, center)
    except NotPermitted:
        return False
    return True


def roster_week(center: Center, monday: date) -> dict[Cell, RosterEntry]:
    entries = (RosterEntry.objects.filter(center=center, day__gte=monday, day__lt=monday + timedelta(days=7))
               .select_related("staff"))
    return {(e.window_id, e.day, e.half): e for e in entries}


def rostered_windows(center: Center, day: date) -> dict[str, set[int]]:
    """The ids of the windows rostered on ``day``, per half-day."""
    found = {half: set() for half in HALVES}
    for window_id, half in RosterEntry.objects.filter(center=center, day=day).values_list("window_id", "half"):
        found[half].add(window_id)
    return found


def rostered_windows_per_category(*, center_id: int, first: date, last: date, open_days: int) -> dict[int, float]:
    """Per category id, the windows rostered for it per half-day, on
    average over the period's open days (a window serving several
    categories counts for each)."""
    halves = Counter(RosterEntry.objects.filter(center_id=center_id, day__gte=first, day__lte=last)
                     .values_list("window_id", flat=True))
    per_category: Counter = Counter()
    for window_id, category_id in WindowCategory.objects.filter(window_id__in=halves).values_list(
            "window_id", "category_id"):
        per_category[category_id] += halves[window_id]
    return {category_id: n / (max(open_days, 1) * len(HALVES)) for category_id, n in per_category.items()}


@dataclass(frozen=True)
class Duty:
    """A rostered clerk's half-day at a window, as the day stands."""

    staff: User
    state: str  # on_duty | away | signed_out | not_signed_in
    state_label: str
    cover: User | None  # the A/B backup taking the window's queue while the clerk is away
    cover_on_duty: bool


@dataclass(frozen=True)
class WindowDay:
    window: Window
    duties: dict[str, Duty | None]  # half → duty


def _state(staff: User, on: date) -> tuple[str, str]:
    if selectors.staff_on_duty(staff, on=on):
        return "on_duty", _("已签到")
    if staff_is_away(staff, on=on):
        row = Attendance.objects.get(staff=staff, date=on)
        return "away", row.get_status_display()
    if Attendance.objects.filter(staff=staff, date=on, check_out__isnull=False).exists():
        return "signed_out", _("已签退")
    return "not_signed_in", _("未签到")


def _cover(staff: User, window: Window, on: date) -> User | None:
    """The backup of one of ``staff``'s A/B posts who may call at ``window``
    on ``on`` (the hall's rule, ``selectors.staff_windows``)."""
    for post in Post.objects.filter(holder=staff).select_related("backup").order_by("pk"):
        if window.pk in {w.pk for w in selectors.staff_windows(post.backup, on=on)}:
            return post.backup
    return None


def roster_day(center: Center, *, on: date) -> list[WindowDay]:
    """Each active window of ``center`` with its rostered clerk per half-day
    on ``on``, his attendance and, when he is away, the backup covering."""
    entries = {(e.window_id, e.half): e for e in RosterEntry.objects.filter(center=center, day=on)
               .select_related("staff")}
    states: dict[int, tuple[str, str]] = {}
    rows = []
    for window in Window.objects.filter(center=center, active=True).order_by("number"):
        duties = {}
        for half in HALVES:
            entry = entries.get((window.pk, half))
            if entry is None:
                duties[half] = None
                continue
            state, label = states.setdefault(entry.staff_id, _state(entry.staff, on))
            cover = _cover(entry.staff, window, on) if state == "away" else None
            duties[half] = Duty(staff=entry.staff, state=state, state_label=label, cover=cover,
                                cover_on_duty=cover is not None and selectors.staff_on_duty(cover, on=on))
        rows.append(WindowDay(window=window, duties=duties))
    return rows
