"""The staffing view (docs/hall.md, "Statistics and staffing"): Erlang C on
the measured arrival rates and holding times of a period.

For each category and hour of day:

- arrival rate λ = the numbers taken in that hour ÷ the days the hall was
  open in the period (per hour);
- holding time S = the category's mean time from the call to the end of
  service over the period (the window is taken that long; the category's
  configured minutes while it has no finished service);
- traffic A = λ·S (erlangs); windows needed = the fewest N with an Erlang C
  mean wait ≤ the target; windows serving = the windows that called the
  category in that hour, on average over the open days.

Windows: idle below the idle threshold of utilization, overloaded above the
busy one (utilization from ``hall.stats``).

The merge simulation pools chosen categories into comprehensive windows:
before, each category queues for its own windows (a window mapped to several
chosen categories counted once, for the category it called most); after,
one queue of the pooled traffic (S the arrival-weighted mean holding time)
on the same total windows. Both are Erlang C predictions, per hour and for
the day (weighted by arrivals).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _

from govhall.hall import erlang
from govhall.hall.models import DEFAULT_SERVICE_MINUTES, ServiceCategory, WindowCategory
from govhall.hall.stats import OPENING_HOURS, HallStats, period_tickets

IDLE_UTILIZATION = 0.3
BUSY_UTILIZATION = 0.85


@dataclass(frozen=True)
class Cell:
    """One category in one hour of day."""

    arrivals_per_hour: float
    holding_minutes: float
    traffic: float
    needed: int
    serving: float
    wait_minutes: float  # predicted with the serving windows (rounded to whole windows); inf: overloaded

    @property
    def overloaded(self) -> bool:
        return math.isinf(self.wait_minutes)

    @property
    def short(self) -> bool:
        return self.needed > math.ceil(self.serving - 1e-9)

    @property
    def spare(self) -> bool:
        return self.serving - self.needed >= 1


@dataclass
class CategoryPlan:
    category: ServiceCategory
    holding_minutes: float
    arrivals_per_day: float
    windows: int  # active windows mapped to the category
    cells: dict[int, Cell]  # hour → cell


@dataclass(frozen=True)
class WindowLoad:
    label: str
    utilization: float | None
    estimated: bool
    called: int
    called_per_day: float
    idle: bool
    overloaded: bool

    @property
    def utilization_percent(self) -> int | None:
        return None if self.utilization is None else round(self.utilization * 100)


@dataclass(frozen=True)
class MergeHour:
    hour: int
    arrivals_per_hour: float
    before_minutes: float
    after_minutes: float


@dataclass
class Merge:
    categories: list[ServiceCategory]
    windows: int
    allocation: dict[int, int]  # category id → windows before the merge
    hours: list[MergeHour]
    before_minutes: float  # the day, weighted by arrivals
    after_minutes: float


@dataclass
class Staffing:
    target_minutes: float
    hours: list[int]
    plans: list[CategoryPlan]
    windows: list[WindowLoad]
    merge: Merge | None

    def chart(self) -> dict:
        """An ECharts option: arrivals per hour (bars) and windows needed (line)."""
        labels = [f"{h:02d}:00" for h in self.hours]
        arrivals = [round(sum(p.cells[h].arrivals_per_hour for p in self.plans), 1) for h in self.hours]
        needed = [sum(p.cells[h].needed for p in self.plans) for h in self.hours]
        serving = [round(sum(p.cells[h].serving for p in self.plans), 1) for h in self.hours]
        names = [_("每小时取号（人）"), _("需要窗口数"), _("实际叫号窗口数")]
        return {
            "tooltip": {"trigger": "axis"},
            "legend": {"data": names},
            "xAxis": {"type": "category", "data": labels},
            "yAxis": [{"type": "value", "name": _("人/小时")}, {"type": "value", "name": _("窗口"), "minInterval": 1}],
            "series": [
                {"name": names[0], "type": "bar", "data": arrivals},
                {"name": names[1], "type": "line", "yAxisIndex": 1, "data": needed},
                {"name": names[2], "type": "line", "yAxisIndex": 1, "data": serving, "lineStyle": {"type": "dashed"}},
            ],
        }


def _holding_minutes(category: ServiceCategory, rows: dict) -> float:
    row = rows.get(category.pk)
    if row is not None and row.holding_seconds:
        return row.holding_seconds / 60
    return float(category.service_minutes or DEFAULT_SERVICE_MINUTES)


def _wait(servers: int, traffic: float, holding: float) -> float:
    return erlang.mean_wait(servers, traffic, holding)


def staffing_plan(stats: HallStats, *, target_minutes: float, idle: float = IDLE_UTILIZATION,
                  busy: float = BUSY_UTILIZATION, pool: list[ServiceCategory] = ()) -> Staffing:
    """The staffing view of a period's statistics (see the module docstring)."""
    days = max(stats.open_days, 1)
    categories = list(ServiceCategory.objects.filter(center_id=stats.center_id).order_by("code"))
    mapped = Counter(WindowCategory.objects.filter(category__in=categories, window__active=True)
                     .values_list("category_id", flat=True))
    by_category = {row.key: row for row in stats.categories}
    hours = sorted(set(OPENING_HOURS) | {h for _c, h in stats.category_hours})
    plans = []
    for category in categories:
        holding = _holding_minutes(category, by_category)
        cells = {}
        for hour in hours:
            row = stats.category_hours.get((category.pk, hour))
            rate = (row.arrivals if row else 0) / days
            traffic = rate * holding / 60
            serving = (row.extra.get("window_days", 0) if row else 0) / days
            cells[hour] = Cell(arrivals_per_hour=rate, holding_minutes=holding, traffic=traffic,
                               needed=erlang.servers_for_mean_wait(traffic, holding, target_minutes),
                               serving=serving, wait_minutes=_wait(math.ceil(serving - 1e-9), traffic, holding))
        row = by_category.get(category.pk)
        if row is None and not category.active:
            continue
        plans.append(CategoryPlan(category=category, holding_minutes=holding,
                                  arrivals_per_day=(row.arrivals if row else 0) / days,
                                  windows=mapped.get(category.pk, 0), cells=cells))
    loads = [WindowLoad(label=row.label, utilization=row.utilization, estimated=row.estimated, called=row.called,
                        called_per_day=row.called / days,
                        idle=row.utilization is not None and row.utilization < idle,
                        overloaded=row.utilization is not None and row.utilization > busy)
             for row in stats.windows]
    merge = merge_simulate(stats, plans=plans, pool=list(pool), hours=hours) if len(pool) >= 2 else None
    return Staffing(target_minutes=target_minutes, hours=hours, plans=plans, windows=loads, merge=merge)


def windows_before_merge(pool: list[ServiceCategory], stats: HallStats) -> dict[int, int]:
    """The windows of each pooled category before the merge: every active
    window mapped to one or more of them, counted once — for the category
    it called most in the period (the one with fewer windows on a tie), so
    that the total is the windows the merged queue will have."""
    ids = {c.pk for c in pool}
    links = list(WindowCategory.objects.filter(category_id__in=ids, window__active=True)
                 .values_list("window_id", "category_id"))
    called = {(row["window_id"], row["category_id"]): row["n"] for row in
              period_tickets(center_id=stats.center_id, first=stats.first, last=stats.last)
              .filter(category_id__in=ids, window__isnull=False).values("window_id", "category_id")
              .order_by().annotate(n=Count("pk"))}
    served_by: dict[int, list[int]] = {}
    for window_id, category_id in links:
        served_by.setdefault(window_id, []).append(category_id)
    allocation = Counter({pk: 0 for pk in ids})
    for window_id, choices in sorted(served_by.items(), key=lambda item: len(item[1])):
        choice = max(choices, key=lambda c: (called.get((window_id, c), 0), -allocation[c], -c))
        allocation[choice] += 1
    return dict(allocation)


def merge_simulate(stats: HallStats, *, plans: list[CategoryPlan], pool: list[ServiceCategory],
                   hours: list[int]) -> Merge:
    """Predicted mean wait before and after pooling ``pool`` into one queue
    on the same windows (Erlang C)."""
    chosen = [p for p in plans if p.category.pk in {c.pk for c in pool}]
    allocation = windows_before_merge([p.category for p in chosen], stats)
    total = sum(allocation.values())
    rows, weight, before_sum, after_sum = [], 0.0, 0.0, 0.0
    for hour in hours:
        cells = [(p, p.cells[hour]) for p in chosen]
        rate = sum(c.arrivals_per_hour for _p, c in cells)
        if rate == 0:
            continue
        before = sum(c.arrivals_per_hour * _wait(allocation.get(p.category.pk, 0), c.traffic, c.holding_minutes)
                     for p, c in cells if c.arrivals_per_hour) / rate
        traffic = sum(c.traffic for _p, c in cells)
        holding = traffic * 60 / rate  # the arrival-weighted mean holding time
        after = _wait(total, traffic, holding)
        rows.append(MergeHour(hour=hour, arrivals_per_hour=rate, before_minutes=before, after_minutes=after))
        weight += rate
        before_sum += rate * before
        after_sum += rate * after
    return Merge(categories=[p.category for p in chosen], windows=total, allocation=allocation, hours=rows,
                 before_minutes=before_sum / weight if weight else 0.0,
                 after_minutes=after_sum / weight if weight else 0.0)
