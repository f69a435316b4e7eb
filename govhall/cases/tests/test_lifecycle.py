"""A case from receipt to closing, and every refusal (DESIGN 3.4)."""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from govhall.cases.tests.conftest import accept_checked, check_materials
from govhall.cases import services as cases
from govhall.cases.deadlines import case_light
from govhall.cases.events import chain_verify
from govhall.cases.models import Case, CaseEvent
from govhall.cases.notices import notice_data
from govhall.documents.notice import notice_text
from govhall.cases.states import FINISHED, TRANSITIONS, Action, State, target_state
from govhall.cases.tests.conftest import apply_online, at
from govhall.core.actors import SYSTEM
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.timing import Light
from govhall.test import suspend


def submit(desk, when="2026-03-02 10:00", **changes):
    values = dict(actor=desk.clerk, item_version=desk.version, center=desk.district, channel="window",
                  applicant_name="张三", applicant_id_number="110101199003070011", applicant_phone="13912345678",
                  at=at(when))
    values.update(changes)
    return cases.case_submit(**values)


def actions(case) -> list[str]:
    return list(case.events.order_by("seq").values_list("action", flat=True))


def test_the_whole_path_writes_one_event_per_transition_and_the_chain_holds(desk):
    case = submit(desk)
    assert case.state == State.SUBMITTED and case.number == "D1-20260302-00001" and len(case.query_code) == 8
    case = accept_checked(actor=desk.clerk, case=case, at=at("2026-03-02 10:05"))
    # 10 working days after Mon 2026-03-02, the day of acceptance not counted.
    assert case.accepted_on == date(2026, 3, 2) and case.due_date == date(2026, 3, 16)
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="材料齐全，符合条件", at=at("2026-03-05 15:00"))
    assert case.state == State.IN_REVIEW
    case = cases.case_approve(actor=desk.approver, case=case, opinion="同意", at=at("2026-03-09 09:30"))
    # Decided: delivery due within 10 working days (art. 44).
    assert case.state == State.APPROVED and case.due_date == date(2026, 3, 23)
    with pytest.raises(DomainError, match="证照尚未制作"):
        cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三")
    case = cases.case_certify(actor=desk.clerk, case=case, certificate_number="JY15116020000123", at=at("2026-03-09 15:00"))
    case = cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三", at=at("2026-03-10 10:00"))
    case = cases.case_close(actor=desk.clerk, case=case, at=at("2026-03-10 10:01"))
    assert case.state == State.CLOSED and case.due_date is None and case.visits == 2
    assert actions(case) == ["submit", "check_materials", "accept", "complete_step", "approve", "certify", "deliver", "close"]
    assert chain_verify(case) is None


def test_receipt_after_office_hours_counts_from_the_next_working_day(desk):
    case = submit(desk, when="2026-03-06 17:30")  # a Friday evening
    assert case.received_on == date(2026, 3, 9)


def test_numbers_are_consecutive_per_center_and_day(desk):
    numbers = [submit(desk).number for _ in range(3)]
    assert numbers == ["D1-20260302-00001", "D1-20260302-00002", "D1-20260302-00003"]
    assert submit(desk, when="2026-03-03 09:00").number == "D1-20260303-00001"


class TestRefusals:
    def test_a_clerk_of_another_department_cannot_accept(self, desk):
        case = submit(desk)
        with pytest.raises(NotPermitted):
            accept_checked(actor=desk.clerk_b, case=case)
        assert Case.objects.get(pk=case.pk).state == State.SUBMITTED
        assert actions(case) == ["submit"]

    def test_supervisors_only_watch(self, desk):
        case = submit(desk)
        with pytest.raises(NotPermitted):
            accept_checked(actor=desk.supervisor, case=case)

    def test_an_unauthorized_reviewer_cannot_complete_the_step(self, desk):
        case = accept_checked(actor=desk.clerk, case=submit(desk))
        with pytest.raises(NotPermitted):
            cases.case_complete_step(actor=desk.clerk, case=case, opinion="x")
        assert Case.objects.get(pk=case.pk).step == case.step and actions(case) == ["submit", "check_materials", "accept"]

    def test_a_revoked_authorization_stops_the_next_action(self, desk):
        from govhall.org.models import Action as AuthAction
        from govhall.org.models import Authorization

        case = accept_checked(actor=desk.clerk, case=submit(desk))
        Authorization.objects.filter(staff=desk.reviewer, action=AuthAction.REVIEW).delete()
        with pytest.raises(NotPermitted):
            cases.case_complete_step(actor=desk.reviewer, case=case, opinion="同意")
        assert Case.objects.get(pk=case.pk).version == case.version and actions(case) == ["submit", "check_materials", "accept"]

    def test_without_authorization_the_refusal_comes_before_the_state(self, desk):
        case = submit(desk)  # not accepted yet: no review step is open
        with pytest.raises(NotPermitted):
            cases.case_close(actor=desk.clerk_b, case=case)

    def test_no_decision_before_the_review_steps(self, desk):
        case = accept_checked(actor=desk.clerk, case=submit(desk))
        with pytest.raises(DomainError, match="审查"):
            cases.case_approve(actor=desk.approver, case=case, opinion="同意")

    def test_no_decision_without_acceptance(self, desk):
        case = submit(desk)
        with pytest.raises(DomainError) as error:
            cases.case_approve(actor=desk.approver, case=case, opinion="同意")
        assert error.value.field in {"state", "step"}
        assert Case.objects.get(pk=case.pk).state == State.SUBMITTED

    def test_rejection_needs_a_reason(self, desk):
        case = submit(desk)
        with pytest.raises(DomainError) as error:
            cases.case_reject(actor=desk.clerk, case=case, reason="  ")
        assert error.value.field == "reason"
        case = cases.case_reject(actor=desk.clerk, case=case, reason="不属于本部门职权范围", refer_to="市市场监管局")
        assert case.state == State.REJECTED
        assert case.events.last().data["refer_to"] == "市市场监管局"

    def test_denial_needs_reasons(self, desk):
        case = accept_checked(actor=desk.clerk, case=submit(desk))
        case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="不符合条件")
        with pytest.raises(DomainError) as error:
            cases.case_deny(actor=desk.approver, case=case, reasons="")
        assert error.value.field == "reasons"
        assert cases.case_deny(actor=desk.approver, case=case, reasons="经营场所不符合要求").state == State.DENIED

    def test_a_stale_copy_loses(self, desk):
        case = submit(desk)
        first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
        accept_checked(actor=desk.clerk, case=first)
        with pytest.raises(Conflict):
            cases.case_reject(actor=desk.clerk, case=second, reason="材料不全")
        assert Case.objects.get(pk=case.pk).state == State.ACCEPTED
        assert actions(case) == ["submit", "check_materials", "accept"]


class TestCorrection:
    def test_one_notice_lists_everything_then_resubmission(self, desk):
        case = submit(desk)
        with pytest.raises(DomainError):
            cases.case_request_correction(actor=desk.clerk, case=case, items=[])
        case = cases.case_request_correction(actor=desk.clerk, case=case, at=at("2026-03-03 10:00"), items=[
            {"material": "食品经营许可申请书", "problem": "缺少法定代表人签字"},
            {"material": "营业执照", "problem": "已过期"}])
        assert case.state == State.CORRECTION and len(case.events.last().data["items"]) == 2
        case = cases.case_resubmit(actor=desk.clerk, case=case, at=at("2026-03-05 11:00"))
        assert case.state == State.SUBMITTED and case.received_on == date(2026, 3, 5) and case.visits == 2
        case = accept_checked(actor=desk.clerk, case=case, at=at("2026-03-05 11:10"))
        assert case.accepted_on == date(2026, 3, 5)

    def test_no_correction_notice_after_five_working_days(self, desk):
        case = submit(desk)  # received Mon 2026-03-02; the 5th working day after is Mon 03-09
        with pytest.raises(DomainError, match="5 个工作日"):
            cases.case_request_correction(actor=desk.clerk, case=case, at=at("2026-03-10 09:00"),
                                          items=[{"material": "申请书", "problem": "缺签字"}])

    def test_late_acceptance_counts_from_receipt(self, desk):
        case = accept_checked(actor=desk.clerk, case=submit(desk), at=at("2026-03-12 09:00"))
        assert case.accepted_on == date(2026, 3, 2)
        assert case.events.last().data["deemed_accepted_from_receipt"] is True


class TestSpecialProcedureAndExtension:
    def test_suspension_pauses_the_clock_and_needs_the_head(self, desk):
        case = accept_checked(actor=desk.clerk, case=submit(desk))  # due 03-16
        with pytest.raises(DomainError) as error:
            cases.case_request_suspension(actor=desk.reviewer, case=case, ground="lunch", reason="x", expected_days=3)
        assert error.value.field == "ground"
        case = cases.case_request_suspension(actor=desk.reviewer, case=case, ground="testing",
                                             reason="委托检测机构检测经营场所", expected_days=3, at=at("2026-03-04 09:00"))
        assert case.state == State.IN_REVIEW or case.state == State.ACCEPTED  # nothing pauses on a request
        for someone_else in (desk.reviewer, desk.approver):
            with pytest.raises(NotPermitted):
                cases.case_suspend(actor=someone_else, case=case, at=at("2026-03-04 10:00"))
        case = cases.case_suspend(actor=desk.head, case=case, at=at("2026-03-04 10:00"))
        assert case.state == State.SUSPENDED
        assert case.pauses.get().approved_by == desk.head
        assert case_light(case, today=date(2026, 4, 1)) is None  # a lawful pause is never red: no clock runs
        # Paused Wed 03-04 (2 days used: 03-03, 03-04), resumed Wed 03-11: 8 left → Mon 03-23.
        case = cases.case_resume(actor=desk.reviewer, case=case, at=at("2026-03-11 16:00"))
        assert case.state == State.IN_REVIEW and case.due_date == date(2026, 3, 23)

    def test_the_head_approves_a_special_procedure_as_his_own_act(self, desk):
        case = accept_checked(actor=desk.clerk, case=submit(desk))
        case = cases.case_request_suspension(actor=desk.reviewer, case=case, ground="expert_review",
                                             reason="组织专家评审", expected_days=5, at=at("2026-03-04 09:00"))
        assert case.request_action == "suspend" and not case.notices.filter(kind="suspension").exists()
        with pytest.raises(DomainError, match="等待部门负责人审批"):  # one request at a time
            cases.case_request_extension(actor=desk.reviewer, case=case, days=5, reason="情况复杂")
        case = cases.case_suspend(actor=desk.head, case=case, at=at("2026-03-04 10:00"))
        *_, asked, approved = case.events.order_by("seq")
        assert (asked.action, asked.actor, approved.action, approved.actor) == (
            "request_suspension", desk.reviewer, "suspend", desk.head)
        assert approved.data["requested_by_name"] == desk.reviewer.display_name
        notice = case.notices.get(kind="suspension")
        assert notice.issued_by == desk.head and case.request_action == ""
        assert "经本机关负责人批准" in notice_text(notice_data(notice))

    def test_the_head_approves_or_refuses_an_extension_request(self, desk):
        case = accept_checked(actor=desk.clerk, case=submit(desk))  # due 03-16
        case = cases.case_request_extension(actor=desk.reviewer, case=case, days=5, reason="需征求相关部门意见")
        case = cases.case_refuse_request(actor=desk.head, case=case, reason="可在期限内办结")
        assert case.request_action == "" and case.extension_days == 0 and case.due_date == date(2026, 3, 16)
        case = cases.case_request_extension(actor=desk.reviewer, case=case, days=5, reason="需征求相关部门意见")
        with pytest.raises(NotPermitted):
            cases.case_extend(actor=desk.reviewer, case=case)
        case = cases.case_extend(actor=desk.head, case=case)  # the days and reason asked for
        assert (case.extension_days, case.due_date, case.request_action) == (5, date(2026, 3, 23), "")
        assert case.notices.get(kind="extension").issued_by == desk.head

    def test_one_extension_of_at_most_ten_days_by_the_head(self, desk):
        case = accept_checked(actor=desk.clerk, case=submit(desk))
        with pytest.raises(NotPermitted):
            cases.case_extend(actor=desk.approver, case=case, days=5, reason="情况复杂")
        with pytest.raises(DomainError):
            cases.case_extend(actor=desk.head, case=case, days=11, reason="情况复杂")
        case = cases.case_extend(actor=desk.head, case=case, days=10, reason="情况复杂，需征求意见")
        assert case.due_date == date(2026, 3, 30)
        with pytest.raises(DomainError, match="一次"):
            cases.case_extend(actor=desk.head, case=case, days=1, reason="再延")


def test_lights_follow_the_deadline(desk):
    case = accept_checked(actor=desk.clerk, case=submit(desk))  # due Mon 03-16, promised 10 → yellow at ≤ 2 days
    assert case_light(case, today=date(2026, 3, 2)) == Light.GREEN
    assert case_light(case, today=date(2026, 3, 13)) == Light.YELLOW
    assert case_light(case, today=date(2026, 3, 17)) == Light.RED


def test_the_applicant_withdraws_only_their_own(desk):
    own = apply_online(applicant=desk.applicant, version=desk.version, center=desk.district, when=at("2026-03-02 10:00"))
    with pytest.raises(NotPermitted):
        cases.case_withdraw(actor=desk.clerk_b, case=own)
    assert cases.case_withdraw(actor=desk.applicant, case=own, reason="不办了").state == State.WITHDRAWN
    other = submit(desk)
    with pytest.raises(NotPermitted):
        cases.case_withdraw(actor=desk.applicant, case=other)


def test_applicants_apply_online_only_in_their_own_name(desk):
    with pytest.raises(NotPermitted):
        submit(desk, actor=desk.applicant, channel="window", applicant=desk.applicant)
    with pytest.raises(NotPermitted):
        submit(desk, actor=desk.applicant, channel="online", applicant=desk.clerk)


def test_termination_by_the_head_with_a_reason(desk):
    case = submit(desk)
    with pytest.raises(NotPermitted):
        cases.case_terminate(actor=desk.clerk, case=case, reason="申请人死亡")
    assert cases.case_terminate(actor=desk.head, case=case, reason="申请人主体资格消灭").state == State.TERMINATED


def test_an_immediate_item_is_done_on_the_spot(desk):
    case = check_materials(actor=desk.clerk, case=submit(desk), at=at("2026-03-02 10:05"))
    case = cases.case_immediate(actor=SYSTEM, case=case, opinion="当场办结", received_by="张三", at=at("2026-03-02 10:10"))
    assert case.state == State.DELIVERED
    assert actions(case) == ["submit", "check_materials", "accept", "complete_step", "approve", "certify", "deliver"]
    assert case.visits == 1  # handed in and picked up in the same visit (最多跑一次)


def test_bad_input_leaves_nothing_half_written(desk):
    with pytest.raises(DomainError) as error:
        submit(desk, applicant_phone="")
    assert error.value.field == "applicant_phone"
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


@pytest.mark.parametrize("state", list(State))
def test_every_state_action_pair_follows_the_table(state):
    for action in Action:
        sources, target = TRANSITIONS[action]
        result = target_state(action, state)
        assert (result is not None) == (state in sources)
        if state in FINISHED:
            assert result is None  # nothing leaves a finished case


class TestAuditChain:
    def test_verify_audit_passes_on_intact_chains(self, desk, capsys):
        accept_checked(actor=desk.clerk, case=submit(desk))
        call_command("verify_audit")
        assert "1 case chain(s) verified" in capsys.readouterr().out

    def test_an_edited_event_is_named(self, desk, capsys):
        case = accept_checked(actor=desk.clerk, case=submit(desk))
        CaseEvent.objects.filter(case=case, seq=2).update(data={"forged": True})
        with pytest.raises(CommandError):
            call_command("verify_audit")
        assert f"{case.number} event #2: content was changed" in capsys.readouterr().err

    def test_a_deleted_event_is_named(self, desk, capsys):
        case = accept_checked(actor=desk.clerk, case=submit(desk))
        case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="ok")
        CaseEvent.objects.filter(case=case, seq=2).delete()
        with pytest.raises(CommandError):
            call_command("verify_audit")
        assert "event #3: event #2 is missing" in capsys.readouterr().err

    def test_the_deleted_last_event_is_named(self, desk, capsys):
        # The case row keeps the chain's head: cutting off the tail shows.
        case = accept_checked(actor=desk.clerk, case=submit(desk))
        case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="ok")
        CaseEvent.objects.filter(case=case, seq=4).delete()
        with pytest.raises(CommandError):
            call_command("verify_audit")
        assert f"{case.number} event #4: the case's last event #4 is missing" in capsys.readouterr().err

    def test_sm3_chains_verify_too(self, desk, settings):
        settings.GOVHALL_AUDIT_HASH = "sm3"
        case = accept_checked(actor=desk.clerk, case=submit(desk))
        assert set(case.events.values_list("hash_alg", flat=True)) == {"sm3"}
        assert chain_verify(case) is None


def test_a_fee_is_recorded_before_delivery(desk):
    from decimal import Decimal

    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec

    paid = item_create(actor=SYSTEM, spec=complete_spec(
        "A", code="A-FEE", status="published", no_fee=False, result_type="approval_document",
        fees=[{"name": "工本费", "amount": "10.00", "rule": "", "basis": "某价费文件"}])).current
    case = accept_checked(actor=desk.clerk, case=submit(desk, item_version=paid))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="符合")
    case = cases.case_approve(actor=desk.approver, case=case, opinion="同意")
    with pytest.raises(DomainError, match="尚未缴费"):
        cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三")
    with pytest.raises(DomainError) as error:
        cases.case_record_payment(actor=desk.clerk, case=case, amount=Decimal("0"), method="cash", receipt_number="1")
    assert error.value.field == "amount"
    case = cases.case_record_payment(actor=desk.clerk, case=case, amount=Decimal("10.00"), method="cash", receipt_number="NO.0001")
    assert case.fee_amount == Decimal("10.00")
    assert cases.case_deliver(actor=desk.clerk, case=case, method="mail", received_by="张三").state == State.DELIVERED


def test_no_payment_on_a_free_item(desk):
    from decimal import Decimal

    case = accept_checked(actor=desk.clerk, case=submit(desk))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="符合")
    case = cases.case_approve(actor=desk.approver, case=case, opinion="同意")
    with pytest.raises(DomainError, match="不收费"):
        cases.case_record_payment(actor=desk.clerk, case=case, amount=Decimal("5"), method="cash", receipt_number="1")


def test_an_official_year_moves_the_deadlines_of_open_cases(desk, django_capture_on_commit_callbacks):
    from govhall.calendars.services import calendar_year_enter

    # Accepted Mon 2026-12-28 for 10 working days: 12-29…31, (Jan 1 off), Jan 4–8, 11, 12 → Tue 2027-01-12
    # on the provisional 2027; the official schedule adds Jan 4 as a day off → Wed 01-13.
    case = accept_checked(actor=desk.clerk, case=submit(desk, when="2026-12-28 10:00"), at=at("2026-12-28 10:05"))
    assert case.due_date == date(2027, 1, 12) and case.deadline_provisional
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_enter(actor=desk.admin, year=2027, source="国务院办公厅通知（测试）",
                            holidays={date(2027, 1, 1): "元旦", date(2027, 1, 4): "元旦"}, workdays={})
    case.refresh_from_db()
    assert case.due_date == date(2027, 1, 13) and not case.deadline_provisional
    event = case.events.last()
    assert event.action == "recompute_deadline" and event.data["old_due_date"] == "2027-01-12"
    assert chain_verify(case) is None


def test_an_event_inserted_into_a_chain_is_named(desk, capsys):
    from govhall.cases.events import event_record

    case = accept_checked(actor=desk.clerk, case=submit(desk))
    forged = event_record(case=case, actor=SYSTEM, action="approve", from_state="accepted", to_state="approved")
    # Slip the forged event in before the real acceptance (#3, after the check).
    CaseEvent.objects.filter(case=case, action="accept").update(seq=99)
    CaseEvent.objects.filter(pk=forged.pk).update(seq=3)
    CaseEvent.objects.filter(case=case, action="accept").update(seq=4)
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"{case.number} event #3" in capsys.readouterr().err


def test_a_service_called_without_an_actor_refuses_and_changes_nothing(desk):
    case = submit(desk)
    with pytest.raises(TypeError, match="SYSTEM"):
        accept_checked(actor=None, case=case, at=at("2026-03-02 10:05"))
    case.refresh_from_db()
    assert case.state == State.SUBMITTED and actions(case) == ["submit"]


def test_the_system_is_recorded_as_such_in_the_chain(desk):
    case = accept_checked(actor=SYSTEM, case=submit(desk), at=at("2026-03-02 10:05"))
    event = case.events.order_by("-seq").first()
    assert event.actor_id is None and event.actor_role == "system"
