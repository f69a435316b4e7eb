"""Histories of cases written in bulk, for the rollups' property test and
``bench/bench_stats.py``: a million cases through the services would take
hours. The rows are those the services write — the case row with its dates,
state, deadline, light (as the scan would leave it), visits and fee; its hash-chained events (submit, accept or
reject, special procedures, extension, decision, payment, delivery, close,
withdrawal or termination); its pauses; the applicant's rating; the alerts
of supervision (a late case's deadline alert, now and then one raised up
to 45 days after the decision) — on working and non-working days, with open cases overdue,
paused and extended among them.

A history is planned first (``plan``: every case's events in time order,
each with the case fields it sets), then written as it stood at a moment
(``write``): the cases' rows as of that moment, the events, pauses, ratings
and alerts up to it. Writing it again up to a later moment moves the cases
on (new events, a decision, a visit, a red alert that was yellow), as the
services would have: what the rollups' refresh must follow.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from govhall.calendars.selectors import work_calendar
from govhall.cases.deadlines import promised_deadline
from govhall.cases.events import _payload
from govhall.cases.models import Case, CaseEvent, Channel, Pause
from govhall.cases.states import OPEN, Action, State
from govhall.evaluation.models import Rating
from govhall.stats.rollup import objects_insert, rows_insert
from govhall.supervision.models import Alert, AlertState, Severity
from govhall.supervision.signals import lights_scanned
from govhall.timing import CalendarRangeError

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Desk:
    """Where a case can be received: a center, the item version's department,
    a window and its clerk (None, None: online), and the item version."""

    center_id: int
    department_id: int
    window_id: int | None
    staff_id: int | None
    version_id: int
    promised_days: int
    fee: Decimal | None = None


@dataclass
class Step:
    at: datetime
    action: str
    to_state: str
    sets: dict = field(default_factory=dict)


@dataclass
class Planned:
    number: str
    desk: Desk
    channel: str
    steps: list[Step]
    pauses: list[tuple[date, date | None, datetime | None]] = field(default_factory=list)  # (start, end, ended at)
    rating: tuple[int, datetime] | None = None
    alerts: list[dict] = field(default_factory=list)
    pk: int | None = None


ZONE = timezone.get_default_timezone


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE())


def plan(rng: random.Random, *, desks: list[Desk], start: date, days: int, count: int,
         first_number: int = 1) -> list[Planned]:
    """``count`` cases received over ``days`` days from ``start``, with what
    happened to each (some of it perhaps still ahead)."""
    calendar = work_calendar()
    cases = []
    for n in range(count):
        desk = rng.choice(desks)
        day = start + timedelta(days=rng.randrange(days))
        online = desk.window_id is None
        if not online and not calendar.is_workday(day):
            day = calendar.next_workday(day)  # the windows open on working days
        hour = rng.choice([9, 10, 11, 14, 15, 16]) if not online else rng.randrange(0, 24)
        submitted = _moment(day, hour, rng.randrange(60))
        received = day if calendar.is_workday(day) and 9 <= hour < 17 else calendar.next_workday(day)
        case = Planned(number=f"S{first_number + n:09d}", desk=desk,
                       channel=Channel.ONLINE if online else rng.choice([Channel.WINDOW] * 9 + [Channel.BRANCH]),
                       steps=[])
        case.steps.append(Step(submitted, Action.SUBMIT, State.SUBMITTED,
                               {"submitted_at": submitted, "received_on": received,
                                "visits": 0 if online else 1}))
        accept_day = received if not online else calendar.add_workdays(received, rng.choice([0, 0, 1, 2]))
        accept_at = _moment(accept_day, 10, rng.randrange(60)) if accept_day > day else submitted + timedelta(minutes=5)
        if rng.random() < 0.04:
            case.steps.append(Step(accept_at, Action.REJECT, State.REJECTED, {}))
            cases.append(case)
            continue
        case.steps.append(Step(accept_at, Action.ACCEPT, State.ACCEPTED,
                               {"accepted_on": accept_day, "accepted_by_id": desk.staff_id, "step": 1}))
        _review(rng, case, calendar, accept_day)
        cases.append(case)
    return cases


def _review(rng: random.Random, case: Planned, calendar, accepted: date) -> None:
    days = case.desk.promised_days
    extension = 0
    # A special procedure now and then, perhaps still running.
    pause_from = None
    if days and rng.random() < 0.08:
        pause_from = calendar.add_workdays(accepted, rng.randrange(1, days + 1))
        pause_to = calendar.add_workdays(pause_from, rng.randrange(2, 25))
        case.steps.append(Step(_moment(pause_from, 11), Action.SUSPEND, State.SUSPENDED, {"pause_count": 1}))
        case.steps.append(Step(_moment(pause_to, 16), Action.RESUME, State.IN_REVIEW, {}))
        case.pauses.append((pause_from, pause_to, _moment(pause_to, 16)))
    pauses = [(s, e) for s, e, _at in case.pauses]
    if days and rng.random() < 0.04:
        extension = rng.choice([5, 10])
        when = calendar.add_workdays(accepted, max(1, days // 2))
        if not (pause_from and pause_from <= when <= case.pauses[0][1]):
            case.steps.append(Step(_moment(when, 15), Action.EXTEND, State.IN_REVIEW, {"extension_days": extension}))
        else:
            extension = 0
    try:
        due = promised_deadline(accepted_on=accepted, promised_days=days, extension_days=extension, pauses=pauses).due
    except CalendarRangeError:
        return
    case.steps.append(Step(case.steps[1].at + timedelta(seconds=30), "recompute", State.ACCEPTED, {"due_date": due}))
    # Ended without a decision, now and then.
    roll = rng.random()
    if roll < 0.03 and not case.pauses:
        end = calendar.add_workdays(accepted, rng.randrange(0, days + 3))
        action, state = (Action.WITHDRAW, State.WITHDRAWN) if roll < 0.024 else (Action.TERMINATE, State.TERMINATED)
        end_at = max(_moment(end, 16, 30), case.steps[1].at + timedelta(minutes=1))
        case.steps = [step for step in case.steps if step.at < end_at]
        case.steps.append(Step(end_at, action, state, {}))
        return
    # The decision: mostly in time, some late.
    late = rng.random() < 0.12
    if late:
        decided = calendar.add_workdays(due, rng.randrange(1, 15))
    else:
        worked = rng.randrange(0, days + 1) if days else 0
        decided = min(calendar.add_workdays(accepted, worked) if worked else accepted, due)
        decided = max(decided, accepted)
    if case.pauses and case.pauses[0][0] <= decided <= case.pauses[0][1]:
        decided = calendar.add_workdays(case.pauses[0][1], 1)
    decide_at = _moment(decided, 14, rng.randrange(60))
    if decided == accepted:
        decide_at = max(decide_at, case.steps[1].at + timedelta(minutes=10))
    # Nothing of the review after the decision: a later pause or extension never happened.
    case.steps = [step for step in case.steps if step.at < decide_at or step.action == "recompute"]
    if case.pauses and case.pauses[0][2] > decide_at:
        case.pauses = []
    case.steps.sort(key=lambda step: step.at)
    deny = rng.random() < 0.05
    if not deny and days:
        case.steps.append(Step(decide_at - timedelta(hours=2), Action.COMPLETE_STEP, State.IN_REVIEW, {"step": 2}))
    case.steps.append(Step(decide_at, Action.DENY if deny else Action.APPROVE, State.DENIED if deny else State.APPROVED,
                           {"decided_on": decided, "due_date": None}))
    if case.desk.fee is not None and not deny:
        paid = decide_at + timedelta(hours=1)
        case.steps.append(Step(paid, Action.RECORD_PAYMENT, State.APPROVED,
                               {"fee_amount": case.desk.fee, "fee_paid_at": paid}))
    delivered = calendar.add_workdays(decided, rng.choice([0, 0, 1, 2, 3]))
    at_window = case.channel != Channel.ONLINE and rng.random() < 0.5
    deliver_at = _moment(delivered, 16, rng.randrange(60))
    visits = (0 if case.channel == Channel.ONLINE else 1) + (1 if at_window and delivered > decided else 0)
    case.steps.append(Step(deliver_at, Action.DELIVER, State.DELIVERED, {"visits": visits}))
    case.steps.append(Step(deliver_at + timedelta(minutes=1), Action.CLOSE, State.CLOSED, {}))
    if rng.random() < 0.6:
        level = rng.choices([5, 4, 3, 2, 1], weights=[60, 25, 8, 4, 3])[0]
        case.rating = (level, deliver_at + timedelta(days=rng.randrange(0, 6), hours=rng.randrange(0, 8)))
    if late:
        yellow = _moment(due, 9)
        alert = {"rule": "case.deadline", "severity": Severity.YELLOW, "raised_at": yellow,
                 "red_at": _moment(calendar.add_workdays(due, 1), 9), "closed_at": decide_at + timedelta(days=2)}
        case.alerts.append(alert)
    if rng.random() < 0.08:  # an alert about the case after its decision (a late delivery), maybe weeks after
        raised = decide_at + timedelta(days=rng.randrange(0, 45), hours=rng.randrange(1, 10))
        case.alerts.append({"rule": "case.delivery_late", "severity": Severity.YELLOW, "raised_at": raised,
                            "closed_at": raised + timedelta(days=3)})


def as_of(case: Planned, moment: datetime) -> dict | None:
    """The case row's fields as they stood at ``moment`` (None: not yet submitted)."""
    done = [step for step in case.steps if step.at <= moment]
    if not done:
        return None
    fields = {"state": State.SUBMITTED, "step": 0, "received_on": None, "accepted_on": None, "decided_on": None,
              "accepted_by_id": None, "extension_days": 0, "pause_count": 0, "due_date": None, "visits": 0,
              "fee_amount": None, "fee_paid_at": None, "submitted_at": None}
    state = State.SUBMITTED
    for step in done:
        fields.update(step.sets)
        if step.action != "recompute":
            state = step.to_state
    fields["state"] = state
    fields["event_seq"] = sum(1 for step in done if step.action != "recompute")
    fields["light"] = _light(state, fields["due_date"], moment.astimezone(ZONE()).date())
    return fields


def _light(state: str, due: date | None, today: date) -> str:
    """The light supervision's scan would have left on the case by ``today``,
    roughly (calendar days, not working days): none while far from the
    deadline, then green, prompt, yellow on the day, red past it."""
    if state not in OPEN or due is None:
        return ""
    left = (due - today).days
    return "red" if left < 0 else "yellow" if left == 0 else "prompt" if left <= 2 else "green" if left <= 6 else ""


def write(cases: list[Planned], *, moment: datetime, since: datetime | None = None) -> None:
    """Write the cases as they stood at ``moment``; ``since``: what stood at
    that earlier moment is already written (only what came after is added,
    and the rows that changed are updated)."""
    algorithm = settings.GOVHALL_AUDIT_HASH
    new_cases = []
    for case in cases:
        if case.pk is None and as_of(case, moment) is not None:
            fields = as_of(case, moment)
            new_cases.append((case, Case(
                number=case.number, query_code=case.number[-6:], item_version_id=case.desk.version_id,
                department_id=case.desk.department_id, center_id=case.desk.center_id, window_id=case.desk.window_id,
                applicant_kind="person", applicant_name="测试", applicant_id_number="110101199003070011",
                applicant_phone="13900000000", channel=case.channel, promised_days=case.desk.promised_days,
                created_at=case.steps[0].at, updated_at=moment, **fields)))
    # Ids given here (rows_insert returns none); the sequence is moved past them.
    next_id = (Case.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    for n, (case, row) in enumerate(new_cases):
        case.pk = row.pk = next_id + n
    objects_insert([row for _case, row in new_cases])
    if new_cases and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = Case._meta.db_table
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, next_id + len(new_cases)])
    events, pauses, ratings, alerts, updates = [], [], [], [], []
    for case in cases:
        if case.pk is None:
            continue
        old = as_of(case, since) if since is not None else None
        now = as_of(case, moment)
        if since is not None and old is not None and now != old:
            updates.append((case.pk, now))
        chain = [step for step in case.steps if step.action != "recompute"]
        previous = ""
        for seq, step in enumerate(chain, start=1):
            event = SimpleNamespace(case_id=case.pk, seq=seq, at=step.at.astimezone(dt_timezone.utc),
                                    actor_id=None, actor_role="system", action=step.action, from_state="",
                                    to_state=step.to_state, data={}, client_address=None, prev_hash=previous)
            event.hash = hashlib.new(algorithm, _payload(event)).hexdigest()
            previous = event.hash
            if step.at <= moment and (since is None or old is None or step.at > since):
                events.append((event.case_id, seq, event.at, step.action, step.to_state, event.prev_hash,
                               event.hash))
        if case.pauses:
            start, end, ended_at = case.pauses[0]
            start_at = next(step.at for step in case.steps if step.action == Action.SUSPEND)
            if start_at <= moment and (since is None or start_at > since):
                pauses.append(Pause(case_id=case.pk, ground="testing", ground_name="检测", reason="检测",
                                    expected_days=5, started_on=start, ended_on=end if ended_at <= moment else None))
            elif since is not None and start_at <= since and since < ended_at <= moment:
                Pause.objects.filter(case_id=case.pk, ended_on__isnull=True).update(ended_on=end)
        if case.rating and case.rating[1] <= moment and (since is None or case.rating[1] > since):
            ratings.append(Rating(case_id=case.pk, level=case.rating[0], channel="sms", rated_at=case.rating[1],
                                  department_id=case.desk.department_id, window_id=case.desk.window_id,
                                  staff_id=case.desk.staff_id))
        for alert in case.alerts:
            alerts.extend(_alert_rows(case, alert, moment=moment, since=since))
    for pk, fields in updates:
        Case.objects.filter(pk=pk).update(**fields, updated_at=moment)
    # The lights moved as the scan moves them, without an event: announced as the scan does.
    lights_scanned.send(sender=Case, case_ids=[pk for pk, _fields in updates])
    rows_insert(CaseEvent, ["case_id", "seq", "at", "action", "to_state", "prev_hash", "hash", "actor_role",
                            "from_state", "data", "hash_alg"],
                ((*row, "system", "", {}, algorithm) for row in events))
    for rows in (pauses, ratings, alerts):
        objects_insert(rows)


def _alert_rows(case: Planned, alert: dict, *, moment: datetime, since: datetime | None) -> list[Alert]:
    """The alert as it stood at ``moment``: new rows, or the one written before escalated/closed."""
    raised, red_at, closed_at = alert["raised_at"], alert.get("red_at"), alert.get("closed_at")
    if raised > moment:
        return []
    severity = Severity.RED if red_at and red_at <= moment else alert["severity"]
    state = AlertState.CLOSED if closed_at and closed_at <= moment else AlertState.OPEN
    if since is not None and raised <= since:
        Alert.objects.filter(rule=alert["rule"], subject=f"case:{case.pk}").update(
            severity=severity, state=state, escalated_at=red_at if severity == Severity.RED else None,
            closed_at=closed_at if state == AlertState.CLOSED else None)
        return []
    return [Alert(rule=alert["rule"], severity=severity, state=state, subject=f"case:{case.pk}", case_id=case.pk,
                  department_id=case.desk.department_id, window_id=case.desk.window_id, staff_id=case.desk.staff_id,
                  message=alert["rule"], raised_at=raised, escalated_at=red_at if severity == Severity.RED else None,
                  closed_at=closed_at if state == AlertState.CLOSED else None)]
