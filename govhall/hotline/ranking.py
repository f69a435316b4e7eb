"""The monthly ranking of member units (DESIGN 3.12; docs/hotline.md,
"Unit ranking"): per unit of a hotline, its on-time reply rate, return
rate, satisfaction and reopen rate over one calendar month, and the score
they make (the formula is documented there and in ``score``).

Read in four statements whatever the number of orders: the main
assignments dispatched in the month, the main replies of the month, the
orders closed after a call-back in the month, and the reopens of the month.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q
from django.utils import timezone

from govhall.evaluation.models import Level, Rating
from govhall.hotline import limits
from govhall.hotline.models import (
    AssignmentRole,
    Extension,
    MemberUnit,
    OrderState,
    WorkOrderAssignment,
    WorkOrderEvent,
)
from govhall.hotline.policy import Act

# The weights of the score (points out of 100).
WEIGHTS = {"on_time": 40, "kept": 20, "satisfaction": 25, "not_reopened": 15}
SATISFIED = frozenset({Level.VERY_SATISFIED, Level.SATISFIED, Level.BASICALLY_SATISFIED})


@dataclass
class UnitFigures:
    unit: MemberUnit
    dispatched: int = 0  # main assignments dispatched in the month
    returned: int = 0  # of those, returned
    replied: int = 0  # of those, replied
    replied_on_time: int = 0  # of those, replied by their limit
    overdue_open: int = 0  # of those, neither replied nor returned and past their limit at the month's end
    rated: int = 0  # orders of the unit closed after a call-back in the month with a rating
    satisfied: int = 0  # of those, rated 基本满意 or better
    replies: int = 0  # main replies given in the month
    reopened: int = 0  # reopens of the unit's orders in the month

    @property
    def on_time_rate(self) -> float | None:
        total = self.replied + self.overdue_open
        return self.replied_on_time / total if total else None

    @property
    def return_rate(self) -> float | None:
        return self.returned / self.dispatched if self.dispatched else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def reopen_rate(self) -> float | None:
        return min(1.0, self.reopened / self.replies) if self.replies else None

    @property
    def score(self) -> float | None:
        """100 × (40·on-time + 20·(1 − return) + 25·satisfaction + 15·(1 − reopen)) / 100,
        the weights of the rates with no figure this month left out (and the
        rest scaled to 100); None when the unit had nothing to rate."""
        parts = {"on_time": self.on_time_rate, "kept": None if self.return_rate is None else 1 - self.return_rate,
                 "satisfaction": self.satisfaction,
                 "not_reopened": None if self.reopen_rate is None else 1 - self.reopen_rate}
        weight = sum(WEIGHTS[key] for key, value in parts.items() if value is not None)
        if not weight:
            return None
        return round(100 * sum(WEIGHTS[key] * value for key, value in parts.items() if value is not None) / weight, 1)


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    start = date(month.year, month.month, 1)
    end = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return (timezone.make_aware(datetime.combine(start, datetime.min.time())),
            timezone.make_aware(datetime.combine(end, datetime.min.time())))


def _limit(assignment: WorkOrderAssignment) -> datetime:
    """The reply limit of one dispatch, with its approved extension."""
    due, _kind = limits.due_at(assignment.order.type, assignment.dispatched_at)
    if assignment.extension == Extension.APPROVED:
        due = limits.extended(due, assignment.extension_days)
    return due


def unit_ranking(*, center, month: date, at: datetime | None = None) -> list[UnitFigures]:
    """The units of ``center``'s hotline ranked for ``month`` (any day of
    it): by score, best first, units with no score last. ``at``: the moment
    the open orders are judged at (the month's end by default, or earlier)."""
    start, end = _month_bounds(month)
    judged = min(at, end) if at is not None else end
    units = {unit.pk: UnitFigures(unit) for unit in MemberUnit.objects.filter(hotline_center=center)}
    # A duplicate merged into another order is one matter with its parent: counted once, as the parent.
    main = WorkOrderAssignment.objects.filter(role=AssignmentRole.MAIN, unit_id__in=list(units),
                                              order__parent__isnull=True)
    for assignment in main.filter(dispatched_at__gte=start, dispatched_at__lt=end).select_related("order"):
        figures = units[assignment.unit_id]
        figures.dispatched += 1
        due = _limit(assignment)
        if assignment.returned_at is not None:
            figures.returned += 1
        elif assignment.replied_at is not None:
            figures.replied += 1
            figures.replied_on_time += assignment.replied_at <= due
        elif due < judged:
            figures.overdue_open += 1
    for unit_id in main.filter(replied_at__gte=start, replied_at__lt=end).values_list("unit_id", flat=True):
        units[unit_id].replies += 1
    # The order's rating is its evaluation Rating (the latest call-back's that gave one).
    for unit_id, rated, satisfied in (
            Rating.objects.filter(work_order__main_unit_id__in=list(units), work_order__state=OrderState.CLOSED,
                                  work_order__closed_at__gte=start, work_order__closed_at__lt=end)
            .values("work_order__main_unit_id")
            .annotate(rated=Count("pk"), satisfied=Count("pk", filter=Q(level__in=sorted(SATISFIED))))
            .values_list("work_order__main_unit_id", "rated", "satisfied").order_by()):
        units[unit_id].rated = rated
        units[unit_id].satisfied = satisfied
    codes = {figures.unit.code: figures for figures in units.values()}
    reopens: dict[str, int] = defaultdict(int)
    for data in WorkOrderEvent.objects.filter(order__center=center, order__parent__isnull=True, action=Act.REOPEN,
                                              at__gte=start, at__lt=end).values_list("data", flat=True):
        reopens[data.get("unit")] += 1
    for code, count in reopens.items():
        if code in codes:
            codes[code].reopened += count
    return sorted(units.values(), key=lambda f: (f.score is None, -(f.score or 0), f.unit.code))
