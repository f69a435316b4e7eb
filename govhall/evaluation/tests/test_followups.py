"""The follow-up of a bad rating: verify, correct, call back, close — in
that order, each by the right people, each with its text and an audit event."""

import pytest

from govhall.core.actors import SYSTEM
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.evaluation import services as evaluation
from govhall.evaluation.models import OPEN_FOLLOWUP_STATES, FollowUp, FollowUpState
from govhall.evaluation.tests.conftest import at, delivered
from govhall.org import services as org
from govhall.org.roles import Role


@pytest.fixture
def followup(desk):
    rating = evaluation.rating_submit(actor=desk.applicant, case=delivered(desk), level=2, comment="补正跑了两次",
                                      at=at("2026-03-03 11:00"))
    return rating.followup


def audit_actions(followup) -> list[str]:
    return list(AuditEvent.objects.filter(target_type="evaluation.followup", target_id=str(followup.pk))
                .order_by("pk").values_list("action", flat=True))


def test_the_steps_in_order(desk, followup):
    followup = evaluation.followup_verify(actor=desk.head, followup=followup, verification="经核实，窗口未一次性告知。",
                                          at=at("2026-03-04 10:00"))
    assert followup.state == FollowUpState.VERIFIED and followup.verified_by == desk.head
    followup = evaluation.followup_correct(actor=desk.reviewer, followup=followup,
                                           correction="完善一次性告知清单，对经办人员批评教育。", at=at("2026-03-05 10:00"))
    assert followup.state == FollowUpState.CORRECTED and followup.corrected_by == desk.reviewer
    followup = evaluation.followup_callback(actor=desk.manager, followup=followup, callback="电话回访，申请人认可整改。",
                                            satisfied=True, at=at("2026-03-06 10:00"))
    assert followup.state == FollowUpState.CALLED_BACK and followup.satisfied is True
    followup = evaluation.followup_close(actor=desk.manager, followup=followup, result="整改到位，予以办结。",
                                         at=at("2026-03-06 11:00"))
    stored = FollowUp.objects.get(pk=followup.pk)
    assert stored.state == FollowUpState.CLOSED and stored.closed_at == at("2026-03-06 11:00")
    assert (stored.verification, stored.correction, stored.callback, stored.result) == (
        "经核实，窗口未一次性告知。", "完善一次性告知清单，对经办人员批评教育。", "电话回访，申请人认可整改。", "整改到位，予以办结。")
    assert (stored.verified_at, stored.corrected_at, stored.called_back_at) == (
        at("2026-03-04 10:00"), at("2026-03-05 10:00"), at("2026-03-06 10:00"))
    assert (stored.closed_by, stored.called_back_by) == (desk.manager, desk.manager)
    assert audit_actions(stored) == ["followup_open", "followup_verify", "followup_correct", "followup_callback",
                                     "followup_close"]
    assert stored.state not in OPEN_FOLLOWUP_STATES


def test_a_step_out_of_order_is_refused(desk, followup):
    with pytest.raises(DomainError) as error:
        evaluation.followup_correct(actor=desk.head, followup=followup, correction="已整改")
    assert error.value.field == "state" and "待核实" in error.value.message
    with pytest.raises(DomainError) as error:
        evaluation.followup_close(actor=desk.manager, followup=followup, result="办结")
    assert error.value.field == "state"
    evaluation.followup_verify(actor=desk.head, followup=followup, verification="属实")
    with pytest.raises(DomainError) as error:
        evaluation.followup_verify(actor=desk.head, followup=followup, verification="再次核实")
    assert error.value.field == "state"
    assert FollowUp.objects.get(pk=followup.pk).state == FollowUpState.VERIFIED
    assert audit_actions(followup) == ["followup_open", "followup_verify"]


def test_each_step_needs_its_text(desk, followup):
    with pytest.raises(DomainError) as error:
        evaluation.followup_verify(actor=desk.head, followup=followup, verification="   ")
    assert error.value.field == "verification"
    evaluation.followup_verify(actor=desk.head, followup=followup, verification="属实")
    with pytest.raises(DomainError) as error:
        evaluation.followup_correct(actor=desk.head, followup=followup, correction="")
    assert error.value.field == "correction"
    evaluation.followup_correct(actor=desk.head, followup=followup, correction="已整改")
    with pytest.raises(DomainError) as error:
        evaluation.followup_callback(actor=desk.manager, followup=followup, callback="", satisfied=True)
    assert error.value.field == "callback"
    with pytest.raises(DomainError) as error:
        evaluation.followup_callback(actor=desk.manager, followup=followup, callback="已回访", satisfied="yes")
    assert error.value.field == "satisfied"
    evaluation.followup_callback(actor=desk.manager, followup=followup, callback="已回访", satisfied=False)
    with pytest.raises(DomainError) as error:
        evaluation.followup_close(actor=desk.manager, followup=followup, result=" ")
    assert error.value.field == "result"
    assert FollowUp.objects.get(pk=followup.pk).state == FollowUpState.CALLED_BACK


def test_who_may_verify_and_correct(desk, followup):
    chief = org.user_create(actor=SYSTEM, username="chief", password="x", role=Role.CHIEF_REPRESENTATIVE,
                            department=desk.dept_a)
    # Another department, a role outside the list, the read-only supervisor,
    # a manager of a center below the department's: all refused.
    for actor in (desk.clerk_b, desk.clerk, desk.approver, desk.supervisor, desk.town_manager, desk.admin, desk.applicant):
        with pytest.raises(NotPermitted):
            evaluation.followup_verify(actor=actor, followup=followup, verification="属实")
    assert FollowUp.objects.get(pk=followup.pk).state == FollowUpState.OPEN
    assert audit_actions(followup) == ["followup_open"]
    evaluation.followup_verify(actor=chief, followup=followup, verification="属实")
    evaluation.followup_correct(actor=desk.manager, followup=followup, correction="中心督促整改完毕")


def test_the_call_back_and_the_closing_are_the_centers(desk, followup):
    evaluation.followup_verify(actor=desk.head, followup=followup, verification="属实")
    evaluation.followup_correct(actor=desk.head, followup=followup, correction="已整改")
    for actor in (desk.head, desk.reviewer, desk.supervisor, desk.town_manager):
        with pytest.raises(NotPermitted):
            evaluation.followup_callback(actor=actor, followup=followup, callback="已回访", satisfied=True)
    # A manager of the city center above the district may.
    city_manager = org.user_create(actor=SYSTEM, username="city_manager", password="x", role=Role.CENTER_MANAGER,
                                   center=desk.city)
    evaluation.followup_callback(actor=city_manager, followup=followup, callback="已回访", satisfied=True)
    with pytest.raises(NotPermitted):
        evaluation.followup_close(actor=desk.head, followup=followup, result="办结")
    evaluation.followup_close(actor=desk.manager, followup=followup, result="办结")


def test_a_stale_copy_loses(desk, followup):
    first, second = FollowUp.objects.get(pk=followup.pk), FollowUp.objects.get(pk=followup.pk)
    evaluation.followup_verify(actor=desk.head, followup=first, verification="属实")
    with pytest.raises(Conflict):
        evaluation.followup_verify(actor=desk.reviewer, followup=second, verification="也属实")
    assert FollowUp.objects.get(pk=followup.pk).verification == "属实"
    assert audit_actions(followup) == ["followup_open", "followup_verify"]


def test_the_next_step_offered_to_each(desk, followup):
    assert evaluation.followup_actions_for(desk.head, followup) == ["verify"]
    assert evaluation.followup_actions_for(desk.manager, followup) == ["verify"]
    assert evaluation.followup_actions_for(desk.clerk_b, followup) == []
    assert evaluation.followup_actions_for(desk.supervisor, followup) == []
    evaluation.followup_verify(actor=desk.head, followup=followup, verification="属实")
    evaluation.followup_correct(actor=desk.head, followup=followup, correction="已整改")
    assert evaluation.followup_actions_for(desk.head, followup) == []
    assert evaluation.followup_actions_for(desk.manager, followup) == ["callback"]
