"""The window and back office in the workbench, and the applicant's side on the portal."""

import pytest
import time_machine
from django.urls import reverse

from govhall.cases.tests.conftest import accept_checked
from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.states import State
from govhall.cases.tests.conftest import apply_online, at, desk  # noqa: F401  (fixture)
from govhall.cases.tests.test_lifecycle import submit
from govhall.test import sample_pdf


def receive(client, desk, **changes):
    data = {"applicant_kind": "person", "applicant_name": "张三", "applicant_id_number": "110101199003070011",
            "applicant_phone": "13912345678", "decision": "accept", "correction": "", "reason": "", "refer_to": "",
            "checked": ["1"]}  # the original of the required material seen
    data.update(changes)
    return client.post(reverse("case_receive", args=[desk.item.code]), data)


def test_a_clerk_receives_and_accepts_at_the_window(client, desk):
    client.force_login(desk.clerk)
    assert "材料核验" in client.get(reverse("case_receive", args=[desk.item.code])).content.decode()
    answer = receive(client, desk)
    case = Case.objects.get()
    assert answer.status_code == 302 and case.state == State.ACCEPTED
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "受理通知书" in page and case.number in page and "1101**********0011" in page
    notice = case.notices.get()
    pdf = client.get(reverse("case_notice_pdf", args=[case.pk, notice.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_correction_at_the_window_lists_the_materials(client, desk):
    client.force_login(desk.clerk)
    receive(client, desk, decision="correction", correction="营业执照：已过期\n申请书：缺签字")
    case = Case.objects.get()
    assert case.state == State.CORRECTION and len(case.events.last().data["items"]) == 2


def test_bad_applicant_data_is_a_form_error_and_no_case(client, desk):
    client.force_login(desk.clerk)
    answer = receive(client, desk, applicant_phone="")
    assert answer.status_code == 400 and not Case.objects.exists()


def test_the_case_page_offers_only_what_the_user_may_do(client, desk):
    case = accept_checked(actor=desk.clerk, case=submit(desk))
    client.force_login(desk.reviewer)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "完成审查环节" in page and "准予许可" not in page
    client.force_login(desk.approver)
    assert client.post(reverse("case_act", args=[case.pk, "approve"]), {"approve-opinion": "同意"}).status_code == 403
    client.force_login(desk.reviewer)
    answer = client.post(reverse("case_act", args=[case.pk, "complete_step"]), {"complete_step-opinion": "符合条件"})
    assert answer.status_code == 302
    client.force_login(desk.approver)
    client.post(reverse("case_act", args=[case.pk, "approve"]), {"approve-opinion": "同意"})
    assert Case.objects.get(pk=case.pk).state == State.APPROVED


def test_a_missing_opinion_is_a_field_error(client, desk):
    case = accept_checked(actor=desk.clerk, case=submit(desk))
    client.force_login(desk.reviewer)
    answer = client.post(reverse("case_act", args=[case.pk, "complete_step"]), {"complete_step-opinion": ""})
    assert answer.status_code == 400 and Case.objects.get(pk=case.pk).state == State.ACCEPTED


def test_staff_of_another_department_do_not_see_the_case(client, desk):
    case = submit(desk)
    client.force_login(desk.clerk_b)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    assert case.number not in client.get(reverse("case_worklist")).content.decode()
    client.force_login(desk.supervisor)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert case.number in page and "可办理的操作" not in page  # read-only


def test_every_screen_shows_the_stored_light_and_a_labelled_clock(client, desk):
    from govhall.stats.indicators import current_lights
    from govhall.supervision.engine import supervise_scan
    from govhall.supervision.selectors import wall_for

    case = accept_checked(actor=desk.clerk, case=submit(desk))  # due Mon 03-16
    with time_machine.travel(at("2026-03-17 09:00"), tick=False):  # the day after: overdue
        supervise_scan(at=at("2026-03-17 08:00"))  # the scheduled scan stores the light
        client.force_login(desk.manager)
        lists = [client.get(reverse("case_worklist"), {"view": "all"}).content.decode(),
                 client.get(reverse("case_worklist"), {"view": "all", "light": "red"}).content.decode(),
                 client.get(reverse("case_detail", args=[case.pk])).content.decode()]
        wall = wall_for(desk.manager)["totals"]
        dashboard_lights = current_lights(user=desk.manager)
    assert Case.objects.get(pk=case.pk).light == "red"
    assert wall["red"] == dashboard_lights["red"] == 1  # the wall and the statistics count the same light
    for page in lists:
        assert case.number in page and 'class="light red"' in page and "办理期限 2026-03-16" in page
        assert "已超期 1 个工作日" in page
    assert 'class="light green"' not in lists[0]


def test_a_decided_case_shows_its_delivery_clock_labelled(client, desk):
    case = accept_checked(actor=desk.clerk, case=submit(desk), at=at("2026-03-02 10:00"))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="符合", at=at("2026-03-03 10:00"))
    case = cases.case_deny(actor=desk.approver, case=case, reasons="不符合法定条件", at=at("2026-03-04 10:00"))
    with time_machine.travel(at("2026-03-05 09:00"), tick=False):
        client.force_login(desk.manager)
        page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    # Decided on 03-04: delivery within 10 working days (art. 44), green, labelled as such.
    assert "送达期限 2026-03-18" in page and 'class="light green"' in page and "办理期限" not in page


def test_progress_needs_number_and_query_code_and_is_rate_limited(client, desk):
    case = accept_checked(actor=desk.clerk, case=submit(desk))
    found = client.post(reverse("portal_progress"), {"number": case.number, "query_code": case.query_code})
    text = found.content.decode()
    assert found.status_code == 200 and "已受理" in text and "受理通知书" in text and "clerk" not in text
    assert client.post(reverse("portal_progress"), {"number": case.number, "query_code": "WRONG"}).status_code == 404
    statuses = [client.post(reverse("portal_progress"), {"number": case.number, "query_code": "X"}).status_code
                for _ in range(10)]
    assert statuses[-1] == 429


def test_the_qr_code_leads_to_a_verification_page(client, desk):
    case = accept_checked(actor=desk.clerk, case=submit(desk))
    notice = case.notices.get()
    assert notice.content["qr_url"].endswith(f"/verify/{notice.verify_code}/")
    page = client.get(reverse("portal_verify", args=[notice.verify_code])).content.decode()
    assert "真实有效" in page and notice.number in page
    assert client.get(reverse("portal_verify", args=["forged-code"])).status_code == 404
    assert client.get(reverse("portal_verify_pdf", args=[notice.verify_code])).content.startswith(b"%PDF")


def test_an_applicant_sees_only_their_own_cases(client, desk):
    own = apply_online(applicant=desk.applicant, version=desk.version, center=desk.district, when=at("2026-03-02 10:00"))
    other = submit(desk)
    client.force_login(desk.applicant)
    page = client.get(reverse("portal_my_cases")).content.decode()
    assert own.number in page and other.number not in page


def test_the_worklist_filters_by_current_step(client, desk):
    waiting = accept_checked(actor=desk.clerk, case=submit(desk))  # now at 审查
    received = submit(desk)  # still at 受理
    client.force_login(desk.manager)
    page = client.get(reverse("case_worklist"), {"step": "审查"}).content.decode()
    assert waiting.number in page and received.number not in page


def test_scans_taken_at_the_window_are_stored_with_the_case(client, desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(desk.clerk)
    receive(client, desk, **{"scan-1": SimpleUploadedFile("scan.pdf", sample_pdf("scan"))})
    case = Case.objects.get()
    assert case.materials.get().material_order == 1 and case.state == State.ACCEPTED
    bad = receive(client, desk, **{"scan-1": SimpleUploadedFile("scan.pdf", b"not a pdf")})
    assert bad.status_code == 400 and "不符" in bad.content.decode()
    assert Case.objects.count() == 1  # the refused scan left no second case


def test_the_case_page_shows_the_rating_and_the_alerts(client, desk):
    from govhall.cases.tests.conftest import at
    from govhall.evaluation.services import rating_submit

    case = submit(desk, applicant=desk.applicant)
    case = accept_checked(actor=desk.clerk, case=case, at=at("2026-03-02 10:05"))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="符合", at=at("2026-03-03 10:00"))
    case = cases.case_approve(actor=desk.approver, case=case, opinion="同意", at=at("2026-03-18 10:00"))  # late
    if desk.version.result_type == "certificate":
        case = cases.case_certify(actor=desk.clerk, case=case, certificate_number="Z-1", at=at("2026-03-18 11:00"))
    case = cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三", at=at("2026-03-18 14:00"))
    rating_submit(actor=desk.applicant, case=case, level=1, comment="太慢了", at=at("2026-03-19 10:00"))
    client.force_login(desk.reviewer)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "监察预警" in page and "超过承诺期限2026-03-16" in page
    assert "服务评价" in page and "非常不满意" in page and "差评整改" in page


def test_a_worklist_filter_no_database_can_hold_is_ignored(client, desk):
    client.force_login(desk.clerk)
    submit(desk)
    for department in ("99999999999999999999999", "-1", "x"):
        answer = client.get(reverse("case_worklist"), {"department": department, "light": "purple", "page": "99999"})
        assert answer.status_code == 200
        assert Case.objects.get().number in answer.content.decode()


def test_a_case_address_no_database_can_hold_is_a_404(client, desk):
    client.force_login(desk.clerk)
    assert client.get("/workbench/cases/99999999999999999999999/").status_code == 404
    assert client.get("/workbench/cases/99999999999999999999999/notices/99999999999999999999999.pdf").status_code == 404


@pytest.mark.parametrize("changes, field", [
    ({"decision": "correction", "correction": ""}, "correction"),
    ({"decision": "reject", "reason": ""}, "reason"),
    ({"applicant_id_number": "abc"}, "applicant_id_number"),
    ({"applicant_id_number": "110101199003070012"}, "applicant_id_number"),  # check digit off by one
    ({"applicant_kind": "organization", "applicant_id_number": "91511602MA1234567D"}, "applicant_id_number"),
    ({"applicant_phone": "0826"}, "applicant_phone"),
])
def test_a_receipt_that_fails_writes_nothing_and_names_the_field(client, desk, changes, field):
    from govhall.cases.models import CaseEvent

    client.force_login(desk.clerk)
    answer = receive(client, desk, **changes)
    assert answer.status_code == 400
    assert answer.context["form"].errors[field], answer.context["form"].errors
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
    assert 'name="checked" value="1" checked' in answer.content.decode()  # what the clerk ticked stays ticked


def test_a_company_is_received_by_its_credit_code(client, desk):
    client.force_login(desk.clerk)
    answer = receive(client, desk, applicant_kind="organization", applicant_name="广安市示例科技有限公司",
                     applicant_id_number="91511602ma1234567c", applicant_phone="0826-2338001")
    assert answer.status_code == 302
    assert Case.objects.get().applicant_id_number == "91511602MA1234567C"


# --- materials at the center of acceptance ------------------------------------------

def _online(desk):
    return apply_online(applicant=desk.applicant, version=desk.version, center=desk.district,
                        when=at("2026-03-02 10:00"))


def test_the_case_page_shows_each_material_with_its_files_for_those_who_may_see_the_case(client, desk):
    case = _online(desk)
    record = case.materials.get()
    client.force_login(desk.clerk)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    url = reverse("case_material_file", args=[case.pk, record.pk])
    assert "申请材料" in page and record.original_name in page and url in page and "未核验" in page
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "application/pdf"
    assert b"".join(shown.streaming_content) == record.file.open("rb").read()
    assert "attachment" in client.get(url, {"download": "1"})["Content-Disposition"]
    # Another department's clerk, a guessed number, the public: nothing.
    client.force_login(desk.clerk_b)
    assert client.get(url).status_code == 404
    client.force_login(desk.clerk)
    assert client.get(reverse("case_material_file", args=[case.pk, record.pk + 1])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    # The applicant downloads his own file from the portal.
    client.force_login(desk.applicant)
    own = client.get(reverse("portal_my_case_file", args=[case.number, record.pk]))
    assert own.status_code == 200 and "attachment" in own["Content-Disposition"]


def test_a_material_found_wanting_fills_the_correction_and_blocks_acceptance(client, desk):
    case = _online(desk)
    client.force_login(desk.clerk)
    answer = client.post(reverse("case_act", args=[case.pk, "check_materials"]),
                         {"check_materials-verdict_1": "fix", "check_materials-note_1": ""})
    # a 需补正 without what: refused on the note of that very material, the verdict chosen kept
    assert answer.status_code == 400 and not case.material_checks.exists()
    assert "请写明需要补正的内容" in answer.content.decode()
    client.post(reverse("case_act", args=[case.pk, "check_materials"]),
                {"check_materials-verdict_1": "fix", "check_materials-note_1": "缺少法定代表人签字"})
    check = case.material_checks.get()
    assert (check.verdict, check.note, check.checked_by) == ("fix", "缺少法定代表人签字", desk.clerk)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "需补正" in page and "食品经营许可申请书：缺少法定代表人签字</textarea>" in page
    client.post(reverse("case_act", args=[case.pk, "accept"]), follow=True)
    assert Case.objects.get(pk=case.pk).state == State.SUBMITTED
    client.post(reverse("case_act", args=[case.pk, "check_materials"]), {"check_materials-verdict_1": "ok"})
    client.post(reverse("case_act", args=[case.pk, "accept"]))
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED


def test_the_window_accepts_only_what_the_clerk_checked(client, desk):
    client.force_login(desk.clerk)
    refused = receive(client, desk, checked=[])  # nothing ticked, nothing scanned
    assert refused.status_code == 400 and "尚未核验合格" in refused.content.decode()
    assert not Case.objects.exists()
    client.post(reverse("case_receive", args=[desk.item.code]), {
        "applicant_kind": "person", "applicant_name": "张三", "applicant_id_number": "110101199003070011",
        "applicant_phone": "13912345678", "decision": "accept", "checked": ["1"]})
    case = Case.objects.get()
    assert case.state == State.ACCEPTED and case.material_checks.get(material_order=1).verdict == "ok"


def test_an_empty_action_form_marks_only_itself(client, desk):
    case = accept_checked(actor=desk.clerk, case=submit(desk))
    client.force_login(desk.reviewer)
    answer = client.post(reverse("case_act", args=[case.pk, "complete_step"]), {"complete_step-opinion": ""})
    page = answer.content.decode()
    assert answer.status_code == 400
    # The reviewer's page has three forms (complete the step, ask for a special procedure or an extension):
    # only the one submitted says what is missing.
    assert "申请特别程序" in page and "申请延长期限" in page
    assert page.count('class="errorlist') == 1
    assert "意见：</label>" in page  # Chinese punctuation after a label, not Django's ASCII colon
