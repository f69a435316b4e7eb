"""Reads of the hotline, scoped to what the person may see: the hotline's
staff and center managers their center's orders and those below it,
supervisors and administrators all, a member unit's handler only the orders
dispatched to their unit(s), anybody else none."""

from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy

from govhall.hotline.alerts import sign_late
from govhall.hotline.models import (
    AT_UNIT,
    AssignmentRole,
    Category,
    Escalation,
    Extension,
    MemberUnit,
    OrderState,
    UnitKind,
    WorkOrder,
    WorkOrderAssignment,
    WorkOrderEvent,
)
from govhall.org.roles import CENTER_ROLES, GLOBAL_ROLES, Role

# Repeat-caller history: how far back the intake screen looks.
HISTORY_DAYS = 90
HISTORY_MAX = 20


def unit_ids_for(user) -> list[int]:
    """The member units ``user`` handles: the unit of their department, and
    those they were added to."""
    if not user.is_authenticated or user.role != Role.MEMBER_UNIT_HANDLER:
        return []
    condition = Q(members__user=user)
    if user.department_id:
        condition |= Q(kind=UnitKind.DEPARTMENT, department_id=user.department_id)
    return list(MemberUnit.objects.filter(condition, active=True).values_list("pk", flat=True).distinct())


def order_scope(user) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role in GLOBAL_ROLES or user.is_superuser:
        return Q()
    if user.role in CENTER_ROLES:
        if user.center_id is None:
            return Q(pk__in=[])
        return Q(center__path__startswith=user.center.path)
    if user.role == Role.MEMBER_UNIT_HANDLER:
        units = unit_ids_for(user)
        # The orders dispatched to their units, and those escalated to them as the late unit's superior.
        return Q(Exists(WorkOrderAssignment.objects.filter(order=OuterRef("pk"), unit_id__in=units))) | Q(
            Exists(Escalation.objects.filter(order=OuterRef("pk"), superior_id__in=units)))
    return Q(pk__in=[])


def order_list_visible(*, user, state: str = "", type: str = "", overdue_at: datetime | None = None,
                       unit_active: bool = False) -> QuerySet[WorkOrder]:
    """The orders ``user`` may see, filtered (``overdue_at``: only those
    overdue at that moment, as the office's 超期 tab counts them —
    ``office_work``; ``unit_active``: for a unit handler, only those their
    unit holds now)."""
    orders = (WorkOrder.objects.filter(order_scope(user)).select_related("category", "main_unit")
              .annotate(merged_count=Count("children")).order_by("-created_at", "-pk"))
    if state:
        orders = orders.filter(state=state)
    if type:
        orders = orders.filter(type=type)
    if overdue_at is not None:
        orders = orders.filter(office_work("overdue", at=overdue_at))
    if unit_active:
        orders = orders.filter(Exists(WorkOrderAssignment.objects.filter(
            order=OuterRef("pk"), unit_id__in=unit_ids_for(user), active=True)))
    return orders


# The office's list by work type (docs/hotline.md, "The office's list"):
# key → label; each tab is one condition on the order (``office_work``).
OFFICE_WORK = {
    "dispatch": gettext_lazy("待派单"),
    "returned": gettext_lazy("已退单待改派"),
    "overdue": gettext_lazy("超期"),
    "extension": gettext_lazy("待审批延期"),
    "callback": gettext_lazy("待回访"),
    "close": gettext_lazy("待办结"),
}


def _active_main(**conditions) -> QuerySet[WorkOrderAssignment]:
    return WorkOrderAssignment.objects.filter(order=OuterRef("pk"), active=True, role=AssignmentRole.MAIN,
                                              **conditions)


def office_work(work: str, *, at: datetime) -> Q:
    """The condition of one tab of the office's list at ``at``: registered
    (to dispatch); returned by a unit (to re-dispatch); held by a unit past
    its reply limit, or dispatched and not signed by the main unit past its
    sign limit (overdue); an extension asked, for the office to decide;
    replied and not yet called back (to call back: the call-back closes or
    reopens it); replied again after its one reopen (to close: a second
    reopen is refused, so the call-back closes it)."""
    if work == "dispatch":
        return Q(state=OrderState.REGISTERED)
    if work == "returned":
        return Q(state=OrderState.RETURNED)
    if work == "overdue":
        unsigned_late = _active_main(signed_at__isnull=True).filter(sign_late(at))
        return Q(state__in=sorted(AT_UNIT)) & (Q(due_at__lt=at) | Q(Exists(unsigned_late),
                                                                     state=OrderState.DISPATCHED))
    if work == "extension":
        return Q(Exists(_active_main(extension=Extension.ASKED)), state=OrderState.SIGNED)
    if work == "callback":
        return Q(state=OrderState.REPLIED, reopen_count=0)
    if work == "close":
        return Q(state=OrderState.REPLIED, reopen_count__gt=0)
    raise ValueError(work)


def office_work_orders(orders: QuerySet[WorkOrder], work: str, *, at: datetime) -> QuerySet[WorkOrder]:
    """``orders`` (``order_list_visible``'s) in the tab ``work``, by time
    limit (those without one, registered or returned, oldest first)."""
    return orders.filter(office_work(work, at=at)).order_by(F("due_at").asc(nulls_last=True), "created_at", "pk")


def office_work_counts(*, user, at: datetime) -> dict[str, int]:
    """How many orders ``user`` may see are in each tab: one query."""
    return WorkOrder.objects.filter(order_scope(user)).aggregate(
        **{work: Count("pk", filter=office_work(work, at=at)) for work in OFFICE_WORK})


def order_get_visible(*, user, number: str) -> WorkOrder | None:
    return (WorkOrder.objects.filter(order_scope(user), number=number)
            .select_related("center", "category", "main_unit", "town", "related_case", "evaluation_rating").first())


def unit_assignment(*, user, order: WorkOrder) -> WorkOrderAssignment | None:
    """The active assignment of ``order`` to a unit ``user`` handles (the
    main one first), or None."""
    units = unit_ids_for(user)
    if not units:
        return None
    return (order.assignments.filter(active=True, unit_id__in=units).select_related("unit")
            .order_by("role", "pk").first())


def order_assignments(order: WorkOrder) -> list[WorkOrderAssignment]:
    return list(order.assignments.select_related("unit"))


def order_escalations(order: WorkOrder) -> list[Escalation]:
    return list(order.escalations.select_related("assignment__unit", "superior", "noted_by"))


def escalations_to(*, user) -> QuerySet[Escalation]:
    """The escalations (督办) to the units ``user`` handles of orders still
    held by the late unit, oldest first (the 督办 section of their work list)."""
    return (Escalation.objects.filter(superior_id__in=unit_ids_for(user), order__state__in=sorted(AT_UNIT))
            .select_related("order", "assignment__unit").order_by("raised_at", "pk"))


def order_attachments(order: WorkOrder) -> list:
    return list(order.attachments.select_related("uploaded_by"))


def order_children(order: WorkOrder) -> list[WorkOrder]:
    """The duplicates merged into ``order`` (its children), oldest first."""
    return list(order.children.order_by("created_at", "pk"))


def order_events(order: WorkOrder) -> QuerySet[WorkOrderEvent]:
    return order.events.select_related("actor").order_by("seq")


def caller_history(*, user, phone: str, at: datetime, days: int = HISTORY_DAYS,
                   exclude: int | None = None) -> list[WorkOrder]:
    """The orders of the same caller number in the last ``days`` days that
    ``user`` may see, newest first (the intake screen's repeat-caller history)."""
    phone = (phone or "").strip()
    if not phone:
        return []
    orders = (WorkOrder.objects.filter(order_scope(user), caller_phone=phone, created_at__gte=at - timedelta(days=days))
              .select_related("category", "main_unit").order_by("-created_at", "-pk"))
    if exclude is not None:
        orders = orders.exclude(pk=exclude)
    return list(orders[:HISTORY_MAX])


def units_for_dispatch(*, center) -> QuerySet[MemberUnit]:
    """The active member units of ``center``'s hotline (or the hotline above it)."""
    parts = center.path.split(".")[:-1]
    paths = [".".join(parts[:i + 1]) + "." for i in range(len(parts))]
    return MemberUnit.objects.filter(active=True, hotline_center__path__in=paths).order_by("level", "code")


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(active=True).select_related("parent").order_by("code")

