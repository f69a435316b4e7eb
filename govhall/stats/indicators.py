"""Indicators of the hall (DESIGN 3.11), for any period and any scope.

Every figure is defined in docs/indicators.md; the code below follows it
word for word, always intersected with what the reader may see
(``org.selectors.scope_q``).

The figures read the rollups (``stats.models``, kept by ``stats.rollup``):
the period's day cells summed in one grouped query (with the lags that
count the cases both accepted and decided in it, the alert pairs' lags
that count those handled with an alert, and the overdue spans begun and
ended since the last month end), the overdue checkpoint of that month end,
the alert cells and the light cells; rows of days × groups, whatever the
number of cases. A page reads them once for all its splits
(``rollups_read_once``). ``stats.direct`` computes the same figures from
the cases themselves: the reference the rollups are proved equal to.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govhall.cases.models import Case, CaseEvent, Channel
from govhall.cases.states import OPEN, Action
from govhall.catalog.models import Item
from govhall.evaluation.models import BAD_LEVELS, SATISFIED_LEVELS, Rating
from govhall.org.models import Center, Department, User, Window
from govhall.org.selectors import scope_q
from govhall.stats.labels import staff_label, window_label
from govhall.stats.models import (
    LAGS,
    AlertPair,
    AlertRollup,
    CaseFact,
    DayItemRollup,
    DayRollup,
    LightRollup,
    OverdueCheckpoint,
    OverdueSpan,
    RollupMark,
)
from govhall.stats.periods import Period
from govhall.supervision.models import Alert, Severity

# Ways to split the figures: for each, the field that names the group on a
# case, a rating and an alert.
GROUPS: dict[str, dict[str, str]] = {
    "department": {"case": "department_id", "rating": "department_id", "alert": "department_id"},
    "window": {"case": "window_id", "rating": "window_id", "alert": "window_id"},
    "staff": {"case": "accepted_by_id", "rating": "staff_id", "alert": "staff_id"},
}

# Ends of a case without a decision, counted by the day of their event.
END_ACTIONS = {Action.REJECT: "rejected", Action.WITHDRAW: "withdrawn", Action.TERMINATE: "terminated"}

# The current lights of open cases; an open case without a light is green.
LIGHTS = ("green", "prompt", "yellow", "red")


@dataclass(frozen=True)
class Scope:
    """What the figures are about; empty means everything the reader sees.

    ``center`` includes its sub-centers; ``staff`` is the clerk who accepted
    the case (受理人); ``item`` an item (all its versions), ``base_code`` every
    item sharing that base code (基本编码) across departments and levels.
    """

    center: Center | None = None
    department: Department | None = None
    window: Window | None = None
    staff: User | None = None
    item: Item | None = None
    base_code: str = ""

    def cases(self, prefix: str = "") -> Q:
        """The scope as a filter on cases (``prefix``: the lookup leading to a case)."""
        q = Q()
        if self.center is not None:
            q &= Q(**{f"{prefix}center__path__startswith": self.center.path})
        if self.department is not None:
            q &= Q(**{f"{prefix}department_id": self.department.pk})
        if self.window is not None:
            q &= Q(**{f"{prefix}window_id": self.window.pk})
        if self.staff is not None:
            q &= Q(**{f"{prefix}accepted_by_id": self.staff.pk})
        if self.item is not None:
            q &= Q(**{f"{prefix}item_version__item_id": self.item.pk})
        if self.base_code:
            q &= Q(**{f"{prefix}item_version__item__base_code": self.base_code})
        return q

    def ratings(self) -> Q:
        """On ratings: department, window and staff as copied onto the rating.
        Cases' ratings only: the hotline's work orders are rated in the same
        table but measured by the hotline's own figures (docs/evaluation.md)."""
        q = Q(case__isnull=False)
        if self.center is not None:
            q &= Q(case__center__path__startswith=self.center.path)
        if self.department is not None:
            q &= Q(department_id=self.department.pk)
        if self.window is not None:
            q &= Q(window_id=self.window.pk)
        if self.staff is not None:
            q &= Q(staff_id=self.staff.pk)
        if self.item is not None:
            q &= Q(case__item_version__item_id=self.item.pk)
        if self.base_code:
            q &= Q(case__item_version__item__base_code=self.base_code)
        return q

    def alerts(self) -> Q:
        """On alerts: the responsible department, window and staff of the
        alert; the center of its case, or of its department when it has none."""
        q = Q()
        if self.center is not None:
            q &= (Q(case__center__path__startswith=self.center.path)
                  | Q(case__isnull=True, department__center__path__startswith=self.center.path))
        if self.department is not None:
            q &= Q(department_id=self.department.pk)
        if self.window is not None:
            q &= Q(window_id=self.window.pk)
        if self.staff is not None:
            q &= Q(staff_id=self.staff.pk)
        if self.item is not None:
            q &= Q(case__item_version__item_id=self.item.pk)
        if self.base_code:
            q &= Q(case__item_version__item__base_code=self.base_code)
        return q

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) of every filter set, for screens and reports."""
        parts = []
        if self.center is not None:
            parts.append((str(_("中心")), self.center.name))
        if self.department is not None:
            parts.append((str(_("部门")), self.department.name))
        if self.window is not None:
            parts.append((str(_("窗口")), window_label(self.window)))
        if self.staff is not None:
            parts.append((str(_("受理人")), staff_label(self.staff)))
        if self.item is not None:
            parts.append((str(_("事项")), str(self.item)))
        if self.base_code:
            parts.append((str(_("基本编码")), self.base_code))
        return parts


# --- what the reader may see --------------------------------------------------

def visible_cases(user: User | None, prefix: str = "") -> Q:
    """Cases ``user`` may see; ``None`` is the installation itself (reports
    run from the command line), which sees everything."""
    if user is None:
        return Q()
    return scope_q(user, department_id=f"{prefix}department_id", center_path=f"{prefix}center__path")


def visible_ratings(user: User | None) -> Q:
    if user is None:
        return Q()
    return scope_q(user, department_id="department_id", center_path="case__center__path")


def visible_alerts(user: User | None) -> Q:
    """An alert about a case is seen with its case's center; one about no
    case (a late follow-up) with its department's center."""
    if user is None:
        return Q()
    return (Q(case__isnull=False) & scope_q(user, department_id="department_id", center_path="case__center__path")
            | Q(case__isnull=True) & scope_q(user, department_id="department_id",
                                              center_path="department__center__path"))


def scoped_cases(*, user: User | None, scope: Scope) -> QuerySet[Case]:
    return Case.objects.filter(visible_cases(user), scope.cases())


def scoped_ratings(*, user: User | None, scope: Scope) -> QuerySet[Rating]:
    return Rating.objects.filter(visible_ratings(user), scope.ratings())


def scoped_alerts(*, user: User | None, scope: Scope) -> QuerySet[Alert]:
    return Alert.objects.filter(visible_alerts(user), scope.alerts())


# --- the figures ----------------------------------------------------------------

def _share(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


@dataclass
class Indicators:
    """The figures of one scope and period; rates are None when their
    denominator is zero (shown as "—", never as 0 % or 100 %)."""

    received: int = 0
    online: int = 0
    accepted: int = 0
    immediate: int = 0
    speed_up_cases: int = 0
    speed_up_sum: float = 0.0
    closed: int = 0
    closed_on_time: int = 0
    overdue_open: int = 0
    days_cases: int = 0
    days_total: int = 0
    same_day: int = 0
    visits_total: int = 0
    one_visit: int = 0
    rejected: int = 0
    withdrawn: int = 0
    terminated: int = 0
    handled: int = 0
    handled_with_alerts: int = 0
    fees: Decimal = Decimal("0.00")
    fees_paid: int = 0
    ratings: int = 0
    satisfied: int = 0
    bad: int = 0
    # (rule code, severity) → alerts raised in the period
    alerts: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def on_time_rate(self) -> float | None:
        """Closed on time / (closed + open and overdue at the period's end)."""
        return _share(self.closed_on_time, self.closed + self.overdue_open)

    @property
    def closed_late(self) -> int:
        return self.closed - self.closed_on_time

    @property
    def average_days(self) -> float | None:
        """Working days from acceptance to decision, pauses excluded, per closed case."""
        return _share(self.days_total, self.days_cases)

    @property
    def immediate_share(self) -> float | None:
        return _share(self.immediate, self.accepted)

    @property
    def speed_up_rate(self) -> float | None:
        return _share(self.speed_up_sum, self.speed_up_cases)

    @property
    def online_share(self) -> float | None:
        return _share(self.online, self.received)

    @property
    def visits_per_case(self) -> float | None:
        return _share(self.visits_total, self.closed)

    @property
    def one_visit_share(self) -> float | None:
        return _share(self.one_visit, self.closed)

    @property
    def same_day_share(self) -> float | None:
        return _share(self.same_day, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        return _share(self.satisfied, self.ratings)

    @property
    def alerts_share(self) -> float | None:
        """Cases handled in the period that got an alert in it, per case handled."""
        return _share(self.handled_with_alerts, self.handled)

    @property
    def alerts_total(self) -> int:
        return sum(self.alerts.values())

    def alerts_of(self, severity: str) -> int:
        return sum(n for (_rule, sev), n in self.alerts.items() if sev == severity)

    @property
    def alerts_red(self) -> int:
        return self.alerts_of(Severity.RED)

    @property
    def alerts_yellow(self) -> int:
        return self.alerts_of(Severity.YELLOW)


def _grouped(qs: QuerySet, key: str | None, aggregations: dict) -> dict:
    """``aggregations`` over ``qs``, per value of ``key`` (None: one group)."""
    if key is None:
        return {None: qs.order_by().aggregate(**aggregations)}
    rows = qs.order_by().annotate(grp=F(key)).values("grp").annotate(**aggregations)
    return {row.pop("grp"): row for row in rows}


def _values(qs: QuerySet, key: str | None, *fields: str) -> QuerySet:
    """``qs.values(*fields)`` for grouping, with the group as ``grp`` when ``key`` is given."""
    qs = qs.order_by()
    if key is None:
        return qs.values(*fields)
    return qs.annotate(grp=F(key)).values("grp", *fields)


def _immediate_q(prefix: str = "") -> Q:
    """An immediate item (即办件): so flagged, or promised 0 working days."""
    return Q(**{f"{prefix}item_version__immediate": True}) | Q(**{f"{prefix}item_version__promised_days": 0})


def _speed_up_q() -> Q:
    return Q(item_version__statutory_days__gt=0, item_version__promised_days__isnull=False)


def cut_day(period: Period, today: date) -> date:
    """The day "at the period's end" means: its last day, or today while it runs."""
    return min(period.end, today)


# --- the figures from the rollups -----------------------------------------------------

GROUP_FIELDS = {"department": "department_id", "window": "window_id", "staff": "staff_id"}
SUMMED = ("received", "online", "accepted", "immediate", "speed_up_cases", "speed_up_sum", "closed",
          "closed_on_time", "days_cases", "days_total", "same_day", "visits_total", "visits_0", "visits_1",
          "visits_2", "visits_3", "rejected", "withdrawn", "terminated", "fees", "fees_paid",
          "rated_1", "rated_2", "rated_3", "rated_4", "rated_5")


_fresh: contextvars.ContextVar[bool] = contextvars.ContextVar("govhall_rollups_fresh", default=False)


@dataclass(frozen=True)
class Freshness:
    """How current the figures read are: ``behind`` when a page's limited
    refresh left work to the worker; they then count everything committed
    before ``as_of`` (None: the rollups are being built for the first time)."""

    behind: bool = False
    as_of: datetime | None = None


def rollups_fresh(*, limited: bool = False) -> Freshness:
    """Bring the rollups up to what is committed, before reading them, on the
    primary database; a read replica is read as it is (its rollups follow the
    primary's refreshes, which the task worker runs on a schedule). Inside
    ``rollups_read_once`` only the first read refreshes. ``limited``: a page
    is waiting (``rollup.rollups_refresh``)."""
    from govhall.stats.rollup import rollups_refresh

    if _fresh.get() or router.db_for_read(DayRollup) != DEFAULT_DB_ALIAS:
        return Freshness()
    result = rollups_refresh(limited=limited)
    return Freshness(behind=result.behind, as_of=result.as_of)


@contextmanager
def rollups_read_once(*, limited: bool = False):
    """One refresh for every figure read in the block (a page, a report):
    they then agree with each other, as of the block's start. Yields its
    ``Freshness``; a page passes ``limited`` and shows it when behind."""
    freshness = rollups_fresh(limited=limited)
    token, memo = _fresh.set(True), _computed.set({})
    try:
        yield freshness
    finally:
        _computed.reset(memo)
        _fresh.reset(token)


def rollup_q(user: User | None, scope: Scope, *, items: bool = True) -> Q:
    """What ``user`` sees of ``scope`` on rollup rows (facts, spans, cells):
    their group keys are the contribution's own (docs/indicators.md, Scope),
    so one filter serves cases, ratings and alerts. ``items``: the rows have
    an item (not DayRollup)."""
    q = Q() if user is None else scope_q(user, department_id="department_id", center_path="center__path")
    if scope.center is not None:
        q &= Q(center__path__startswith=scope.center.path)
    for name in ("department", "window", "staff"):
        if getattr(scope, name) is not None:
            q &= Q(**{f"{name}_id": getattr(scope, name).pk})
    if items and scope.item is not None:
        q &= Q(item_id=scope.item.pk)
    if items and scope.base_code:
        q &= Q(item__base_code=scope.base_code)
    return q


def _cells(user: User | None, scope: Scope, days: Period | Q):
    """The day cells of the period (or of the days ``days`` selects) in scope:
    by item when an item is asked for."""
    by_item = scope.item is not None or bool(scope.base_code)
    model = DayItemRollup if by_item else DayRollup
    if isinstance(days, Period):
        days = Q(day__range=(days.start, days.end))
    return model.objects.filter(rollup_q(user, scope, items=by_item), days)


# Every figure is computed once per read, split by these keys together: the
# figures of the whole scope, or by department, window or staff, are sums of
# those parts (every figure adds up over a partition of the rows), so the
# dashboard's and the report's several splits share one read (``_figures``).
PARTS = ("department_id", "window_id", "staff_id")


def _parts(qs: QuerySet, aggregations: dict, *extra: str) -> QuerySet:
    """``aggregations`` over ``qs`` per part (``PARTS``) and the fields ``extra``."""
    return qs.order_by().values(*PARTS, *extra).annotate(**aggregations)


def _part(row: dict) -> tuple:
    return tuple(row.pop(name) for name in PARTS)


def _overdue_base(cut: date) -> date | None:
    """The month end whose overdue checkpoint "open and overdue at ``cut``"
    starts from: the last one kept up to ``cut`` (None: none kept)."""
    from govhall.stats.rollup import checkpoints_kept, month_end

    mark = RollupMark.objects.filter(name="calendar").first()
    through = checkpoints_kept(mark) if mark is not None else None
    if through is None:
        return None
    return min(through, month_end(cut) if month_end(cut) == cut else cut.replace(day=1) - timedelta(days=1))


def _compute(*, user: User | None, period: Period, scope: Scope, today: date) -> dict[tuple, Indicators]:
    """Every figure per part (``PARTS``): the period's day cells in one grouped
    query (handled by the lags, handled with an alert by the alert pairs'
    lags, the overdue spans begun and ended since the last checkpoint), the
    checkpoint, the alert cells, and in periods of LAGS days or more the
    long lags and long alert pairs."""
    result: dict[tuple, Indicators] = defaultdict(Indicators)
    start, end = period.start, period.end
    span = (end - start).days
    cut = cut_day(period, today)
    base = _overdue_base(cut)
    # Accepted and decided in the period, counted in the cells of the decision's
    # day by lag: a decision n days after its acceptance counts from the nth day on;
    # so the alert pairs (handled with an alert in the period).
    both = {f"both_{n}": Sum(f"lag_{n}", filter=Q(day__gte=start + timedelta(days=n)))
            for n in range(1, min(span, LAGS - 1) + 1)}
    alerted = {f"alerted_{n}": Sum(f"alerted_{n}", filter=Q(day__gte=start + timedelta(days=n)))
               for n in range(min(span, LAGS - 1) + 1)}
    # Open and overdue at the cut: the checkpoint plus the spans begun less those
    # ended on the days after it, summed here when those days are the period's.
    since = Q(day__lte=cut) if base is None else Q(day__gt=base, day__lte=cut)
    inside = base is not None and base >= start - timedelta(days=1)
    moved = {"overdue_in": Sum("overdue_in", filter=since), "overdue_out": Sum("overdue_out", filter=since)}
    aggregations = {**{name: Sum(name) for name in SUMMED}, **both, **alerted, **(moved if inside else {})}
    for row in _parts(_cells(user, scope, period), aggregations):
        part = _part(row)
        sums = {name: value or 0 for name, value in row.items()}
        if not any(sums.values()):
            continue
        target = result[part]
        for name in SUMMED:
            if hasattr(target, name):
                setattr(target, name, sums[name])
        target.one_visit = sums["visits_0"] + sums["visits_1"]
        target.ratings = sum(sums[f"rated_{level}"] for level in range(1, 6))
        target.satisfied = sum(sums[f"rated_{level}"] for level in SATISFIED_LEVELS)
        target.bad = sum(sums[f"rated_{level}"] for level in BAD_LEVELS)
        target.handled = target.accepted + target.closed - sums["same_day"] - sum(sums[name] for name in both)
        target.handled_with_alerts = sum(sums[name] for name in alerted)
        target.overdue_open = sums.get("overdue_in", 0) - sums.get("overdue_out", 0)
    if not inside and (base is None or base < cut):  # the days since the checkpoint are not the period's
        rows = _parts(_cells(user, scope, since), {"overdue_in": Sum("overdue_in"), "overdue_out": Sum("overdue_out")})
        for row in rows:
            part = _part(row)
            n = (row["overdue_in"] or 0) - (row["overdue_out"] or 0)
            if n:
                result[part].overdue_open += n
    if base is not None:
        checkpoint = OverdueCheckpoint.objects.filter(rollup_q(user, scope), day=base)
        for row in _parts(checkpoint, {"n": Sum("n")}):
            part = _part(row)
            if row["n"]:
                result[part].overdue_open += row["n"]
    # Handled: besides the lags of the cells, the few decided LAGS days or more
    # after their acceptance (in a period that long), or before it, read from
    # the facts; so the alert pairs LAGS days or longer.
    facts = CaseFact.objects.filter(rollup_q(user, scope))
    lags = Q(lag__lt=0) | Q(lag__gte=LAGS) if span >= LAGS else Q(lag__lt=0)
    for row in _parts(facts.filter(lags, accepted_on__range=(start, end), decided_on__range=(start, end)),
                      {"n": Count("pk")}):
        part = _part(row)
        if row["n"]:
            result[part].handled -= row["n"]
    if span >= LAGS:
        pairs = AlertPair.objects.filter(rollup_q(user, scope), lag__gte=LAGS, first__gte=start, last__lte=end)
        for row in _parts(pairs, {"n": Sum("sign")}):
            part = _part(row)
            if row["n"]:
                result[part].handled_with_alerts += row["n"]
    alerts = AlertRollup.objects.filter(rollup_q(user, scope), day__range=(start, end))
    for row in _parts(alerts, {"n": Sum("n")}, "rule", "severity"):
        part = _part(row)
        result[part].alerts[(row["rule"], row["severity"])] = row["n"]
    for values in result.values():
        values.fees = Decimal(values.fees).quantize(Decimal("0.01"))
    return result


# The figures computed in a ``rollups_read_once`` block, per (reader, period, scope, today).
_computed: contextvars.ContextVar[dict | None] = contextvars.ContextVar("govhall_figures_computed", default=None)


def _figures(*, user: User | None, period: Period, scope: Scope, today: date) -> dict[tuple, Indicators]:
    """``_compute``'s parts, read once per ``rollups_read_once`` block (a page,
    a report): the whole scope and each split add them up."""
    rollups_fresh()
    memo = _computed.get()
    key = (getattr(user, "pk", None), period.start, period.end, scope, today)
    if memo is not None and key in memo:
        return memo[key]
    parts = _compute(user=user, period=period, scope=scope, today=today)
    if memo is not None:
        memo[key] = parts
    return parts


def _add_up(parts: dict[tuple, Indicators], position: int | None) -> dict[object, Indicators]:
    """The parts added up per their key at ``position`` in ``PARTS`` (None: all
    into one), in the parts' order (the same figures always add up the same)."""
    result: dict[object, Indicators] = {}
    for part in sorted(parts, key=lambda key: tuple((value is None, value or 0) for value in key)):
        values = parts[part]
        group = None if position is None else part[position]
        target = result.get(group)
        if target is None:
            result[group] = target = Indicators()
        for item in fields(Indicators):
            if item.name == "alerts":
                for rule, n in values.alerts.items():
                    target.alerts[rule] = target.alerts.get(rule, 0) + n
            else:
                setattr(target, item.name, getattr(target, item.name) + getattr(values, item.name))
    return result


def indicators_for(*, user: User | None, period: Period, scope: Scope = Scope(), today: date) -> Indicators:
    """Every indicator of ``scope`` in ``period``, limited to what ``user``
    sees (``None``: the whole installation, for command-line reports).
    ``today`` bounds "open and overdue at the period's end" while the period runs."""
    return _add_up(_figures(user=user, period=period, scope=scope, today=today), None).get(None) or Indicators()


def indicators_by(*, user: User | None, period: Period, scope: Scope = Scope(), today: date,
                  by: str) -> dict[int | None, Indicators]:
    """The same figures split by ``by`` ("department", "window" or "staff":
    the case's department, receiving window or accepting clerk; a rating's
    and an alert's own department, window and staff). Keys are ids; None
    holds what has no such group (e.g. online cases have no window)."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; use one of {sorted(GROUPS)}")
    parts = _figures(user=user, period=period, scope=scope, today=today)
    return _add_up(parts, PARTS.index(GROUP_FIELDS[by]))


# --- series for charts -------------------------------------------------------

def _series(user: User | None, period: Period, scope: Scope, key: str, *names: str) -> dict:
    rollups_fresh()
    rows = _cells(user, scope, period).order_by().values(key).annotate(**{name: Sum(name) for name in names})
    return {row.pop(key): row for row in rows}


def daily_volumes(*, user: User | None, period: Period, scope: Scope = Scope()) -> list[tuple[date, int, int]]:
    """(day, accepted, decided) for every day of the period."""
    days = _series(user, period, scope, "day", "accepted", "closed")
    return [(day, days.get(day, {}).get("accepted") or 0, days.get(day, {}).get("closed") or 0)
            for day in period.dates()]


def current_lights(*, user: User | None, scope: Scope = Scope()) -> dict[str, int]:
    """Open cases by their light now (no light: green), from the light cells."""
    rollups_fresh()
    counts = dict.fromkeys(LIGHTS, 0)
    rows = (LightRollup.objects.filter(rollup_q(user, scope)).order_by()
            .values("light").annotate(n=Sum("n")).values_list("light", "n"))
    for light, n in rows:
        counts[light] += n
    return counts


def _totals(user: User | None, period: Period, scope: Scope, *names: str) -> dict[str, int]:
    rollups_fresh()
    sums = _cells(user, scope, period).order_by().aggregate(**{name: Sum(name) for name in names})
    return {name: value or 0 for name, value in sums.items()}


def rating_levels(*, user: User | None, period: Period, scope: Scope = Scope()) -> dict[int, int]:
    """Ratings given in the period by level, 5 (非常满意) to 1."""
    sums = _totals(user, period, scope, *(f"rated_{level}" for level in (5, 4, 3, 2, 1)))
    return {level: sums[f"rated_{level}"] for level in (5, 4, 3, 2, 1)}


def visit_distribution(*, user: User | None, period: Period, scope: Scope = Scope()) -> dict[str, int]:
    """Cases decided in the period by the applicant's visits: 0, 1, 2, 3+."""
    sums = _totals(user, period, scope, "visits_0", "visits_1", "visits_2", "visits_3")
    return {"0": sums["visits_0"], "1": sums["visits_1"], "2": sums["visits_2"], "3+": sums["visits_3"]}


# --- the cases behind a figure ------------------------------------------------

# key → label; every figure on the dashboard links to one of these lists.
CASE_LISTS: dict[str, str] = {
    "received": _("收件"),
    "online": _("网上申请"),
    "accepted": pgettext_lazy("indicator", "受理"),
    "immediate": _("即办件"),
    "speed_up": _("计入提速率的受理件"),
    "closed": pgettext_lazy("indicator", "办结"),
    "closed_on_time": _("按期办结"),
    "closed_late": _("超期办结"),
    "overdue_open": _("期末在办超期"),
    "same_day": _("当场办结"),
    "one_visit": _("最多跑一次"),
    "more_visits": _("跑动两次及以上"),
    "rejected": _("不予受理"),
    "withdrawn": _("撤回"),
    "terminated": _("终止"),
    "fees": _("缴费"),
    "rated": _("已评价"),
    "satisfied": _("满意评价"),
    "bad": _("差评"),
    "alerts": _("有监察预警"),
    "light_green": _("绿灯在办"),
    "light_prompt": _("提示在办"),
    "light_yellow": _("黄灯在办"),
    "light_red": _("红灯在办"),
}


def cases_behind(*, user: User | None, period: Period, scope: Scope = Scope(), today: date, key: str,
                 rule: str = "", severity: str = "", level: int | None = None, day: date | None = None,
                 visits: str = "") -> QuerySet[Case]:
    """The cases a figure counts, under the same definitions (ValueError for an unknown ``key``).

    Refinements: ``day`` narrows accepted/closed to one day of the series,
    ``level`` the ratings to one level, ``rule``/``severity`` the alerts,
    ``visits`` ("0", "1", "2", "3+") the closed cases to a visit count.
    """
    if key not in CASE_LISTS:
        raise ValueError(f"unknown indicator {key!r}")
    cases = scoped_cases(user=user, scope=scope)
    start, end = period.start, period.end
    moment_from, moment_to = period.bounds()
    received = Q(received_on__range=(start, end))
    accepted = Q(accepted_on=day) if day and start <= day <= end else Q(accepted_on__range=(start, end))
    decided = Q(decided_on=day) if day and start <= day <= end else Q(decided_on__range=(start, end))
    if key in {"closed_on_time", "closed_late"}:
        rollups_fresh()
        on_time = CaseFact.objects.filter(decided_on__range=(start, end), on_time=True).values("case_id")
        closed = cases.filter(decided)
        return closed.filter(pk__in=on_time) if key == "closed_on_time" else closed.exclude(pk__in=on_time)
    if key == "overdue_open":
        rollups_fresh()
        cut = cut_day(period, today)
        spans = OverdueSpan.objects.filter(Q(last__gte=cut) | Q(last__isnull=True), first__lte=cut)
        return cases.filter(pk__in=spans.values("case_id"))
    if key in END_ACTIONS.values():
        action = next(a for a, name in END_ACTIONS.items() if name == key)
        events = CaseEvent.objects.filter(action=action, at__gte=moment_from, at__lt=moment_to)
        return cases.filter(pk__in=events.values("case_id"))
    if key in {"rated", "satisfied", "bad"}:
        ratings = Rating.objects.filter(visible_ratings(user), scope.ratings(),
                                        rated_at__gte=moment_from, rated_at__lt=moment_to)
        if key == "satisfied":
            ratings = ratings.filter(level__in=sorted(SATISFIED_LEVELS))
        elif key == "bad":
            ratings = ratings.filter(level__in=sorted(BAD_LEVELS))
        if level is not None:
            ratings = ratings.filter(level=level)
        return cases.filter(pk__in=ratings.values("case_id"))
    if key == "alerts":
        alerts = scoped_alerts(user=user, scope=scope).filter(raised_at__gte=moment_from, raised_at__lt=moment_to,
                                                              case__isnull=False)
        if rule:
            alerts = alerts.filter(rule=rule)
        if severity:
            alerts = alerts.filter(severity=severity)
        return cases.filter(pk__in=alerts.values("case_id"))
    if key.startswith("light_"):
        light = key.removeprefix("light_")
        # No light (or an unknown one) counts as green, as on the dashboard.
        lights = ~Q(light__in=[lt for lt in LIGHTS if lt != "green"]) if light == "green" else Q(light=light)
        return cases.filter(lights, state__in=OPEN)
    visit_counts = {"0": Q(visits=0), "1": Q(visits=1), "2": Q(visits=2), "3+": Q(visits__gte=3)}
    filters: dict[str, Q] = {
        "received": received,
        "online": received & Q(channel=Channel.ONLINE),
        "accepted": accepted,
        "immediate": accepted & _immediate_q(),
        "speed_up": accepted & _speed_up_q(),
        "closed": decided & visit_counts.get(visits, Q()),
        "same_day": decided & Q(decided_on=F("accepted_on")),
        "one_visit": decided & Q(visits__lte=1),
        "more_visits": decided & Q(visits__gte=2),
        "fees": Q(fee_paid_at__gte=moment_from, fee_paid_at__lt=moment_to),
    }
    return cases.filter(filters[key])
