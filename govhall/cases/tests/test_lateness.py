"""Lateness stays visible (DESIGN 3.4): once a case's deadline has passed,
neither an extension (art. 42) nor a special procedure (art. 45) is
accepted, and the case stays overdue until decided. Special procedures rest
on the national grounds of art. 45, or on a ground a center registered
together with its legal basis, which the notice prints."""

from datetime import date

import pytest
import time_machine

from govhall.cases.tests.conftest import accept_checked
from govhall.cases import services as cases
from govhall.cases.deadlines import case_light
from govhall.cases.models import Case, CaseEvent, LocalSuspensionGround
from govhall.cases.notices import notice_data
from govhall.cases.selectors import suspension_grounds_for
from govhall.cases.states import Action, State
from govhall.cases.tests.conftest import at
from govhall.cases.tests.test_lifecycle import submit
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.documents import notice_text
from govhall.timing import Light
from govhall.test import suspend

DUE = date(2026, 3, 16)  # accepted Mon 03-02, 10 working days


@pytest.fixture
def late(desk):
    """A case accepted on Mon 03-02, due Mon 03-16."""
    desk.case = accept_checked(actor=desk.clerk, case=submit(desk), at=at("2026-03-02 10:05"))
    assert desk.case.due_date == DUE
    return desk


def _unchanged(case: Case, events: int):
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.due_date, fresh.extension_days, fresh.state) == (DUE, 0, State.ACCEPTED)
    assert CaseEvent.objects.filter(case=case).count() == events


def test_an_extension_after_the_deadline_is_refused_and_the_case_stays_red(late):
    case, events = late.case, late.case.events.count()
    with pytest.raises(DomainError, match="超过期限") as refused:
        cases.case_extend(actor=late.head, case=case, days=5, reason="情况复杂", at=at("2026-03-17 09:00"))
    assert refused.value.field == "state"
    _unchanged(case, events)
    assert case_light(Case.objects.get(pk=case.pk), today=date(2026, 3, 17)) == Light.RED


def test_a_special_procedure_after_the_deadline_is_refused(late):
    case, events = late.case, late.case.events.count()
    with pytest.raises(DomainError, match="超过期限"):
        cases.case_request_suspension(actor=late.reviewer, case=case, ground="expert_review", reason="专家评审",
                                      expected_days=5, at=at("2026-03-17 09:00"))
    _unchanged(case, events)


def test_on_the_last_day_both_are_still_possible(late):
    # The deadline is the end of 03-16 (art. 82): that evening is still in time.
    extended = cases.case_extend(actor=late.head, case=late.case, days=5, reason="情况复杂", at=at("2026-03-16 18:00"))
    assert extended.due_date == date(2026, 3, 23)


def test_the_action_lists_follow_the_deadline(late):
    with time_machine.travel(at("2026-03-16 15:00"), tick=False):
        assert Action.EXTEND in cases.case_actions_for(late.head, late.case)
        assert {Action.REQUEST_SUSPENSION, Action.REQUEST_EXTENSION} <= set(cases.case_actions_for(late.reviewer, late.case))
    with time_machine.travel(at("2026-03-17 09:00"), tick=False):
        assert Action.EXTEND not in cases.case_actions_for(late.head, late.case)
        assert not {Action.REQUEST_SUSPENSION, Action.REQUEST_EXTENSION} & set(cases.case_actions_for(late.reviewer, late.case))
        # The decision stays possible: the case stays overdue until decided.
        late.case = cases.case_complete_step(actor=late.reviewer, case=late.case, opinion="符合")
        assert Action.APPROVE in cases.case_actions_for(late.approver, late.case)


def test_a_request_pending_when_the_deadline_passes_cannot_be_approved(late):
    state = late.case.state
    case = cases.case_request_suspension(actor=late.reviewer, case=late.case, ground="expert_review",
                                         reason="专家评审", expected_days=5, at=at("2026-03-16 10:00"))
    with pytest.raises(DomainError, match="超过期限"):
        cases.case_suspend(actor=late.head, case=case, at=at("2026-03-17 09:00"))
    case = cases.case_refuse_request(actor=late.head, case=case, reason="已超期，应尽快作出决定", at=at("2026-03-17 09:05"))
    assert case.request_action == "" and case.state == state and not case.pauses.exists()
    *_, asked, refused = case.events.order_by("seq")
    assert (asked.action, asked.actor, refused.action, refused.actor) == (
        "request_suspension", late.reviewer, "refuse_request", late.head)


def test_extension_days_are_a_whole_number_within_the_law(late):
    for days in (0, 11, True, "5", 2**70, 5.0):
        with pytest.raises(DomainError) as refused:
            cases.case_extend(actor=late.head, case=late.case, days=days, reason="情况复杂", at=at("2026-03-03 10:00"))
        assert refused.value.field == "days", days


def test_on_site_inspection_is_not_a_national_ground(late):
    with pytest.raises(DomainError) as refused:
        cases.case_request_suspension(actor=late.reviewer, case=late.case, ground="onsite", reason="现场勘查",
                                      expected_days=3, at=at("2026-03-03 10:00"))
    assert refused.value.field == "ground"
    assert "onsite" not in [g.code for g in suspension_grounds_for(center=late.district)]


BASIS = "《某省行政许可实施办法》第二十条（示例）"


def test_a_center_adds_a_ground_only_with_its_legal_basis(late):
    with pytest.raises(DomainError) as refused:
        cases.suspension_ground_add(actor=late.manager, center=late.district, code="onsite", name="现场勘查",
                                    legal_basis="  ")
    assert refused.value.field == "legal_basis"
    with pytest.raises(NotPermitted):
        cases.suspension_ground_add(actor=late.clerk, center=late.district, code="onsite", name="现场勘查",
                                    legal_basis=BASIS)
    with pytest.raises(NotPermitted):  # a town's manager does not legislate for the district
        cases.suspension_ground_add(actor=late.town_manager, center=late.district, code="onsite", name="现场勘查",
                                    legal_basis=BASIS)
    with pytest.raises(DomainError) as refused:
        cases.suspension_ground_add(actor=late.manager, center=late.district, code="hearing", name="听证",
                                    legal_basis=BASIS)
    assert refused.value.field == "code"
    assert not LocalSuspensionGround.objects.exists()


def test_a_local_ground_is_used_and_its_basis_printed_on_the_notice(late):
    cases.suspension_ground_add(actor=SYSTEM, center=late.city, code="onsite", name="现场勘查", legal_basis=BASIS)
    # The city's ground applies to the district below it.
    assert [g.name for g in suspension_grounds_for(center=late.district) if g.local] == ["现场勘查"]
    case = suspend(late.case, reviewer=late.reviewer, head=late.head, ground="onsite", reason="核查经营场所",
                   expected_days=3, at=at("2026-03-04 10:00"))
    pause = case.pauses.get()
    assert (pause.ground_name, pause.ground_basis) == ("现场勘查", BASIS)
    text = notice_text(notice_data(case.notices.get(kind="suspension")))
    assert "现场勘查" in text and f"根据{BASIS}的规定" in text
    # Withdrawn later, the ground stays on the pause that used it.
    cases.suspension_ground_remove(actor=SYSTEM, ground=LocalSuspensionGround.objects.get())
    assert Case.objects.get(pk=case.pk).pauses.get().ground_basis == BASIS


def test_a_national_ground_cites_article_45(late):
    case = suspend(late.case, reviewer=late.reviewer, head=late.head, ground="expert_review", reason="组织专家评审",
                   expected_days=5, at=at("2026-03-04 10:00"))
    text = notice_text(notice_data(case.notices.get(kind="suspension")))
    assert "专家评审" in text and "第四十五条" in text


def test_the_admin_registers_a_ground_through_the_service(client, late):
    from django.urls import reverse

    from govhall.core.models import AuditEvent

    client.force_login(late.admin)
    url = reverse("admin:cases_localsuspensionground_add")
    missing = client.post(url, {"center": late.district.pk, "code": "onsite", "name": "现场勘查", "legal_basis": ""})
    assert missing.status_code == 200 and not LocalSuspensionGround.objects.exists()
    answer = client.post(url, {"center": late.district.pk, "code": "onsite", "name": "现场勘查", "legal_basis": BASIS})
    assert answer.status_code == 302
    ground = LocalSuspensionGround.objects.get()
    assert AuditEvent.objects.get(action="suspension_ground_add").data["legal_basis"] == BASIS
    national = client.post(url, {"center": late.district.pk, "code": "hearing", "name": "听证", "legal_basis": BASIS})
    assert national.status_code == 200 and "法定情形" in national.content.decode()
    client.post(reverse("admin:cases_localsuspensionground_delete", args=[ground.pk]), {"post": "yes"})
    assert not LocalSuspensionGround.objects.exists()
    assert AuditEvent.objects.filter(action="suspension_ground_remove").count() == 1
