"""Electronic supervision of the 12345 hotline (DESIGN 3.9, 3.12;
docs/hotline.md, "Supervision"): the rules ``hotline.sign_late``,
``hotline.reply_late``, ``hotline.reopened`` and ``hotline.admin_complaint``,
registered in ``supervision.rules`` and raised, escalated and cleared
through supervision's own machinery (``supervision.engine.alert_raise`` /
``alerts_clear``: one active alert per rule and subject, yellow → red).

The time rules run from supervision's scan through
``supervision.signals.time_scan`` (``hotline.receivers``), so supervision
imports nothing of the hotline; the services call the event hooks below
inside their transactions. Alerts go to the member unit's department (a
unit that is no department — a utility, a town — has none to answer for it
in supervision's model, so it gets no alert).

Subjects: ``hotline:<order>:sign:<assignment>`` and
``hotline:<order>:reply:<assignment>`` (one per dispatch: a re-dispatch
after a return or a reopen watches the new assignment),
``hotline:<order>:reopen:<n>`` and ``hotline:<order>:admin``.
"""

from datetime import datetime

from django.conf import settings
from django.db.models import Q

from govhall.hotline import limits
from govhall.hotline.models import (
    AT_UNIT,
    AssignmentRole,
    DueKind,
    OrderState,
    OrderType,
    WorkOrderAssignment,
)
from govhall.supervision.engine import (
    Finding,
    alert_raise,
    alerts_clear,
    subjects_to_raise,
)
from govhall.supervision.models import Alert, Severity

SIGN_RULE, REPLY_RULE = "hotline.sign_late", "hotline.reply_late"
REOPEN_RULE, ADMIN_RULE = "hotline.reopened", "hotline.admin_complaint"
REPEATED_RULE = "hotline.repeated_complaints"
# How many complaints dispatched to one unit (as main unit) within a calendar
# month raise ``hotline.repeated_complaints`` (``GOVHALL_HOTLINE_REPEATED_COMPLAINTS``).
REPEATED_COMPLAINTS = 3


def sign_subject(assignment) -> str:
    return f"hotline:{assignment.order_id}:sign:{assignment.pk}"


def reply_subject(assignment) -> str:
    return f"hotline:{assignment.order_id}:reply:{assignment.pk}"


def _local(moment: datetime) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# --- the scan -----------------------------------------------------------------------------

def _main_assignments():
    return (WorkOrderAssignment.objects.filter(active=True, role=AssignmentRole.MAIN)
            .select_related("order", "unit__department"))


def sign_late(at: datetime) -> Q:
    """The assignments dispatched before their sign limit, passed at ``at``
    (by the order's kind of limit); unsigned is the caller's condition."""
    return (Q(order__due_kind=DueKind.HOURS, dispatched_at__lt=limits.sign_late_before(DueKind.HOURS, at))
            | Q(order__due_kind=DueKind.WORKDAYS, dispatched_at__lt=limits.sign_late_before(DueKind.WORKDAYS, at)))


def signs_late_scan(*, at: datetime) -> int:
    """The main units that have not signed their order within the sign
    limit: one yellow ``hotline.sign_late`` alert each. Reads only the
    dispatched orders whose sign limit has passed. Returns how many."""
    late = list(_main_assignments().filter(
        order__state=OrderState.DISPATCHED, signed_at__isnull=True, unit__department__isnull=False,
    ).filter(sign_late(at)).order_by("pk"))
    if not late:
        return 0
    due = subjects_to_raise(SIGN_RULE, {sign_subject(a): Severity.YELLOW for a in late})
    for assignment in late:
        if sign_subject(assignment) not in due:
            continue
        order = assignment.order
        sign_due = limits.sign_due_at(order.due_kind, assignment.dispatched_at)
        alert_raise(Finding(SIGN_RULE, sign_subject(assignment), Severity.YELLOW,
                            f"12345工单{order.number}应于{_local(sign_due)}前签收，{assignment.unit.name}尚未签收。",
                            {"order": order.number, "unit": assignment.unit.code, "sign_due": sign_due.isoformat()}),
                    department=assignment.unit.department, at=at)
    return len(late)


def replies_late_scan(*, at: datetime) -> int:
    """The orders a main unit holds (dispatched or signed) whose reply limit
    is near (yellow) or past (red): one ``hotline.reply_late`` alert each,
    escalated to red once the limit has passed. Reads only those orders
    (by state and time limit). Returns how many."""
    hours_until, workdays_until = limits.reply_near_until(at)
    near = list(_main_assignments().filter(
        order__state__in=sorted(AT_UNIT), unit__department__isnull=False,
    ).filter(Q(order__due_kind=DueKind.HOURS, order__due_at__lte=hours_until)
             | Q(order__due_kind=DueKind.WORKDAYS, order__due_at__lt=workdays_until)).order_by("pk"))
    severities = {reply_subject(a): Severity.RED if at > a.order.due_at else Severity.YELLOW for a in near
                  if at >= limits.reply_near_from(a.order.due_kind, a.order.due_at)}
    if not severities:
        return len(near)
    due = subjects_to_raise(REPLY_RULE, severities)
    for assignment in near:
        subject = reply_subject(assignment)
        if subject not in due:
            continue
        order, severity = assignment.order, severities[subject]
        state = "已超期" if severity == Severity.RED else "即将到期"
        alert_raise(Finding(REPLY_RULE, subject, severity,
                            f"12345工单{order.number}的答复时限为{_local(order.due_at)}，{state}，"
                            f"主办单位{assignment.unit.name}尚未答复。",
                            {"order": order.number, "unit": assignment.unit.code, "due_at": order.due_at.isoformat(),
                             "light": str(severity)}),
                    department=assignment.unit.department, at=at)
    return len(near)


# --- the acts ----------------------------------------------------------------------------

def unit_signed(assignment, *, at: datetime) -> None:
    """The main unit signed: its sign alert (still yellow) is cleared."""
    if assignment.role == AssignmentRole.MAIN:
        alerts_clear(rule=SIGN_RULE, subject=sign_subject(assignment), at=at)


def unit_replied(assignment, *, at: datetime) -> None:
    """The main unit replied: its reply alert is cleared if still yellow
    (replied by the limit); a red one stays to be answered."""
    if assignment.role == AssignmentRole.MAIN:
        alerts_clear(rule=REPLY_RULE, subject=reply_subject(assignment), at=at)


def unit_returned(assignment, *, at: datetime) -> None:
    """The main unit returned the order: it no longer holds it, so its
    yellow sign and reply alerts are cleared (red ones stay)."""
    if assignment.role == AssignmentRole.MAIN:
        alerts_clear(rule=SIGN_RULE, subject=sign_subject(assignment), at=at)
        alerts_clear(rule=REPLY_RULE, subject=reply_subject(assignment), at=at)


def order_reopened(order, *, reason: str, at: datetime) -> None:
    """The caller was not satisfied and the order is reopened: one yellow
    ``hotline.reopened`` alert on the main unit's department."""
    unit = order.main_unit
    if unit is None or unit.department_id is None:
        return
    alert_raise(Finding(REOPEN_RULE, f"hotline:{order.pk}:reopen:{order.reopen_count}", Severity.YELLOW,
                        f"12345工单{order.number}回访不满意，重办至{unit.name}：{reason}",
                        {"order": order.number, "unit": unit.code, "reopen": order.reopen_count}),
                department=unit.department, case=order.related_case, at=at)


def admin_categories() -> frozenset[str]:
    """The category codes whose orders concern administrative services
    (``GOVHALL_HOTLINE_ADMIN_CATEGORIES``; a code covers its sub-categories)."""
    return frozenset(getattr(settings, "GOVHALL_HOTLINE_ADMIN_CATEGORIES", ()))


def concerns_admin_service(order) -> bool:
    """A complaint (投诉) that names a case of the hall, or whose category
    (or a parent of it) is one of ``admin_categories()``."""
    if order.type != OrderType.COMPLAINT:
        return False
    if order.related_case_id:
        return True
    codes, category = admin_categories(), order.category
    while codes and category is not None:
        if category.code in codes:
            return True
        category = category.parent
    return False


def _repeated_complaints(order, *, at: datetime) -> None:
    """The complaint dispatched now makes ``REPEATED_COMPLAINTS`` (or more)
    complaints dispatched to its main unit this calendar month: one yellow
    ``hotline.repeated_complaints`` alert on the unit's department, once per
    unit and month (subject ``hotline:unit:<unit>:complaints:<yyyy-mm>``).
    One count of the unit's main assignments of the month."""
    from django.utils import timezone

    unit = order.main_unit
    if order.type != OrderType.COMPLAINT or unit.department_id is None:
        return
    local = timezone.localtime(at)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    threshold = getattr(settings, "GOVHALL_HOTLINE_REPEATED_COMPLAINTS", REPEATED_COMPLAINTS)
    # A duplicate merged into another order is one matter with it: not counted again.
    count = (WorkOrderAssignment.objects.filter(unit=unit, role=AssignmentRole.MAIN, dispatched_at__gte=month_start,
                                                dispatched_at__lte=at, order__type=OrderType.COMPLAINT,
                                                order__parent__isnull=True)
             .values("order").distinct().count())
    if count < threshold:
        return
    subject = f"hotline:unit:{unit.pk}:complaints:{local:%Y-%m}"
    if Alert.objects.filter(rule=REPEATED_RULE, subject=subject).exists():
        return
    alert_raise(Finding(REPEATED_RULE, subject, Severity.YELLOW,
                        f"{unit.name}本月已被投诉{count}次（最近一次：12345工单{order.number}）。",
                        {"unit": unit.code, "month": f"{local:%Y-%m}", "complaints": count, "order": order.number}),
                department=unit.department, at=at)


def order_dispatched(order, *, at: datetime) -> None:
    """At an order's dispatch: repeated complaints about its main unit
    (above); and a complaint about an administrative service (行政投诉):
    one ``hotline.admin_complaint`` alert on the main unit's department (the
    named case's when the unit has none), tied to the case when the order
    names one. Once per order: a re-dispatch raises nothing more, nor does
    it after the alert was closed."""
    _repeated_complaints(order, at=at)
    if not concerns_admin_service(order):
        return
    subject = f"hotline:{order.pk}:admin"
    if Alert.objects.filter(rule=ADMIN_RULE, subject=subject).exists():
        return
    case, unit = order.related_case, order.main_unit
    department = unit.department if unit.department_id else (case.department if case is not None else None)
    if department is None:
        return
    named = f"（涉及办件{case.number}）" if case is not None else ""
    alert_raise(Finding(ADMIN_RULE, subject, Severity.YELLOW,
                        f"12345工单{order.number}投诉行政审批服务{named}，已派{unit.name}办理。",
                        {"order": order.number, "unit": unit.code, "case": case.number if case else None}),
                department=department, case=case, window=case.window if case is not None else None, at=at)
