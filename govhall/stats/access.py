"""Who sees statistics: every staff role, each within its own scope
(``org.selectors.scope_q``); single staff members' scores only those who lead them."""

from govhall.org.models import User
from govhall.org.roles import STAFF_ROLES, Role

STAFF_SCORE_ROLES = frozenset({Role.CHIEF_REPRESENTATIVE, Role.DEPARTMENT_HEAD, Role.CENTER_MANAGER,
                               Role.SUPERVISOR, Role.SYSTEM_ADMIN})


def may_see_stats(user: User) -> bool:
    return user.is_authenticated and user.is_active and (user.role in STAFF_ROLES or user.is_superuser)


def may_see_staff_scores(user: User) -> bool:
    return may_see_stats(user) and (user.role in STAFF_SCORE_ROLES or user.is_superuser)
