"""Changing logins after creation (user_update, user_deactivate /
user_activate, user_set_password, API tokens): who may, what is refused,
and the one audit event each writes."""

import pytest
from rest_framework.authtoken.models import Token

from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.org import services as org
from govhall.org.models import User
from govhall.org.roles import Role


@pytest.fixture
def district_supervisor(hall):
    """A login that sees everything, placed inside the district manager's subtree."""
    return org.user_create(actor=SYSTEM, username="sup_d", password="x-long-password", role=Role.SUPERVISOR,
                           center=hall.district)


def test_a_manager_moves_staff_within_their_subtree(hall):
    org.user_update(actor=hall.manager, user=hall.clerk, changes={"center": hall.town, "window": None})
    clerk = User.objects.get(pk=hall.clerk.pk)
    assert (clerk.center, clerk.window) == (hall.town, None)
    event = AuditEvent.objects.get(action="user_update")
    assert event.actor == hall.manager
    assert event.data == {"center": {"old": str(hall.district), "new": str(hall.town)},
                          "window": {"old": str(hall.comprehensive), "new": None}}
    with pytest.raises(NotPermitted):
        org.user_update(actor=hall.manager, user=clerk, changes={"center": hall.city})
    with pytest.raises(NotPermitted):
        org.user_update(actor=hall.town_manager, user=hall.reviewer, changes={"full_name": "王五"})


def test_a_window_stays_in_the_persons_center(hall):
    with pytest.raises(DomainError) as refused:
        org.user_update(actor=SYSTEM, user=hall.clerk, changes={"center": hall.town})  # window left at the district
    assert refused.value.field == "window"
    assert User.objects.get(pk=hall.clerk.pk).center == hall.district
    assert not AuditEvent.objects.filter(action="user_update").exists()


def test_only_a_system_administrator_gives_or_manages_the_roles_that_see_everything(hall, district_supervisor):
    with pytest.raises(NotPermitted) as refused:
        org.user_update(actor=hall.manager, user=hall.hotline, changes={"role": Role.SYSTEM_ADMIN})
    assert refused.value.field == "role"
    with pytest.raises(NotPermitted):
        org.user_create(actor=hall.manager, username="sup2", password="x-long-password", role=Role.SUPERVISOR,
                        center=hall.district)
    # Nor may a manager take over such a login below them.
    with pytest.raises(NotPermitted):
        org.user_set_password(actor=hall.manager, user=district_supervisor, password="Taken-over-2026!")
    with pytest.raises(NotPermitted):
        org.user_deactivate(actor=hall.manager, user=district_supervisor)
    with pytest.raises(NotPermitted):
        org.token_issue(actor=hall.manager, user=district_supervisor)
    assert User.objects.get(pk=district_supervisor.pk).check_password("x-long-password")
    assert not User.objects.filter(username="sup2").exists() and not Token.objects.exists()
    org.user_update(actor=hall.admin, user=hall.hotline, changes={"role": Role.SUPERVISOR})
    assert User.objects.get(pk=hall.hotline.pk).role == Role.SUPERVISOR


def test_staff_and_applicant_logins_do_not_turn_into_each_other(hall):
    for user, role in ((hall.applicant, Role.CLERK), (hall.clerk, Role.APPLICANT)):
        with pytest.raises(DomainError) as refused:
            org.user_update(actor=SYSTEM, user=user, changes={"role": role})
        assert refused.value.field == "role"
    with pytest.raises(DomainError) as refused:
        org.user_update(actor=SYSTEM, user=hall.clerk, changes={"role": "mayor"})
    assert refused.value.field == "role"


def test_the_username_and_the_password_are_not_user_update_s(hall):
    for field in ("username", "password", "is_superuser"):
        with pytest.raises(DomainError) as refused:
            org.user_update(actor=SYSTEM, user=hall.clerk, changes={field: "x"})
        assert refused.value.field == field


def test_identity_numbers_are_masked_in_the_audit_event(hall):
    org.user_update(actor=hall.admin, user=hall.applicant, changes={"id_number": "11010119900307002X"})
    assert AuditEvent.objects.get(action="user_update").data == {
        "id_number": {"old": "1101**********0011", "new": "1101**********002X"}}


def test_no_change_writes_no_event(hall):
    org.user_update(actor=hall.admin, user=hall.clerk, changes={"full_name": hall.clerk.full_name})
    org.user_activate(actor=hall.admin, user=hall.clerk)  # active already
    assert not AuditEvent.objects.filter(actor=hall.admin).exists()


def test_deactivation_and_activation(hall):
    org.user_deactivate(actor=hall.manager, user=hall.reviewer)
    assert not User.objects.get(pk=hall.reviewer.pk).is_active
    org.user_activate(actor=hall.manager, user=hall.reviewer)
    assert User.objects.get(pk=hall.reviewer.pk).is_active
    assert list(AuditEvent.objects.filter(actor=hall.manager).order_by("pk").values_list("action", flat=True)) == [
        "user_deactivate", "user_activate"]
    with pytest.raises(DomainError) as refused:
        org.user_deactivate(actor=hall.manager, user=hall.manager)
    assert refused.value.field == "is_active"


def test_an_api_token_is_issued_anew_and_revoked(hall):
    first = org.token_issue(actor=hall.admin, user=hall.head)
    second = org.token_issue(actor=hall.admin, user=hall.head)
    assert list(Token.objects.values_list("key", flat=True)) == [second.key] != [first.key]
    assert [e.data["replaced"] for e in AuditEvent.objects.filter(action="token_issue").order_by("pk")] == [False, True]
    org.token_revoke(actor=hall.admin, user=hall.head)
    assert not Token.objects.exists()
    with pytest.raises(DomainError) as refused:
        org.token_revoke(actor=hall.admin, user=hall.head)
    assert refused.value.field == "user"
    org.user_deactivate(actor=hall.admin, user=hall.head)
    with pytest.raises(DomainError) as refused:
        org.token_issue(actor=hall.admin, user=User.objects.get(pk=hall.head.pk))
    assert refused.value.field == "user" and not Token.objects.exists()
