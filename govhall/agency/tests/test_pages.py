"""The workbench pages of agency service: list, record, revoke, the agent's work list."""

from django.core.files.uploadedfile import SimpleUploadedFile

from govhall.agency.models import AgencyAuthorization
from govhall.agency.tests.conftest import grant
from govhall.agency.tests.test_on_behalf import agent_applies
from govhall.test import sample_pdf


def posted(desk, agent, **changes):
    data = {"agent": agent.pk, "applicant_kind": "person", "applicant_name": "张三",
            "applicant_id_number": desk.applicant.id_number, "applicant_phone": desk.applicant.phone,
            "items": [desk.item.pk], "valid_from": "2026-03-02", "expires_on": "2026-05-31",
            "document": SimpleUploadedFile("授权书.pdf", sample_pdf("授权书"), content_type="application/pdf")}
    data.update(changes)
    return data


def test_the_agent_records_an_authorization_and_sees_it_masked(desk, agent, client):
    client.force_login(agent)
    response = client.post("/workbench/agency/new/", posted(desk, agent))
    assert response.status_code == 302
    record = AgencyAuthorization.objects.get()
    assert record.agent == agent and list(record.items.all()) == [desk.item]
    page = client.get("/workbench/agency/").content.decode()
    assert "张三" in page and record.masked_id_number in page and desk.applicant.id_number not in page
    assert desk.applicant.phone not in page and "有效" in page


def test_a_refused_authorization_names_the_field_on_the_form(desk, agent, client):
    client.force_login(agent)
    response = client.post("/workbench/agency/new/", posted(desk, agent, items=[], expires_on="2026-05-31"))
    assert response.status_code == 400 and "请选择代办事项" in response.content.decode()
    response = client.post("/workbench/agency/new/", posted(desk, agent, valid_from="2026-01-01",
                                                          expires_on="2026-02-01"))
    assert response.status_code == 400 and "授权已过期" in response.content.decode()
    assert not AgencyAuthorization.objects.exists()


def test_the_manager_revokes_with_a_reason(desk, agent, client):
    record = grant(agent=agent, applicant=desk.applicant)
    client.force_login(desk.manager)
    client.post(f"/workbench/agency/{record.pk}/revoke/", {"reason": ""})
    record.refresh_from_db()
    assert record.revoked_at is None
    client.post(f"/workbench/agency/{record.pk}/revoke/", {"reason": "申请人收回"})
    record.refresh_from_db()
    assert record.revoked_by == desk.manager and "已撤销" in client.get("/workbench/agency/").content.decode()


def test_other_roles_get_no_agency_pages(desk, agent, client):
    record = grant(agent=agent, applicant=desk.applicant)
    for person in (desk.clerk, desk.applicant):
        client.force_login(person)
        assert client.get("/workbench/agency/").status_code == 403
        assert client.get("/workbench/agency/cases/").status_code == 403
        assert client.post(f"/workbench/agency/{record.pk}/revoke/", {"reason": "x"}).status_code == 403
    client.force_login(desk.town_manager)
    assert client.post(f"/workbench/agency/{record.pk}/revoke/", {"reason": "x"}).status_code == 404


def test_the_agents_work_list_shows_his_cases_with_their_state(desk, agent, client):
    grant(agent=agent, applicant=desk.applicant)
    case = agent_applies(agent, desk)
    client.force_login(agent)
    page = client.get("/workbench/agency/cases/").content.decode()
    assert case.number in page and case.get_state_display() in page
    assert case.number not in client.get("/workbench/agency/cases/?state=accepted").content.decode()


def test_at_the_window_the_clerk_names_the_agents_authorization(desk, agent, client):
    from govhall.agency.services import agency_revoke
    from govhall.cases.models import Case
    from govhall.web.tests.test_case_pages import receive

    record = grant(agent=agent, applicant=desk.applicant)
    client.force_login(desk.clerk)
    assert receive(client, desk, agency="999999").status_code == 400  # no such authorization, no case
    assert not Case.objects.exists()
    assert receive(client, desk, agency=str(record.pk)).status_code == 302
    case = Case.objects.get()
    assert case.events.get(action="submit").data["on_behalf"]["agent"] == "王代办"
    assert "代办员 王代办 代 申请人 张三" in client.get(f"/workbench/cases/{case.pk}/").content.decode()
    agency_revoke(actor=agent, authorization=record, reason="收回")
    refused = receive(client, desk, agency=str(record.pk))
    assert refused.status_code == 400 and "该代办授权不适用于本申请" in refused.content.decode()
    assert Case.objects.count() == 1


def test_the_home_page_leads_the_agent_and_the_manager_to_the_agency_pages(desk, agent, client):
    for person, pages in ((agent, ("/workbench/agency/cases/", "/workbench/agency/")),
                          (desk.manager, ("/workbench/agency/",)), (desk.clerk, ())):
        client.force_login(person)
        home = client.get("/workbench/").content.decode()
        for page in pages:
            assert f'href="{page}"' in home
        if not pages:
            assert "/workbench/agency/" not in home
