"""Keeping the rollups exact (docs/indicators.md, "Rollups").

``rollups_refresh`` reads what was written since its last run — case events,
ratings and alerts past their high-water marks (with the ids below a mark
not committed yet kept as holes, as supervision's event tail does), the
yellow alerts that may have turned red, and a changed working-day calendar
— and recomputes:

- the facts, overdue spans and alert pairs of every case with a new event
  (every change of a case writes one) or a new alert, or whose timing a
  calendar change can move, and the overdue checkpoints those spans cover
  (with the checkpoint of a month once it is over);
- the cells of every day a changed fact, a new rating or a new alert
  counts on (a day's cells are recomputed whole from the facts, the
  ratings and the alerts of that day, so a refresh is idempotent).

It runs in one transaction (nothing half-written) and one at a time (the
marks are locked). The task worker runs it on a schedule, the report runs
it first, and the figures run it before reading on the primary database, so
a figure is exact as of its reading. ``rollups_rebuild`` starts over from
the cases (``govhall stats-rollup --rebuild``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import DatabaseError, connection, models, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from govhall.calendars.models import CalendarRevision
from govhall.calendars.selectors import (
    calendar_forget,
    calendar_revision,
    work_calendar,
)
from govhall.cases.deadlines import promised_deadline, working_days_taken
from govhall.cases.models import Case, CaseEvent, Channel, Pause
from govhall.cases.states import OPEN, Action
from govhall.core import clock
from govhall.core.clock import to_local_date
from govhall.core.writers import holes_next, id_gaps, ranges_q
from govhall.core.writers import table_writers as _writers
from govhall.evaluation.models import Rating
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
from govhall.supervision.models import ACTIVE_STATES, Alert, Severity
from govhall.timing import CalendarRangeError

# Source rows read per query; a refresh reads on until the sources are drained.
BATCH = 5000
# The most source rows (all sources together) a refresh made while a page
# waits takes on; a larger backlog is the worker's, and the page shows the
# figures as of the rollups' mark (``rollups_refresh(limited=True)``). The
# worker refreshes every minute, so a page normally finds a minute of events.
REQUEST_BATCH = 200
# Cases whose facts are recomputed per step.
CASE_BATCH = 2000
# The longest run of days whose cells are recomputed by one set of queries.
RUN_DAYS = 31
ONE_DAY = timedelta(days=1)

SOURCES = {"case_events": CaseEvent, "ratings": Rating, "alerts": Alert}
CALENDAR = "calendar"
# A fact's dates: the days whose cells it counts in.
FACT_DAYS = ("received_on", "accepted_on", "decided_on", "paid_on", "rejected_on", "withdrawn_on", "terminated_on")
# The lights an open case counts under (an open case without one, or with
# one not known here, is green).
LIGHTS = ("green", "prompt", "yellow", "red")
KEYS = ("center_id", "department_id", "window_id", "staff_id", "item_id")
END_FIELDS = {Action.REJECT: "rejected_on", Action.WITHDRAW: "withdrawn_on", Action.TERMINATE: "terminated_on"}
CELL_MEASURES = [f.attname for f in DayRollup._meta.concrete_fields
                 if f.attname not in {"id", "day", "center_id", "department_id", "window_id", "staff_id"}]
VISITS = {"visits_0": Q(visits=0), "visits_1": Q(visits=1), "visits_2": Q(visits=2), "visits_3": Q(visits__gte=3)}

# Per date of a fact, the measures it gives to the cell of that day.
MEASURES: dict[str, dict[str, object]] = {
    "received_on": {"received": Count("pk"), "online": Count("pk", filter=Q(online=True))},
    "accepted_on": {"accepted": Count("pk"), "immediate": Count("pk", filter=Q(immediate=True)),
                    "speed_up_cases": Count("speed_up"), "speed_up_sum": Sum("speed_up")},
    "decided_on": {"closed": Count("pk"), "closed_on_time": Count("pk", filter=Q(on_time=True)),
                   "days_cases": Count("pk", filter=Q(timed=True)), "days_total": Sum("worked", filter=Q(timed=True)),
                   "same_day": Count("pk", filter=Q(accepted_on=F("decided_on"))), "visits_total": Sum("visits"),
                   **{name: Count("pk", filter=q) for name, q in VISITS.items()},
                   **{f"lag_{n}": Count("pk", filter=Q(lag=n)) for n in range(1, LAGS)}},
    "paid_on": {"fees": Sum("fee"), "fees_paid": Count("pk")},
    "rejected_on": {"rejected": Count("pk")},
    "withdrawn_on": {"withdrawn": Count("pk")},
    "terminated_on": {"terminated": Count("pk")},
}


# --- writing many rows ------------------------------------------------------------

def rows_insert(model, names: list[str], rows: Iterable[tuple]) -> int:
    """Insert plain rows (values in the order of the fields ``names``): COPY
    on PostgreSQL, one prepared statement elsewhere. bulk_create spends ten
    times longer per value, which a rebuild of a million cases feels."""
    fields = [model._meta.get_field(name) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            json = [n for n, f in enumerate(fields) if isinstance(f, models.JSONField)]
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    if json:
                        row = list(row)
                        for n in json:
                            row[n] = Jsonb(row[n])
                    copy.write_row(row)
                    count += 1
            return count
        # Numbers go to the driver as they are; the rest (dates, decimals) as
        # their fields prepare them (a call per value that wide cells feel).
        prepare = [None if _plain(f) else f.get_db_prep_save for f in fields]
        batch: list[tuple] = []
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for row in rows:
            batch.append(tuple(v if p is None or v is None else p(v, connection)
                               for p, v in zip(prepare, row, strict=True)))
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _plain(field) -> bool:
    """A column whose Python value the driver takes as it is (an integer, a
    float, a boolean, or a reference to an integer key)."""
    if field.is_relation:
        field = field.target_field
    return isinstance(field, (models.IntegerField, models.FloatField, models.BooleanField))


def objects_insert(objects: list) -> int:
    """``rows_insert`` of unsaved model instances (their id too, when set)."""
    if not objects:
        return 0
    model = type(objects[0])
    names = [f.attname for f in model._meta.concrete_fields
             if not (f.primary_key and getattr(objects[0], f.attname) is None)]
    return rows_insert(model, names, ([getattr(obj, name) for name in names] for obj in objects))


# --- the facts of a case ---------------------------------------------------------

def overdue_spans(*, accepted_on: date | None, promised_days: int, extension_days: int, stop: date | None,
                  extended_on: date | None, pauses: list[tuple[date, date | None]]) -> list[tuple[date, date | None]]:
    """The runs of days E on which the case was open and overdue at E's end,
    as ``indicators_direct.overdue_open`` decides for one E: accepted before
    E, not decided, withdrawn or terminated by E (``stop``: the first of
    those days), not paused on E, and E after the deadline as it stood on E
    (the pauses started by E, the extension once granted). Between the days
    a pause starts or ends or the extension is granted the deadline stands
    still, so each such stretch is one comparison."""
    if accepted_on is None:
        return []
    low = accepted_on + ONE_DAY
    high = stop - ONE_DAY if stop is not None else None
    if high is not None and high < low:
        return []
    turns = {low} | {s for s, _e in pauses if s > low} | {e for _s, e in pauses if e is not None and e > low}
    if extended_on is not None and extended_on > low:
        turns.add(extended_on)
    points = sorted(p for p in turns if high is None or p <= high)
    spans: list[list] = []
    for n, start in enumerate(points):
        end = points[n + 1] - ONE_DAY if n + 1 < len(points) else high
        own = [(s, e) for s, e in pauses if s <= start]
        if any(e is None or e > start for _s, e in own):
            continue  # paused all along this stretch: a lawful pause is never overdue
        extension = extension_days if extended_on is not None and extended_on <= start else 0
        try:
            due = promised_deadline(accepted_on=accepted_on, promised_days=promised_days, extension_days=extension,
                                    pauses=own).due
        except CalendarRangeError:
            continue
        if due is None:
            continue
        first = max(start, due + ONE_DAY)
        if end is not None and first > end:
            continue
        if spans and spans[-1][1] is not None and spans[-1][1] + ONE_DAY == first:
            spans[-1][1] = end
        else:
            spans.append([first, end])
    return [(first, last) for first, last in spans]


def decision_timing(*, accepted_on: date | None, decided_on: date, promised_days: int, extension_days: int,
                    pauses: list[tuple[date, date | None]]) -> tuple[bool, int, bool]:
    """(timed, working days to decision, on time) of a decided case, as
    ``indicators_direct.decided_timing`` counts it."""
    if accepted_on is None:  # a decision without acceptance: supervision's case, never on time
        return False, 0, False
    try:
        due = promised_deadline(accepted_on=accepted_on, promised_days=promised_days, extension_days=extension_days,
                                pauses=[(s, e or decided_on) for s, e in pauses if s <= decided_on]).due
        worked = working_days_taken(accepted_on=accepted_on, decided_on=decided_on, pauses=pauses)
    except CalendarRangeError:
        return False, 0, False
    return True, worked, due is not None and decided_on <= due


CASE_VALUES = ("pk", "center_id", "department_id", "window_id", "accepted_by_id", "item_version__item_id",
               "received_on", "channel", "accepted_on", "item_version__immediate", "item_version__promised_days",
               "item_version__statutory_days", "decided_on", "visits", "promised_days", "extension_days",
               "fee_paid_at", "fee_amount", "state", "light")


def counted_light(state: str, light: str) -> str:
    """The light a case counts under among the open cases now ("" once not open)."""
    if state not in OPEN:
        return ""
    return light if light in LIGHTS else "green"


def alert_pairs(handled: Iterable[date], alerted: Iterable[date]) -> list[tuple[date, date, int]]:
    """The signed intervals of a case handled on the days ``handled`` (its
    acceptance and decision) and alerted on the days ``alerted``: a period
    [S, E] holds one handling day and one alert day exactly when it holds
    one of the intervals between such a pair; of those intervals only the
    minimal ones matter (one holding another is held by any period that
    holds it). The minimal ones, in order, begin and end later and later, so
    those a period holds are consecutive: counting +1 for each minimal
    interval and −1 for the hull of each two consecutive ones gives exactly
    1 for a period that holds any, 0 otherwise. (first, last, sign)."""
    intervals = {(min(h, t), max(h, t)) for h in handled for t in alerted}
    minimal = sorted(i for i in intervals if not any(j != i and j[0] >= i[0] and j[1] <= i[1] for j in intervals))
    return ([(first, last, 1) for first, last in minimal]
            + [(minimal[n][0], minimal[n + 1][1], -1) for n in range(len(minimal) - 1)])


def facts_compute(cases) -> tuple[list[CaseFact], list[OverdueSpan], list[AlertPair]]:
    """The facts, overdue spans and alert pairs of ``cases`` (a queryset), in four queries."""
    rows = list(cases.order_by("pk").values_list(*CASE_VALUES))
    ids = [row[0] for row in rows]
    pauses: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for case_id, started, ended in (Pause.objects.filter(case_id__in=ids).order_by("case_id", "started_on", "pk")
                                    .values_list("case_id", "started_on", "ended_on")):
        pauses[case_id].append((started, ended))
    moments: dict[int, dict[str, date]] = defaultdict(dict)
    actions = [*END_FIELDS, Action.EXTEND]
    for case_id, action, at in (CaseEvent.objects.filter(case_id__in=ids, action__in=actions)
                                .order_by("case_id", "seq").values_list("case_id", "action", "at")):
        moments[case_id].setdefault(action, to_local_date(at))
    alerted: dict[int, set[date]] = defaultdict(set)
    for case_id, raised_at in Alert.objects.filter(case_id__in=ids).values_list("case_id", "raised_at"):
        alerted[case_id].add(to_local_date(raised_at))
    facts, spans, pairs = [], [], []
    for (pk, center, department, window, staff, item, received_on, channel, accepted_on, immediate, version_days,
         statutory, decided_on, visits, days, extension, paid_at, fee, state, light) in rows:
        own, ends = pauses.get(pk, []), moments.get(pk, {})
        fact = CaseFact(case_id=pk, center_id=center, department_id=department, window_id=window, staff_id=staff,
                        item_id=item, received_on=received_on, online=channel == Channel.ONLINE,
                        accepted_on=accepted_on, immediate=bool(immediate or version_days == 0),
                        decided_on=decided_on, visits=visits,
                        paid_on=to_local_date(paid_at) if paid_at else None, fee=fee if paid_at else None,
                        light=counted_light(state, light),
                        **{name: ends.get(action) for action, name in END_FIELDS.items()})
        if accepted_on is not None and decided_on is not None:
            fact.lag = (decided_on - accepted_on).days
        if statutory and statutory > 0 and version_days is not None:
            fact.speed_up = float(statutory - version_days) / float(statutory)
        if decided_on is not None:
            fact.timed, fact.worked, fact.on_time = decision_timing(
                accepted_on=accepted_on, decided_on=decided_on, promised_days=days, extension_days=extension,
                pauses=own)
        if fact.light or any(getattr(fact, name) is not None for name in FACT_DAYS):
            facts.append(fact)
        stops = [d for d in (decided_on, ends.get(Action.WITHDRAW), ends.get(Action.TERMINATE)) if d is not None]
        for first, last in overdue_spans(accepted_on=accepted_on, promised_days=days, extension_days=extension,
                                         stop=min(stops) if stops else None, extended_on=ends.get(Action.EXTEND),
                                         pauses=own):
            spans.append(OverdueSpan(case_id=pk, center_id=center, department_id=department, window_id=window,
                                     staff_id=staff, item_id=item, first=first, last=last))
        handled = [d for d in (accepted_on, decided_on) if d is not None]
        for first, last, sign in alert_pairs(handled, alerted.get(pk, ())):
            pairs.append(AlertPair(case_id=pk, center_id=center, department_id=department, window_id=window,
                                   staff_id=staff, item_id=item, first=first, last=last, lag=(last - first).days,
                                   sign=sign))
    return facts, spans, pairs


FACT_FIELDS = [f.attname for f in CaseFact._meta.concrete_fields]


def _fact_days(values: dict) -> set[date]:
    return {values[name] for name in FACT_DAYS if values.get(name) is not None}


SPAN_FIELDS = ("case_id", *KEYS, "first", "last")
PAIR_FIELDS = ("case_id", *KEYS, "first", "last", "sign")


def _by_case(rows: Iterable[dict]) -> dict[int, list[tuple]]:
    """Rows (spans or pairs, as dicts) per case, each case's in a comparable order."""
    result: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        result[row["case_id"]].append(tuple(row.values())[1:])
    return {pk: sorted(rows, key=repr) for pk, rows in result.items()}


def _span_days(first: date, last: date | None) -> set[date]:
    """The days whose cells count a span: it begins on ``first`` and ends the day after ``last``."""
    return {first} | ({last + ONE_DAY} if last is not None else set())


def facts_refresh(case_ids: Iterable[int], *, through: date | None = None) -> set[date]:
    """Recompute the facts, spans and alert pairs of these cases; the days
    whose cells changed (those of the old and the new facts, spans and pairs
    of every changed case). The overdue checkpoints up to ``through`` follow
    the spans that changed."""
    days: set[date] = set()
    ids = sorted(set(case_ids))
    for n in range(0, len(ids), CASE_BATCH):
        chunk = ids[n:n + CASE_BATCH]
        old = {row["case_id"]: row for row in CaseFact.objects.filter(case_id__in=chunk).values(*FACT_FIELDS)}
        old_spans = _by_case(OverdueSpan.objects.filter(case_id__in=chunk).values(*SPAN_FIELDS))
        old_pairs = _by_case(AlertPair.objects.filter(case_id__in=chunk).values(*PAIR_FIELDS))
        facts, spans, pairs = facts_compute(Case.objects.filter(pk__in=chunk))
        new_spans = _by_case({name: getattr(span, name) for name in SPAN_FIELDS} for span in spans)
        new_pairs = _by_case({name: getattr(pair, name) for name in PAIR_FIELDS} for pair in pairs)
        checkpoints: dict[tuple, int] = defaultdict(int)
        for pk in chunk:
            if old_spans.get(pk, []) != new_spans.get(pk, []):
                for rows, sign in ((old_spans.get(pk, []), -1), (new_spans.get(pk, []), 1)):
                    for *keys, first, last in rows:
                        days |= _span_days(first, last)
                        for day in month_ends(first, last, through):
                            checkpoints[(day, *keys)] += sign
            if old_pairs.get(pk, []) != new_pairs.get(pk, []):
                days |= {row[-2] for row in old_pairs.get(pk, []) + new_pairs.get(pk, [])}
        checkpoints_apply(checkpoints)
        new = {fact.case_id: {name: getattr(fact, name) for name in FACT_FIELDS} for fact in facts}
        changed = [pk for pk in chunk if _comparable(old.get(pk)) != _comparable(new.get(pk))]
        lights: dict[tuple, int] = defaultdict(int)
        for pk in changed:
            days |= _fact_days(old.get(pk) or {}) | _fact_days(new.get(pk) or {})
            for values, sign in ((old.get(pk), -1), (new.get(pk), 1)):
                if values and values["light"]:
                    lights[_light_key(values)] += sign
        lights_apply(lights)
        if changed:
            CaseFact.objects.filter(case_id__in=changed).delete()
            objects_insert([fact for fact in facts if fact.case_id in set(changed)])
        OverdueSpan.objects.filter(case_id__in=chunk).delete()
        objects_insert(spans)
        AlertPair.objects.filter(case_id__in=chunk).delete()
        objects_insert(pairs)
    return days


# --- the overdue checkpoints ---------------------------------------------------------

def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - ONE_DAY


def month_ends(first: date, last: date | None, through: date | None) -> list[date]:
    """The months' last days from ``first`` to ``last`` (None: on), up to ``through``."""
    if through is None:
        return []
    end = through if last is None else min(last, through)
    days, day = [], month_end(first)
    while day <= end:
        days.append(day)
        day = month_end(day + ONE_DAY)
    return days


CHECKPOINT_KEYS = ("day", *KEYS)


def checkpoints_apply(changes: dict[tuple, int]) -> None:
    """Add ``changes`` ((day, center, department, window, staff, item) → count)
    to the overdue checkpoints; the caller holds the marks (one writer)."""
    changes = {key: n for key, n in changes.items() if n}
    if not changes:
        return
    counts_add(OverdueCheckpoint, CHECKPOINT_KEYS, changes, Q(day__in=sorted({key[0] for key in changes}),
                                                               department_id__in=sorted({key[2] for key in changes})))


def checkpoints_kept(calendar: RollupMark) -> date | None:
    """Up to which month end the checkpoints are kept (None: none)."""
    through = calendar.data.get("checkpoints_through")
    return date.fromisoformat(through) if through else None


def checkpoints_through(today: date) -> date:
    """The last month end whose checkpoint is kept: the one before ``today``'s month."""
    return today.replace(day=1) - ONE_DAY


def checkpoints_write(first: date, last: date) -> None:
    """The checkpoints of the month ends from ``first`` to ``last`` counted from the spans."""
    for day in month_ends(first, last, last):
        alive = (OverdueSpan.objects.filter(Q(last__gte=day) | Q(last__isnull=True), first__lte=day).order_by()
                 .values_list(*KEYS).annotate(n=Count("pk")))
        OverdueCheckpoint.objects.filter(day=day).delete()
        rows_insert(OverdueCheckpoint, [*CHECKPOINT_KEYS, "n"], [(day, *row) for row in alive])


# --- the lights of the open cases --------------------------------------------------

LIGHT_KEYS = (*KEYS, "light")


def _light_key(values: dict) -> tuple:
    return tuple(values[name] for name in LIGHT_KEYS)


def lights_apply(changes: dict[tuple, int]) -> None:
    """Add ``changes`` ((center, department, window, staff, item, light) →
    count) to the light cells; the caller holds the marks (one writer)."""
    changes = {key: n for key, n in changes.items() if n}
    if not changes:
        return
    counts_add(LightRollup, LIGHT_KEYS, changes, Q(light__in=sorted({key[-1] for key in changes}),
                                                   department_id__in=sorted({key[1] for key in changes})))


def counts_add(model, keys: tuple[str, ...], changes: dict[tuple, int], rows: Q) -> None:
    """Add ``changes`` (values of ``keys`` → count) to the counted rows of
    ``model`` (its ``n``); ``rows`` selects those the changes may touch."""
    current = {tuple(row[name] for name in keys): (row["pk"], row["n"])
               for row in model.objects.filter(rows).values("pk", "n", *keys)}
    gone, fresh = [], []
    for key, n in changes.items():
        pk, before = current.get(key, (None, 0))
        if pk is not None:
            gone.append(pk)
        if before + n:
            fresh.append((*key, before + n))
    model.objects.filter(pk__in=gone).delete()
    rows_insert(model, [*keys, "n"], fresh)


def lights_recompute() -> None:
    """The light cells counted again from the facts (a rebuild)."""
    LightRollup.objects.all().delete()
    rows = (CaseFact.objects.exclude(light="").order_by().values(*LIGHT_KEYS).annotate(n=Count("pk"))
            .values_list(*LIGHT_KEYS, "n"))
    # Read whole before the COPY: a query on the same connection while COPY
    # runs waits for the connection the COPY holds (a deadlock on PostgreSQL).
    rows_insert(LightRollup, [*LIGHT_KEYS, "n"], list(rows))


def lights_sync(case_ids: Iterable[int]) -> int:
    """After supervision's scan wrote the lights of these cases (without an
    event, so no refresh would see it): their facts' lights and the light
    cells follow, in the scan's transaction. Takes the marks, so it runs
    after any refresh that may have read the cases before the scan wrote
    them; a case without a fact yet gets one, light included, from the
    refresh that reads its first event. Returns how many lights moved."""
    ids = sorted(set(case_ids))
    if not ids:
        return 0
    with transaction.atomic():  # the scan's own (a savepoint), or one of its own for a bulk writer
        return _lights_sync(ids)


def _lights_sync(ids: list[int]) -> int:
    if _marks() is None:
        return 0
    moved = 0
    for n in range(0, len(ids), CASE_BATCH):
        chunk = ids[n:n + CASE_BATCH]
        now = {pk: counted_light(state, light) for pk, state, light in
               Case.objects.filter(pk__in=chunk).values_list("pk", "state", "light")}
        changes: dict[tuple, int] = defaultdict(int)
        to: dict[str, list[int]] = defaultdict(list)
        for values in CaseFact.objects.filter(case_id__in=chunk).values("case_id", *LIGHT_KEYS):
            light = now.get(values["case_id"], values["light"])
            if light == values["light"]:
                continue
            if values["light"]:
                changes[_light_key(values)] -= 1
            if light:
                changes[_light_key({**values, "light": light})] += 1
            to[light].append(values["case_id"])
        for light, pks in to.items():
            CaseFact.objects.filter(case_id__in=pks).update(light=light)
            moved += len(pks)
        lights_apply(changes)
    return moved


def _comparable(values: dict | None):
    if values is None:
        return None
    return tuple(Decimal(v).quantize(Decimal("0.01")) if isinstance(v, (Decimal, int)) and name == "fee" else v
                 for name, v in sorted(values.items()))


# --- the cells of a day -----------------------------------------------------------

def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """``days`` as runs of consecutive days, none longer than RUN_DAYS."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + ONE_DAY == day and (day - runs[-1][0]).days < RUN_DAYS:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


def _moments(first: date, last: date) -> dict:
    start, end = Period(first, last).bounds()
    return {"gte": start, "lt": end}


def _local_day(field: str):
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def _add(cells: dict, key: tuple, values: dict) -> None:
    cell = cells[key]
    for name, value in values.items():
        if value is not None:
            cell[name] = cell.get(name, 0) + value


def cells_recompute(days: Iterable[date]) -> int:
    """Recompute the day (and day × item) cells of ``days`` from the facts
    and ratings of those days; the number of days."""
    runs = _runs(days)
    for first, last in runs:
        cells: dict[tuple, dict[str, object]] = defaultdict(dict)
        for field, measures in MEASURES.items():
            rows = (CaseFact.objects.filter(**{f"{field}__range": (first, last)}).order_by()
                    .values(day=F(field), c=F("center_id"), d=F("department_id"), w=F("window_id"),
                            s=F("staff_id"), i=F("item_id")).annotate(**measures))
            for row in rows:
                _add(cells, (row.pop("day"), *(row.pop(k) for k in ("c", "d", "w", "s", "i"))), row)
        moments = _moments(first, last)
        ratings = (Rating.objects.filter(case__isnull=False, rated_at__gte=moments["gte"], rated_at__lt=moments["lt"])
                   .order_by()
                   .values("level", day=_local_day("rated_at"), c=F("case__center_id"), d=F("department_id"),
                           w=F("window_id"), s=F("staff_id"), i=F("case__item_version__item_id"))
                   .annotate(n=Count("pk")))
        for row in ratings:
            _add(cells, (row["day"], row["c"], row["d"], row["w"], row["s"], row["i"]), {f"rated_{row['level']}": row["n"]})
        groups = {"c": F("center_id"), "d": F("department_id"), "w": F("window_id"), "s": F("staff_id"),
                  "i": F("item_id")}
        spans = OverdueSpan.objects.order_by()
        for row in spans.filter(first__range=(first, last)).values(day=F("first"), **groups).annotate(n=Count("pk")):
            _add(cells, (row["day"], row["c"], row["d"], row["w"], row["s"], row["i"]), {"overdue_in": row["n"]})
        for row in (spans.filter(last__range=(first - ONE_DAY, last - ONE_DAY))
                    .values(day=F("last"), **groups).annotate(n=Count("pk"))):
            _add(cells, (row["day"] + ONE_DAY, row["c"], row["d"], row["w"], row["s"], row["i"]),
                 {"overdue_out": row["n"]})
        pairs = (AlertPair.objects.filter(last__range=(first, last)).order_by().values(day=F("last"), **groups)
                 .annotate(**{f"alerted_{n}": Sum("sign", filter=Q(lag=n)) for n in range(LAGS)}))
        for row in pairs:
            _add(cells, (row.pop("day"), *(row.pop(k) for k in ("c", "d", "w", "s", "i"))), row)
        DayRollup.objects.filter(day__range=(first, last)).delete()
        DayItemRollup.objects.filter(day__range=(first, last)).delete()
        coarse: dict[tuple, dict[str, object]] = defaultdict(dict)
        for key, values in cells.items():
            _add(coarse, key[:5], values)
        keys = ["day", "center_id", "department_id", "window_id", "staff_id"]
        rows_insert(DayItemRollup, [*keys, "item_id", *CELL_MEASURES],
                    ((*key, *(values.get(name, 0) for name in CELL_MEASURES)) for key, values in cells.items()))
        rows_insert(DayRollup, [*keys, *CELL_MEASURES],
                    ((*key, *(values.get(name, 0) for name in CELL_MEASURES)) for key, values in coarse.items()))
    return sum((last - first).days + 1 for first, last in runs)


def alert_cells_recompute(days: Iterable[date]) -> int:
    """Recompute the alert cells of ``days`` from the alerts raised on them."""
    runs = _runs(days)
    for first, last in runs:
        moments = _moments(first, last)
        rows = (Alert.objects.filter(raised_at__gte=moments["gte"], raised_at__lt=moments["lt"]).order_by()
                .values("rule", "severity", day=_local_day("raised_at"),
                        c=Coalesce("case__center_id", "department__center_id"), d=F("department_id"),
                        w=F("window_id"), s=F("staff_id"), i=F("case__item_version__item_id"))
                .annotate(n=Count("pk")))
        AlertRollup.objects.filter(day__range=(first, last)).delete()
        rows_insert(AlertRollup, ["day", "center_id", "department_id", "window_id", "staff_id", "item_id", "rule",
                                  "severity", "n"],
                    ((row["day"], row["c"], row["d"], row["w"], row["s"], row["i"], row["rule"], row["severity"],
                      row["n"]) for row in rows))
    return sum((last - first).days + 1 for first, last in runs)


# --- reading the sources: high-water marks with holes ---------------------------

def _tail(mark: RollupMark, model, fields: tuple[str, ...], batch: int = BATCH) -> tuple[list[dict], bool]:
    """The rows of ``model`` committed since the last read (ids past the mark,
    and the holes below it that have since committed; ``core.writers``), the
    mark moved on; and whether more may be waiting (a batch was full)."""
    running = _writers(model) if mark.holes else frozenset()
    rows = model.objects.order_by("pk").values("pk", *fields)
    tail = list(rows.filter(pk__gt=mark.last_id)[:batch])
    new = id_gaps(mark.last_id, [row["pk"] for row in tail])
    new_writers = _writers(model) if new else frozenset()
    reread = [r for group in mark.holes for r in group["ranges"]] + (new if not new_writers else [])
    found = list(rows.filter(ranges_q(reread))[:batch]) if reread else []
    mark.holes = holes_next(mark.holes, running=running, reread_complete=len(found) < batch,
                            seen={row["pk"] for row in found}, new=new, new_writers=new_writers)
    if tail:
        mark.last_id = tail[-1]["pk"]
    return tail + found, len(tail) == batch or len(found) == batch


# --- the calendar ---------------------------------------------------------------

def _calendar_print() -> dict:
    """The calendar's range and its days that are not what the weekday says."""
    calendar = work_calendar()
    odd, day = [], calendar.first
    while day <= calendar.last:
        if calendar.is_workday(day) != (day.weekday() < 5):
            odd.append(day.isoformat())
        day += ONE_DAY
    return {"first": calendar.first.isoformat(), "last": calendar.last.isoformat(), "odd": odd}


def _calendar_changed_days(old: dict, new: dict) -> tuple[date, date] | None:
    """The first and last day whose working-day status differs (None: none)."""
    changed = {date.fromisoformat(d) for d in set(old.get("odd", [])) ^ set(new["odd"])}
    for edge in ("first", "last"):
        if old.get(edge) != new[edge]:
            ends = sorted(date.fromisoformat(d) for d in (old.get(edge) or new[edge], new[edge]))
            changed |= {ends[0] - ONE_DAY, ends[1] + ONE_DAY}
    return (min(changed), max(changed)) if changed else None


def _cases_timed_across(first: date, last: date):
    """The cases whose timing a change of the days first..last can move: accepted
    by ``last`` and not decided, withdrawn or terminated before ``first``."""
    ended = Q(decided_on__isnull=True, withdrawn_on__isnull=True, terminated_on__isnull=True)
    return (CaseFact.objects.filter(accepted_on__lte=last)
            .filter(ended | Q(decided_on__gte=first) | Q(withdrawn_on__gte=first) | Q(terminated_on__gte=first))
            .values_list("case_id", flat=True))


# --- the refresh and the rebuild ------------------------------------------------------

@dataclass
class RefreshResult:
    cases: int = 0  # cases whose facts were recomputed
    days: int = 0  # days whose cells were recomputed
    alert_days: int = 0
    rebuilt: bool = False
    seconds: float = 0.0
    # A limited refresh left work to the worker: the rollups count what was
    # committed before ``as_of`` (None: never caught up yet), and some of what came after.
    behind: bool = False
    as_of: datetime | None = None


def _marks(*, nowait: bool = False) -> dict[str, RollupMark] | None:
    """The marks, locked (one refresh at a time); None before the first build.
    ``nowait``: DatabaseError at once if another refresh holds them (PostgreSQL)."""
    marks = {mark.name: mark for mark in RollupMark.objects.select_for_update(nowait=nowait).order_by("name")}
    if set(marks) != {*SOURCES, CALENDAR}:
        return None
    return marks


def _watch_changes(mark: RollupMark) -> set[date]:
    """The days of the watched yellow alerts that turned red (alerts count with
    their severity now); those no longer active can no longer change."""
    watch = set(mark.data.get("watch", []))
    if not watch:
        return set()
    days = set()
    for pk, severity, raised_at in (Alert.objects.filter(pk__in=sorted(watch))
                                    .exclude(severity=Severity.YELLOW, state__in=sorted(ACTIVE_STATES))
                                    .values_list("pk", "severity", "raised_at")):
        watch.discard(pk)
        if severity != Severity.YELLOW:
            days.add(to_local_date(raised_at))
    mark.data = {**mark.data, "watch": sorted(watch)}
    return days


def _nothing_new() -> bool:
    """Whether a refresh would find nothing (two queries, no lock, no
    transaction): no id past a mark, no hole, no watched yellow alert, the
    calendar's revision unchanged. The figures ask this before every read."""
    marks = {mark.name: mark for mark in RollupMark.objects.all()}
    if set(marks) != {*SOURCES, CALENDAR} or any(mark.holes for mark in marks.values()):
        return False
    parts, params = [], []
    watch = marks["alerts"].data.get("watch")
    if watch:  # a watched yellow alert turned red or ended
        sql, args = (Alert.objects.filter(pk__in=sorted(watch))
                     .exclude(severity=Severity.YELLOW, state__in=sorted(ACTIVE_STATES))
                     .values("pk")[:1].query.sql_with_params())
        parts.append(f"EXISTS ({sql})")
        params += args
    for name, model in SOURCES.items():
        sql, args = model.objects.filter(pk__gt=marks[name].last_id).values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS ({sql})")
        params += args
    sql, args = CalendarRevision.objects.filter(pk=1).values("revision").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}, ({sql})", [*params, *args])
        *news, revision = cursor.fetchone()
    # A month ended since the last checkpoint: its checkpoint is due.
    through = checkpoints_kept(marks[CALENDAR])
    month_over = through is not None and checkpoints_through(clock.today()) > through
    return not any(news) and not month_over and (revision or 0) == marks[CALENDAR].data.get("revision")


def _backlog_over(limit: int) -> bool:
    """Whether more than ``limit`` source rows wait past the marks (counted
    up to the bound, in one query: the sources' primary keys)."""
    marks = {mark.name: mark.last_id for mark in RollupMark.objects.filter(name__in=list(SOURCES))}
    if set(marks) != set(SOURCES):
        return False  # no rollups yet: the refresh decides whether a page may build them
    parts, params = [], []
    for name, model in SOURCES.items():
        sql, args = model.objects.filter(pk__gt=marks[name]).order_by().values("pk")[:limit + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) waiting)")
        params += args
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {' + '.join(parts)}", params)
        return cursor.fetchone()[0] > limit


def _as_of(marks: dict[str, RollupMark] | None = None) -> datetime | None:
    """When the rollups last caught up with everything committed."""
    if marks is None:
        marks = {mark.name: mark for mark in RollupMark.objects.filter(name="case_events")}
    moment = marks["case_events"].data.get("caught_up_at") if "case_events" in marks else None
    return datetime.fromisoformat(moment) if moment else None


def rollups_refresh(*, limited: bool = False) -> RefreshResult:
    """Bring the rollups up to what is committed now (see the module's doc).

    ``limited`` (a page waiting): nothing when more than REQUEST_BATCH
    source rows wait, no rebuild of more than REQUEST_BATCH cases, no
    calendar change moving more cases than that, and no wait for a refresh
    already running (on PostgreSQL); what is left is the worker's (enqueued
    at once), and the result says the rollups are ``behind``, as of when
    they last caught up."""
    started = time.perf_counter()
    if _nothing_new():
        return RefreshResult(seconds=time.perf_counter() - started)
    if limited and _backlog_over(REQUEST_BATCH):
        return _behind(started)
    batch = REQUEST_BATCH if limited else BATCH
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the failed lock leaves the transaction usable
                marks = _marks(nowait=limited and connection.vendor == "postgresql")
        except DatabaseError:  # a refresh is running (the worker's): read the rollups as they are
            marks = {}
        if not marks:
            if marks == {} or (limited and Case.objects.count() > REQUEST_BATCH):
                return _behind(started)
            return _rebuild()
        result = RefreshResult()
        reading_from = clock.now()  # what was committed before is read below
        before = {name: (mark.last_id, mark.holes, mark.data) for name, mark in marks.items()}
        cases: set[int] = set()
        days: set[date] = set()
        alert_days = _watch_changes(marks["alerts"])
        calendar = marks[CALENDAR]
        reading_from_day = to_local_date(reading_from)
        through = checkpoints_kept(calendar)
        revision = calendar_revision()
        if revision != calendar.data.get("revision"):
            calendar_forget()
            printed = _calendar_print()
            span = _calendar_changed_days(calendar.data, printed)
            timed = set(_cases_timed_across(*span)) if span is not None else set()
            if limited and len(timed) > REQUEST_BATCH:
                result.behind = True  # the calendar's mark stays: the worker moves these cases
            else:
                cases |= timed
                calendar.data = {**calendar.data, "revision": revision, **printed}
        more = True
        while more:
            events, more_events = _tail(marks["case_events"], CaseEvent, ("case_id",), batch)
            cases |= {row["case_id"] for row in events}
            ratings, more_ratings = _tail(marks["ratings"], Rating, ("rated_at",), batch)
            days |= {to_local_date(row["rated_at"]) for row in ratings}
            alerts, more_alerts = _tail(marks["alerts"], Alert, ("raised_at", "severity", "state", "case_id"), batch)
            alert_days |= {to_local_date(row["raised_at"]) for row in alerts}
            # a case's alert days are its facts' too (handled with an alert: its alert pairs)
            cases |= {row["case_id"] for row in alerts if row["case_id"] is not None}
            watch = set(marks["alerts"].data.get("watch", []))
            watch |= {row["pk"] for row in alerts if row["severity"] == Severity.YELLOW and row["state"] in ACTIVE_STATES}
            marks["alerts"].data = {**marks["alerts"].data, "watch": sorted(watch)}
            more = more_events or more_ratings or more_alerts
            if more and limited:
                result.behind, more = True, False
            if cases and (more or len(cases) >= CASE_BATCH):
                days |= facts_refresh(cases, through=through)
                result.cases += len(cases)
                cases = set()
        if cases:
            days |= facts_refresh(cases, through=through)
            result.cases += len(cases)
        # A month ended since: its checkpoint, counted from the spans (once a month).
        target = checkpoints_through(reading_from_day)
        if through is not None and target > through:
            checkpoints_write(through + ONE_DAY, target)
            marks[CALENDAR].data = {**marks[CALENDAR].data, "checkpoints_through": target.isoformat()}
        result.days = cells_recompute(days)
        result.alert_days = alert_cells_recompute(alert_days)
        if not result.behind:
            marks["case_events"].data = {**marks["case_events"].data, "caught_up_at": reading_from.isoformat()}
        for name, mark in marks.items():
            if (mark.last_id, mark.holes, mark.data) != before[name]:
                RollupMark.objects.filter(pk=mark.pk).update(last_id=mark.last_id, holes=mark.holes, data=mark.data)
        result.as_of = _as_of(marks)
        if result.behind:
            _worker_catch_up()
    result.seconds = time.perf_counter() - started
    return result


def _behind(started: float) -> RefreshResult:
    _worker_catch_up()
    return RefreshResult(behind=True, as_of=_as_of(), seconds=time.perf_counter() - started)


def _worker_catch_up() -> None:
    """Enqueue the worker's refresh as this transaction ends (once: one waiting is enough)."""
    from govhall.stats.tasks import schedule_next

    transaction.on_commit(lambda: schedule_next(immediately=True))


def rollups_rebuild() -> RefreshResult:
    """Start over: every fact, span and cell recomputed from the cases,
    ratings and alerts (``govhall stats-rollup --rebuild``)."""
    with transaction.atomic():
        return _rebuild()


# A rebuild reads the sources' last ids once no other transaction is writing
# them (every id below is then committed or rolled back); it waits this long
# for such a moment before it keeps the last ids' neighbourhood as holes.
QUIET_WAIT_SECONDS = 30.0


def _quiet_marks() -> dict[str, tuple[int, list]]:
    deadline = time.monotonic() + QUIET_WAIT_SECONDS
    while True:
        last = {name: model.objects.aggregate(m=Max("pk"))["m"] or 0 for name, model in SOURCES.items()}
        writers = {name: _writers(model) for name, model in SOURCES.items()}
        if not any(writers.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    # Writers still running: the ids of the last batch below each mark are
    # read again until they have ended (holes with those writers).
    return {name: (last[name], [{"ranges": [[max(1, last[name] - 2 * BATCH), last[name]]],
                                  "writers": sorted(writers[name])}] if writers[name] and last[name] else [])
            for name in SOURCES}


def _rebuild() -> RefreshResult:
    started = time.perf_counter()
    for name in (*SOURCES, CALENDAR):
        RollupMark.objects.get_or_create(name=name)
    marks = {mark.name: mark for mark in RollupMark.objects.select_for_update().order_by("name")}
    reading_from = clock.now()
    positions = _quiet_marks()
    calendar_forget()
    calendar = {"revision": calendar_revision(), **_calendar_print()}
    for model in (CaseFact, OverdueSpan, AlertPair, OverdueCheckpoint, DayRollup, DayItemRollup, AlertRollup,
                  LightRollup):
        model.objects.all().delete()
    result = RefreshResult(rebuilt=True)
    through = checkpoints_through(to_local_date(reading_from))
    checkpoints: dict[tuple, int] = defaultdict(int)
    ids = Case.objects.order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        chunk = list(ids.filter(pk__gt=last)[:CASE_BATCH])
        if not chunk:
            break
        facts, spans, pairs = facts_compute(Case.objects.filter(pk__gte=chunk[0], pk__lte=chunk[-1]))
        objects_insert(facts)
        objects_insert(spans)
        objects_insert(pairs)
        for span in spans:
            for day in month_ends(span.first, span.last, through):
                checkpoints[(day, *(getattr(span, key) for key in KEYS))] += 1
        result.cases += len(chunk)
        last = chunk[-1]
    days: set[date] = set()
    for name in FACT_DAYS:
        edge = CaseFact.objects.aggregate(lo=Min(name), hi=Max(name))
        if edge["lo"] is not None:
            days |= _days(edge["lo"], edge["hi"])
    rows_insert(OverdueCheckpoint, [*CHECKPOINT_KEYS, "n"], [(*key, n) for key, n in checkpoints.items()])
    for model, edges in ((OverdueSpan, ("first", "last")), (AlertPair, ("last",))):
        for name in edges:
            edge = model.objects.aggregate(lo=Min(name), hi=Max(name))
            if edge["lo"] is not None:
                days |= _days(edge["lo"], edge["hi"] + (ONE_DAY if name == "last" and model is OverdueSpan else
                                                        timedelta(0)))
    rated = Rating.objects.filter(case__isnull=False).aggregate(lo=Min("rated_at"), hi=Max("rated_at"))
    if rated["lo"] is not None:
        days |= _days(to_local_date(rated["lo"]), to_local_date(rated["hi"]))
    result.days = cells_recompute(days)
    lights_recompute()
    raised = Alert.objects.aggregate(lo=Min("raised_at"), hi=Max("raised_at"))
    if raised["lo"] is not None:
        result.alert_days = alert_cells_recompute(_days(to_local_date(raised["lo"]), to_local_date(raised["hi"])))
    watch = sorted(Alert.objects.filter(severity=Severity.YELLOW, state__in=sorted(ACTIVE_STATES))
                   .values_list("pk", flat=True))
    for name, (last_id, holes) in positions.items():
        data = {"watch": watch} if name == "alerts" else {"caught_up_at": reading_from.isoformat()} if (
            name == "case_events") else {}
        RollupMark.objects.filter(pk=marks[name].pk).update(last_id=last_id, holes=holes, data=data)
    calendar["checkpoints_through"] = through.isoformat()
    RollupMark.objects.filter(pk=marks[CALENDAR].pk).update(last_id=0, holes=[], data=calendar)
    result.seconds = time.perf_counter() - started
    return result


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}
