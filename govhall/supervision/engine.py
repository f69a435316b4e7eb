"""The rules at work: raising, escalating and clearing alerts.

- Event rules run inside the transition that triggers them (receiver of
  ``case_changed``): what the transition itself shows (a second correction
  notice, a fee off the standard, a special procedure started on a late case,
  a late decision or delivery, the light of the new state).
- The time scan (``supervise``) reads only what may have changed since the
  last one: the cases whose ``watch_on`` day has come (indexed), the case
  events written since the last scan (the integrity rules: decisions without
  an acceptance, events out of order, acts by someone without the
  authorization, whatever path wrote them), and the bad-review follow-ups
  past their deadline.

An alert is raised once per (rule, subject) while it is active; a more severe
finding escalates it; a near-deadline (yellow) alert whose condition ends
before it turned red is cleared. A red alert, or a finding that something
late or wrong happened, stays until the department answers it and a
supervisor closes it.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from govhall.cases.deadlines import case_deadline, case_pauses, correction_deadline, deadline_light, step_light
from govhall.cases.events import event_writers as _event_writers  # the tests of the event tail patch it
from govhall.cases.selectors import case_steps
from govhall.cases.services import case_watch_refresh
from govhall.cases.models import Case, CaseEvent
from govhall.cases.policy import POLICY, Where, act_permitted
from govhall.cases.states import CLOCK_RUNNING, DECIDED, Action, State
from govhall.core.actors import SYSTEM
from govhall.core.audit import audit_record
from govhall.core.writers import holes_next, id_gaps, ranges_q
from govhall.org.roles import Role
from govhall.supervision.models import ACTIVE_STATES, Alert, AlertState, ScanMark, Severity
from govhall.supervision.rules import RULES
from govhall.supervision.signals import lights_scanned, time_scan
from govhall.timing import Light

SEVERITY_ORDER = {Severity.YELLOW: 1, Severity.RED: 2}


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    severity: str
    message: str
    data: dict


# --- raising, escalating, clearing ---------------------------------------------

def _active_alert(rule: str, subject: str) -> Alert | None:
    """The one active alert of a condition, if any."""
    return Alert.objects.filter(rule=rule, subject=subject, state__in=ACTIVE_STATES).first()


# A raise that loses a race (see alert_raise) reads the alert again; each loss
# means someone else just changed it, so a few rounds settle real contention.
RAISE_ATTEMPTS = 3


def alert_raise(finding: Finding, *, department, at: datetime, case: Case | None = None, window=None,
                staff=None) -> Alert | None:
    """Raise the finding's alert, or escalate the active one of the same
    condition; nothing when an active alert already says as much.

    Escalation is an update guarded on the state and severity just read
    (STYLE 8): if a concurrent scan, transition or person changed the alert
    in between (escalated it, answered or closed it), nothing is written and
    the alert is read again. So two findings at once escalate once, and a
    finding never escalates an alert that was closed meanwhile (it raises a
    new one instead)."""
    for _attempt in range(RAISE_ATTEMPTS):
        active = _active_alert(finding.rule, finding.subject)
        if active is None:
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        rule=finding.rule, severity=finding.severity, subject=finding.subject, case=case,
                        department=department, window=window, staff=staff, message=finding.message[:300],
                        data=finding.data, raised_at=at)
            except IntegrityError:  # raised by a concurrent scan a moment ago: escalate that one if need be
                continue
            audit_record(actor=SYSTEM, action="alert.raise", target=alert,
                         data={"rule": finding.rule, "subject": finding.subject, "severity": finding.severity})
            return alert
        if SEVERITY_ORDER[finding.severity] <= SEVERITY_ORDER[active.severity]:
            return None
        escalated = Alert.objects.filter(pk=active.pk, state=active.state, severity=active.severity).update(
            severity=finding.severity, escalated_at=at, message=finding.message[:300],
            data={**active.data, **finding.data})
        if escalated != 1:
            continue
        audit_record(actor=SYSTEM, action="alert.escalate", target=active,
                     data={"rule": finding.rule, "subject": finding.subject, "severity": finding.severity})
        active.refresh_from_db()
        return active
    return None


def subjects_to_raise(rule: str, wanted: dict[str, str]) -> set[str]:
    """Of ``wanted`` (subject → severity found by a time rule), the subjects
    whose alert is to be raised or escalated, in one read: those with no
    alert yet, and those whose active alert is yellow while the finding is
    red. A subject whose alert was answered, closed or cleared is not raised
    again (an app's scan looks at each condition once)."""
    alerted: dict[str, set[str]] = {}  # subject → severities of its active alerts (empty: only inactive ones)
    for subject, state, severity in (Alert.objects.filter(rule=rule, subject__in=list(wanted))
                                     .values_list("subject", "state", "severity")):
        alerted.setdefault(subject, set()).update({severity} if state in ACTIVE_STATES else set())
    return {subject for subject, severity in wanted.items() if subject not in alerted
            or alerted[subject] == {Severity.YELLOW} and severity == Severity.RED}


# A yellow alert nobody has answered yet can still be cleared.
CLEARABLE_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)


def _clearable_alerts(rule: str, subject: str) -> list[Alert]:
    return list(Alert.objects.filter(rule=rule, subject=subject, severity=Severity.YELLOW,
                                     state__in=CLEARABLE_STATES))


def alerts_clear(*, rule: str, subject: str, at: datetime) -> int:
    """Clear the yellow alerts of a condition that ended before it turned red
    (and before anyone answered them). Each clearing is guarded on the alert
    still being yellow and unanswered: one escalated or answered by a
    concurrent scan or person since it was read stays."""
    cleared = 0
    for alert in _clearable_alerts(rule, subject):
        changed = Alert.objects.filter(pk=alert.pk, severity=Severity.YELLOW, state__in=CLEARABLE_STATES).update(
            state=AlertState.CLEARED, cleared_at=at)
        if changed != 1:
            continue
        audit_record(actor=SYSTEM, action="alert.clear", target=alert, data={"rule": rule, "subject": subject})
        cleared += 1
    return cleared


def _raise_for_case(case: Case, finding: Finding, at: datetime, staff=None) -> Alert | None:
    return alert_raise(finding, department=case.department, case=case, window=case.window,
                       staff=staff if staff is not None else case.accepted_by, at=at)


# --- the watched deadline of a case --------------------------------------------

def _watch_rule(case: Case) -> str | None:
    if case.state == State.SUBMITTED:
        return "case.acceptance_late"
    if case.state in CLOCK_RUNNING:
        return "case.deadline"
    if case.state in DECIDED - {State.DELIVERED, State.CLOSED}:
        return "case.delivery_late"
    return None


def _light_findings(case: Case, today: date) -> list[Finding]:
    """What the case's stored light and step deadline say on ``today``."""
    findings = []
    rule = _watch_rule(case)
    severity = case.light if case.light in (Light.YELLOW, Light.RED) else None
    if rule and severity and (severity == Light.RED or rule == "case.deadline"):
        due = case.due_date if rule != "case.acceptance_late" else correction_deadline(case)
        text = {"case.deadline": "办件{n}承诺期限为{d}，" + ("已超期。" if severity == Light.RED else "即将到期。"),
                "case.acceptance_late": "办件{n}收件后五个工作日内（{d}前）未作出受理决定。",
                "case.delivery_late": "办件{n}作出决定后未在十个工作日内（{d}前）送达。"}[rule]
        findings.append(Finding(rule, f"case:{case.pk}", severity, text.format(n=case.number, d=due),
                                {"due_date": due.isoformat(), "light": severity}))
    light = _step_light(case, today)
    if light in (Light.YELLOW, Light.RED):
        findings.append(Finding("case.step_deadline", f"case:{case.pk}:step:{case.step}", str(light),
                                f"办件{case.number}第{case.step}个审查环节期限为{case.step_due_date}，"
                                + ("已超期。" if light == Light.RED else "即将到期。"),
                                {"step": case.step, "step_due_date": case.step_due_date.isoformat(), "light": str(light)}))
    return findings


def _step_light(case: Case, today: date, *, step: int | None = None, step_due: date | None = None) -> str | None:
    """The light of the case's current step, or of ``step`` due ``step_due``
    (the step it was at before a transition)."""
    if case.state not in CLOCK_RUNNING and step is None:
        return None
    if step is None:
        step, step_due = case.step, case.step_due_date
    return step_light(steps=case_steps(case), step=step, step_due=step_due, today=today, green=case.green_channel)


def _sync_watch(case: Case, *, today: date, at: datetime, light_before: str = Light.YELLOW,
                step_before: tuple[int, date | None, bool] | None = None) -> None:
    """``step_before``: the step, its deadline and whether it was running
    before the transition (None from the scan: the step did not move)."""
    for finding in _light_findings(case, today):
        _raise_for_case(case, finding, at)
    # A near-deadline alert whose condition ended (decided, extended, paused
    # lawfully) before it turned red is cleared (only a yellow light had one).
    if light_before == Light.YELLOW and not (
            _watch_rule(case) == "case.deadline" and case.light in (Light.YELLOW, Light.RED)):
        alerts_clear(rule="case.deadline", subject=f"case:{case.pk}", at=at)
    # Likewise a step finished (or its deadline moved) while only near.
    if step_before is not None:
        step, step_due, running = step_before
        moved = (step, step_due) != (case.step, case.step_due_date) or case.state not in CLOCK_RUNNING
        if running and step_due and moved:
            before = _step_light(case, today, step=step, step_due=step_due)
            still = step == case.step and _step_light(case, today) in (Light.YELLOW, Light.RED)
            if before == Light.YELLOW and not still:
                alerts_clear(rule="case.step_deadline", subject=f"case:{case.pk}:step:{step}", at=at)


# --- event rules -----------------------------------------------------------------

def _local_day(at: datetime) -> date:
    from govhall.cases.deadlines import received_on

    return received_on(at)


def _standard_fee(case: Case) -> Decimal | None:
    """The item's fee by its standard amounts; None when a line has only a rule."""
    fees = list(case.item_version.fees.all())
    if any(line.amount is None for line in fees):
        return None
    return sum((line.amount for line in fees), Decimal("0"))


def event_findings(case: Case, *, action: str, data: dict, at: datetime, due_before: date | None = None) -> list[Finding]:
    """The event rules of one transition (the case as it is after it)."""
    subject, found = f"case:{case.pk}", []
    if action == Action.REQUEST_CORRECTION:
        corrections = case.events.filter(action=Action.REQUEST_CORRECTION).count()
        if corrections > 1:
            found.append(Finding("case.correction_repeated", subject, Severity.YELLOW,
                                 f"办件{case.number}已第{corrections}次要求补正，违反一次性告知要求。",
                                 {"corrections": corrections}))
        if case.received_on and _local_day(at) > correction_deadline(case):
            found.append(Finding("case.correction_late", subject, Severity.RED,
                                 f"办件{case.number}的补正告知晚于收件后五个工作日（{correction_deadline(case)}）。", {}))
    if action in (Action.REJECT, Action.DENY, Action.SUSPEND):
        reason = (data.get("reasons") or data.get("reason") or "").strip()
        if not reason or not data.get("notice"):
            found.append(Finding("case.no_reason", f"{subject}:{action}", Severity.RED,
                                 f"办件{case.number}的“{Action(action).label}”未说明理由或未出具书面文书。", {"action": action}))
    if action == Action.RECORD_PAYMENT:
        amount = Decimal(str(data.get("amount") or "0"))
        standard = _standard_fee(case)
        if case.item_version.no_fee:
            found.append(Finding("case.fee_mismatch", subject, Severity.RED,
                                 f"办件{case.number}的事项不收费，却收取了{amount}元。", {"amount": f"{amount}"}))
        elif standard is not None and amount != standard:
            found.append(Finding("case.fee_mismatch", subject, Severity.RED,
                                 f"办件{case.number}实收{amount}元，与收费标准{standard}元不符。",
                                 {"amount": f"{amount}", "standard": f"{standard}"}))
    if action == Action.ACCEPT and data.get("deemed_accepted_from_receipt"):
        found.append(Finding("case.acceptance_late", subject, Severity.RED,
                             f"办件{case.number}收件后五个工作日内未作出受理决定，依法自收件之日起视为受理。", {}))
    if action in (Action.APPROVE, Action.DENY):
        # The deadline the decision was due by: the one stored before it.
        due = due_before if due_before is not None else getattr(case_deadline(case), "due", None)
        if due is not None and case.decided_on and case.decided_on > due:
            found.append(Finding("case.deadline", subject, Severity.RED,
                                 f"办件{case.number}于{case.decided_on}作出决定，超过承诺期限{due}。",
                                 {"due_date": due.isoformat(), "decided_on": case.decided_on.isoformat()}))
    if action == Action.DELIVER and data.get("late"):
        found.append(Finding("case.delivery_late", subject, Severity.RED,
                             f"办件{case.number}未在作出决定后十个工作日内送达。", {}))
    if action == Action.SUSPEND:
        found.extend(_pause_findings(case, data))
    return found


def _pause_findings(case: Case, data: dict) -> list[Finding]:
    """A special procedure started when the case was already near or past
    its deadline, and special procedures adding up to more than the promised time."""
    found = []
    day = date.fromisoformat(data["started_on"])
    earlier = [p for p in case_pauses(case) if p.end is not None]
    before = case_deadline(case, pauses=earlier)
    if before is not None:
        light = deadline_light(before, promised_days=case.promised_days, today=day)
        if light in (Light.YELLOW, Light.RED):
            found.append(Finding("case.pause_hides_late", f"case:{case.pk}:pause:{day.isoformat()}", Severity.RED,
                                 f"办件{case.number}在期限{before.due}{'已过' if light == Light.RED else '将至'}时"
                                 f"启动特别程序（{day}），疑似以暂停掩盖超期。",
                                 {"due_date": before.due.isoformat(), "started_on": day.isoformat(), "light": str(light)}))
    total = case.pauses.aggregate(days=Sum("expected_days"))["days"] or 0
    if total > case.promised_days:
        found.append(Finding("case.pause_too_long", f"case:{case.pk}", Severity.YELLOW,
                             f"办件{case.number}特别程序累计{total}个工作日，超过承诺时限{case.promised_days}个工作日。",
                             {"pause_days": total}))
    return found


def on_case_changed(*, case: Case, action: str, from_state: str, actor, at: datetime, data: dict,
                    due_before: date | None = None, light_before: str = Light.YELLOW, step_before: int | None = None,
                    step_due_before: date | None = None, **_kwargs) -> None:
    """Inside the transition's transaction: its event rules, then the light
    of the state it left the case in."""
    staff = actor if getattr(actor, "pk", None) and actor.role != Role.APPLICANT else None
    for finding in event_findings(case, action=action, data=data, at=at, due_before=due_before):
        _raise_for_case(case, finding, at, staff=staff)
    step = (step_before, step_due_before, from_state in CLOCK_RUNNING) if step_before is not None else None
    _sync_watch(case, today=timezone.localtime(at).date(), at=at, light_before=light_before, step_before=step)


# --- the time scan -----------------------------------------------------------------

EVENT_BATCH = 2000


def _scan_cases(today: date, at: datetime) -> int:
    """The cases whose watch day has come: their light and step deadline on
    ``today``, the next watch day, and the alerts they call for."""
    scanned = []
    due = (Case.objects.filter(watch_on__lte=today).select_related("item_version", "department", "window", "accepted_by")
           .order_by("watch_on", "pk"))
    for case in due.iterator(chunk_size=500):
        case_watch_refresh(case=case, today=today)
        _sync_watch(case, today=today, at=at)
        scanned.append(case.pk)
    if scanned:
        lights_scanned.send(sender=Case, case_ids=scanned)
    return len(scanned)


# --- the event tail ---------------------------------------------------------------
#
# The scan follows the events by their ids with holes (``core.writers``: ids
# are taken at insert, not at commit; docs/supervision.md, "The event tail").


def _scan_events(at: datetime) -> int:
    """The case events committed since the last scan, whatever wrote them and
    whatever the order their transactions committed in; each is checked
    once. Runs in its own transaction at READ COMMITTED (Django's default on
    PostgreSQL): each read sees every transaction that ended before it."""
    ScanMark.objects.get_or_create(name="case_events")
    # One scan at a time moves the mark (a second one waits for this one).
    mark = ScanMark.objects.select_for_update().get(name="case_events")
    events = CaseEvent.objects.select_related("case", "case__department", "case__window", "case__item_version__item",
                                              "actor").order_by("pk")
    # Who could still own a stored hole, asked before it is read again.
    running = _event_writers()
    tail = list(events.filter(pk__gt=mark.last_id)[:EVENT_BATCH])
    new = id_gaps(mark.last_id, [event.pk for event in tail])
    # Who could own a new hole: asked after the read that found it.
    new_writers = _event_writers() if new else frozenset()
    reread = [r for group in mark.holes for r in group["ranges"]] + (new if not new_writers else [])
    found = list(events.filter(ranges_q(reread))[:EVENT_BATCH]) if reread else []
    for event in sorted(tail + found, key=lambda event: event.pk):
        for finding in integrity_findings(event):
            _raise_for_case(event.case, finding, at, staff=event.actor if event.actor_id else None)
    holes = holes_next(mark.holes, running=running, reread_complete=len(found) < EVENT_BATCH,
                        seen={event.pk for event in found}, new=new, new_writers=new_writers)
    last_id = tail[-1].pk if tail else mark.last_id
    if (last_id, holes) != (mark.last_id, mark.holes):
        ScanMark.objects.filter(pk=mark.pk).update(last_id=last_id, holes=holes)
    return len(tail) + len(found)


def integrity_findings(event: CaseEvent) -> list[Finding]:
    """What one stored event shows about the chain it belongs to."""
    case, found = event.case, []
    subject = f"case:{case.pk}:event:{event.seq}"
    earlier = CaseEvent.objects.filter(case=case, seq__lt=event.seq)
    if event.action in (Action.APPROVE, Action.DENY) and not earlier.filter(action=Action.ACCEPT).exists():
        found.append(Finding("case.no_acceptance", subject, Severity.RED,
                             f"办件{case.number}第{event.seq}个事件作出决定，但此前没有受理记录（体外循环）。", {"seq": event.seq}))
    previous = earlier.order_by("-seq").first()
    if event.seq > 1 and (previous is None or previous.seq != event.seq - 1 or previous.at > event.at):
        found.append(Finding("case.out_of_order", subject, Severity.RED,
                             f"办件{case.number}第{event.seq}个事件的时间或序号与前一事件不衔接。", {"seq": event.seq}))
    # Done by someone the policy table does not allow (cases/policy.py, the
    # same table the services apply): a step's act is judged at the step it
    # was taken at, which the event records.
    actor = event.actor
    step = event.data.get("at_step") if isinstance(event.data, dict) else None
    rule = POLICY.get(event.action)
    judged = rule is not None and (rule.department != Where.STEP or isinstance(step, int))
    if judged and actor is not None and not act_permitted(event.action, actor=actor, case=case, steps=case_steps(case),
                                                          step=step, on=timezone.localtime(event.at).date()):
        found.append(Finding("case.unauthorized", subject, Severity.RED,
                             f"办件{case.number}的“{Action(event.action).label}”由未获授权的{actor.get_full_name() or actor.username}办理。",
                             {"seq": event.seq, "actor": actor.username}))
    return found


def _scan_followups(today: date, at: datetime) -> int:
    """Bad-review follow-ups still open after their deadline."""
    try:
        from govhall.evaluation.models import OPEN_FOLLOWUP_STATES, FollowUp
    except ImportError:  # the evaluation app is not installed
        return 0
    # A work order's follow-up without a department (its main unit is a town
    # or a utility) is the hotline office's: it has no department to alert,
    # its list shows it overdue (docs/evaluation.md).
    late = FollowUp.objects.filter(state__in=OPEN_FOLLOWUP_STATES, due_date__lt=today,
                                   department__isnull=False).select_related(
        "rating__case", "rating__work_order", "department")
    raised = 0
    for followup in late:
        case = followup.rating.case
        subject = f"办件{case.number}" if case is not None else f"工单{followup.rating.work_order.number}"
        finding = Finding("review.followup_late", f"followup:{followup.pk}", Severity.RED,
                          f"{subject}的差评整改期限为{followup.due_date}，尚未办结。",
                          {"due_date": followup.due_date.isoformat()})
        if alert_raise(finding, department=followup.department, case=case, window=case.window if case else None,
                       staff=None, at=at):
            raised += 1
    return raised


@dataclass(frozen=True)
class ScanResult:
    cases: int
    events: int
    followups: int
    others: int = 0  # rows looked at by the apps' own time rules (``signals.time_scan``)


def supervise_scan(*, at: datetime) -> ScanResult:
    """One pass of the time rules (idempotent: a rescan raises nothing new)."""
    today = timezone.localtime(at).date()
    with transaction.atomic():
        cases = _scan_cases(today, at)
    with transaction.atomic():
        events = _scan_events(at)
    with transaction.atomic():
        followups = _scan_followups(today, at)
    with transaction.atomic():  # the apps' own deadlines (joint approval), without supervision importing them
        others = sum(count or 0 for _receiver, count in time_scan.send(sender=ScanResult, today=today, at=at))
    return ScanResult(cases=cases, events=events, followups=followups, others=others)


def rule_title(code: str) -> str:
    rule = RULES.get(code)
    return str(rule.title) if rule else code

