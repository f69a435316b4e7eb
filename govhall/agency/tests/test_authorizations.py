"""Recording and revoking agency authorizations: who may, what is refused
(naming the field), what the audit log keeps (masked)."""

from datetime import date

import pytest

from govhall.agency.models import AgencyAuthorization
from govhall.agency.selectors import agency_list_visible
from govhall.agency.services import agency_revoke
from govhall.agency.tests.conftest import grant
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent


def test_the_agent_records_an_authorization_with_the_signed_document(desk, agent):
    record = grant(actor=agent, agent=agent, applicant=desk.applicant, items=[desk.item])
    assert record.recorded_by == agent and record.center == desk.district
    assert list(record.items.all()) == [desk.item] and not record.all_items
    assert record.document.read().startswith(b"%PDF") and len(record.document_sha256) == 64
    audit = AuditEvent.objects.get(action="agency_grant")
    assert desk.applicant.id_number not in str(audit.data) and audit.data["id_number"] == record.masked_id_number
    assert desk.applicant.phone not in str(audit.data)


@pytest.mark.parametrize(("changes", "field"), [
    ({"expires_on": date(2026, 2, 27), "valid_from": date(2026, 2, 1)}, "expires_on"),  # already past
    ({"expires_on": date(2026, 3, 10), "valid_from": date(2026, 3, 20)}, "expires_on"),  # out of order
    ({"expires_on": date(2027, 6, 30)}, "expires_on"),  # longer than a year
    ({"all_items": False}, "items"),  # no scope
    ({"document": b""}, "document"),
    ({"document_name": "授权书.html", "document": b"<html>signed</html>"}, "document"),
    ({"applicant_id_number": "110101199003070012"}, "applicant_id_number"),  # bad check digit
    ({"applicant_phone": "123"}, "applicant_phone"),
    ({"applicant_name": " "}, "applicant_name"),
])
def test_a_bad_authorization_is_refused_naming_the_field_and_nothing_is_written(desk, agent, changes, field):
    with pytest.raises(DomainError) as refused:
        grant(agent=agent, applicant=desk.applicant, **changes)
    assert refused.value.field == field
    assert not AgencyAuthorization.objects.exists() and not AuditEvent.objects.filter(action="agency_grant").exists()


def test_only_the_agent_himself_or_a_manager_of_his_center_records_it(desk, agent):
    with pytest.raises(NotPermitted):
        grant(actor=desk.clerk, agent=agent, applicant=desk.applicant)
    with pytest.raises(NotPermitted):
        grant(actor=desk.town_manager, agent=agent, applicant=desk.applicant)
    with pytest.raises(DomainError) as refused:
        grant(actor=desk.manager, agent=desk.clerk, applicant=desk.applicant)
    assert refused.value.field == "agent"
    assert grant(actor=desk.manager, agent=agent, applicant=desk.applicant).recorded_by == desk.manager


def test_revoking_records_when_who_and_why_once(desk, agent):
    record = grant(agent=agent, applicant=desk.applicant)
    with pytest.raises(DomainError) as refused:
        agency_revoke(actor=desk.manager, authorization=record, reason="")
    assert refused.value.field == "reason"
    with pytest.raises(NotPermitted):
        agency_revoke(actor=desk.clerk, authorization=record, reason="申请人收回")
    record = agency_revoke(actor=desk.manager, authorization=record, reason="申请人收回")
    assert record.revoked_by == desk.manager and record.revoke_reason == "申请人收回" and record.revoked_at
    with pytest.raises(DomainError) as again:
        agency_revoke(actor=desk.manager, authorization=record, reason="再次")
    assert again.value.field == "state"
    assert AuditEvent.objects.filter(action="agency_revoke").count() == 1


def test_the_agent_sees_his_own_authorizations_and_the_manager_his_centers(desk, agent):
    from govhall.org.models import User
    from govhall.org.roles import Role

    other = User.objects.create_user(username="agent_li", password="x", role=Role.AGENT, center=desk.town)
    mine = grant(agent=agent, applicant=desk.applicant)
    theirs = grant(agent=other, applicant=desk.applicant)
    assert list(agency_list_visible(user=agent)) == [mine]
    assert set(agency_list_visible(user=desk.manager)) == {mine, theirs}
    assert list(agency_list_visible(user=desk.town_manager)) == [theirs]
    assert not agency_list_visible(user=desk.clerk).exists()
    assert not agency_list_visible(user=desk.applicant).exists()
