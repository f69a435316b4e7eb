"""Reads of cases, each with the reader's scope (DESIGN 5)."""

import copy
import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import connections, router
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import translation

from govhall.cases.models import (
    Case, CaseEvent, IdempotencyKey, LocalSuspensionGround, MaterialCheck, Notice,
)
from govhall.cases.states import OPEN, State, SuspensionGround
from govhall.catalog.models import Item, ItemVersion, Step, VersionStatus
from govhall.core.statements import Prepared
from govhall.org.models import Center, Department, User
from govhall.org.roles import CENTER_ROLES, DEPARTMENT_ROLES, GLOBAL_ROLES, Role
from govhall.org.selectors import scope_q, staff_authorizations, user_department_ids


def _base() -> QuerySet[Case]:
    return Case.objects.select_related("item_version", "item_version__item", "department", "center")


def staff_case_scope(user: User) -> Q:
    """The cases a staff member may see: those of the departments (or
    centers) of their role's scope, and — for department staff — the cases
    whose item has a review or decision step their department performs (an
    on-site check by another bureau, a decision by the approval bureau)."""
    if user.is_authenticated and user.role == Role.AGENT:
        from govhall.agency.selectors import agency_case_scope
        from govhall.core import clock

        return agency_case_scope(user, on=clock.today())
    scope = scope_q(user, department_id="department_id", center_path="center__path")
    # An empty Q is "every case" (a superuser): or-ing a condition into it
    # would narrow it to that condition.
    if scope and user.is_authenticated and user.is_active and user.role in DEPARTMENT_ROLES:
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


def case_checks(case: Case) -> list:
    """The case's material checks by material, read once (one prepared
    statement) and kept on the case object as a prefetch
    (``case.material_checks.all()`` answers from it), so that the
    acceptance's guard and its notice's receipt list share one read.
    ``case_check_materials`` drops them when it writes new ones."""
    cache = getattr(case, "_prefetched_objects_cache", {})
    if "material_checks" not in cache:
        checks_keep(case, _checks_statement(router.db_for_read(MaterialCheck)).fetch_all([case.pk]))
        cache = case._prefetched_objects_cache
    return list(cache["material_checks"])


def checks_keep(case: Case, checks: list) -> None:
    """Keep ``checks`` (the case's, by material) on the case as
    ``case_checks`` reads them: a new case has none, known without a query."""
    case_checks_forget(case)
    queryset = case.material_checks.get_queryset()
    for check in checks:
        check._state.fields_cache["case"] = case
    queryset._result_cache, queryset._prefetch_done = checks, True
    if not hasattr(case, "_prefetched_objects_cache"):
        case._prefetched_objects_cache = {}
    case._prefetched_objects_cache["material_checks"] = queryset


def case_checks_known(case: Case) -> list | None:
    """The case's material checks if they are kept on it, without a query; else None."""
    queryset = getattr(case, "_prefetched_objects_cache", {}).get("material_checks")
    return None if queryset is None else list(queryset)


def case_checks_forget(case: Case) -> None:
    getattr(case, "_prefetched_objects_cache", {}).pop("material_checks", None)


def materials_pending(case: Case) -> list[str]:
    """The materials that stand in the way of acceptance: each required one
    not checked 合格 (those fetched from e-licences or other departments
    excepted), and any material found 需补正."""
    from govhall.cases.models import Verdict

    verdicts = {check.material_order: check.verdict for check in case_checks(case)}
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


def case_visible(user: User, case: Case, *, ask: bool = True) -> bool | None:
    """Whether ``user`` may see ``case``: the rule of ``case_get_by_number``
    (an applicant his own cases, staff ``staff_case_scope``) asked of one
    case already loaded, without building a filtered query. The two forms
    are proved to agree for every persona of the hall and every case
    (govhall/api/tests/test_case_actions.py). With ``ask=False``, None
    where the answer needs the departments a staff member works for (a
    query): the caller asks again when it needs to know."""
    if user.role == Role.APPLICANT:
        return case.applicant_id is not None and case.applicant_id == user.pk
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role in GLOBAL_ROLES or user.is_superuser:
        return True
    if user.role == Role.AGENT:
        return _base().filter(staff_case_scope(user), pk=case.pk).exists() if ask else None
    if user.role in CENTER_ROLES:
        return user.center_id is not None and case.center.path.startswith(user.center.path)
    if user.role in DEPARTMENT_ROLES:
        if user.department_id is not None and case.department_id == user.department_id:
            return True  # his own department is always in the set: no query
        if not ask:
            return None
        ids = user_department_ids(user)
        return case.department_id in ids or any(step.department_id in ids for step in case_steps(case))
    return False


# --- a case for an act: one prepared statement, the item version kept -----------

# Item versions by id, kept by the process across requests with their steps
# and materials (``case_steps``/``case_materials``). Only a draft is ever
# edited (catalog.services) and a case names a published version, so a kept
# version is current as long as its ``updated_at`` is — every save and the
# publication that supersedes it move that column, and the case's statement
# reads it: a changed version is read again, in every process. The steps'
# departments are kept for their ids (the grant a step needs), not their names.
_versions: dict[int, ItemVersion] = {}


def version_kept(version_id: int, updated_at) -> ItemVersion:
    """The item version ``version_id`` as of ``updated_at``: the kept one, or
    read and kept (drafts are not kept). A copy, so that what a request sets
    on it (its item) stays in that request."""
    version = _versions.get(version_id)
    if version is None or version.updated_at != updated_at:
        version = ItemVersion.objects.get(pk=version_id)
        steps = list(version.steps.select_related("department").order_by("order"))
        version._ordered_steps, version._ordered_materials = steps, list(version.materials.all())
        if version.status != VersionStatus.DRAFT:
            _versions[version_id] = version
    # ``copy.copy`` of a model goes through the pickling protocol; this is
    # what it gives (``Model.__getstate__``: the attributes and the state,
    # with its cache of related objects, copied), at a fraction of the cost.
    clone = object.__new__(ItemVersion)
    clone.__dict__.update(version.__dict__)
    clone._state = copy.copy(version._state)
    clone._state.fields_cache = version._state.fields_cache.copy()
    return clone


# The item version's id and ``updated_at`` (alias ``v``), read with a case
# or an item: which kept version it is (``version_kept``).
_VERSION = (("v", ItemVersion, "id"), ("v", ItemVersion, "updated_at"))


@functools.cache
def _checks_statement(alias: str) -> Prepared:
    return Prepared(alias, ((MaterialCheck, "m"),), lambda t, c: (
        f"FROM {t(MaterialCheck)} m WHERE m.{c(MaterialCheck, 'case')} = %s ORDER BY m.{c(MaterialCheck, 'material_order')}"))


@functools.cache
def _act_statement(alias: str, where=None) -> Prepared:
    """The case row with its item, department and center, and its version's
    id and ``updated_at``: of the case ``number``, or of the cases ``where``
    selects (``cases_load_for_act``), in the order of their ids."""
    def tail(t, c) -> str:
        condition = where(t, c) if where else f"c.{c(Case, 'number')} = %s"
        return (f"FROM {t(Case)} c INNER JOIN {t(ItemVersion)} v ON v.{c(ItemVersion, 'id')} = c.{c(Case, 'item_version')}"
                f" INNER JOIN {t(Item)} i ON i.{c(Item, 'id')} = v.{c(ItemVersion, 'item')}"
                f" INNER JOIN {t(Department)} d ON d.{c(Department, 'id')} = c.{c(Case, 'department')}"
                f" INNER JOIN {t(Center)} n ON n.{c(Center, 'id')} = c.{c(Case, 'center')}"
                f" WHERE {condition} ORDER BY c.{c(Case, 'id')}")
    return Prepared(alias, ((Case, "c"), (Item, "i"), (Department, "d"), (Center, "n")), tail, extra=_VERSION)


def _for_act(objects: list, version_id: int, updated_at) -> Case:
    case, item, department, center = objects
    version = version_kept(version_id, updated_at)
    version.item = item
    case.item_version, case.department, case.center = version, department, center
    return case


def case_load_for_act(*, number: str) -> Case | None:
    """The case ``number`` for an act, whoever may see it (the caller asks
    ``case_visible``), or None: the case row with its item, department and
    center in one prepared statement, and its item version as kept
    (``version_kept``) — what the transitions, the notices and the
    supervision rules read, without the ORM building the query again."""
    found = _act_statement(router.db_for_read(Case)).fetch([number])
    return None if found is None else _for_act(*found)


def cases_load_for_act(where, params: list) -> list[Case]:
    """``case_load_for_act`` for every case ``where`` selects, in the order of
    their ids, in one statement: ``where(t, c)`` gives the SQL condition on
    the case (alias ``c``; ``t(model)`` a table's name, ``c(model, field)``
    a column's), ``params`` its parameters. The statement is built once per
    ``where``: pass a function defined once, not a new one each call."""
    return [_for_act(*row) for row in _act_statement(router.db_for_read(Case), where).fetch_rows(params)]


def case_get_for_act(*, user: User, number: str) -> Case | None:
    """``case_load_for_act`` within what ``user`` may see, or None."""
    case = case_load_for_act(number=number)
    return case if case is not None and case_visible(user, case) else None


@functools.cache
def _published_statement(alias: str) -> Prepared:
    return Prepared(alias, ((Item, "i"), (Department, "d")), lambda t, c: (
        f"FROM {t(Item)} i INNER JOIN {t(ItemVersion)} v ON v.{c(ItemVersion, 'item')} = i.{c(Item, 'id')}"
        f" INNER JOIN {t(Department)} d ON d.{c(Department, 'id')} = i.{c(Item, 'department')}"
        f" WHERE i.{c(Item, 'code')} = %s AND v.{c(ItemVersion, 'status')} = %s"), extra=_VERSION)


def version_published_kept(*, code: str) -> ItemVersion | None:
    """The published version of the item ``code``, as
    ``catalog.selectors.version_get_published`` finds it, with its item and
    department read in the same statement and the version itself as kept
    (``version_kept``, with its steps and materials): what receiving a case reads."""
    found = _published_statement(router.db_for_read(Item)).fetch([code, VersionStatus.PUBLISHED])
    if found is None:
        return None
    (item, department), version_id, updated_at = found
    item.department = department
    version = version_kept(version_id, updated_at)
    version.item = item
    return version


@functools.cache
def _center_statement(alias: str) -> Prepared:
    return Prepared(alias, ((Center, "n"),), lambda t, c: f"FROM {t(Center)} n WHERE n.{c(Center, 'code')} = %s")


def center_by_code(code: str) -> Center | None:
    """The center ``code`` names (a unique code), as a receipt reads it."""
    found = _center_statement(router.db_for_read(Center)).fetch_all([code])
    return found[0] if found else None


def idempotency_key_get(*, user_id: int, key: str) -> tuple[str, int] | None:
    """The request hash and case stored under ``key`` for this user, or None
    (every receipt asks: one fixed statement)."""
    connection = connections[router.db_for_read(IdempotencyKey)]
    with connection.cursor() as cursor:
        cursor.execute(_idempotency_sql(connection.alias), [user_id, key])
        return cursor.fetchone()


@functools.cache
def _idempotency_sql(alias: str) -> str:
    qn = connections[alias].ops.quote_name

    def column(name: str) -> str:
        return qn(IdempotencyKey._meta.get_field(name).column)

    return (f"SELECT {column('request_hash')}, {column('case')} FROM {qn(IdempotencyKey._meta.db_table)} "
            f"WHERE {column('user')} = %s AND {column('key')} = %s")


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
