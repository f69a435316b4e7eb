"""The longest texts the services accept print on the notices, across as
many pages as they need (DESIGN 3.5; cases/limits.py): every page numbered
"第 N 页 共 M 页" with the notice's number, and the whole text there in order."""

import shutil
import subprocess

import pytest

from govhall.cases.tests.conftest import accept_checked
from govhall.cases import limits
from govhall.cases import services as cases
from govhall.cases.notices import notice_data
from govhall.cases.tests.conftest import at
from govhall.cases.tests.test_lifecycle import submit
from govhall.documents import notice_pdf
from govhall.test import suspend

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")

NAME = ("广安区明德餐饮管理有限公司" * 10)[:limits.APPLICANT_NAME_MAX]
NO_BREAKS = "鉴" * limits.TEXT_MAX  # a text without a single break opportunity
LATIN = "X" * limits.TEXT_MAX  # one endless Latin word


def pages_text(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    # -raw: in the order things are drawn, a table cell after cell.
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def body(page: str) -> str:
    """A page without its foot (the small print and the page mark)."""
    return "".join(line for line in page.splitlines(keepends=True)
                   if "页 共" not in line and "· 办件编号" not in line)


def squash(text: str) -> str:
    return "".join(text.split())


def printed(notice, tmp_path) -> tuple[list[str], str]:
    pages = pages_text(notice_pdf(notice_data(notice)), tmp_path)
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页共{len(pages)}页" in squash(page), f"page {number} lacks its number"
        assert squash(notice.number) in squash(page), f"page {number} lacks the notice number"
    return pages, squash("".join(body(page) for page in pages))


def test_a_correction_notice_of_fifty_long_lines(desk, tmp_path):
    items = [{"material": f"{i:02d}" + "申请材料名称" * 40, "problem": f"问题{i:02d}：" + "内容不符合要求须重新提交" * 50}
             for i in range(limits.CORRECTION_ITEMS_MAX)]
    items = [{"material": e["material"][:limits.CORRECTION_MATERIAL_MAX],
              "problem": e["problem"][:limits.CORRECTION_PROBLEM_MAX]} for e in items]
    case = submit(desk, applicant_name=NAME)
    case = cases.case_request_correction(actor=desk.clerk, case=case, items=items, at=at("2026-03-02 10:05"))
    pages, text = printed(case.notices.get(), tmp_path)
    assert len(pages) > 5
    position = 0
    for entry in items:  # every line, whole and in order
        for part in (entry["material"], entry["problem"]):
            found = text.find(squash(part), position)
            assert found >= 0, part[:20]
            position = found + len(squash(part))
    assert squash(NAME) in text


@pytest.mark.parametrize("reason", [NO_BREAKS, LATIN], ids=["cjk", "latin"])
def test_a_rejection_with_the_longest_reason(desk, tmp_path, reason):
    case = cases.case_reject(actor=desk.clerk, case=submit(desk), reason=reason,
                             refer_to="某" * limits.REFER_TO_MAX, at=at("2026-03-02 10:05"))
    pages, text = printed(case.notices.get(), tmp_path)
    assert len(pages) >= 2 and reason in text and "某" * limits.REFER_TO_MAX in text


def test_every_notice_kind_at_its_bounds(desk, tmp_path):
    long_text = "经审查情况复杂需要进一步核实" * 143  # 2,002 characters, cut to the bound
    case = accept_checked(actor=desk.clerk, case=submit(desk, applicant_name=NAME), at=at("2026-03-02 10:05"))
    case = suspend(case, reviewer=desk.reviewer, head=desk.head, ground="expert_review",
                   reason=long_text[:limits.PAUSE_REASON_MAX], expected_days=limits.SUSPENSION_DAYS_MAX,
                   at=at("2026-03-03 10:00"))
    case = cases.case_resume(actor=desk.reviewer, case=case, at=at("2026-03-04 10:00"))
    case = cases.case_extend(actor=desk.head, case=case, days=10, reason=long_text[:limits.PAUSE_REASON_MAX],
                             at=at("2026-03-05 10:00"))
    case = cases.case_complete_step(actor=desk.reviewer, case=case, opinion=long_text[:limits.TEXT_MAX],
                                    at=at("2026-03-06 10:00"))
    case = cases.case_deny(actor=desk.approver, case=case, reasons=long_text[:limits.TEXT_MAX], at=at("2026-03-09 10:00"))
    case = cases.case_deliver(actor=desk.clerk, case=case, method="mail", received_by="签" * limits.SHORT_TEXT_MAX,
                              at=at("2026-03-10 10:00"))
    kinds = {}
    for notice in case.notices.order_by("pk"):
        pages, text = printed(notice, tmp_path)
        kinds[notice.kind] = len(pages)
        assert squash(NAME) in text
    assert set(kinds) == {"acceptance", "suspension", "extension", "denial", "delivery"}
    assert kinds["denial"] >= 2  # 2,000 characters of reasons and the rights notice
