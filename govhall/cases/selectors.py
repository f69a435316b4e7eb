"""Reads of cases, each with the reader's scope (DESIGN 5)."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import translation

from govhall.cases.models import Case, CaseEvent, LocalSuspensionGround, Notice
from govhall.cases.states import OPEN, State, SuspensionGround
from govhall.catalog.models import Step
from govhall.org.models import User
from govhall.org.roles import DEPARTMENT_ROLES, Role
from govhall.org.selectors import scope_q, staff_authorizations, user_department_ids


def _base() -> QuerySet[Case]:
    return Case.objects.select_related("item_version", "item_version__item", "department", "center")


def staff_case_scope(user: User) -> Q:
    """The cases a staff member may see: those of the departments (or
    centers) of their role's scope, and — for department staff — the cases
    whose item has a review or decision step their department performs (an
    on-site check by another bureau, a decision by the approval bureau)."""
    scope = scope_q(user, department_id="department_id", center_path="center__path")
    if user.is_authenticated and user.is_active and user.role in DEPARTMENT_ROLES:
        steps = Step.objects.filter(version=OuterRef("item_version"), department_id__in=user_department_ids(user))
        scope |= Q(Exists(steps))
    return scope


def case_list_for_staff(*, user: User, state: str = "", open_only: bool = False, step: str = "") -> QuerySet[Case]:
    """Cases of the departments (or centers) the user may see, the most
    urgent first (the earliest deadline, green-channel cases ahead), each
    annotated with the name of its current step (``step_name``)."""
    current_step = Step.objects.filter(version=OuterRef("item_version"), order=OuterRef("step") + 1).values("name")[:1]
    qs = _base().filter(staff_case_scope(user)).annotate(step_name=Subquery(current_step))
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


def case_materials(case: Case) -> list:
    """The materials of the case's item version in order, kept on the
    version object like its steps (a published version never changes)."""
    version = case.item_version
    materials = getattr(version, "_ordered_materials", None)
    if materials is None:
        materials = version._ordered_materials = list(version.materials.all())
    return materials


def materials_pending(case: Case) -> list[str]:
    """The materials that stand in the way of acceptance: each required one
    not checked 合格 (those fetched from e-licences or other departments
    excepted), and any material found 需补正."""
    from govhall.cases.models import Verdict

    verdicts = dict(case.material_checks.values_list("material_order", "verdict"))
    return [m.name for m in case_materials(case)
            if verdicts.get(m.order) == Verdict.FIX
            or (m.handed_in_required and verdicts.get(m.order) != Verdict.OK)]


def steps_load(cases: list[Case]) -> None:
    """The review steps of every case's item version in one query, kept on
    each version object as ``case_steps`` reads them (a list of cases would
    otherwise ask once per case)."""
    wanted = {case.item_version_id for case in cases if getattr(case.item_version, "_ordered_steps", None) is None}
    if not wanted:
        return
    steps = defaultdict(list)
    for step in Step.objects.filter(version_id__in=wanted).select_related("department").order_by("version_id", "order"):
        steps[step.version_id].append(step)
    for case in cases:
        if getattr(case.item_version, "_ordered_steps", None) is None:
            case.item_version._ordered_steps = steps.get(case.item_version_id, [])


# The states in which a case can wait for staff (in correction it waits for the applicant).
WAITING = OPEN - {State.CORRECTION}


def case_list_todo(*, user: User, today: date) -> list[tuple[Case, list[str]]]:
    """待办: the open cases waiting for ``user`` now, each with the acts that
    wait for him (cases.policy.DUTIES: by his role, his authorizations, the
    department of the current step, a reviewer's request waiting for the
    head), green channel and the earliest deadline first."""
    from govhall.cases.policy import duties_for

    if not user.is_authenticated or not user.is_active or user.role == Role.APPLICANT:
        return []
    grants = staff_authorizations(user, on=today)
    if not grants and user.role != Role.DEPARTMENT_HEAD:
        return []
    candidates = case_list_for_staff(user=user).filter(state__in=WAITING)
    if not grants:  # a head without grants approves requests, nothing else
        candidates = candidates.filter(department_id=user.department_id).exclude(request_action="")
    candidates = list(candidates)
    steps_load(candidates)
    todo = []
    for case in candidates:
        duties = duties_for(user, case, steps=case_steps(case), today=today, grants=grants)
        if duties:
            todo.append((case, duties))
    return todo


def case_list_done(*, user: User) -> QuerySet[Case]:
    """已办: the cases ``user`` acted on (an event of his in their chain),
    within what he may see, the latest act first (``done_at``)."""
    mine = CaseEvent.objects.filter(actor=user)
    last = mine.filter(case=OuterRef("pk")).order_by("-seq").values("at")[:1]
    return (case_list_for_staff(user=user).filter(pk__in=mine.values("case_id"))
            .annotate(done_at=Subquery(last)).order_by("-done_at", "-pk"))


# What a clerk types into the search box: a case number (D1-20260302-00001),
# a query code (8 of the letters and digits printed on the notice), an
# identity number or credit code (exact), else an applicant's name (exact) or
# words of the item's name.
_NUMBER = re.compile(r"^[0-9A-Za-z]+-\d{8}-\d{1,6}$")
_QUERY_CODE = re.compile(r"^[2-9A-HJ-NP-Za-hj-np-z]{8}$")
_IDENTITY = re.compile(r"^[0-9A-Za-z]{15,18}$")


def case_search(cases: QuerySet[Case], query: str) -> QuerySet[Case]:
    """``cases`` narrowed to those ``query`` names: by case number, query
    code, applicant identity number or credit code, applicant name — each
    exact, so a search never lists strangers who merely look alike — or
    the item's name."""
    query = (query or "").strip()[:50]
    if not query:
        return cases
    if _NUMBER.match(query):
        return cases.filter(number__iexact=query)
    if _IDENTITY.match(query) and any(char.isdigit() for char in query[:6]):
        return cases.filter(applicant_id_number__iexact=query)
    if _QUERY_CODE.match(query):
        return cases.filter(query_code=query.upper())
    return cases.filter(Q(applicant_name=query) | Q(item_version__name__icontains=query))


def case_get_for_staff(*, user: User, case_id: int) -> Case | None:
    return case_list_for_staff(user=user).filter(pk=case_id).first()


def case_get_by_number(*, user: User, number: str) -> Case | None:
    """One case by its number, within what ``user`` may see (applicants: their own)."""
    scope = Q(applicant=user) if user.role == Role.APPLICANT else staff_case_scope(user)
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


@dataclass(frozen=True)
class Ground:
    """A ground of special procedure as a notice states it."""

    code: str
    name: str
    legal_basis: str  # "" for the national grounds of art. 45 (the notice cites the article)
    local: bool


def _national(code: str) -> Ground:
    with translation.override("zh-hans"):  # a legal record is Chinese
        return Ground(code, str(SuspensionGround(code).label), "", False)


def _local_grounds(center) -> QuerySet[LocalSuspensionGround]:
    """The grounds a center and the centers above it added (a city's rule applies to its districts)."""
    # A materialized path "0001.0003.": the center's own and every prefix ending at a dot.
    paths = [center.path[:index + 1] for index, char in enumerate(center.path) if char == "."]
    return LocalSuspensionGround.objects.filter(center__path__in=paths).order_by("code", "pk")


def suspension_grounds_for(*, center) -> list[Ground]:
    """Every ground a case of ``center`` may be suspended on: the national
    list of art. 45 first, then the local grounds with their legal basis."""
    grounds = [_national(code) for code in SuspensionGround.values]
    national = set(SuspensionGround.values)
    seen = set()
    for local in _local_grounds(center):
        if local.code not in national and local.code not in seen:
            seen.add(local.code)
            grounds.append(Ground(local.code, local.name, local.legal_basis, True))
    return grounds


def suspension_ground_get(*, center, code: str) -> Ground | None:
    """The ground ``code`` as it applies to a case of ``center``; None if it is not lawful there."""
    if code in SuspensionGround.values:
        return _national(code)
    local = _local_grounds(center).filter(code=code).first() if code else None
    return Ground(local.code, local.name, local.legal_basis, True) if local else None
