"""The applicant's own page of agency authorizations on the portal (我的代办授权):
the authorizations given in his name, and revoking one with a reason —
only he (of the applicants) may, and the agent can no longer act."""

import pytest
from django.urls import reverse

from govhall.agency.models import AgencyAuthorization
from govhall.agency.services import agency_revoke
from govhall.agency.tests.conftest import grant
from govhall.cases import services as cases
from govhall.cases.tests.conftest import apply_online, at
from govhall.core.errors import NotPermitted
from govhall.core.models import AuditEvent
from govhall.org.models import User
from govhall.org.roles import Role


@pytest.fixture
def neighbour(hall):
    return User.objects.create_user(username="lisi_portal", password="x", role=Role.APPLICANT, full_name="李四",
                                    id_number="110101199001010015", phone="13900001111")


def test_the_applicant_sees_the_authorizations_in_his_name_with_scope_agent_and_validity(client, desk, agent,
                                                                                     neighbour):
    # recorded at the window without his account: matched by his identity number
    his = grant(agent=agent, applicant=desk.applicant, items=[desk.item], applicant_account=None)
    theirs = grant(agent=agent, applicant=neighbour, applicant_account=None)
    client.force_login(desk.applicant)
    assert reverse("portal_my_agencies") in client.get(reverse("portal_my_cases")).content.decode()
    page = client.get(reverse("portal_my_agencies")).content.decode()
    assert "王代办" in page and desk.version.name in page and "2026-03-01 — 2026-06-30" in page
    assert reverse("portal_my_agency_revoke", args=[his.pk]) in page
    assert reverse("portal_my_agency_revoke", args=[theirs.pk]) not in page
    assert "全部事项" not in page  # 李四's authorization (every item) is not shown


def test_the_applicant_revokes_with_a_reason_and_the_agent_can_no_longer_act(client, desk, agent):
    record = grant(agent=agent, applicant=desk.applicant, items=[desk.item])
    case = apply_online(applicant=desk.applicant, version=desk.version, center=desk.district,
                        when=at("2026-03-02 10:00"))
    client.force_login(desk.applicant)
    url = reverse("portal_my_agency_revoke", args=[record.pk])
    refused = client.post(url, {"reason": " "}, follow=True)
    assert "撤销授权须写明原因" in refused.content.decode()
    assert AgencyAuthorization.objects.get(pk=record.pk).revoked_at is None
    done = client.post(url, {"reason": "本人自行办理"}, follow=True)
    assert "代办授权已撤销" in done.content.decode() and "本人自行办理" in done.content.decode()
    record.refresh_from_db()
    assert record.revoked_by == desk.applicant and record.revoke_reason == "本人自行办理"
    assert AuditEvent.objects.get(action="agency_revoke").actor == desk.applicant
    with pytest.raises(NotPermitted):
        cases.case_withdraw(actor=agent, case=case, reason="代为撤回", at=at("2026-03-02 11:00"))


def test_only_the_applicant_it_names_may_revoke_it(client, desk, agent, neighbour):
    record = grant(agent=agent, applicant=desk.applicant)
    client.force_login(neighbour)
    assert client.post(reverse("portal_my_agency_revoke", args=[record.pk]), {"reason": "x"}).status_code == 404
    for someone in (neighbour, desk.clerk):
        with pytest.raises(NotPermitted):
            agency_revoke(actor=someone, authorization=record, reason="不是我的")
    client.force_login(desk.clerk)
    assert client.get(reverse("portal_my_agencies")).status_code == 403
    assert AgencyAuthorization.objects.get(pk=record.pk).revoked_at is None
