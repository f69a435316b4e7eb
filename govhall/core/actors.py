"""Who acts: a person (``org.User``) or the system itself.

The system — a console command run by an administrator, the demo loader, a
scheduled rule, the deadline recomputation after a calendar change — is the
explicit value ``SYSTEM``, never ``None``: a service called with
``actor=None`` (a view that forgot the user, say) raises instead of acting
with every permission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from govhall.org.models import User


class SystemActor:
    """The system itself. Looks enough like a user for the audit records
    (no primary key, role ``system``) and is refused wherever a person must act."""

    pk = None
    id = None
    role = "system"
    username = "system"
    is_superuser = False
    is_active = True
    is_authenticated = False
    center_id = None
    department_id = None
    window_id = None

    def get_full_name(self) -> str:
        return "系统"

    def __repr__(self) -> str:
        return "SYSTEM"

    def __reduce__(self):
        return "SYSTEM"  # one instance, also after pickling


SYSTEM = SystemActor()

Actor = Union["User", SystemActor]


def is_system(actor) -> bool:
    """Whether ``actor`` is the system itself. ``None`` is a programming
    error (a missing user), not the system."""
    if actor is None:
        raise TypeError("actor is None: pass the acting user, or govhall.core.actors.SYSTEM for the system itself")
    return actor is SYSTEM


def person(actor) -> User | None:
    """The user behind ``actor`` for a foreign key (None for the system)."""
    return None if is_system(actor) else actor
