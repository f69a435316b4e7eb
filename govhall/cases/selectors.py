"""Reads of cases, each with the reader's scope (DESIGN 5)."""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from govhall.cases.models import Case, CaseEvent, Notice
from govhall.cases.states import OPEN
from govhall.catalog.models import Step
from govhall.org.models import User
from govhall.org.roles import Role
from govhall.org.selectors import scope_q


def _base() -> QuerySet[Case]:
    return Case.objects.select_related("item_version", "item_version__item", "department", "center")


def case_list_for_staff(*, user: User, state: str = "", open_only: bool = False, step: str = "") -> QuerySet[Case]:
    """Cases of the departments (or centers) the user may see, the most
    urgent first (the earliest deadline, green-channel cases ahead), each
    annotated with the name of its current step (``step_name``)."""
    current_step = Step.objects.filter(version=OuterRef("item_version"), order=OuterRef("step") + 1).values("name")[:1]
    qs = (_base().filter(scope_q(user, department_id="department_id", center_path="center__path"))
          .annotate(step_name=Subquery(current_step)))
    if state:
        qs = qs.filter(state=state)
    elif open_only:
        qs = qs.filter(state__in=OPEN)
    if step:
        qs = qs.filter(step_name=step)
    return qs.order_by("-green_channel", "due_date", "pk")


def case_steps(case: Case) -> list:
    """The review steps of the case's item version in order, kept on the
    version object (a published version never changes)."""
    version = case.item_version
    steps = getattr(version, "_ordered_steps", None)
    if steps is None:
        steps = version._ordered_steps = list(version.steps.select_related("department").order_by("order"))
    return steps


def case_get_for_staff(*, user: User, case_id: int) -> Case | None:
    return case_list_for_staff(user=user).filter(pk=case_id).first()


def case_get_by_number(*, user: User, number: str) -> Case | None:
    """One case by its number, within what ``user`` may see (applicants: their own)."""
    if user.role == Role.APPLICANT:
        scope = Q(applicant=user)
    else:
        scope = scope_q(user, department_id="department_id", center_path="center__path")
    # A unique key: no ordering (the default one costs more than the query).
    return _base().filter(scope, number=number).order_by().first()


def case_list_for_applicant(*, user: User) -> QuerySet[Case]:
    return _base().filter(applicant=user).order_by("-created_at")


def case_get_public(*, number: str, query_code: str) -> Case | None:
    """A case by its number and query code (both needed: no enumeration)."""
    if not number or not query_code:
        return None
    return _base().filter(number=number.strip(), query_code=query_code.strip().upper()).order_by().first()


def case_events(case: Case, *, with_actors: bool = False) -> QuerySet[CaseEvent]:
    """The case's events in order (``with_actors``: the staff joined in, for a timeline that names them)."""
    events = case.events.order_by("seq")
    return events.select_related("actor") if with_actors else events


def notice_get_by_code(*, verify_code: str) -> Notice | None:
    return Notice.objects.select_related("case", "case__department").filter(verify_code=verify_code).order_by().first()
