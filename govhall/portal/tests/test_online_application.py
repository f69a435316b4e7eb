"""Applying online: a draft, its materials (checked files), submission,
correction and resubmission, withdrawal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.states import State
from govhall.cases.tests.conftest import desk  # noqa: F401  (fixture)
from govhall.core.actors import SYSTEM
from govhall.test import sample_pdf

PDF = sample_pdf("scanned application form")


def apply(client, desk):
    client.force_login(desk.applicant)
    answer = client.post(reverse("portal_apply", args=[desk.item.code]), {
        "applicant_kind": "person", "applicant_name": "张三", "applicant_id_number": "110101199003070011",
        "applicant_phone": "13912345678"})
    assert answer.status_code == 302
    return Case.objects.get()


def upload(client, case, order, name="申请书.pdf", content=PDF):
    return client.post(reverse("portal_my_case_act", args=[case.number, "upload"]),
                       {"order": order, "file": SimpleUploadedFile(name, content)}, follow=True)


def test_apply_upload_and_submit(client, desk):
    case = apply(client, desk)
    assert case.state == State.DRAFT and case.channel == "online" and case.applicant == desk.applicant
    # Material 2 (营业执照) comes from e-licences: only 1 is required from the applicant (3 is conditional).
    refused = client.post(reverse("portal_my_case_act", args=[case.number, "submit"]), follow=True)
    assert "尚缺必要材料：食品经营许可申请书" in refused.content.decode()
    page = upload(client, case, 1).content.decode()
    assert "材料已上传" in page and "SHA-256" in page
    client.post(reverse("portal_my_case_act", args=[case.number, "submit"]))
    case.refresh_from_db()
    assert case.state == State.SUBMITTED and case.received_on is not None
    assert case.materials.get().sha256 == __import__("hashlib").sha256(PDF).hexdigest()


def test_uploads_are_checked(client, desk):
    case = apply(client, desk)
    assert "只接受以下类型的文件：.pdf、.jpg、.jpeg、.png" in upload(client, case, 1, name="a.exe", content=b"MZ").content.decode()
    assert "无法打开" in upload(client, case, 1, name="a.pdf", content=b"MZ fake").content.decode()
    assert not case.materials.exists()


def test_correction_then_resubmission_by_the_applicant(client, desk):
    case = apply(client, desk)
    upload(client, case, 1)
    client.post(reverse("portal_my_case_act", args=[case.number, "submit"]))
    case.refresh_from_db()
    cases.case_request_correction(actor=desk.clerk, case=case, items=[{"material": "食品经营许可申请书", "problem": "未签字"}])
    page = client.get(reverse("portal_my_case", args=[case.number])).content.decode()
    assert "需要补正的材料" in page and "未签字" in page and "补正材料通知书" in page
    upload(client, case, 1, name="签字版.pdf")
    client.post(reverse("portal_my_case_act", args=[case.number, "resubmit"]))
    case.refresh_from_db()
    assert case.state == State.SUBMITTED and case.materials.count() == 2


def test_others_cannot_see_or_touch_the_case(client, desk):
    case = apply(client, desk)
    from govhall.org import services as org

    other = org.user_create(actor=SYSTEM, username="other", password="pw-123456789", role="applicant")
    client.force_login(other)
    assert client.get(reverse("portal_my_case", args=[case.number])).status_code == 404
    client.force_login(desk.clerk)
    assert client.get(reverse("portal_apply", args=[desk.item.code])).status_code == 403


def test_the_applicant_withdraws(client, desk):
    case = apply(client, desk)
    upload(client, case, 1)
    client.post(reverse("portal_my_case_act", args=[case.number, "submit"]))
    client.post(reverse("portal_my_case_act", args=[case.number, "withdraw"]), {"reason": "不办了"})
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN


def test_an_anonymous_visitor_is_asked_to_log_in(client, desk):
    answer = client.get(reverse("portal_apply", args=[desk.item.code]))
    assert answer.status_code == 302 and "/login/" in answer.url


def test_the_online_form_checks_the_phone_and_names_the_field(client, desk):
    client.force_login(desk.applicant)
    answer = client.post(reverse("portal_apply", args=[desk.item.code]), {
        "applicant_kind": "person", "applicant_name": "张三", "applicant_id_number": "110101199003070011",
        "applicant_phone": "0826"})
    assert answer.status_code == 400 and answer.context["form"].errors["applicant_phone"]
    assert not Case.objects.exists()
