"""Performance scores (绩效评估, DESIGN 3.9) of departments, windows and staff,
and the red-flag window ranking (红旗窗口). The formula is in
docs/indicators.md; every part is kept so that screens show how a score
came about.

    score = 100 × Σ weight × rate / Σ weight (over the parts that have data)
            − min(2 × red alerts + 0.5 × yellow alerts, 20), at least 0

with the parts on-time rate (40), satisfaction rate (30), attendance rate
(20) and the share of handled cases without an alert (10).

A department, window or clerk without a case in the period (none handled,
none open and overdue at its end) has no score: "无数据", no grade, no rank.
The ranking follows the score; ties are broken by the on-time rate, the
cases handled and then the order of the lists (``rank``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from govhall.calendars.selectors import work_calendar
from govhall.org.models import Attendance, AttendanceStatus, Center, Department, User, Window
from govhall.org.roles import DEPARTMENT_ROLES
from govhall.org.selectors import department_list_visible, staff_list_visible, window_list_visible
from govhall.stats.indicators import Indicators, Scope, indicators_by
from govhall.stats.labels import department_labels, staff_labels, window_labels
from govhall.stats.periods import Period

# (key, label, weight): the parts of a score.
PARTS = (
    ("on_time", _("按期办结率"), 40),
    ("satisfaction", _("满意率"), 30),
    ("attendance", _("出勤率"), 20),
    ("clean", _("无预警办件占比"), 10),
)
PENALTY = {"red": 2.0, "yellow": 0.5}
PENALTY_CAP = 20.0
# Days at work for the attendance rate: in the hall, or on official business.
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.TRIP)
# (lowest score, grade), best first; graded per quarter.
GRADES = ((90, _("优秀")), (80, _("良好")), (60, _("合格")), (0, _("不合格")))
# Red-flag windows: the best this many, among those scoring at least this.
RED_FLAG_COUNT = 3
RED_FLAG_MIN_SCORE = 80


def grade_for(score: float | None) -> str:
    """优秀 (≥ 90) / 良好 (≥ 80) / 合格 (≥ 60) / 不合格; "" without a score."""
    if score is None:
        return ""
    for floor, grade in GRADES:
        if score >= floor:
            return str(grade)
    return str(GRADES[-1][1])


def has_cases(indicators: Indicators) -> bool:
    """Whether the unit had a case in the period: one handled (accepted or
    decided in it) or one open and overdue at its end. Without one there
    is no score (attendance, or ratings and alerts of older cases, alone
    say nothing of the period's work)."""
    return bool(indicators.handled or indicators.closed or indicators.overdue_open)


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    weight: int
    rate: float | None  # None: no data, the part drops out

    @property
    def points(self) -> float | None:
        return None if self.rate is None else self.weight * self.rate

    @property
    def text(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


@dataclass
class Score:
    """The score of one department, window or staff member in a period."""

    kind: str  # "department", "window" or "staff"
    pk: int
    name: str
    indicators: Indicators
    attendance_rate: float | None
    parts: list[Part]
    penalty: float
    total: float | None  # None: no case in the period (无数据)
    rank: int | None = None  # None: not ranked (no score)
    red_flag: bool = False
    order: int = 0  # the place in the list of departments, windows or staff: the last tie-break

    @property
    def grade(self) -> str:
        return grade_for(self.total)

    @property
    def scored(self) -> bool:
        return self.total is not None

    @property
    def total_text(self) -> str:
        """The score to one decimal, or 无数据."""
        return str(_("无数据")) if self.total is None else f"{self.total:.1f}"

    @property
    def weight_used(self) -> int:
        return sum(part.weight for part in self.parts if part.rate is not None)

    @property
    def explanation(self) -> str:
        """The arithmetic, as shown under a score: 100 × (40×0.625 + …) / 100 − 4.5 = 67.9."""
        used = [p for p in self.parts if p.rate is not None]
        if self.total is None or not used:
            return str(_("无数据"))
        terms = " + ".join(f"{p.weight}×{p.rate:.3f}" for p in used)
        return f"100 × ({terms}) / {self.weight_used} − {self.penalty:g} = {self.total:.1f}"


def score_compute(*, kind: str, pk: int, name: str, indicators: Indicators,
                  attendance_rate: float | None, order: int = 0) -> Score:
    """The score from its parts (docs/indicators.md, 绩效评估); none
    without a case in the period."""
    ind = indicators
    clean = None if ind.alerts_share is None else 1 - ind.alerts_share
    rates = {"on_time": ind.on_time_rate, "satisfaction": ind.satisfaction_rate,
             "attendance": attendance_rate, "clean": clean}
    parts = [Part(key, str(label), weight, rates[key]) for key, label, weight in PARTS]
    penalty = min(PENALTY["red"] * ind.alerts_red + PENALTY["yellow"] * ind.alerts_yellow, PENALTY_CAP)
    used = [p for p in parts if p.rate is not None]
    total = None
    if used and has_cases(ind):
        weighted = 100 * sum(p.points for p in used) / sum(p.weight for p in used)
        total = round(max(weighted - penalty, 0.0), 1)
    return Score(kind=kind, pk=pk, name=name, indicators=ind, attendance_rate=attendance_rate, parts=parts,
                 penalty=penalty, total=total, order=order)


def working_days(period: Period, today: date) -> list[date]:
    """The working days of the period that are over (before ``today``)."""
    calendar = work_calendar()
    last = min(period.end, today - timedelta(days=1))
    return [day for day in period.dates() if day <= last and calendar.is_workday(day)]


def attendance_rates(staff_ids: list[int], period: Period, today: date) -> dict[int, float | None]:
    """Per staff member: days present or on official business / working days
    of the period that are over. None when no working day is over yet, or
    when the person has no attendance record at all on those days (their
    attendance is not kept in govhall: no data, not absence)."""
    days = working_days(period, today)
    if not days:
        return dict.fromkeys(staff_ids)
    rows = (Attendance.objects.filter(staff_id__in=staff_ids, date__in=days).order_by().values("staff_id")
            .annotate(attended=Count("pk", filter=Q(status__in=ATTENDED)), kept=Count("pk")))
    counts = {row["staff_id"]: row["attended"] for row in rows if row["kept"]}
    return {pk: counts[pk] / len(days) if pk in counts else None for pk in staff_ids}


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


# The reader's departments, windows and staff; ``None`` (command-line
# reports) sees the whole installation.

def _departments(user: User | None):
    return Department.objects.select_related("center") if user is None else department_list_visible(user=user)


def _windows(user: User | None):
    return Window.objects.select_related("center", "department") if user is None else window_list_visible(user=user)


def _staff_of(user: User | None, *, center: Center | None, department: Department | None):
    """The staff whose attendance counts: department-role staff (clerks,
    reviewers, approvers, heads …), active, in the reader's scope."""
    staff = (User.objects.select_related("center", "department", "window")
             .order_by("center__path", "department__code", "username")
             if user is None else staff_list_visible(user=user))
    staff = staff.filter(is_active=True, role__in=sorted(DEPARTMENT_ROLES))
    if center is not None:
        staff = staff.filter(Q(center__path__startswith=center.path)
                             | Q(center__isnull=True, department__center__path__startswith=center.path))
    if department is not None:
        staff = staff.filter(department=department)
    return list(staff)


def scores_for(*, user: User | None, period: Period, today: date, kind: str, center: Center | None = None,
               department: Department | None = None) -> list[Score]:
    """The scores of the departments, windows or staff (``kind``) the user
    sees, best first, those without a score after them; figures limited to
    ``center`` and ``department``. Names tell the units of the list apart
    (``stats.labels``)."""
    scope = Scope(center=center, department=department)
    figures = indicators_by(user=user, period=period, scope=scope, today=today, by=kind)
    staff = _staff_of(user, center=center, department=department)
    rates = attendance_rates([s.pk for s in staff], period, today)
    entities: list[tuple[int, str, float | None]] = []
    if kind == "department":
        departments = _departments(user)
        if center is not None:
            departments = departments.filter(center__path__startswith=center.path)
        if department is not None:
            departments = departments.filter(pk=department.pk)
        departments = list(departments)
        names = department_labels(departments)
        for dep in departments:
            entities.append((dep.pk, names[dep.pk],
                             _mean([rates[s.pk] for s in staff if s.department_id == dep.pk])))
    elif kind == "window":
        windows = _windows(user).filter(active=True)
        if center is not None:
            windows = windows.filter(center__path__startswith=center.path)
        if department is not None:
            windows = windows.filter(department=department)
        windows = list(windows)
        names = window_labels(windows)
        for window in windows:
            entities.append((window.pk, names[window.pk],
                             _mean([rates[s.pk] for s in staff if s.window_id == window.pk])))
    elif kind == "staff":
        # Window staff: their cases are the ones they accepted. Back-office
        # staff are scored with their department.
        posted = [person for person in staff if person.window_id is not None]
        names = staff_labels(posted)
        for person in posted:
            entities.append((person.pk, names[person.pk], rates[person.pk]))
    else:
        raise ValueError(f"unknown kind {kind!r}")
    scores = [score_compute(kind=kind, pk=pk, name=name, indicators=figures.get(pk) or Indicators(),
                            attendance_rate=rate, order=order) for order, (pk, name, rate) in enumerate(entities)]
    return rank(scores)


def rank(scores: list[Score]) -> list[Score]:
    """The scored ones ranked 1, 2, 3 … by score, highest first; ties by the
    higher on-time rate (none after any), then more cases handled, then the
    order of the list (windows by center and number, departments by center
    and code, staff by center, department and login name), then the id.
    Those without a score (无数据) follow in the list's order, unranked."""
    def by_score(score: Score):
        on_time = score.indicators.on_time_rate
        return (-score.total, on_time is None, -(on_time or 0.0), -score.indicators.handled, score.order, score.pk)

    scored = sorted((s for s in scores if s.total is not None), key=by_score)
    for position, score in enumerate(scored, start=1):
        score.rank = position
    unscored = sorted((s for s in scores if s.total is None), key=lambda s: (s.order, s.pk))
    for score in unscored:
        score.rank = None
    return scored + unscored


def red_flag_windows(*, user: User | None, period: Period, today: date, center: Center | None = None,
                     department: Department | None = None) -> list[Score]:
    """The windows ranked by score, those without a score (no case) after
    them, unranked; the best RED_FLAG_COUNT that handled at least one case
    and scored at least RED_FLAG_MIN_SCORE are red-flag windows."""
    scores = scores_for(user=user, period=period, today=today, kind="window", center=center, department=department)
    flagged = 0
    for score in scores:
        if (flagged < RED_FLAG_COUNT and score.rank is not None and score.total >= RED_FLAG_MIN_SCORE
                and score.indicators.handled > 0):
            score.red_flag = True
            flagged += 1
    return scores
