"""The notices a case gets (DESIGN 3.5): issued by the transitions, numbered,
frozen, rendered to PDF, verifiable by their QR code."""

import shutil
import subprocess

import pytest

from govhall.cases.tests.conftest import accept_checked
from govhall.cases import services as cases
from govhall.cases.models import NoticeKind
from govhall.cases.notices import notice_data
from govhall.cases.tests.conftest import at
from govhall.cases.tests.test_lifecycle import submit
from govhall.documents import notice_pdf, notice_text
from govhall.test import suspend


def walk(desk):
    case = accept_checked(actor=desk.clerk, case=submit(desk), at=at("2026-03-02 10:05"))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion="符合", at=at("2026-03-04 10:00"))
    case = cases.case_extend(actor=desk.head, case=case, days=5, reason="需征求相关部门意见", at=at("2026-03-05 10:00"))
    case = cases.case_approve(actor=desk.approver, case=case, opinion="同意", at=at("2026-03-09 10:00"))
    case = cases.case_certify(actor=desk.clerk, case=case, certificate_number="JY1511602", at=at("2026-03-09 11:00"))
    return cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三", at=at("2026-03-10 10:00"))


def test_each_transition_that_the_law_names_issues_its_notice(desk):
    case = walk(desk)
    kinds = list(case.notices.order_by("pk").values_list("kind", flat=True))
    assert kinds == [NoticeKind.ACCEPTANCE, NoticeKind.EXTENSION, NoticeKind.APPROVAL, NoticeKind.DELIVERY]
    numbers = list(case.notices.order_by("pk").values_list("number", flat=True))
    assert numbers[0] == "审批局受〔2026〕1号"
    accept_event = case.events.get(action="accept")
    assert accept_event.data["notice"] == numbers[0]  # the chain names the notice it issued


def test_the_acceptance_notice_says_what_the_law_requires(desk):
    case = walk(desk)
    text = notice_text(notice_data(case.notices.get(kind=NoticeKind.ACCEPTANCE)))
    for part in ["受理通知书", "审批局受〔2026〕1号", case.number, case.query_code, "张三", "1101**********0011",
                 "第三十二条", "10个工作日内（2026年3月16日前）", "0826-2000001", "2026年3月2日"]:
        assert part in text, part
    assert "110101199003070011" not in text  # the identity number is masked on paper too


def test_the_acceptance_notice_lists_each_material_as_checked(desk):
    case = walk(desk)
    text = notice_text(notice_data(case.notices.get(kind=NoticeKind.ACCEPTANCE)))
    assert "申请材料齐全、符合法定形式" in text and "收取材料清单" in text
    for material in desk.version.materials.all():
        assert material.name in text
        assert ("核验合格" if material.handed_in_required else "") in text
    assert "未核验" not in text and "需补正" not in text  # acceptance waits for every required material


def test_rejection_and_denial_state_the_reasons_and_the_rights(desk):
    rejected = cases.case_reject(actor=desk.clerk, case=submit(desk), reason="不属于本机关职权", refer_to="市市场监管局")
    text = notice_text(notice_data(rejected.notices.get()))
    assert "不属于本机关职权" in text and "请向市市场监管局申请" in text and "行政复议" in text and "行政诉讼" in text
    case = cases.case_complete_step(actor=desk.reviewer, case=accept_checked(actor=desk.clerk, case=submit(desk)), opinion="不符合")
    denied = cases.case_deny(actor=desk.approver, case=case, reasons="经营场所面积不足")
    text = notice_text(notice_data(denied.notices.get(kind=NoticeKind.DENIAL)))
    assert "不予行政许可" in text and "经营场所面积不足" in text and "第三十八条第二款" in text and "六十日" in text


def test_the_correction_notice_lists_every_material_once(desk):
    case = cases.case_request_correction(actor=desk.clerk, case=submit(desk), at=at("2026-03-03 09:00"), items=[
        {"material": "食品经营许可申请书", "problem": "缺少签字"}, {"material": "营业执照", "problem": "已过期"},
        {"material": "场所平面图", "problem": "未标明面积"}])
    text = notice_text(notice_data(case.notices.get()))
    assert all(word in text for word in ["补正材料通知书", "一次告知", "缺少签字", "已过期", "未标明面积"])


def test_the_suspension_notice_says_what_for_and_how_long(desk):
    case = accept_checked(actor=desk.clerk, case=submit(desk))
    case = suspend(case, reviewer=desk.reviewer, head=desk.head, ground="expert_review", reason="组织专家论证",
                   expected_days=5)
    text = notice_text(notice_data(case.notices.get(kind=NoticeKind.SUSPENSION)))
    assert "专家评审" in text and "组织专家论证" in text and "5个工作日" in text and "第四十五条" in text


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_a_notice_prints_as_a_chinese_pdf(desk, tmp_path):
    case = walk(desk)
    notice = case.notices.get(kind=NoticeKind.APPROVAL)
    pdf = notice_pdf(notice_data(notice))
    path = tmp_path / "n.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "准予行政许可决定书" in text and notice.number in text and "食品经营许可证" in text


def test_the_delivery_receipt_names_the_decision_and_the_certificate_served(desk):
    case = walk(desk)
    approval = case.notices.get(kind=NoticeKind.APPROVAL).number
    assert case.decision_number == approval
    text = notice_text(notice_data(case.notices.get(kind=NoticeKind.DELIVERY)))
    assert f"准予行政许可决定书（{approval}）" in text and "编号 JY1511602" in text
    assert case.notices.get(kind=NoticeKind.ACCEPTANCE).number not in text  # served at acceptance, not now


def test_a_denial_is_served_without_the_result(desk):
    case = cases.case_complete_step(actor=desk.reviewer, case=accept_checked(actor=desk.clerk, case=submit(desk)),
                                    opinion="不符合")
    case = cases.case_deny(actor=desk.approver, case=case, reasons="经营场所面积不足")
    case = cases.case_deliver(actor=desk.clerk, case=case, method="mail", received_by="张三")
    text = notice_text(notice_data(case.notices.get(kind=NoticeKind.DELIVERY)))
    assert f"不予行政许可决定书（{case.decision_number}）" in text and desk.version.result_name not in text
    assert "邮寄送达" in text
