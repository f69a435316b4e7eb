"""The figures computed directly from the cases, their events and pauses,
the ratings and the alerts of the period (docs/indicators.md): the
reference the rollups are proved equal to (``stats/tests/test_rollup.py``)
and what ``govhall stats-rollup --check`` compares them with. Screens and
reports read the rollups (``indicators.indicators_for``); this module reads
every row of the period and grows with it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast

from govhall.cases.deadlines import promised_deadline, working_days_taken
from govhall.cases.models import Case, CaseEvent, Channel, Pause
from govhall.cases.states import OPEN, Action
from govhall.evaluation.models import BAD_LEVELS, SATISFIED_LEVELS
from govhall.org.models import User
from govhall.stats.indicators import (
    END_ACTIONS, GROUPS, LIGHTS, Indicators, Scope, _grouped, _immediate_q, _speed_up_q, _values, cut_day, scoped_alerts,
    scoped_cases, scoped_ratings, visible_cases,
)
from govhall.stats.periods import Period
from govhall.supervision.models import Alert
from govhall.timing import CalendarRangeError


def _case_counts(cases: QuerySet[Case], period: Period, key: str | None) -> dict:
    """Everything counted from a case's own dates, in one grouped query."""
    start, end = period.start, period.end
    moment_from, moment_to = period.bounds()
    received = Q(received_on__range=(start, end))
    accepted = Q(accepted_on__range=(start, end))
    decided = Q(decided_on__range=(start, end))
    paid = Q(fee_paid_at__gte=moment_from, fee_paid_at__lt=moment_to)
    alerted = Alert.objects.filter(case=OuterRef("pk"), raised_at__gte=moment_from, raised_at__lt=moment_to)
    ratio = Cast(F("item_version__statutory_days") - F("item_version__promised_days"), FloatField()) / Cast(
        F("item_version__statutory_days"), FloatField())
    qs = cases.filter(received | accepted | decided | paid).annotate(alerted=Exists(alerted))
    return _grouped(qs, key, {
        "received": Count("pk", filter=received),
        "online": Count("pk", filter=received & Q(channel=Channel.ONLINE)),
        "accepted": Count("pk", filter=accepted),
        "immediate": Count("pk", filter=accepted & _immediate_q()),
        "speed_up_cases": Count("pk", filter=accepted & _speed_up_q()),
        "speed_up_sum": Sum(ratio, filter=accepted & _speed_up_q()),
        "closed": Count("pk", filter=decided),
        "same_day": Count("pk", filter=decided & Q(decided_on=F("accepted_on"))),
        "visits_total": Sum("visits", filter=decided),
        "one_visit": Count("pk", filter=decided & Q(visits__lte=1)),
        "handled": Count("pk", filter=accepted | decided),
        "handled_with_alerts": Count("pk", filter=(accepted | decided) & Q(alerted=True)),
        "fees": Sum("fee_amount", filter=paid),
        "fees_paid": Count("pk", filter=paid),
    })


def _end_counts(*, user, scope: Scope, period: Period, key: str | None) -> dict[object, dict[str, int]]:
    """Rejections, withdrawals and terminations by the day of their event."""
    moment_from, moment_to = period.bounds()
    events = CaseEvent.objects.filter(visible_cases(user, "case__"), scope.cases("case__"),
                                      action__in=list(END_ACTIONS), at__gte=moment_from, at__lt=moment_to)
    rows = _values(events, f"case__{key}" if key else None, "action").annotate(n=Count("case_id", distinct=True))
    result: dict[object, dict[str, int]] = defaultdict(dict)
    for row in rows:
        result[row.get("grp")][END_ACTIONS[row["action"]]] = row["n"]
    return dict(result)


def _pauses_of(cases: QuerySet[Case]) -> dict[int, list[tuple[date, date | None]]]:
    """The pauses of ``cases`` in one query: case id → [(start, end)] in order."""
    pauses: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    rows = (Pause.objects.filter(case__in=cases.order_by().values("pk"))
            .order_by("case_id", "started_on", "pk").values_list("case_id", "started_on", "ended_on"))
    for case_id, started, ended in rows:
        pauses[case_id].append((started, ended))
    return pauses


def decided_timing(cases: QuerySet[Case], period: Period, key: str | None) -> tuple[dict, set[int]]:
    """For the cases decided in the period: per group, those decided on time
    and the working days to decision; and the ids of the late ones."""
    decided = cases.filter(decided_on__range=(period.start, period.end))
    pauses = _pauses_of(decided)
    result: dict[object, dict[str, int]] = defaultdict(lambda: {"closed_on_time": 0, "days_cases": 0, "days_total": 0})
    late: set[int] = set()
    fields = ["pk", "accepted_on", "decided_on", "promised_days", "extension_days", *([key] if key else [])]
    for pk, accepted, decided_on, days, extension, *grp in decided.order_by().values_list(*fields):
        group = result[grp[0] if key else None]
        if accepted is None:  # a decision without acceptance: supervision's case, never on time
            late.add(pk)
            continue
        own = pauses.get(pk, ())
        try:
            due = promised_deadline(accepted_on=accepted, promised_days=days, extension_days=extension,
                                    pauses=[(s, e or decided_on) for s, e in own if s <= decided_on]).due
            worked = working_days_taken(accepted_on=accepted, decided_on=decided_on, pauses=own)
        except CalendarRangeError:
            late.add(pk)
            continue
        group["days_cases"] += 1
        group["days_total"] += worked
        if due is not None and decided_on <= due:
            group["closed_on_time"] += 1
        else:
            late.add(pk)
    return result, late


def overdue_open(cases: QuerySet[Case], period: Period, today: date, key: str | None) -> dict[object, set[int]]:
    """The cases open and past their deadline at the period's end (or today,
    while the period runs): accepted before that day, not decided, withdrawn
    or terminated by it, not paused on it, and with that day after the
    deadline as it stood then (pauses and extension up to that day)."""
    cut = cut_day(period, today)
    _from, cut_moment = Period(cut, cut).bounds()
    ended = CaseEvent.objects.filter(case=OuterRef("pk"), action__in=[Action.WITHDRAW, Action.TERMINATE]).values("at")[:1]
    extended = CaseEvent.objects.filter(case=OuterRef("pk"), action=Action.EXTEND).values("at")[:1]
    candidates = (cases.filter(accepted_on__lt=cut)
                  .filter(Q(decided_on__isnull=True) | Q(decided_on__gt=cut))
                  .annotate(ended_at=Subquery(ended), extended_at=Subquery(extended))
                  .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=cut_moment)))
    pauses = _pauses_of(candidates)
    result: dict[object, set[int]] = defaultdict(set)
    fields = ["pk", "accepted_on", "promised_days", "extension_days", "extended_at", *([key] if key else [])]
    for pk, accepted, days, extension, extended_at, *grp in candidates.order_by().values_list(*fields):
        own = [(s, e) for s, e in pauses.get(pk, ()) if s <= cut]
        if any(e is None or e > cut for _s, e in own):
            continue  # paused on that day: a lawful pause is never overdue
        if extended_at is None or extended_at >= cut_moment:
            extension = 0
        try:
            due = promised_deadline(accepted_on=accepted, promised_days=days, extension_days=extension, pauses=own).due
        except CalendarRangeError:
            continue
        if due is not None and cut > due:
            result[grp[0] if key else None].add(pk)
    return dict(result)


def _rating_counts(*, user, scope: Scope, period: Period, key: str | None) -> dict:
    moment_from, moment_to = period.bounds()
    ratings = scoped_ratings(user=user, scope=scope).filter(rated_at__gte=moment_from, rated_at__lt=moment_to)
    return _grouped(ratings, GROUPS[key]["rating"] if key else None, {
        "ratings": Count("pk"),
        "satisfied": Count("pk", filter=Q(level__in=sorted(SATISFIED_LEVELS))),
        "bad": Count("pk", filter=Q(level__in=sorted(BAD_LEVELS))),
    })


def _alert_counts(*, user, scope: Scope, period: Period, key: str | None) -> dict[object, dict]:
    moment_from, moment_to = period.bounds()
    alerts = scoped_alerts(user=user, scope=scope).filter(raised_at__gte=moment_from, raised_at__lt=moment_to)
    rows = _values(alerts, GROUPS[key]["alert"] if key else None, "rule", "severity").annotate(n=Count("pk"))
    result: dict[object, dict] = defaultdict(dict)
    for row in rows:
        result[row.get("grp")][(row["rule"], row["severity"])] = row["n"]
    return dict(result)


def indicators_direct(*, user: User | None, period: Period, scope: Scope = Scope(), today: date,
                      by: str | None = None) -> dict[int | None, Indicators]:
    """The figures computed from the cases, events, pauses, ratings and alerts
    themselves: ``indicators_for`` (key None) or ``indicators_by``."""
    if by is not None and by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; use one of {sorted(GROUPS)}")
    key = GROUPS[by]["case"] if by else None
    cases = scoped_cases(user=user, scope=scope)
    result: dict[object, Indicators] = defaultdict(Indicators)

    def merge(rows: dict) -> None:
        for grp, values in rows.items():
            target = result[grp]
            for name, value in values.items():
                if value is not None:
                    setattr(target, name, value)

    merge(_case_counts(cases, period, key))
    merge(_end_counts(user=user, scope=scope, period=period, key=key))
    merge(decided_timing(cases, period, key)[0])
    merge({grp: {"overdue_open": len(ids)} for grp, ids in overdue_open(cases, period, today, key).items()})
    merge(_rating_counts(user=user, scope=scope, period=period, key=by))
    merge({grp: {"alerts": alerts} for grp, alerts in _alert_counts(user=user, scope=scope, period=period,
                                                                        key=by).items()})
    for values in result.values():
        values.fees = Decimal(values.fees).quantize(Decimal("0.01"))
    return dict(result)



# --- series for charts -------------------------------------------------------

def daily_volumes_direct(*, user: User | None, period: Period, scope: Scope = Scope()) -> list[tuple[date, int, int]]:
    """(day, accepted, decided) for every day of the period."""
    cases = scoped_cases(user=user, scope=scope)
    accepted = dict(cases.filter(accepted_on__range=(period.start, period.end)).order_by()
                    .values("accepted_on").annotate(n=Count("pk")).values_list("accepted_on", "n"))
    decided = dict(cases.filter(decided_on__range=(period.start, period.end)).order_by()
                   .values("decided_on").annotate(n=Count("pk")).values_list("decided_on", "n"))
    return [(day, accepted.get(day, 0), decided.get(day, 0)) for day in period.dates()]


def rating_levels_direct(*, user: User | None, period: Period, scope: Scope = Scope()) -> dict[int, int]:
    """Ratings given in the period by level, 5 (非常满意) to 1."""
    moment_from, moment_to = period.bounds()
    rows = (scoped_ratings(user=user, scope=scope).filter(rated_at__gte=moment_from, rated_at__lt=moment_to)
            .order_by().values("level").annotate(n=Count("pk")).values_list("level", "n"))
    counts = dict.fromkeys((5, 4, 3, 2, 1), 0)
    counts.update(dict(rows))
    return counts


def visit_distribution_direct(*, user: User | None, period: Period, scope: Scope = Scope()) -> dict[str, int]:
    """Cases decided in the period by the applicant's visits: 0, 1, 2, 3+."""
    cases = scoped_cases(user=user, scope=scope).filter(decided_on__range=(period.start, period.end))
    agg = cases.order_by().aggregate(
        v0=Count("pk", filter=Q(visits=0)), v1=Count("pk", filter=Q(visits=1)),
        v2=Count("pk", filter=Q(visits=2)), v3=Count("pk", filter=Q(visits__gte=3)))
    return {"0": agg["v0"], "1": agg["v1"], "2": agg["v2"], "3+": agg["v3"]}


def current_lights_direct(*, user: User | None, scope: Scope = Scope()) -> dict[str, int]:
    """Open cases by their light now (no light: green), counted on the cases."""
    counts = dict.fromkeys(LIGHTS, 0)
    rows = (scoped_cases(user=user, scope=scope).filter(state__in=sorted(OPEN)).order_by()
            .values("light").annotate(n=Count("pk")).values_list("light", "n"))
    for light, n in rows:
        counts[light if light in counts else "green"] += n
    return counts
