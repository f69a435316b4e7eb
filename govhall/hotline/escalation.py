"""督办: escalation of a late part of a work order to its unit's superior
unit (docs/hotline.md, "Escalation"). Supervision's scan reaches it
through ``signals.time_scan`` (``hotline.receivers``), as the sign and
reply alerts: a part (an active assignment, main or co-handling) of an
order a unit holds that is not signed by the sign limit, or not replied by
the order's limit, is escalated once per part and kind to the superior of
its unit (``MemberUnit.superior``); a unit with no superior is not
escalated. The services record it (``workorder_escalate``) with an event
in the order's chain."""

from datetime import datetime

from govhall.core.errors import Conflict
from govhall.hotline.alerts import sign_late
from govhall.hotline.models import (
    AT_UNIT,
    EscalationKind,
    OrderState,
    WorkOrderAssignment,
)


def _late_parts():
    return (WorkOrderAssignment.objects.filter(active=True, order__state__in=sorted(AT_UNIT),
                                               unit__superior__isnull=False)
            .select_related("unit__superior").order_by("pk"))


def escalations_scan(*, at: datetime) -> int:
    """Escalate every part late at ``at`` not yet escalated for that
    lateness (two statements to find them). Returns how many were
    escalated; a part whose order changed meanwhile is left to the next scan."""
    from govhall.hotline.services import workorder_escalate

    not_signed = _late_parts().filter(order__state=OrderState.DISPATCHED, signed_at__isnull=True).filter(
        sign_late(at)).exclude(escalations__kind=EscalationKind.SIGN)
    not_replied = _late_parts().filter(replied_at__isnull=True, order__due_at__lt=at).exclude(
        escalations__kind=EscalationKind.REPLY)
    done = 0
    for kind, parts in ((EscalationKind.SIGN, not_signed), (EscalationKind.REPLY, not_replied)):
        for part in list(parts):
            try:
                done += workorder_escalate(assignment=part, kind=kind, at=at) is not None
            except Conflict:
                continue
    return done
