"""Reads of ratings and follow-ups, each with the reader's scope (DESIGN 5)."""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from govhall.cases.models import Case, CaseEvent
from govhall.cases.states import Action as CaseAction
from govhall.evaluation.models import FollowUp, Rating
from govhall.evaluation.services import RATEABLE_STATES, window_scope_q
from govhall.org.models import User
from govhall.org.selectors import scope_q

WINDOW_PENDING_LIMIT = 20


def rating_get_for_case(case: Case) -> Rating | None:
    """The case's rating, with its follow-up, or None (the caller has
    already checked that the reader may see the case)."""
    return Rating.objects.select_related("followup").filter(case=case).first()


def rating_list_pending_at_window(*, clerk: User, limit: int = WINDOW_PENDING_LIMIT) -> list[Case]:
    """Delivered, unrated cases the clerk's window device may take a rating
    for, the most recently delivered first, each with ``delivered_at``."""
    delivered_at = (CaseEvent.objects.filter(case=OuterRef("pk"), action=CaseAction.DELIVER)
                    .order_by("-seq").values("at")[:1])
    return list(Case.objects.filter(window_scope_q(clerk), state__in=RATEABLE_STATES, rating__isnull=True)
                .select_related("item_version", "department")
                .annotate(delivered_at=Subquery(delivered_at)).order_by("-delivered_at", "-pk")[:limit])


def followup_list_for_staff(*, user: User, state: str = "") -> QuerySet[FollowUp]:
    """Follow-ups of the departments (or centers) the user may see, the
    earliest deadline first."""
    # A work order's follow-up without a department is seen with its hotline's center.
    visible = (Q(department__isnull=False) & scope_q(user, department_id="department_id",
                                                     center_path="department__center__path")
               | Q(department__isnull=True) & scope_q(user, department_id="department_id",
                                                      center_path="rating__work_order__center__path"))
    qs = (FollowUp.objects.filter(visible)
          .select_related("rating", "rating__case", "rating__case__item_version", "rating__work_order",
                          "rating__work_order__category", "department"))
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("due_date", "pk")


def followup_get_for_staff(*, user: User, followup_id: int) -> FollowUp | None:
    return (followup_list_for_staff(user=user)
            .select_related("department__center", "rating__window", "rating__staff", "verified_by", "corrected_by",
                            "called_back_by", "closed_by")
            .filter(pk=followup_id).first())
