"""An agent acts for the applicant under a valid authorization: every act
shows the agent and the applicant; the policy table answers the same to the
services, the action lists and supervision's integrity rule."""

from datetime import date

import pytest

from govhall.agency.services import agency_revoke
from govhall.agency.tests.conftest import grant
from govhall.cases import services as cases
from govhall.cases.policy import act_permitted
from govhall.cases.selectors import case_steps
from govhall.cases.states import Action, State
from govhall.cases.tests.conftest import accept_checked, apply_online, at
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.test import sample_pdf


def agent_applies(agent, desk, when=None):
    """The agent's online application for desk.applicant: draft, scans, submit."""
    applicant = desk.applicant
    case = cases.case_draft_create(actor=agent, item_version=desk.version, center=desk.district,
                                   applicant_name=applicant.full_name, applicant_id_number=applicant.id_number,
                                   applicant_phone=applicant.phone, at=when)
    for material in desk.version.materials.all():
        if material.handed_in_required:
            case = cases.case_material_attach(actor=agent, case=case, material_order=material.order,
                                              filename=f"{material.order}.pdf", content=sample_pdf(material.name),
                                              at=when)
    return cases.case_draft_submit(actor=agent, case=case, at=when)


def test_the_agent_applies_online_and_every_event_shows_agent_and_applicant(desk, agent):
    record = grant(agent=agent, applicant=desk.applicant, items=[desk.item])
    case = agent_applies(agent, desk)
    assert case.state == State.SUBMITTED and case.applicant == desk.applicant
    events = list(case.events.order_by("seq"))
    assert events and all(e.actor == agent for e in events)
    assert all(e.data["on_behalf"] == {"agency": record.pk, "agent": "王代办", "applicant": "张三"} for e in events)
    # the applicant still sees his own case and takes his own actions on it
    assert Action.WITHDRAW in cases.case_actions_for(desk.applicant, case)
    assert Action.WITHDRAW in cases.case_actions_for(agent, case)


def test_resubmit_and_withdraw_on_behalf(desk, agent):
    grant(agent=agent, applicant=desk.applicant)
    case = agent_applies(agent, desk)
    case = cases.case_request_correction(actor=desk.clerk, case=case,
                                         items=[{"material": "身份证", "problem": "不清晰"}])
    case = cases.case_material_attach(actor=agent, case=case, material_order=1, filename="1.pdf",
                                      content=sample_pdf("重扫"))
    case = cases.case_resubmit(actor=agent, case=case)
    assert case.visits == 0  # online: no trip to the hall
    case = cases.case_withdraw(actor=agent, case=case, reason="申请人不再需要")
    assert case.state == State.WITHDRAWN
    last = case.events.order_by("-seq").first()
    assert last.actor == agent and last.data["on_behalf"]["applicant"] == "张三"


def test_an_agent_never_takes_the_departments_actions(desk, agent):
    grant(agent=agent, applicant=desk.applicant)
    case = agent_applies(agent, desk)
    assert set(cases.case_actions_for(agent, case)) <= {Action.ATTACH_MATERIAL, Action.WITHDRAW}
    with pytest.raises(NotPermitted):
        accept_checked(actor=agent, case=case)


@pytest.mark.parametrize("how", ["expired", "revoked", "out_of_scope", "another_applicant"])
def test_without_a_valid_authorization_the_agent_is_refused(desk, agent, how):
    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec

    other_item = item_create(actor=SYSTEM,
                             spec=complete_spec("A", code="511A0000000002-D1-000-A-1-00", status="published"))
    record = grant(agent=agent, applicant=desk.applicant, items=[desk.item], expires_on=date(2026, 3, 31))
    case = apply_online(applicant=desk.applicant, version=desk.version, center=desk.district, when=at("2026-03-02 10:00"))
    when = at("2026-03-02 11:00")
    if how == "expired":
        when = at("2026-04-01 10:00")
    elif how == "revoked":
        agency_revoke(actor=agent, authorization=record, reason="申请人收回", at=at("2026-03-02 10:30"))
    elif how == "out_of_scope":
        case = apply_online(applicant=desk.applicant, version=other_item.current, center=desk.district,
                            when=at("2026-03-02 10:00"))
    else:
        record.applicant_id_number = "511602198505050023"
        record.save()
    assert Action.WITHDRAW not in cases.case_actions_for(agent, case) or how == "expired"
    with pytest.raises(NotPermitted):
        cases.case_withdraw(actor=agent, case=case, reason="代为撤回", at=when)
    assert not act_permitted(Action.WITHDRAW, actor=agent, case=case, steps=case_steps(case), step=case.step,
                             on=when.date())
    # and he cannot start an application for that applicant either
    with pytest.raises(NotPermitted):
        cases.case_draft_create(actor=agent, item_version=case.item_version, center=desk.district,
                                applicant_name="张三", applicant_id_number=case.applicant_id_number,
                                applicant_phone="13912345678", at=when)


def test_supervision_judges_the_agents_act_by_the_same_table(desk, agent):
    grant(agent=agent, applicant=desk.applicant, expires_on=date(2026, 3, 31))
    case = agent_applies(agent, desk)
    steps = case_steps(case)
    assert act_permitted(Action.SUBMIT, actor=agent, case=case, steps=steps, step=0, on=date(2026, 3, 2))
    assert not act_permitted(Action.SUBMIT, actor=agent, case=case, steps=steps, step=0, on=date(2026, 4, 1))
    assert not act_permitted(Action.ACCEPT, actor=agent, case=case, steps=steps, step=0, on=date(2026, 3, 2))


def test_at_the_window_the_clerk_records_the_agent_present(desk, agent):
    record = grant(agent=agent, applicant=desk.applicant, items=[desk.item])
    fields = {"item_version": desk.version, "center": desk.district, "channel": "window",
              "applicant_name": "张三", "applicant_id_number": desk.applicant.id_number,
              "applicant_phone": desk.applicant.phone}
    case = cases.case_submit(actor=desk.clerk, agency=record, **fields)
    event = case.events.get(action=Action.SUBMIT)
    assert event.actor == desk.clerk and event.data["on_behalf"]["agency"] == record.pk
    agency_revoke(actor=agent, authorization=record, reason="收回")
    with pytest.raises(DomainError) as refused:
        cases.case_submit(actor=desk.clerk, agency=record, **fields)
    assert refused.value.field == "agency"
    with pytest.raises(NotPermitted):
        cases.case_submit(actor=agent, **fields)  # the agent does not receive at a window


def test_the_agent_may_not_rate(desk, agent):
    from govhall.evaluation.services import rating_submit

    grant(agent=agent, applicant=desk.applicant)
    case = agent_applies(agent, desk)
    with pytest.raises(NotPermitted):
        rating_submit(actor=agent, case=case, level=5)


def test_the_case_page_shows_the_agent_acting_for_the_applicant(desk, agent, client):
    grant(agent=agent, applicant=desk.applicant)
    case = agent_applies(agent, desk)
    for reader in (agent, desk.clerk):
        client.force_login(reader)
        page = client.get(f"/workbench/cases/{case.pk}/")
        assert page.status_code == 200
        assert "代办员 王代办 代 申请人 张三" in page.content.decode()


def test_the_agent_sees_only_the_cases_of_his_authorizations(desk, agent, client):
    from govhall.cases.selectors import case_visible

    own = apply_online(applicant=desk.applicant, version=desk.version, center=desk.district,
                       when=at("2026-03-02 10:00"))
    client.force_login(agent)
    assert client.get(f"/workbench/cases/{own.pk}/").status_code == 404
    assert not case_visible(agent, own)
    record = grant(agent=agent, applicant=desk.applicant)
    assert case_visible(agent, own)
    agency_revoke(actor=agent, authorization=record, reason="收回")
    assert not case_visible(agent, own)  # never acted in it, no longer covered


def test_through_the_api_the_agent_starts_a_draft_and_loses_it_with_the_authorization(desk, agent):
    from django.urls import reverse
    from rest_framework.test import APIClient

    record = grant(agent=agent, applicant=desk.applicant)
    api = APIClient()
    api.force_authenticate(agent)
    body = {"item": desk.item.code, "center": "D1", "applicant_name": "张三", "draft": True,
            "applicant_id_number": desk.applicant.id_number, "applicant_phone": desk.applicant.phone}
    created = api.post(reverse("api_cases"), body, format="json", HTTP_IDEMPOTENCY_KEY="agent-1")
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    assert set(created.json()["actions"]) == {"submit", "attach_material"}
    assert created.json()["events"][0]["data"]["on_behalf"]["agency"] == record.pk
    agency_revoke(actor=agent, authorization=record, reason="收回")
    again = api.get(reverse("api_case", args=[number]))
    assert again.status_code == 200 and again.json()["actions"] == []  # he acted in it: he sees it, no more
    refused = api.post(reverse("api_case_act_submit", args=[number]), {}, format="json")
    assert refused.status_code == 403
