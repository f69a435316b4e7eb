"""Who may record and revoke an agency authorization (the agency app's
policy; the cases' policy table, cases/policy.py, decides what an agent may
do under one)."""

from govhall.core.actors import is_system
from govhall.org.roles import Role


def may_record(actor, agent) -> bool:
    """Record (or revoke) an authorization for ``agent``: the agent himself,
    a center manager of the agent's center or one above it, the system."""
    if is_system(actor):
        return True
    if not actor.is_active:
        return False
    if actor.role == Role.AGENT:
        return actor.pk == agent.pk
    return (actor.role == Role.CENTER_MANAGER and actor.center_id is not None and agent.center_id is not None
            and agent.center.path.startswith(actor.center.path))


def names_applicant(user, authorization) -> bool:
    """Whether ``authorization`` was given in the name of ``user``, an
    applicant's portal account: its identity number is the account's (how
    the agency app matches an applicant, ``agency_covering``), or it names
    the account."""
    if is_system(user) or not user.is_active or user.role != Role.APPLICANT:
        return False
    number = (user.id_number or "").strip().upper()
    return authorization.applicant_account_id == user.pk or (bool(number)
                                                             and authorization.applicant_id_number == number)


def may_revoke(actor, authorization) -> bool:
    """Revoke ``authorization``: whoever may record it for its agent, and the
    applicant it names (who signed it takes it back)."""
    return may_record(actor, authorization.agent) or names_applicant(actor, authorization)
