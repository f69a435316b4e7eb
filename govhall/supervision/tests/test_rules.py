"""Supervision rules with a fixed clock: each condition entered and left,
alerts raised once, escalated and cleared (DESIGN 3.9).

The desk's item: 受理 (1 day) → 审查 (6) → 决定 (3), promised 10 working
days. Submitted and accepted Mon 2026-03-02: the review step is due Tue
03-10, the case Mon 03-16; the yellow light (2 working days left: 20% of 10)
starts Fri 03-13.
"""

from datetime import date
from decimal import Decimal

import pytest

from govhall.cases.tests.conftest import accept_checked, check_materials
from govhall.cases import services as cases
from govhall.cases.events import event_record
from govhall.cases.models import Case
from govhall.cases.tests.conftest import at
from govhall.cases.tests.test_lifecycle import submit
from govhall.core.actors import SYSTEM
from govhall.supervision.engine import supervise_scan
from govhall.supervision.models import Alert, AlertState
from govhall.test import suspend

pytestmark = pytest.mark.django_db


def accepted(desk, when="2026-03-02 10:00"):
    return accept_checked(actor=desk.clerk, case=submit(desk, when), at=at(when))


def scan(when: str):
    return supervise_scan(at=at(when))


def alerts(rule=None, **filters):
    qs = Alert.objects.all()
    if rule:
        qs = qs.filter(rule=rule)
    return list(qs.filter(**filters).order_by("pk"))


class TestCaseDeadline:
    def test_the_stored_watch_after_acceptance(self, desk):
        case = accepted(desk)
        assert case.due_date == date(2026, 3, 16) and case.step_due_date == date(2026, 3, 10)
        # The review step (6 days, due Tue 03-10) turns yellow with 2 working
        # days left (max(1, 20% of 6)): already on Saturday 03-07.
        assert case.light == "green" and case.watch_on == date(2026, 3, 7)

    def test_yellow_near_the_deadline_then_red_escalates_the_same_alert_and_rescans_add_nothing(self, desk):
        case = cases.case_complete_step(actor=desk.reviewer, case=accepted(desk), opinion="符合", at=at("2026-03-09 10:00"))
        assert scan("2026-03-12 10:00").cases == 0  # nothing to look at before the yellow day
        assert alerts("case.deadline") == []
        scan("2026-03-13 10:00")
        [alert] = alerts("case.deadline")
        assert alert.severity == "yellow" and alert.case == case and alert.department == desk.dept_a
        assert scan("2026-03-13 15:00").cases == 0 and len(alerts("case.deadline")) == 1
        scan("2026-03-17 09:30")  # the day after the due day: overdue
        [alert] = alerts("case.deadline")
        assert alert.severity == "red" and alert.escalated_at is not None
        case.refresh_from_db()
        assert case.light == "red" and case.watch_on is None  # nothing left to change
        scan("2026-03-18 10:00")
        assert len(alerts("case.deadline")) == 1
        # The decision step (审查 6 + 决定 3 days: due Fri 03-13) was late too.
        assert [a.subject for a in alerts("case.step_deadline")] == [f"case:{case.pk}:step:2"]

    def test_a_yellow_alert_clears_when_the_case_is_decided_in_time(self, desk):
        case = cases.case_complete_step(actor=desk.reviewer, case=accepted(desk), opinion="符合", at=at("2026-03-09 10:00"))
        scan("2026-03-13 10:00")
        cases.case_approve(actor=desk.approver, case=Case.objects.get(pk=case.pk), opinion="同意", at=at("2026-03-13 11:00"))
        [alert] = alerts("case.deadline")
        assert alert.state == AlertState.CLEARED and alert.cleared_at is not None
        # The decision step (due Fri 03-13, its last day) was near too: cleared with it.
        [step] = alerts("case.step_deadline")
        assert step.subject.endswith(":step:2") and step.state == AlertState.CLEARED

    def test_an_extension_turns_the_light_green_and_clears_the_yellow_alert(self, desk):
        case = cases.case_complete_step(actor=desk.reviewer, case=accepted(desk), opinion="符合", at=at("2026-03-09 10:00"))
        scan("2026-03-13 10:00")
        case = cases.case_extend(actor=desk.head, case=Case.objects.get(pk=case.pk), days=5, reason="需补充核查",
                                 at=at("2026-03-13 11:00"))
        assert case.light == "green" and case.due_date == date(2026, 3, 23)
        assert alerts("case.deadline")[0].state == AlertState.CLEARED

    def test_a_decision_after_the_deadline_is_red_even_without_a_scan(self, desk):
        case = cases.case_complete_step(actor=desk.reviewer, case=accepted(desk), opinion="符合", at=at("2026-03-09 10:00"))
        cases.case_approve(actor=desk.approver, case=case, opinion="同意", at=at("2026-03-18 10:00"))
        [alert] = alerts("case.deadline")
        assert alert.severity == "red" and "超过承诺期限2026-03-16" in alert.message
        assert alert.staff == desk.approver

    def test_a_red_alert_stays_after_the_case_is_decided(self, desk):
        case = cases.case_complete_step(actor=desk.reviewer, case=accepted(desk), opinion="符合", at=at("2026-03-09 10:00"))
        scan("2026-03-17 10:00")
        cases.case_approve(actor=desk.approver, case=Case.objects.get(pk=case.pk), opinion="同意", at=at("2026-03-17 11:00"))
        [alert] = alerts("case.deadline")
        assert alert.severity == "red" and alert.state == AlertState.OPEN


def test_a_review_step_near_then_past_its_deadline_has_one_alert_that_escalates(desk):
    case = accepted(desk)  # the review step is due Tue 03-10
    scan("2026-03-06 16:00")
    assert alerts("case.step_deadline") == []
    scan("2026-03-09 09:30")
    [alert] = alerts("case.step_deadline")
    assert alert.subject == f"case:{case.pk}:step:1" and alert.severity == "yellow"
    scan("2026-03-11 09:30")
    [alert] = alerts("case.step_deadline")
    assert alert.severity == "red" and "已超期" in alert.message
    scan("2026-03-12 09:30")
    assert len(alerts("case.step_deadline")) == 1


def test_a_step_finished_while_near_its_deadline_clears_its_alert(desk):
    case = accepted(desk)
    scan("2026-03-09 09:30")
    assert alerts("case.step_deadline")[0].severity == "yellow"
    cases.case_complete_step(actor=desk.reviewer, case=Case.objects.get(pk=case.pk), opinion="符合",
                             at=at("2026-03-09 10:00"))
    [alert] = alerts("case.step_deadline")
    assert alert.state == AlertState.CLEARED


def test_no_acceptance_decision_within_five_working_days_is_red(desk):
    case = submit(desk)  # Mon 03-02: the 5th working day after is Mon 03-09
    scan("2026-03-09 16:00")
    assert alerts("case.acceptance_late") == []
    scan("2026-03-10 09:30")
    [alert] = alerts("case.acceptance_late")
    assert alert.severity == "red" and alert.case == case
    # Accepting it now (deemed accepted from receipt) says the same: no second alert.
    accept_checked(actor=desk.clerk, case=Case.objects.get(pk=case.pk), at=at("2026-03-10 10:00"))
    assert len(alerts("case.acceptance_late")) == 1


def test_a_decision_not_delivered_within_ten_working_days_is_red(desk):
    case = cases.case_complete_step(actor=desk.reviewer, case=accepted(desk), opinion="符合", at=at("2026-03-03 10:00"))
    case = cases.case_approve(actor=desk.approver, case=case, opinion="同意", at=at("2026-03-04 10:00"))
    assert case.due_date == date(2026, 3, 18)
    scan("2026-03-18 16:00")
    assert alerts("case.delivery_late") == []
    scan("2026-03-19 09:30")
    [alert] = alerts("case.delivery_late")
    assert alert.severity == "red"


def test_a_second_correction_notice_breaks_the_one_time_rule(desk):
    items = [{"material": "营业执照", "problem": "复印件不清晰"}]
    case = cases.case_request_correction(actor=desk.clerk, case=submit(desk), items=items, at=at("2026-03-02 11:00"))
    assert alerts("case.correction_repeated") == []
    case = cases.case_resubmit(actor=desk.clerk, case=case, at=at("2026-03-03 10:00"))
    cases.case_request_correction(actor=desk.clerk, case=case, items=items, at=at("2026-03-03 11:00"))
    [alert] = alerts("case.correction_repeated")
    assert alert.severity == "yellow" and "第2次" in alert.message and alert.staff == desk.clerk


@pytest.mark.parametrize("paid, message", [
    ("12.00", "实收12.00元，与收费标准10.00元不符"),
    ("10.00", None),  # the standard: nothing to say
])
def test_a_fee_off_the_standard_is_red(desk, paid, message):
    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec

    version = item_create(actor=SYSTEM, spec=complete_spec(
        "A", code="A-FEE", status="published", no_fee=False, result_type="approval_document",
        fees=[{"name": "工本费", "amount": "10.00", "rule": "", "basis": "某价费文件"}])).current
    case = accept_checked(actor=desk.clerk, case=submit(desk, item_version=version), at=at("2026-03-02 10:00"))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="符合", at=at("2026-03-02 11:00"))
    case = cases.case_approve(actor=desk.approver, case=case, opinion="同意", at=at("2026-03-02 12:00"))
    cases.case_record_payment(actor=desk.clerk, case=case, amount=Decimal(paid), method="cash",
                              receipt_number="NO.1", at=at("2026-03-02 14:00"))
    found = [a.message for a in alerts("case.fee_mismatch")]
    assert (len(found) == 1 and message in found[0]) if message else found == []


class TestPauses:
    def test_a_special_procedure_started_on_a_late_case_is_red(self, desk):
        case = accepted(desk)
        case = suspend(case, reviewer=desk.reviewer, head=desk.head, ground="inspection", reason="现场核查",
                       expected_days=3, at=at("2026-03-13 10:00"))  # yellow day
        [alert] = alerts("case.pause_hides_late")
        assert alert.severity == "red" and "疑似以暂停掩盖超期" in alert.message
        assert case.light == ""  # paused: no light while the clock stands

    def test_a_special_procedure_in_good_time_raises_nothing(self, desk):
        suspend(accepted(desk), reviewer=desk.reviewer, head=desk.head, ground="inspection", reason="现场核查",
                expected_days=3, at=at("2026-03-04 10:00"))
        assert alerts() == []

    def test_pauses_longer_than_the_promised_time_are_yellow(self, desk):
        suspend(accepted(desk), reviewer=desk.reviewer, head=desk.head, ground="expert_review", reason="专家评审",
                expected_days=11, at=at("2026-03-04 10:00"))
        [alert] = alerts("case.pause_too_long")
        assert alert.severity == "yellow"

    def test_a_paused_case_is_not_watched_and_resumes_with_its_light(self, desk):
        case = suspend(accepted(desk), reviewer=desk.reviewer, head=desk.head, ground="inspection", reason="现场核查",
                       expected_days=3, at=at("2026-03-04 10:00"))
        assert case.watch_on is None
        scan("2026-03-20 10:00")
        assert alerts() == []
        case = cases.case_resume(actor=desk.reviewer, case=Case.objects.get(pk=case.pk), at=at("2026-03-20 10:00"))
        # 2 working days used (03-03, 03-04); 8 left from Fri 03-20 → Wed 04-01.
        assert case.due_date == date(2026, 4, 1) and case.light == "green"


class TestIntegrity:
    """Events written outside the services (an import, a department system,
    a hand in the database) are checked by the scan of new events."""

    def test_a_decision_without_an_acceptance_event(self, desk):
        case = submit(desk)
        event_record(case=case, actor=desk.approver, action="approve", from_state="submitted", to_state="approved",
                     at=at("2026-03-02 11:00"))
        scan("2026-03-02 12:00")
        assert [a.rule for a in alerts()] == ["case.no_acceptance"]

    def test_an_act_by_someone_without_the_authorization(self, desk):
        case = accepted(desk)
        event_record(case=case, actor=desk.clerk_b, action="approve", from_state="in_review", to_state="approved",
                     at=at("2026-03-02 11:00"))
        scan("2026-03-02 12:00")
        [alert] = alerts("case.unauthorized")
        assert alert.staff == desk.clerk_b

    def test_an_event_dated_before_the_previous_one(self, desk):
        case = accepted(desk)
        event_record(case=case, actor=SYSTEM, action="recompute_deadline", from_state="accepted", to_state="accepted",
                     at=at("2026-03-01 10:00"))
        scan("2026-03-02 12:00")
        assert [a.rule for a in alerts()] == ["case.out_of_order"]

    def test_events_are_checked_once(self, desk):
        accepted(desk)
        first = scan("2026-03-02 12:00")
        assert first.events == 3 and scan("2026-03-02 12:05").events == 0  # submit, check_materials, accept

    def test_the_services_own_events_raise_nothing(self, desk):
        case = cases.case_complete_step(actor=desk.reviewer, case=accepted(desk), opinion="符合", at=at("2026-03-03 10:00"))
        cases.case_approve(actor=desk.approver, case=case, opinion="同意", at=at("2026-03-04 10:00"))
        scan("2026-03-04 12:00")
        assert alerts() == []


def test_reasons_and_notices_are_required(desk):
    from govhall.supervision.engine import event_findings

    case = submit(desk)
    found = event_findings(case, action="reject", data={"reason": "", "notice": ""}, at=at("2026-03-02 11:00"))
    assert [f.rule for f in found] == ["case.no_reason"]
    found = event_findings(case, action="reject", data={"reason": "不属于本机关职权", "notice": "审批局不受〔2026〕1号"},
                           at=at("2026-03-02 11:00"))
    assert found == []


def test_a_late_correction_notice_is_red(desk):
    from govhall.supervision.engine import event_findings

    case = submit(desk)  # received Mon 03-02: notice due by Mon 03-09
    found = event_findings(case, action="request_correction", data={}, at=at("2026-03-10 10:00"))
    assert [f.rule for f in found] == ["case.correction_late"]


def test_the_scan_reads_only_the_cases_whose_day_has_come(desk):
    for when in ("2026-03-02 10:00", "2026-03-02 10:05", "2026-03-02 10:10"):
        accepted(desk, when)
    Case.objects.filter(pk=Case.objects.order_by("pk").first().pk).update(watch_on=date(2026, 3, 3))
    assert scan("2026-03-03 10:00").cases == 1


def test_a_bad_review_not_handled_in_time_is_red(desk):
    from govhall.evaluation.services import followup_verify, rating_submit

    case = accept_checked(actor=desk.clerk, case=submit(desk, applicant=desk.applicant), at=at("2026-03-02 10:00"))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="符合", at=at("2026-03-03 10:00"))
    case = cases.case_approve(actor=desk.approver, case=case, opinion="同意", at=at("2026-03-04 10:00"))
    if desk.version.result_type == "certificate":
        case = cases.case_certify(actor=desk.clerk, case=case, certificate_number="Z-1", at=at("2026-03-04 11:00"))
    case = cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三", at=at("2026-03-04 14:00"))
    rating = rating_submit(actor=desk.applicant, case=case, level=2, comment="等太久", at=at("2026-03-05 10:00"))
    followup = rating.followup
    assert followup.due_date == date(2026, 3, 12)  # 5 working days after Thu 03-05
    followup_verify(actor=desk.head, followup=followup, verification="情况属实", at=at("2026-03-06 10:00"))
    scan("2026-03-12 17:00")
    assert alerts("review.followup_late") == []
    scan("2026-03-13 09:00")
    [alert] = alerts("review.followup_late")
    assert alert.severity == "red" and alert.subject == f"followup:{followup.pk}" and alert.department == desk.dept_a
    scan("2026-03-13 10:00")
    assert len(alerts("review.followup_late")) == 1


def test_the_prompt_scheme_warns_late_and_reds_after_the_grace_days(desk, settings):
    # Some provinces: a prompt before the deadline (no alert), yellow once
    # overdue, red when more than 3 working days overdue (DESIGN 3.3).
    settings.GOVHALL_LIGHT_SCHEME = "prompt"
    case = cases.case_complete_step(actor=desk.reviewer, case=accepted(desk), opinion="符合", at=at("2026-03-09 10:00"))
    scan("2026-03-16 10:00")  # due today: a prompt
    assert Case.objects.get(pk=case.pk).light == "prompt" and alerts("case.deadline") == []
    scan("2026-03-17 10:00")  # overdue by one working day: yellow
    [alert] = alerts("case.deadline")
    assert alert.severity == "yellow"
    scan("2026-03-20 10:00")  # overdue by 4 working days (17, 18, 19, 20): red
    [alert] = alerts("case.deadline")
    assert alert.severity == "red"


def test_an_immediate_item_decided_on_the_spot_raises_no_warning(desk):
    """即办件: due the day it is accepted; settled on the spot, no yellow light comes and goes."""
    from govhall.catalog.services import item_edit, item_publish
    from govhall.catalog.tests.factories import complete_spec

    draft = item_edit(actor=SYSTEM, item=desk.item, spec=complete_spec("A", immediate=True, promised_days=0))
    desk.version = item_publish(actor=SYSTEM, version=draft)
    case = check_materials(actor=desk.clerk, case=submit(desk), at=at("2026-03-02 10:01"))
    case = cases.case_accept(actor=desk.clerk, case=case, at=at("2026-03-02 10:02"))
    assert case.light == "green" and case.due_date == date(2026, 3, 2)
    assert not Alert.objects.exists()
    scan("2026-03-03 10:00")  # not decided that day: late
    assert alerts("case.deadline")[0].severity == "red"


def test_a_green_channel_cases_review_step_is_warned_earlier(desk):
    # The review step (6 days, due Tue 03-10): yellow from Sat 03-07 by the
    # standard threshold; a green-channel case's (max(2, 40% of 6)) warns on
    # Fri 03-06 already.
    case = accepted(desk)
    scan("2026-03-06 16:00")
    assert alerts("case.step_deadline") == []
    cases.case_green_channel_set(actor=desk.manager, case=Case.objects.get(pk=case.pk), green=True, reason="重点项目",
                                 at=at("2026-03-06 16:30"))
    scan("2026-03-06 17:00")
    [alert] = alerts("case.step_deadline")
    assert alert.subject == f"case:{case.pk}:step:1" and alert.severity == "yellow"
