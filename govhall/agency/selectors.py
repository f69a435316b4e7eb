"""Reading agency authorizations: which one covers an agent's act on a
case (the policy table asks this, cases/policy.py), and who sees which."""

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from govhall.agency.models import AgencyAuthorization
from govhall.org.roles import GLOBAL_ROLES, Role


def agency_covering(agent, *, applicant_id_number: str, item, on: date, pk: int | None = None,
                    lock: bool = False) -> AgencyAuthorization | None:
    """The authorization under which ``agent`` may act on ``on`` for the
    applicant with ``applicant_id_number`` on ``item`` (a catalog Item):
    held by him, not revoked, valid that day, the item in scope (``pk``:
    that one authorization). None: none.

    ``lock``: inside the act's transaction, the row found is locked (FOR
    UPDATE, the authorization's row only) until the act commits, so that a
    revocation (``agency_revoke`` locks the same row) either waits for the
    act or, committed first, is seen by this read (PostgreSQL re-reads a row
    it waited for and drops it when no longer valid): an act cannot pass
    under an authorization revoked at the same moment. The same one
    statement as without the lock."""
    number = (applicant_id_number or "").strip().upper()
    if not number or agent.role != Role.AGENT or not agent.is_active:
        return None
    rows = AgencyAuthorization.objects.filter(pk=pk) if pk is not None else AgencyAuthorization.objects
    if lock:
        rows = rows.select_for_update(of=("self",))
    return (rows
            .filter(agent=agent, applicant_id_number=number, revoked_at__isnull=True,
                    valid_from__lte=on, expires_on__gte=on)
            .filter(Q(all_items=True) | Q(items=item))
            .order_by("-expires_on", "-id").first())


def agency_list_visible(*, user) -> QuerySet[AgencyAuthorization]:
    """An agent sees his own authorizations; a center manager those of his
    center and the centers below; global roles all."""
    rows = AgencyAuthorization.objects.select_related("agent", "center", "applicant_account")
    if not user.is_authenticated or not user.is_active:
        return rows.none()
    if user.role in GLOBAL_ROLES or user.is_superuser:
        return rows
    if user.role == Role.AGENT:
        return rows.filter(agent=user)
    if user.role == Role.CENTER_MANAGER and user.center_id is not None:
        return rows.filter(center__path__startswith=user.center.path)
    return rows.none()


def agency_list_for_applicant(*, user) -> QuerySet[AgencyAuthorization]:
    """The authorizations given in the name of ``user``, an applicant's
    portal account (``agency.policy.names_applicant``: the account's
    identity number, or the account named), the newest first."""
    rows = AgencyAuthorization.objects.select_related("agent").prefetch_related("items__current")
    if not user.is_authenticated or not user.is_active or user.role != Role.APPLICANT:
        return rows.none()
    number = (user.id_number or "").strip().upper()
    return rows.filter(Q(applicant_account=user) | (Q(applicant_id_number=number) if number else Q(pk__in=[])))


def agency_by_number(number: int | None) -> AgencyAuthorization | None:
    """The authorization a clerk names at the window (None: none named);
    whether it covers the receipt is the policy table's question
    (``cases.policy.agency_present``)."""
    from govhall.core.errors import DomainError

    if number is None:
        return None
    found = AgencyAuthorization.objects.select_related("agent").filter(pk=number).first()
    if found is None:
        raise DomainError(_("没有该编号的代办授权。"), field="agency")
    return found


def agency_get_visible(*, user, pk: int) -> AgencyAuthorization | None:
    return agency_list_visible(user=user).filter(pk=pk).first()


def agency_cases(*, agent, on: date, state: str = "") -> QuerySet:
    """The agent's work list: the cases in his scope (``agency_case_scope``),
    the earliest deadline first; ``state`` narrows to one state."""
    from govhall.cases.models import Case

    cases = (Case.objects.filter(agency_case_scope(agent, on=on))
             .select_related("item_version", "center").order_by("state", "due_date", "number"))
    return cases.filter(state=state) if state else cases


def agency_case_scope(agent, *, on: date) -> Q:
    """The cases an agent may see: those he acted in, and those of the
    applicants and items his authorizations valid on ``on`` cover."""
    from govhall.cases.models import CaseEvent

    if not agent.is_active:
        return Q(pk__in=[])
    acted = CaseEvent.objects.filter(case=OuterRef("pk"), actor=agent)
    covered = (AgencyAuthorization.objects
               .filter(agent=agent, revoked_at__isnull=True, valid_from__lte=on, expires_on__gte=on,
                       applicant_id_number=OuterRef("applicant_id_number"))
               .filter(Q(all_items=True) | Q(items=OuterRef("item_version__item"))))
    return Q(Exists(acted)) | Q(Exists(covered))
