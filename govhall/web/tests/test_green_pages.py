"""The green channel page of a case and a joint case: flag, pre-review, opinions."""

import pytest
from django.test import Client
from django.urls import reverse

from govhall.cases.models import Case
from govhall.joint.models import JointCase, PreReviewOpinion
from govhall.joint.tests import conftest as joint_fixtures
from govhall.joint.tests.builders import receive_construction

joint_hall = joint_fixtures.joint_hall  # the hall with both themes published (fixture)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_flags_a_joint_case_and_a_department_answers_the_pre_review(joint_hall):
    h = joint_hall
    jc = receive_construction(h)
    url = reverse("green_joint", args=[jc.number])
    manager = client_for(h.manager)
    assert "绿色通道与联合预审" in client_for(h.manager).get(reverse("joint_detail", args=[jc.number])).content.decode()
    page = manager.post(url, {"action": "flag", "reason": ""})
    assert page.status_code == 400 and "reason" in page.context["flag"].errors
    assert manager.post(url, {"action": "flag", "reason": "省重点项目"}).status_code == 302
    assert JointCase.objects.get(pk=jc.pk).green_channel
    assert Case.objects.filter(joint_link__joint_case=jc, green_channel=True).count() == 3
    g = h.departments["G"]
    assert manager.post(url, {"action": "open", "departments": [g.pk], "note": "请预审"}).status_code == 302
    opinion = PreReviewOpinion.objects.get(department=g)
    # Another department's reviewer sees no form and may not answer.
    assert client_for(h.people.reviewer_e).post(url, {"action": "opinion", "opinion": opinion.pk,
                                                      f"op{opinion.pk}-verdict": "pass"}).status_code in (403, 404)
    reviewer = client_for(h.people.reviewer_g)
    page = reviewer.post(url, {"action": "opinion", "opinion": opinion.pk, f"op{opinion.pk}-verdict": "issues",
                               f"op{opinion.pk}-text": ""})
    assert page.status_code == 400
    assert reviewer.post(url, {"action": "opinion", "opinion": opinion.pk, f"op{opinion.pk}-verdict": "issues",
                               f"op{opinion.pk}-text": "消防通道不足"}).status_code == 302
    assert PreReviewOpinion.objects.get(pk=opinion.pk).text == "消防通道不足"
    assert "消防通道不足" in manager.get(url).content.decode()


@pytest.mark.parametrize("who", ["reviewer", "town_manager"])
def test_only_a_manager_of_the_center_or_above_flags_a_case(joint_hall, who):
    h = joint_hall
    case = Case.objects.filter(joint_link__joint_case=receive_construction(h)).order_by("pk").first()
    url = reverse("green_case", args=[case.pk])
    status = client_for(getattr(h, who)).post(url, {"action": "flag", "reason": "重点"}).status_code
    assert status in (403, 404)
    assert not Case.objects.get(pk=case.pk).green_channel
    assert client_for(h.manager).post(url, {"action": "flag", "reason": "重点"}).status_code == 302
    assert Case.objects.get(pk=case.pk).green_channel


def test_scanning_a_card_opens_the_project_page_and_records_the_contact(joint_hall):
    from govhall.joint.models import ProjectContact

    h = joint_hall
    jc = receive_construction(h)
    clerk = client_for(h.clerk)
    assert clerk.get(reverse("track_search"), {"number": jc.number}).url == reverse("track_card", args=[jc.number])
    page = clerk.get(reverse("track_card", args=[jc.number]))
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and jc.number in body and "各部门办理用时" in body
    # The receipt at the comprehensive window was the card's first contact; the scan the second.
    assert list(ProjectContact.objects.filter(joint_case=jc).values_list("user", flat=True)) == [h.clerk.pk] * 2
    assert clerk.get(reverse("track_card", args=["NO-SUCH-CARD"])).status_code == 404
    assert ProjectContact.objects.count() == 2


def test_the_printable_card_carries_the_number_in_chinese(joint_hall, tmp_path):
    import shutil
    import subprocess

    h = joint_hall
    jc = receive_construction(h)
    response = client_for(h.clerk).get(reverse("track_card_pdf", args=[jc.number]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    (tmp_path / "card.pdf").write_bytes(response.content)
    text = "".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "card.pdf"), "-"], check=True,
                                  capture_output=True).stdout.decode().split())
    assert "审批跟踪卡" in text and jc.number in text and "示例置业有限公司" in text
    assert client_for(h.town_manager).get(reverse("track_card_pdf", args=[jc.number])).status_code == 404
